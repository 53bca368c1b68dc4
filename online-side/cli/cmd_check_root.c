#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "ferry/checkroot.h"
#include "ferry/json.h"
#include "ferry/sidecmd.h"

static const struct ferry_opt opts[] = {
    FERRY_CLI_GLOBAL_OPTS,
    {"ca-file", 0, "FILE", "trust store file (default: OpenSSL's, or $SSL_CERT_FILE)"},
    {"ca-path", 0, "DIR", "trust store directory (default: OpenSSL's, or $SSL_CERT_DIR)"},
    {"root", 0, "FILE", "report on this pinned anchor instead of the GTE root"},
};

static const struct ferry_cmd_spec spec = {
    PROG,
    "check-root",
    "[--ca-file FILE] [--ca-path DIR] [--root FILE]",
    "Looks for the GTE CyberTrust Global Root (SHA-256 " FERRY_GTE_ROOT_SHA256
    ") in the trust store submissions use and says whether it is present, absent, expired "
    "(it expired on 2018-08-13) or a look-alike with the same name and another key, and what "
    "to do. Exit 0 only when submissions have a usable anchor.",
    opts,
    sizeof(opts) / sizeof(opts[0]),
    0};

int cmd_check_root(int argc, char **argv)
{
    struct ferry_root_query q;
    struct ferry_root_report rep;
    struct ferry_args a;
    struct ferry_json j;
    char d[11];
    int rc;
    ferry_err r;

    if ((rc = ferry_cli_parse(&spec, argc, argv, &a)) >= 0)
        return rc;
    memset(&q, 0, sizeof(q));
    q.ca_file = ferry_args_get(&a, spec.opts, spec.nopts, "ca-file");
    q.ca_path = ferry_args_get(&a, spec.opts, spec.nopts, "ca-path");
    q.root = ferry_args_get(&a, spec.opts, spec.nopts, "root");
    q.now = ferry_now();
    if ((r = ferry_checkroot(&q, &rep)) != FERRY_OK)
        return ferry_cli_fail(&spec, r);
    if (rep.not_after != 0)
        ferry_time_date(rep.not_after, d);
    if (ferry_cli_json(&a)) {
        ferry_json_init(&j);
        ferry_json_str(&j, "verdict", ferry_root_verdict_name(rep.verdict));
        ferry_json_bool(&j, "usable", rep.usable);
        ferry_json_str(&j, "where", rep.where);
        ferry_json_str(&j, "subject", rep.subject[0] ? rep.subject : NULL);
        ferry_json_str(&j, "fingerprint", rep.fingerprint[0] ? rep.fingerprint : NULL);
        ferry_json_str(&j, "not_after", rep.not_after ? d : NULL);
        ferry_json_str(&j, "advice", rep.advice);
        ferry_json_print(&j, stdout);
    } else {
        printf("verdict:     %s\nlooked in:   %s\n", ferry_root_verdict_name(rep.verdict),
               rep.where);
        if (rep.subject[0])
            printf("subject:     %s\n", rep.subject);
        if (rep.fingerprint[0])
            printf("fingerprint: %s\n", rep.fingerprint);
        if (rep.not_after)
            printf("expires:     %s\n", d);
        printf("usable:      %s\n\n%s\n", rep.usable ? "yes" : "no", rep.advice);
    }
    return rep.usable ? 0 : 1;
}
