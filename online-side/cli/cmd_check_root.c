#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "ferry/checkroot.h"
#include "ferry/json.h"
#include "ferry/sidecmd.h"
#include "ferry/svccheck.h"

static const struct ferry_opt opts[] = {
    FERRY_CLI_GLOBAL_OPTS,
    {"ca-file", 0, "FILE", "trust store file (default: OpenSSL's, or $SSL_CERT_FILE)"},
    {"ca-path", 0, "DIR", "trust store directory (default: OpenSSL's, or $SSL_CERT_DIR)"},
    {"root", 0, "FILE", "report on this pinned anchor instead of the GTE root"},
    {"service", 0, "URL",
     "check the enrollment service instead: its TLS chain, the anchor, its ?WSDL; submits nothing"},
    {"timeout", 0, "SECONDS", "with --service: give up on each step after this long (default 15)"},
};

static const struct ferry_cmd_spec spec = {
    PROG,
    "check-root",
    "[--ca-file FILE] [--ca-path DIR] [--root FILE] [--service URL [--timeout S]]",
    "Looks for the GTE CyberTrust Global Root (SHA-256 " FERRY_GTE_ROOT_SHA256
    ") in the trust store submissions use and says whether it is present, absent, expired "
    "(it expired on 2018-08-13) or a look-alike with the same name and another key, and what "
    "to do. Exit 0 only when submissions have a usable anchor. With --service URL, checks the "
    "enrollment service without submitting anything: the TLS chain it presents (subject, "
    "issuer, SHA-256, validity), whether it chains to the anchor (--root FILE, else the trust "
    "store), and whether URL?WSDL is the enrollment service's WSDL; says plainly when it does "
    "not answer. Exit 0: it answers as the service; 1: it answers, but the chain is not "
    "anchored or it is not the service; 3: it does not answer (DNS, refused, timeout, TLS).",
    opts,
    sizeof(opts) / sizeof(opts[0]),
    0};

static void print_time(struct ferry_json *j, const char *key, time_t t)
{
    char d[21];

    ferry_time_iso(t, d);
    if (j != NULL)
        ferry_json_str(j, key, t != 0 ? d : NULL);
    else
        fputs(t != 0 ? d : "?", stdout);
}

static void service_json(const struct ferry_svc_query *q, const struct ferry_svc_report *rep)
{
    struct ferry_json j;
    size_t i;

    ferry_json_init(&j);
    ferry_json_str(&j, "service", q->url);
    ferry_json_bool(&j, "answers", rep->stage == FERRY_SVC_OK);
    ferry_json_str(&j, "stage", ferry_svc_stage_name(rep->stage));
    ferry_json_str(&j, "failure", rep->failure[0] ? rep->failure : NULL);
    ferry_json_bool(&j, "handshake", rep->handshake);
    ferry_json_str(&j, "tls_version", rep->tls_version[0] ? rep->tls_version : NULL);
    ferry_json_arr_begin(&j, "chain");
    for (i = 0; i < rep->nchain; i++) {
        ferry_json_obj_begin(&j, NULL);
        ferry_json_str(&j, "subject", rep->chain[i].subject);
        ferry_json_str(&j, "issuer", rep->chain[i].issuer);
        ferry_json_hex_text(&j, "sha256", rep->chain[i].sha256);
        print_time(&j, "not_before", rep->chain[i].not_before);
        print_time(&j, "not_after", rep->chain[i].not_after);
        ferry_json_obj_end(&j);
    }
    ferry_json_arr_end(&j);
    ferry_json_str(&j, "anchor", rep->anchor);
    ferry_json_bool(&j, "chains_to_anchor", rep->chains);
    ferry_json_str(&j, "chain_error", rep->chain_error[0] ? rep->chain_error : NULL);
    ferry_json_str(&j, "wsdl_url", rep->wsdl_url);
    ferry_json_int(&j, "wsdl_http_status", rep->http_status);
    ferry_json_bool(&j, "wsdl_is_enrollment_service", rep->wsdl);
    ferry_json_str(&j, "wsdl_detail", rep->wsdl_detail[0] ? rep->wsdl_detail : NULL);
    ferry_json_str(&j, "wsdl_sha256", rep->wsdl_sha256[0] ? rep->wsdl_sha256 : NULL);
    ferry_json_print(&j, stdout);
}

