/* ferry-offline expiry FILE: when must an existing RMS server licensor certificate be renewed? */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "ferry/hex.h"
#include "ferry/time.h"
#include "ferry/file.h"
#include "ferry/json.h"
#include "ferry/rms.h"
#include "ferry/tool.h"

static const struct ferry_opt opts[] = {FERRY_CLI_GLOBAL_OPTS};

static const struct ferry_cmd_spec spec = {
    PROG,
    "expiry",
    "FILE",
    "Reads an existing RMS server licensor certificate (SLC) and prints the date it must be "
    "renewed by (the ISSUE right's RANGETIME, MS-RMPR 3.1.6.2), the days left, and its "
    "VALIDITYTIME beside it. FILE is the response document the RMS console imported "
    "(<Server>SLC.xml; the whole chain of four is verified), the service's SOAP answer, or one "
    "SLC XrML document (its digest and signature are verified with the issuer key it names: "
    "that proves it is intact, not who issued it). Needs no ferry state: run it first, to see "
    "whether a renewal is due at all (SLCs renewed after KB 2853958 run 7150 days).",
    opts,
    sizeof(opts) / sizeof(opts[0]),
    1};

int cmd_expiry(int argc, char **argv)
{
    struct ferry_rms_slc_info in;
    struct ferry_args a;
    struct ferry_json j;
    uint8_t *buf = NULL;
    size_t len = 0;
    char d1[11], d2[11] = "-", fp[FERRY_FP_GROUPS_LEN] = "";
    long long left;
    int rc;
    ferry_err r;

    if ((rc = ferry_cli_parse(&spec, argc, argv, &a)) >= 0)
        return rc;
    if (a.npos != 1) {
        r = ferry_errf(FERRY_ERR_USAGE, "give the SLC file: ferry-offline expiry FILE");
        goto out;
    }
    if ((r = ferry_file_read(a.pos[0], FERRY_RMS_MAX_RESPONSE, &buf, &len)) != FERRY_OK)
        goto out;
    if ((r = ferry_rms_slc_info(buf, len, &in)) != FERRY_OK) {
        r = ferry_errf(r, "%s: %s", a.pos[0], ferry_err_detail());
        goto out;
    }
    ferry_time_date(in.renew_by, d1);
    if (in.valid_until != 0)
        ferry_time_date(in.valid_until, d2);
    if (in.chain_verified)
        ferry_hex_groups(in.root_fp, 32, fp);
    left = ferry_time_days_until(in.renew_by, ferry_time_now());
    if (ferry_cli_json(&a)) {
        ferry_json_init(&j);
        ferry_json_str(&j, "file", a.pos[0]);
        ferry_json_str(&j, "renewal_date", d1);
        ferry_json_int(&j, "days_left", left);
        ferry_json_str(&j, "valid_until", in.valid_until ? d2 : NULL);
        ferry_json_str(&j, "guid", in.guid[0] ? in.guid : NULL);
        ferry_json_str(&j, "url", in.url[0] ? in.url : NULL);
        ferry_json_str(&j, "verified", in.chain_verified ? "chain" : "slc");
        ferry_json_hex_text(&j, "drm_root_sha256", in.chain_verified ? fp : NULL);
        r = ferry_json_print(&j, stdout);
        goto out;
    }
    printf("file:         %s\n"
           "renew by:     %s (%lld days %s; the ISSUE right's RANGETIME)\n"
           "valid until:  %s (VALIDITYTIME)\n"
           "server:       %s\nGUID:         %s\n"
           "verified:     %s\n",
           a.pos[0], d1, left < 0 ? -left : left, left < 0 ? "ago: renewal is overdue" : "left", d2,
           in.url[0] ? in.url : "(no ADDRESS)", in.guid[0] ? in.guid : "(none)",
           in.chain_verified ? "the chain of four (digests, signatures, links)"
                             : "this SLC's digest and signature only (not its issuers)");
    if (in.chain_verified)
        printf("DRM root:     %s\n", fp);
out:
    free(buf);
    return ferry_cli_fail(&spec, r);
}
