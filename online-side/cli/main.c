/* ferry-online: the connected side. */
#include <sys/prctl.h>

#include "cmds.h"
#include "ferry/sidecmd.h"

static int cmd_init(int argc, char **argv)
{
    return ferry_cmd_init(PROG, SIDE, argc, argv);
}

static int cmd_pair(int argc, char **argv)
{
    return ferry_cmd_pair(PROG, SIDE, argc, argv);
}

static int cmd_runbook(int argc, char **argv)
{
    return ferry_cmd_runbook(PROG, SIDE, argc, argv);
}

static const struct ferry_verb verbs[] = {
    {"init", cmd_init, "create this machine's state and pairing identity"},
    {"pair", cmd_pair, "carry the identity to the offline machine, or import its identity"},
    {"check-root", cmd_check_root,
     "check the trust store for the GTE root, or (--service) the enrollment service"},
    {"submit", cmd_submit, "submit request packages to the enrollment service, package answers"},
    {"status", cmd_status, "identity, paired machines, requests submitted and their answers"},
    {"runbook", cmd_runbook, "print the return procedure for an answer (PDF or text)"},
};

int main(int argc, char **argv)
{
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    return ferry_dispatch(PROG,
                          "ferry-online submits renewal requests carried from an air-gapped "
                          "machine and packages the answers to carry back.",
                          verbs, sizeof(verbs) / sizeof(verbs[0]), argc, argv);
}
