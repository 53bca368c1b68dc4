#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "ferry/anchor.h"
#include "ferry/checkroot.h"
#include "ferry/json.h"
#include "ferry/log.h"
#include "ferry/xrml.h"
#include "ferry/tool.h"
#include "ferry/svccheck.h"

static const struct ferry_opt opts[] = {
    FERRY_CLI_GLOBAL_OPTS,
    {"ca-file", 0, "FILE", "trust store file (default: OpenSSL's, or $SSL_CERT_FILE)"},
    {"ca-path", 0, "DIR", "trust store directory (default: OpenSSL's, or $SSL_CERT_DIR)"},
    {"root", 0, "FILE", "report on this pinned anchor instead of the GTE root"},
    {"service", 0, "URL",
     "check the enrollment service instead: its TLS chain, the anchor, its ?WSDL; submits "
     "nothing; stores the anchor it verified up to for submit"},
    {"pin", 0, "SHA-256",
     "with --service: trust the presented certificate with this fingerprint (one of the chain "
     "shown) as the anchor"},
    {"timeout", 0, "SECONDS", "with --service: give up on each step after this long (default 15)"},
    {"forget", 0, NULL, "remove the stored anchor (submit then needs --root or a new check)"},
};

static const struct ferry_cmd_spec spec = {
    PROG,
    "check-root",
    "[--ca-file FILE] [--ca-path DIR] [--root FILE] [--service URL [--pin SHA-256] "
    "[--timeout S]] [--forget]",
    "Looks for the GTE CyberTrust Global Root (SHA-256 " FERRY_GTE_ROOT_SHA256
    ") in the trust store submissions use and says whether it is present, absent, expired "
    "(it expired on 2018-08-13) or a look-alike with the same name and another key, and what "
    "to do. Exit 0 only when submissions have a usable anchor. With --service URL, checks the "
    "enrollment service without submitting anything: the TLS chain it presents (subject, "
    "issuer, SHA-256, validity), whether it chains to the anchor (--root FILE, else the trust "
    "store, or the anchor stored before; --pin SHA-256: that certificate of the chain), and "
    "whether URL?WSDL is the enrollment service's WSDL; says plainly when it does not answer. "
    "When it answers as the service, the certificate the chain verified up to is stored in the "
    "online state (HOME/" FERRY_ANCHOR_FILE ", with an audit entry) and submit uses it without "
    "--root; --forget removes it. Exit 0: it answers as the service; 1: it answers, but the "
    "chain is not anchored or it is not the service; 3: it does not answer (DNS, refused, "
    "timeout, TLS).",
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

/* What check-root --service did with the anchor: kept for submit, or why not. */
struct keep {
    struct ferry_store *s;   /* the online state, NULL if there is none */
    char home_note[600];     /* why nothing could be stored, when s is NULL */
    struct ferry_anchor old; /* the anchor stored before (old_set) */
    int old_set;
    struct ferry_anchor stored; /* what this run stored (stored_set) */
    int stored_set;
};

static void service_json(const struct ferry_svc_query *q, const struct ferry_svc_report *rep,
                         const struct keep *k)
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
    ferry_json_str(&j, "anchor_sha256",
                   rep->anchor_cert.sha256[0] ? rep->anchor_cert.sha256 : NULL);
    ferry_json_str(&j, "wsdl_url", rep->wsdl_url);
    ferry_json_int(&j, "wsdl_http_status", rep->http_status);
    ferry_json_bool(&j, "wsdl_is_enrollment_service", rep->wsdl);
    ferry_json_str(&j, "wsdl_detail", rep->wsdl_detail[0] ? rep->wsdl_detail : NULL);
    ferry_json_str(&j, "wsdl_sha256", rep->wsdl_sha256[0] ? rep->wsdl_sha256 : NULL);
    ferry_json_str(&j, "stored_anchor", k->stored_set ? k->stored.path : NULL);
    ferry_json_str(&j, "stored_anchor_sha256", k->stored_set ? k->stored.cert.sha256 : NULL);
    ferry_json_str(&j, "stored_anchor_from", k->stored_set ? k->stored.from : NULL);
    ferry_json_print(&j, stdout);
}

/* What was stored for submit, and how to replace or undo it; or the pin to keep. */
static void stored_text(const struct ferry_svc_query *q, const struct ferry_svc_report *rep,
                        const struct keep *k)
{
    if (k->stored_set) {
        printf("stored:      %s (%s)\n"
               "             the anchor %s\n             SHA-256 %s, from %s\n"
               "             submit uses it without --root, as --root %s\n"
               "replace:     %s check-root --service %s --root FILE (or --pin SHA-256)\n"
               "undo:        %s check-root --forget\n",
               k->stored.path,
               k->old_set && strcmp(k->old.cert.sha256, k->stored.cert.sha256) != 0
                   ? "replaced the one stored before"
               : k->old_set ? "unchanged"
                            : "new",
               k->stored.cert.subject, k->stored.cert.sha256, k->stored.from, k->stored.path, PROG,
               q->url, PROG);
    } else if (rep->stage == FERRY_SVC_OK) {
        printf("stored:      nothing: %s\n", k->home_note);
    } else if (rep->handshake && !rep->chains && rep->nchain > 0) {
        printf("stored:      nothing. The pin to keep is a certificate of the chain above whose "
               "SHA-256 you have compared with the one its CA publishes, e.g. the last one:\n"
               "  %s check-root --service %s --pin '%s'\n"
               "or its root CA certificate saved as PEM:\n"
               "  %s check-root --service %s --root FILE\n",
               PROG, q->url, rep->chain[rep->nchain - 1].sha256, PROG, q->url);
    }
}

