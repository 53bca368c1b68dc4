/* ferry-offline: the air-gapped side. No network code is linked into this binary. */
#include "cmds.h"
#include "ferry/tool.h"

static const struct ferry_verb verbs[] = {
    FERRY_TOOL_VERBS_INIT_PAIR("carry the identity to the online machine, or import its identity"),
    {"request", cmd_request, NULL,
     "X.509: make a renewal request (PKCS#10) from a certificate and key"},
    {"export", cmd_export, NULL, "export a renewal request as a signed package (USB or QR)"},
    {"import", cmd_import, NULL, "verify the returned certificate, write it, print its expiry"},
    {"status", NULL, ferry_cmd_status, "list outstanding requests and the certificates written"},
    {"cancel", cmd_cancel, NULL, "end an outstanding transfer that will not be answered"},
    {"expiry", cmd_expiry, NULL, "RMS: read an existing SLC, print its renewal date and days left"},
    {"runbook", NULL, ferry_cmd_runbook, "print the per-transfer procedure (PDF or text)"},
};

FERRY_TOOL_MAIN(
    PROG, SIDE,
    "ferry-offline carries certificate-renewal requests off an air-gapped machine and writes the "
    "certificates they carry back.",
    verbs, &status_view)
