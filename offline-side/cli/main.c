/* ferry-offline: the air-gapped side. No network code is linked into this binary. */
#include <sys/prctl.h>

#include "cmds.h"
#include "ferry/sidecmd.h"

int cmd_init(int argc, char **argv)
{
    return ferry_cmd_init(PROG, SIDE, argc, argv);
}

int cmd_pair(int argc, char **argv)
{
    return ferry_cmd_pair(PROG, SIDE, argc, argv);
}

static const struct ferry_verb verbs[] = {
    {"init", cmd_init, "create this machine's state and pairing identity"},
    {"pair", cmd_pair, "carry the identity to the online machine, or import its identity"},
    {"request", cmd_request, "X.509: make a renewal request (PKCS#10) from a certificate and key"},
    {"export", cmd_export, "export a renewal request as a signed package (USB or QR)"},
    {"import", cmd_import, "verify the returned certificate, write it, print its expiry"},
    {"status", cmd_status, "list outstanding requests and the certificates written"},
    {"cancel", cmd_cancel, "end an outstanding transfer that will not be answered"},
    {"expiry", cmd_expiry, "RMS: read an existing SLC, print its renewal date and days left"},
    {"runbook", cmd_runbook, "print the per-transfer procedure (PDF or text)"},
};

int main(int argc, char **argv)
{
    /* The identity key lives in this process: keep it out of core dumps. */
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    return ferry_dispatch(PROG,
                          "ferry-offline carries certificate-renewal requests off an air-gapped "
                          "machine and writes the certificates they carry back.",
                          verbs, sizeof(verbs) / sizeof(verbs[0]), argc, argv);
}

int cmd_runbook(int argc, char **argv)
{
    return ferry_cmd_runbook(PROG, SIDE, argc, argv);
}