static void service_text(const struct ferry_svc_query *q, const struct ferry_svc_report *rep,
                         const struct keep *k)
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
        if (rep->chains && rep->anchor_cert.sha256[0])
            printf("verified up to: %s\n                SHA-256 %s\n", rep->anchor_cert.subject,
                   rep->anchor_cert.sha256);
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
    stored_text(q, rep, k);
}

/* The online state, if there is one (exclusive: the anchor may be stored); NULL with a note
 * when there is none. Other failures are errors. */
static ferry_err open_home(const struct ferry_args *a, struct keep *k)
{
    ferry_err r = ferry_store_open_locked(a->value[FERRY_CLI_HOME], SIDE, 0, 1, &k->s);

    if (r == FERRY_ERR_NOT_FOUND) {
        snprintf(k->home_note, sizeof(k->home_note),
                 "%s; run `%s init` first (or give --home DIR), then check-root --service again",
                 ferry_err_detail(), PROG);
        ferry_err_clear();
        return FERRY_OK;
    }
    if (r != FERRY_OK)
        return r;
    r = ferry_anchor_load(ferry_store_home(k->s), &k->old);
    if (r == FERRY_ERR_NOT_FOUND) {
        ferry_err_clear();
        r = FERRY_OK;
    } else if (r == FERRY_OK) {
        k->old_set = 1;
    }
    return r;
}

/* The service answered over a chain to rep->anchor_pem: keep that certificate for submit. */
static ferry_err keep_anchor(const struct ferry_svc_query *q, const struct ferry_svc_report *rep,
                             struct keep *k)
{
    char from[700];
    ferry_err r;

    if (k->s == NULL || rep->stage != FERRY_SVC_OK || rep->anchor_pem[0] == '\0')
        return FERRY_OK;
    if (q->pin != NULL)
        snprintf(from, sizeof(from), "--pin %s", rep->anchor_cert.sha256);
    else if (q->root != NULL && q->root_label != NULL)
        snprintf(from, sizeof(from), "%s", k->old.from[0] ? k->old.from : "the anchor stored");
    else if (q->root != NULL)
        snprintf(from, sizeof(from), "--root %s", q->root);
    else
        snprintf(from, sizeof(from), "%s", rep->anchor);
    if ((r = ferry_anchor_save(k->s, q->url, rep->anchor_pem, from, k->old_set ? &k->old : NULL,
                               &k->stored)) != FERRY_OK)
        return ferry_errf(r, "the service answers, but the anchor could not be stored: %s",
                          ferry_err_detail());
    k->stored_set = 1;
    return FERRY_OK;
}

/* check-root --service: 0 answers as the service, 1 answers but untrusted or not the service,
 * 3 does not answer. */
static int check_service(const struct ferry_cmd_spec *sp, const struct ferry_args *a,
                         const char *url)
{
    struct ferry_svc_query q;
    struct ferry_svc_report *rep = calloc(1, sizeof(*rep));
    struct keep *k = calloc(1, sizeof(*k));
    uint8_t pin[FERRY_SHA256_LEN];
    const char *v;
    char *end;
    long n;
    ferry_err r = FERRY_ERR_NOMEM;
    int rc = -1;

    if (rep == NULL || k == NULL)
        goto out;
    memset(&q, 0, sizeof(q));
    q.url = url;
    q.root = ferry_args_get(a, sp->opts, sp->nopts, "root");
    q.ca_file = ferry_args_get(a, sp->opts, sp->nopts, "ca-file");
    q.ca_path = ferry_args_get(a, sp->opts, sp->nopts, "ca-path");
    q.now = ferry_time_now();
    if ((v = ferry_args_get(a, sp->opts, sp->nopts, "pin")) != NULL) {
        if (q.root != NULL || q.ca_file != NULL || q.ca_path != NULL) {
            r = ferry_errf(FERRY_ERR_USAGE, "--pin stands alone: leave out --root, --ca-file "
                                            "and --ca-path");
            goto out;
        }
        if ((r = ferry_xrml_fingerprint_parse(v, pin)) != FERRY_OK)
            goto out;
        q.pin = pin;
    }
    if ((v = ferry_args_get(a, sp->opts, sp->nopts, "timeout")) != NULL) {
        n = strtol(v, &end, 10);
        if (*end != '\0' || n < 1 || n > 600) {
            r = ferry_errf(FERRY_ERR_USAGE, "--timeout is 1 to 600 seconds");
            goto out;
        }
        q.timeout_ms = n * 1000;
    }
    if ((r = open_home(a, k)) != FERRY_OK)
        goto out;
    if (k->old_set && q.pin == NULL && q.root == NULL && q.ca_file == NULL && q.ca_path == NULL) {
        q.root = k->old.path; /* what submit would use */
        q.root_label = "stored by check-root";
    }
    if ((r = ferry_svccheck(&q, rep)) != FERRY_OK || (r = keep_anchor(&q, rep, k)) != FERRY_OK)
        goto out;
    if (ferry_cli_json(a))
        service_json(&q, rep, k);
    else
        service_text(&q, rep, k);
    switch (rep->stage) {
    case FERRY_SVC_OK: rc = 0; break;
    case FERRY_SVC_UNTRUSTED:
    case FERRY_SVC_HTTP:
    case FERRY_SVC_NOT_WSDL: rc = 1; break;
    default: rc = 3;
    }
out:
    if (rc < 0)
        rc = ferry_cli_fail(sp, r);
    if (k != NULL)
        ferry_store_close(k->s);
    free(k);
    free(rep);
    return rc;
}

