#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "ferry/json.h"
#include "ferry/lock.h"
#include "ferry/transport.h"
#include "ferry/log.h"
#include "ferry/offline.h"
#include "ferry/sidecmd.h"
#include "ferry/runbook_store.h"

static const struct ferry_opt opts[] = {
    FERRY_CLI_GLOBAL_OPTS,
    {"to", 0, "MEDIUM", "usb[:DIR], png:DIR, pdf:FILE, html:FILE or screen"},
    {"runbook", 0, "FILE", "also write the runbook for this transfer (PDF; .txt: text)"},
    FERRY_CLI_QR_OPTS,
};

static const struct ferry_cmd_spec spec = {
    PROG,
    "export",
    "REQUEST --to MEDIUM [--runbook FILE]",
    "Checks that REQUEST is an RMS renewal request (<Server>RenewalRequest.xml) or, in the X.509 "
    "mode, a PKCS#10 (PEM or DER, from `ferry-offline request`), carried byte-exact: not one "
    "byte is changed; signs it into a package with this machine's identity, "
    "writes it to the medium and records it as outstanding.",
    opts,
    sizeof(opts) / sizeof(opts[0]),
    1};

static void print_result(const struct ferry_args *a, const struct ferry_export_result *res)
{
    char groups[FERRY_FP_GROUPS_LEN];
    struct ferry_json j;

    ferry_hex_groups(res->package_sha256, FERRY_SHA256_LEN, groups);
    if (ferry_cli_json(a)) {
        ferry_json_init(&j);
        ferry_json_str(&j, "transfer_id", res->transfer_id);
        ferry_json_str(&j, "kind", res->x509 ? "x509" : "rms");
        ferry_json_str(&j, res->x509 ? "subject" : "server_name", res->server_name);
        if (res->x509) {
            ferry_json_str(&j, "cert_path", res->cert_path);
        } else {
            ferry_json_str(&j, "server_name_from", res->server_name_from);
            ferry_json_str(&j, "guid", res->guid);
        }
        ferry_json_str(&j, "package", res->package_name);
        ferry_json_str(&j, "written", res->where);
        ferry_json_hex_text(&j, "package_sha256", groups);
        ferry_json_print(&j, stdout);
        return;
    }
    printf("transfer:    %s\n%s%s%s%s%s\n", res->transfer_id,
           res->x509 ? "subject:     " : "server:      ",
           res->server_name ? res->server_name : "(not named)",
           !res->x509 && res->server_name_from ? " (from " : "",
           !res->x509 && res->server_name_from ? res->server_name_from : "",
           !res->x509 && res->server_name_from ? ")" : "");
    if (res->x509)
        printf("certificate: %s\n", res->cert_path ? res->cert_path : "(not recorded)");
    else
        printf("guid:        %s\n", res->guid);
    printf("written:     %s\nSHA-256:     %s\n", res->where, groups);
    fprintf(stderr, "%s: next: carry it to the online machine and run `ferry-online submit`\n",
            PROG);
    if (!res->paired)
        ferry_log(FERRY_LOG_WARN, "no online machine is paired yet: run `ferry-offline pair` "
                                  "before the answer comes back");
}

/* A package (a `.ferry` file) given where the request belongs: says what it is and what to do. */
static ferry_err not_a_package(const char *path)
{
    size_t n = strlen(path);

    if (n < 6 || strcmp(path + n - 6, ".ferry") != 0)
        return FERRY_OK;
    return ferry_errf(FERRY_ERR_USAGE,
                      "%s is a ferry package (written by export or submit), not a renewal "
                      "request: give the request itself (<server>RenewalRequest.xml, or the "
                      "CSR from `ferry-offline request`); a request package on the stick goes "
                      "to `ferry-online submit`, an answer package to `ferry-offline import`",
                      path);
}

int cmd_export(int argc, char **argv)
{
    struct ferry_args a;
    struct ferry_store *s = NULL;
    struct ferry_medium m = {0};
    struct ferry_export_result res;
    struct ferry_qr_opts qo;
    struct ferry_lock *medium = NULL;
    const char *to, *rb;
    int rc;
    ferry_err r;

    memset(&res, 0, sizeof(res));
    if ((rc = ferry_cli_parse(&spec, argc, argv, &a)) >= 0)
        return rc;
    if (a.npos != 1 || (to = ferry_args_get(&a, spec.opts, spec.nopts, "to")) == NULL) {
        r = ferry_errf(FERRY_ERR_USAGE, "give the request file and --to MEDIUM");
        goto out;
    }
    if ((r = not_a_package(a.pos[0])) != FERRY_OK ||
        (r = ferry_medium_parse_for(to, 1, &m)) != FERRY_OK ||
        (r = ferry_cli_qr_opts(&spec, &a, &qo)) != FERRY_OK)
        goto out;
    if ((r = ferry_cli_open_store(&spec, &a, SIDE, 0, &s)) != FERRY_OK ||
        (r = ferry_transport_lock(&m, &medium)) != FERRY_OK)
        goto out;
    if ((r = ferry_offline_export(s, a.pos[0], &m, &qo, &res)) != FERRY_OK)
        goto out;
    print_result(&a, &res);
    if ((rb = ferry_args_get(&a, spec.opts, spec.nopts, "runbook")) != NULL) {
        struct ferry_runbook_req q = {
            .side = SIDE, .transfer = res.transfer_id, .out = rb, .medium = m.kind};
        r = ferry_runbook_for_transfer(s, &q);
    }
out:
    ferry_export_result_clear(&res);
    ferry_medium_clear(&m);
    ferry_lock_release(medium);
    ferry_store_close(s);
    return ferry_cli_fail(&spec, r);
}
