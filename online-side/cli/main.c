/* ferry-online: the connected side. */
#include "cmds.h"
#include "ferry/tool.h"

static const struct ferry_verb verbs[] = {
    FERRY_TOOL_VERBS_INIT_PAIR("carry the identity to the offline machine, or import its identity"),
    {"check-root", cmd_check_root, NULL,
     "check the trust store for the GTE root, or (--service) the enrollment service"},
    {"submit", cmd_submit, NULL,
     "submit request packages to the enrollment service, package answers"},
    {"status", NULL, ferry_cmd_status,
     "identity, paired machines, requests submitted and their answers"},
    {"runbook", NULL, ferry_cmd_runbook, "print the return procedure for an answer (PDF or text)"},
};

FERRY_TOOL_MAIN(
    PROG, SIDE,
    "ferry-online submits renewal requests carried from an air-gapped machine and packages the "
    "answers to carry back.",
    verbs, &status_view)