/* check-root --forget: the stored anchor removed, with an audit entry. */
static int forget(const struct ferry_cmd_spec *sp, const struct ferry_args *a)
{
    struct ferry_store *s = NULL;
    struct ferry_anchor old;
    ferry_err r;

    if ((r = ferry_store_open_locked(a->value[FERRY_CLI_HOME], SIDE, 0, 1, &s)) != FERRY_OK)
        goto out;
    r = ferry_anchor_load(ferry_store_home(s), &old);
    if (r == FERRY_ERR_NOT_FOUND) {
        printf("no trust anchor stored in %s: nothing to remove\n", ferry_store_home(s));
        r = FERRY_OK;
        goto out;
    }
    if (r == FERRY_OK && (r = ferry_anchor_forget(s, &old)) == FERRY_OK)
        printf("removed:     %s (SHA-256 %s, for %s)\nsubmit now needs --root FILE, or store an "
               "anchor again: %s check-root --service URL [--root FILE | --pin SHA-256]\n",
               old.path, old.cert.sha256, old.service[0] ? old.service : "?", PROG);
out:
    ferry_store_close(s);
    return ferry_cli_fail(sp, r);
}

/* Plain check-root reports on the stored anchor, when there is one and no store was named. */
static void stored_root(const struct ferry_args *a, struct ferry_anchor *an, const char **root)
{
    struct ferry_store *s = NULL;

    if (*root != NULL ||
        ferry_store_open_locked(a->value[FERRY_CLI_HOME], SIDE, 0, 0, &s) != FERRY_OK) {
        ferry_err_clear();
        return;
    }
    if (ferry_anchor_load(ferry_store_home(s), an) == FERRY_OK)
        *root = an->path;
    ferry_err_clear();
    ferry_store_close(s);
}

int cmd_check_root(int argc, char **argv)
{
    struct ferry_root_query q;
    struct ferry_root_report rep;
    struct ferry_anchor an;
    struct ferry_args a;
    struct ferry_json j;
    char d[11];
    int rc;
    ferry_err r;

    if ((rc = ferry_cli_parse(&spec, argc, argv, &a)) >= 0)
        return rc;
    if (ferry_args_has(&a, spec.opts, spec.nopts, "forget")) {
        if (ferry_args_get(&a, spec.opts, spec.nopts, "service") ||
            ferry_args_get(&a, spec.opts, spec.nopts, "root") ||
            ferry_args_get(&a, spec.opts, spec.nopts, "pin"))
            return ferry_cli_fail(&spec, ferry_errf(FERRY_ERR_USAGE,
                                                    "--forget stands alone: run it, then "
                                                    "check-root --service URL to store another"));
        return forget(&spec, &a);
    }
    if (ferry_args_get(&a, spec.opts, spec.nopts, "service") != NULL)
        return check_service(&spec, &a, ferry_args_get(&a, spec.opts, spec.nopts, "service"));
    if (ferry_args_get(&a, spec.opts, spec.nopts, "timeout") != NULL ||
        ferry_args_get(&a, spec.opts, spec.nopts, "pin") != NULL)
        return ferry_cli_fail(&spec,
                              ferry_errf(FERRY_ERR_USAGE, "--timeout and --pin go with --service"));
    memset(&q, 0, sizeof(q));
    q.ca_file = ferry_args_get(&a, spec.opts, spec.nopts, "ca-file");
    q.ca_path = ferry_args_get(&a, spec.opts, spec.nopts, "ca-path");
    q.root = ferry_args_get(&a, spec.opts, spec.nopts, "root");
    if (q.ca_file == NULL && q.ca_path == NULL)
        stored_root(&a, &an, &q.root);
    q.now = ferry_time_now();
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
