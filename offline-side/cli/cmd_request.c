/* ferry-offline request: the X.509 mode's renewal PKCS#10. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "ferry/json.h"
#include "ferry/log.h"
#include "ferry/offline.h"
#include "ferry/tool.h"

static const struct ferry_opt opts[] = {
    FERRY_CLI_GLOBAL_OPTS,
    {"cert", 0, "CERT", "the certificate to renew (PEM or DER)"},
    {"key", 0, "KEY", "its private key (PEM or DER; an encrypted key asks for its passphrase)"},
    {"rekey", 0, NULL, "request for a new key of the same type, written 0600 to CSR.key"},
    {"out", 'o', "CSR", "where to write the request (PEM)"},
};

static const struct ferry_cmd_spec spec = {
    PROG,
    "request",
    "--cert CERT --key KEY [--rekey] --out CSR",
    "X.509 mode: makes a renewal request (PKCS#10, PEM) with the certificate's subject and "
    "subjectAltName, signed by its key (or by a new key with --rekey), and records where the "
    "certificate is so that `import` writes the renewed one beside it as <name>.renewed.pem. "
    "Then run `ferry-offline export CSR --to MEDIUM`. The key never leaves this machine.",
    opts,
    sizeof(opts) / sizeof(opts[0]),
    0};

static void print_result(const struct ferry_args *a, const struct ferry_request_result *res)
{
    char hex[65], until[11];
    struct ferry_json j;

    ferry_hex(res->csr_sha256, sizeof(res->csr_sha256), hex);
    ferry_time_date(res->old_not_after, until);
    if (ferry_cli_json(a)) {
        ferry_json_init(&j);
        ferry_json_str(&j, "subject", res->subject);
        ferry_json_str(&j, "request", res->csr_path);
        ferry_json_str(&j, "request_sha256", hex);
        ferry_json_str(&j, "new_key", res->key_path);
        ferry_json_str(&j, "current_expiry", until);
        ferry_json_bool(&j, "recorded", res->recorded);
        ferry_json_print(&j, stdout);
        return;
    }
    printf("subject:     %s\nrequest:     %s\nSHA-256:     %s\ncurrent expiry: %s\n", res->subject,
           res->csr_path, hex, until);
    if (res->key_path != NULL)
        printf("new key:     %s\n", res->key_path);
    fprintf(stderr, "%s: next: `%s export %s --to MEDIUM`\n", PROG, PROG, res->csr_path);
}

int cmd_request(int argc, char **argv)
{
    struct ferry_args a;
    struct ferry_store *s = NULL;
    struct ferry_request_result res;
    const char *cert, *key, *out;
    int rc;
    ferry_err r;

    memset(&res, 0, sizeof(res));
    if ((rc = ferry_cli_parse(&spec, argc, argv, &a)) >= 0)
        return rc;
    cert = ferry_args_get(&a, spec.opts, spec.nopts, "cert");
    key = ferry_args_get(&a, spec.opts, spec.nopts, "key");
    out = ferry_args_get(&a, spec.opts, spec.nopts, "out");
    if (cert == NULL || key == NULL || out == NULL) {
        r = ferry_errf(FERRY_ERR_USAGE, "give --cert CERT --key KEY --out CSR");
        goto out;
    }
    if (ferry_cli_open_store(&spec, &a, SIDE, 0, &s) != FERRY_OK) {
        ferry_err_clear();
        ferry_log(FERRY_LOG_WARN,
                  "no ferry state here (run `%s init`): the certificate's "
                  "path is not recorded; import will write beside the request",
                  PROG);
    }
    if ((r = ferry_offline_request(s, cert, key, ferry_args_has(&a, spec.opts, spec.nopts, "rekey"),
                                   out, &res)) != FERRY_OK)
        goto out;
    print_result(&a, &res);
out:
    ferry_request_result_clear(&res);
    ferry_store_close(s);
    return ferry_cli_fail(&spec, r);
}