static void service_text(const struct ferry_svc_query *q, const struct ferry_svc_report *rep)
{
    size_t i;

    printf("service:     %s\n", q->url);
    if (rep->handshake) {
        printf("TLS:         handshake completed%s%s; the chain it presents (leaf first):\n",
               rep->tls_version[0] ? ", " : "", rep->tls_version);
        for (i = 0; i < rep->nchain; i++) {
            printf("  [%zu] subject: %s\n      issuer:  %s\n      SHA-256: %s\n      valid:   ", i,
                   rep->chain[i].subject, rep->chain[i].issuer, rep->chain[i].sha256);
            print_time(NULL, NULL, rep->chain[i].not_before);
            fputs(" to ", stdout);
            print_time(NULL, NULL, rep->chain[i].not_after);
            putchar('\n');
        }
        printf("anchor:      %s\nchains to it: %s%s%s\n", rep->anchor, rep->chains ? "yes" : "no",
               rep->chain_error[0] ? ": " : "", rep->chain_error);
    }
    if (rep->http_status != 0 || rep->wsdl_len != 0)
        printf("WSDL:        %s: HTTP %ld%s%s\n", rep->wsdl_url, rep->http_status,
               rep->wsdl_detail[0] ? ", " : "", rep->wsdl_detail);
    if (rep->wsdl_sha256[0])
        printf("WSDL SHA-256: %s (%zu bytes)\n", rep->wsdl_sha256, rep->wsdl_len);
    if (rep->stage == FERRY_SVC_OK)
        printf("\nverdict:     the enrollment service answers at %s (nothing was submitted)\n",
               q->url);
    else
        printf("\nverdict:     %s\n", rep->failure);
}

/* check-root --service: 0 answers as the service, 1 answers but untrusted or not the service,
 * 3 does not answer. */
static int check_service(const struct ferry_cmd_spec *sp, const struct ferry_args *a,
                         const char *url)
{
    struct ferry_svc_query q;
    struct ferry_svc_report *rep = calloc(1, sizeof(*rep));
    const char *v;
    char *end;
    long n;
    ferry_err r;
    int rc;

    if (rep == NULL)
        return ferry_cli_fail(sp, FERRY_ERR_NOMEM);
    memset(&q, 0, sizeof(q));
    q.url = url;
    q.root = ferry_args_get(a, sp->opts, sp->nopts, "root");
    q.ca_file = ferry_args_get(a, sp->opts, sp->nopts, "ca-file");
    q.ca_path = ferry_args_get(a, sp->opts, sp->nopts, "ca-path");
    q.now = ferry_now();
    if ((v = ferry_args_get(a, sp->opts, sp->nopts, "timeout")) != NULL) {
        n = strtol(v, &end, 10);
        if (*end != '\0' || n < 1 || n > 600) {
            free(rep);
            return ferry_cli_fail(sp, ferry_errf(FERRY_ERR_USAGE, "--timeout is 1 to 600 seconds"));
        }
        q.timeout_ms = n * 1000;
    }
    if ((r = ferry_svccheck(&q, rep)) != FERRY_OK) {
        free(rep);
        return ferry_cli_fail(sp, r);
    }
    if (ferry_cli_json(a))
        service_json(&q, rep);
    else
        service_text(&q, rep);
    switch (rep->stage) {
    case FERRY_SVC_OK: rc = 0; break;
    case FERRY_SVC_UNTRUSTED:
    case FERRY_SVC_HTTP:
    case FERRY_SVC_NOT_WSDL: rc = 1; break;
    default: rc = 3;
    }
    free(rep);
    return rc;
}

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
    if (ferry_args_get(&a, spec.opts, spec.nopts, "service") != NULL)
        return check_service(&spec, &a, ferry_args_get(&a, spec.opts, spec.nopts, "service"));
    if (ferry_args_get(&a, spec.opts, spec.nopts, "timeout") != NULL)
        return ferry_cli_fail(&spec, ferry_errf(FERRY_ERR_USAGE, "--timeout goes with --service"));
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
        ferry_json_hex_text(&j, "fingerprint", rep.fingerprint);
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
