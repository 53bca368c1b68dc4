#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <termios.h>

#include <openssl/crypto.h>

#include "cmds.h"
#include "ferry/anchor.h"
#include "ferry/safetext.h"
#include "ferry/json.h"
#include "ferry/lock.h"
#include "ferry/medium.h"
#include "ferry/log.h"
#include "ferry/online.h"
#include "ferry/tool.h"
#include "ferry/xrml.h"
#include "ferry/file.h"
#include "ferry/rms.h"

#define PW_MAX 1024

/* Free space the answer medium must have before a request is sent (answers are ~20 KB;
 * a package and its temporary copy, with room to spare). */
#define SUBMIT_SPACE_NEEDED (1u << 20)

/* A request as ferry_cli_item_* report it. */
#define ITEM(o) ((struct ferry_cli_item){(o)->file, (o)->transfer_id, (o)->err, (o)->message})

static const struct ferry_cli_batch batch = {"request", "submitted", "failed"};

static const struct ferry_opt opts[] = {
    FERRY_CLI_GLOBAL_OPTS,
    {"from", 0, "MEDIUM", "usb[:DIR], images:PATH (PNG/JPEG/PDF) or camera[:DEVICE]"},
    {"to", 0, "MEDIUM", "where the answers go (default: the --from medium when writable)"},
    {"service", 0, "URL", "enrollment service (default " FERRY_DEFAULT_RMS_URL ")"},
    {"root", 0, "FILE",
     "pin the service's trust anchor (PEM, DER or PKCS#7); default: the one check-root "
     "--service stored"},
    {"protocol", 0, "rms|est", "enrollment protocol (default rms; est: X.509 requests)"},
    {"est-enroll", 0, NULL, "EST: POST /simpleenroll instead of /simplereenroll"},
    {"est-user", 0, "USER",
     "EST: HTTP auth user; the password from $FERRY_EST_PASSWORD or the "
     "terminal"},
    {"timeout", 0, "SECONDS", "give up on one attempt after this long (default 120)"},
    {"deadline", 0, "SECONDS",
     "all attempts and waits (Retry-After) end within this long (default 300); past it: exit 4 "
     "with when to submit again"},
    {"again", 0, NULL, "submit a request that was submitted before"},
    {"confirm", 0, NULL,
     "after showing each request's values (as the runbook lists them), ask y/N on the terminal "
     "before anything is sent; without a terminal: refused"},
    {"parallel", 0, "N", "requests in flight at once, for many packages on one medium (default 4)"},
    {"accept-changes", 0, NULL,
     "EST: package a certificate although the CA left out a subjectAltName entry, extended key "
     "usage or key usage the request asked for (the one kept when it was refused)"},
    {"drm-root", 0, "FINGERPRINT",
     "RMS: pin the Microsoft DRM root: the SHA-256 of the key that signed the chain's CA "
     "certificate (as ferry prints it); a mismatch is refused"},
    {"web", 0, "DIR",
     "RMS without the SOAP service: write each verified request file to DIR for Microsoft's "
     "upload page (a browser); nothing is sent or recorded"},
    {"answer-file", 0, "FILE",
     "RMS: the response document the upload page returned, for the one request on the medium: "
     "verified and packaged like the service's answer"},
    FERRY_CLI_QR_OPTS,
};

static const struct ferry_cmd_spec spec = {
    PROG,
    "submit",
    "--from MEDIUM [--to MEDIUM] [--service URL] [--root FILE] [--protocol rms|est] "
    "[--est-enroll] [--est-user USER] [--deadline SECONDS] [--parallel N] [--accept-changes] "
    "[--drm-root FINGERPRINT] [--web DIR | --answer-file FILE] [--confirm]",
    "Verifies each request package against the paired offline machine, posts the RMS request to "
    "the enrollment service over HTTPS (verification always on) as MS-RMPR's WSDL defines it: "
    "the carried file itself when it is a SOAP Enroll with VersionData, else the SOAP envelope "
    "built from its values (both SHA-256s shown); verifies the answer's four XrML certificates "
    "(digests, signatures, the chain, the request's key and GUID, the renewal date), shows the "
    "fingerprint of the root key that signed the chain (not in the chain; pin it with "
    "--drm-root) and writes a signed answer package to carry back. Without the SOAP service: "
    "--web DIR writes the request file for Microsoft's upload page (" FERRY_RMS_UPLOAD_PAGE
    "), then --answer-file FILE takes the response document the page returned. --protocol est "
    "(X.509 mode): "
    "--service is the EST base URL; "
    "the CA certificates come from /cacerts, the PKCS#10 goes to /simplereenroll, and the issued "
    "certificate must carry the request's key and subject and chain to those CA certificates.",
    opts,
    sizeof(opts) / sizeof(opts[0]),
    0};

/* The kind a request is reported as: one refused before its kind was known reads as RMS, as it
 * always has ("kind" is never null). */
static const struct ferry_kind_info *item_kind(const struct ferry_submit_one *o)
{
    return ferry_kind_get(o->kind != 0 ? o->kind : FERRY_KIND_RMS);
}

static void print_json(const struct ferry_submit_result *res, ferry_err r, const char *trip)
{
    struct ferry_json j;
    char d[11];
    size_t i;

    ferry_json_init(&j);
    ferry_json_bool(&j, "ok", r == FERRY_OK);
    ferry_json_int(&j, "submitted", (long long)res->submitted);
    ferry_json_str(&j, "trip", trip);
    ferry_json_int(&j, "ignored", (long long)res->ignored);
    ferry_json_str(&j, "online_identity", res->online_name);
    if (res->online_name != NULL)
        ferry_json_hex(&j, "online_fingerprint", res->online_fp, FERRY_SHA256_LEN);
    ferry_json_str(&j, "service", res->service);
    ferry_json_arr_begin(&j, "requests");
    for (i = 0; i < res->n; i++) {
        const struct ferry_submit_one *o = &res->items[i];
        ferry_cli_item_json(&j, &ITEM(o), "submitted");
        ferry_json_str(&j, "kind", item_kind(o)->name);
        ferry_json_str(&j, item_kind(o)->subject_key, o->server_name);
        if (o->kind != FERRY_KIND_X509)
            ferry_json_str(&j, "guid", o->guid);
        if (o->sender_name != NULL) { /* verified: what was shown before anything was sent */
            ferry_json_hex(&j, "package_sha256", o->package_sha256, FERRY_SHA256_LEN);
            ferry_json_str(&j, "sender", o->sender_name);
            ferry_json_hex(&j, "sender_fingerprint", o->sender_fp, FERRY_SHA256_LEN);
        }
        ferry_json_int(&j, "attempts", o->attempts);
        ferry_json_str(&j, "changes", o->changes);
        if (o->err == FERRY_OK && o->web) {
            ferry_json_str(&j, "upload", o->where);
            ferry_json_hex(&j, "request_sha256", o->request_sha256, FERRY_SHA256_LEN);
            ferry_json_str(&j, "upload_page", FERRY_RMS_UPLOAD_PAGE);
        } else if (o->err == FERRY_OK) {
            ferry_time_date(o->new_not_after, d);
            ferry_json_str(&j, "new_expiry", d);
            if (o->kind != FERRY_KIND_X509) {
                ferry_json_str(&j, "renewal_date", d);
                ferry_time_date(o->valid_until, d);
                ferry_json_str(&j, "valid_until", d);
                ferry_json_str(&j, "server_name_from", o->server_name_from);
                ferry_json_hex(&j, "request_sha256", o->request_sha256, FERRY_SHA256_LEN);
                ferry_json_hex(&j, "posted_sha256", o->posted_sha256, FERRY_SHA256_LEN);
                ferry_json_bool(&j, "posted_as_is", o->posted_as_is);
                ferry_json_bool(&j, "from_upload_page", o->from_page);
                ferry_json_hex(&j, "drm_root_sha256", o->root_fp, FERRY_SHA256_LEN);
            }
            ferry_json_str(&j, "answer", o->package_name);
            ferry_json_str(&j, "written", o->where);
            ferry_json_hex(&j, "answer_sha256", o->answer_sha256, FERRY_SHA256_LEN);
        }
        ferry_json_obj_end(&j);
    }
    ferry_json_arr_end(&j);
    ferry_json_print(&j, stdout);
}

/* Before anything is sent for @o: the values the runbook's submit step lists, with its words
 * and in its order (sender name and service added), hashes in groups of four. */
static void print_check(FILE *f, const struct ferry_submit_result *res,
                        const struct ferry_submit_one *o)
{
    char ofp[FERRY_FP_GROUPS_LEN];

    ferry_hex_groups(res->online_fp, FERRY_SHA256_LEN, ofp);
    ferry_cli_print_verified(f, o->file, "it is sent", o->transfer_id, o->package_sha256,
                             o->sender_name, o->sender_fp, o->kind, o->server_name);
    if (o->kind != FERRY_KIND_X509)
        fprintf(f, "  Server GUID:          %s\n", o->guid ? ferry_safe(o->guid) : "(none)");
    fprintf(f,
            "  Online identity:      %s\n"
            "  Online fingerprint:   %s\n"
            "  Service:              %s\n",
            ferry_safe(res->online_name), ofp, ferry_safe(res->service));
    fflush(f);
}

struct check_ctx {
    FILE *out;   /* stdout, or stderr under --json */
    int confirm; /* --confirm: ask */
};

/* The submit library's check: shows the request; with --confirm, asks. */
static int check_one(void *ctx, const struct ferry_submit_result *res,
                     const struct ferry_submit_one *o)
{
    const struct check_ctx *k = ctx;
    char q[256];

    print_check(k->out, res, o);
    if (!k->confirm)
        return 1;
    snprintf(q, sizeof(q), "Submit transfer %.8s to the service now?", o->transfer_id);
    return ferry_cli_confirm(q);
}

static void print_rms(const struct ferry_submit_one *o, const char *d, const char *g)
{
    char v[21], h1[FERRY_FP_GROUPS_LEN], h2[FERRY_FP_GROUPS_LEN + 16], fp[FERRY_FP_GROUPS_LEN];

    ferry_time_minute(o->valid_until, v);
    ferry_hex_groups(o->request_sha256, FERRY_SHA256_LEN, h1);
    if (o->from_page)
        snprintf(h2, sizeof(h2), "nothing");
    else
        ferry_hex_groups(o->posted_sha256, FERRY_SHA256_LEN, h2);
    ferry_hex_groups(o->root_fp, FERRY_SHA256_LEN, fp);
    printf("submitted:   %s (transfer %s)\n"
           "server:      %s%s%s%s\n"
           "request:     SHA-256 %s (the carried file)\n"
           "posted:      %s%s (%s)\n"
           "new expiry:  %s (renewal date: the SLC's ISSUE right RANGETIME)\n"
           "valid until: %s (the SLC's VALIDITYTIME)\n"
           "DRM root:    %s (SHA-256 of the key that signed the CA certificate; the root is not "
           "in the chain: compare it, pin it with --drm-root)\n"
           "answer:      %s\nSHA-256:     %s\n",
           ferry_safe(o->file), o->transfer_id,
           o->server_name ? ferry_safe(o->server_name) : "(not named)",
           o->server_name_from ? " (from " : "", o->server_name_from ? o->server_name_from : "",
           o->server_name_from ? ")" : "", h1, o->from_page ? "" : "SHA-256 ", h2,
           o->from_page      ? "the answer is the upload page's response document"
           : o->posted_as_is ? "the file as it is"
                             : "the SOAP envelope built from it",
           d, v, fp, ferry_safe(o->where), g);
}

/* --web: what to upload, where, and the next command. */
static void print_web(const struct ferry_submit_one *o)
{
    char h[FERRY_FP_GROUPS_LEN];

    ferry_hex_groups(o->request_sha256, FERRY_SHA256_LEN, h);
    printf("request:     %s (transfer %s), nothing sent, nothing recorded\n"
           "server:      %s%s%s%s\n"
           "upload:      %s\n"
           "SHA-256:     %s (the carried file, byte-exact)\n"
           "where:       " FERRY_RMS_UPLOAD_PAGE " (in a browser)\n"
           "next:        save the response file the page returns, then run\n"
           "  %s submit --from MEDIUM --answer-file RESPONSE.xml [--drm-root FINGERPRINT]\n",
           ferry_safe(o->file), o->transfer_id,
           o->server_name ? ferry_safe(o->server_name) : "(not named)",
           o->server_name_from ? " (from " : "", o->server_name_from ? o->server_name_from : "",
           o->server_name_from ? ")" : "", ferry_safe(o->where), h, PROG);
}

/* Prints one block per request submitted, one line per request refused; requests handled
 * before are listed with -v only (the caller sums them up in one line). */
static void print_text(const struct ferry_submit_result *res)
{
    char d[21], g[FERRY_FP_GROUPS_LEN];
    size_t i;

    for (i = 0; i < res->n; i++) {
        const struct ferry_submit_one *o = &res->items[i];
        if (ferry_cli_item_failed(&spec, &ITEM(o), ""))
            continue;
        if (o->web) {
            print_web(o);
            continue;
        }
        ferry_time_minute(o->new_not_after, d);
        ferry_hex_groups(o->answer_sha256, FERRY_SHA256_LEN, g);
        if (o->kind == FERRY_KIND_X509) {
            printf("submitted:   %s (transfer %s)\nsubject:     %s\nnew expiry:  %s\nanswer:      "
                   "%s\nSHA-256:     %s\n",
                   ferry_safe(o->file), o->transfer_id,
                   o->server_name ? ferry_safe(o->server_name) : "(not named)", d,
                   ferry_safe(o->where), g);
            if (o->changes != NULL) /* what the CA changed, on the operator's record */
                ferry_cli_print_lines(stdout, "changed by the CA:", o->changes);
            continue;
        }
        print_rms(o, d, g);
    }
}

/* The EST password: $FERRY_EST_PASSWORD, else the terminal with echo off; never argv. */
static ferry_err est_password(char **pw)
{
    const char *env = getenv("FERRY_EST_PASSWORD");
    struct termios old, quiet;
    FILE *tty = NULL;
    size_t n;
    ferry_err r = FERRY_OK;

    if ((*pw = OPENSSL_secure_zalloc(PW_MAX)) == NULL)
        return FERRY_ERR_NOMEM;
    if (env != NULL) {
        if (strlen(env) >= PW_MAX)
            return ferry_errf(FERRY_ERR_USAGE, "$FERRY_EST_PASSWORD is too long");
        memcpy(*pw, env, strlen(env));
        return FERRY_OK;
    }
    if ((tty = fopen("/dev/tty", "r+")) == NULL || tcgetattr(fileno(tty), &old) != 0) {
        if (tty != NULL)
            fclose(tty);
        return ferry_errf(FERRY_ERR_USAGE, "--est-user: no terminal to ask the password on: "
                                           "set $FERRY_EST_PASSWORD");
    }
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    fputs("EST password: ", tty);
    fflush(tty);
    tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
    if (fgets(*pw, PW_MAX, tty) == NULL)
        r = ferry_errf(FERRY_ERR_USAGE, "no EST password given");
    tcsetattr(fileno(tty), TCSAFLUSH, &old);
    fputs("\n", tty);
    fclose(tty);
    n = strlen(*pw);
    if (n > 0 && (*pw)[n - 1] == '\n')
        (*pw)[n - 1] = '\0';
    return r;
}

static ferry_err setup(const struct ferry_args *a, struct ferry_medium *from,
                       struct ferry_medium *to, struct ferry_qr_opts *qo,
                       struct ferry_submit_opts *o, uint8_t drm_root[32], char **pw, uint8_t **doc)
{
    const struct ferry_kind_info *pk = ferry_kind_get(FERRY_KIND_RMS); /* --protocol's default */
    const char *v;
    char *end;
    long n;
    ferry_err r;

    ferry_http_opts_default(&o->http);
    if ((v = ferry_args_get(a, spec.opts, spec.nopts, "from")) == NULL)
        return ferry_errf(FERRY_ERR_USAGE, "give --from MEDIUM");
    if ((r = ferry_medium_parse_for(v, 0, from)) != FERRY_OK)
        return r;
    o->web_dir = ferry_args_get(a, spec.opts, spec.nopts, "web");
    o->answer_name = ferry_args_get(a, spec.opts, spec.nopts, "answer-file");
    if ((o->web_dir || o->answer_name) && (ferry_args_get(a, spec.opts, spec.nopts, "protocol") ||
                                           ferry_args_get(a, spec.opts, spec.nopts, "service") ||
                                           ferry_args_get(a, spec.opts, spec.nopts, "root")))
        return ferry_errf(FERRY_ERR_USAGE,
                          "--web and --answer-file are the RMS upload page's path: "
                          "--protocol, --service and --root do not go with them");
    if (o->web_dir != NULL) {
        if (o->answer_name != NULL || ferry_args_get(a, spec.opts, spec.nopts, "to") ||
            ferry_args_get(a, spec.opts, spec.nopts, "drm-root"))
            return ferry_errf(FERRY_ERR_USAGE, "--web only writes the request file: --to, "
                                               "--drm-root and --answer-file go with the next "
                                               "step");
    } else if (o->answer_name != NULL) {
        if ((r = ferry_file_read(o->answer_name, FERRY_RMS_MAX_RESPONSE, doc, &o->answer_len)) !=
            FERRY_OK)
            return ferry_errf(r, "--answer-file %s: %s", o->answer_name, ferry_err_detail());
        o->answer_doc = *doc;
    }
    v = ferry_args_get(a, spec.opts, spec.nopts, "to");
    if (o->web_dir != NULL) /* nothing is written to a medium: the request file goes to DIR */
        v = NULL;
    else if (v == NULL && !ferry_medium_writable(from->kind))
        return ferry_errf(FERRY_ERR_USAGE, "--from %s cannot take the answer: give --to MEDIUM",
                          ferry_medium_kind_name(from->kind));
    if (o->web_dir == NULL &&
        (r = ferry_medium_parse_for(v ? v : ferry_args_get(a, spec.opts, spec.nopts, "from"), 1,
                                    to)) != FERRY_OK)
        return r;
    v = ferry_args_get(a, spec.opts, spec.nopts, "protocol");
    if (v != NULL && (pk = ferry_kind_by_protocol(v)) == NULL)
        return ferry_errf(FERRY_ERR_USAGE, "--protocol is rms or est");
    o->est = pk->kind == FERRY_KIND_X509;
    o->est_enroll = ferry_args_has(a, spec.opts, spec.nopts, "est-enroll");
    if (!o->est && (o->est_enroll || ferry_args_get(a, spec.opts, spec.nopts, "est-user") ||
                    ferry_args_has(a, spec.opts, spec.nopts, "accept-changes")))
        return ferry_errf(FERRY_ERR_USAGE,
                          "--est-enroll, --est-user and --accept-changes go with --protocol est");
    if ((v = ferry_args_get(a, spec.opts, spec.nopts, "timeout")) != NULL) {
        n = strtol(v, &end, 10);
        if (*end != '\0' || n < 1 || n > 3600)
            return ferry_errf(FERRY_ERR_USAGE, "--timeout is 1 to 3600 seconds");
        o->http.timeout_ms = n * 1000;
    }
    n = 300;
    if ((v = ferry_args_get(a, spec.opts, spec.nopts, "deadline")) != NULL) {
        n = strtol(v, &end, 10);
        if (*end != '\0' || n < 1 || n > 7 * 86400)
            return ferry_errf(FERRY_ERR_USAGE, "--deadline is 1 to 604800 seconds (a week)");
    }
    o->http.deadline = time(NULL) + n;
    if ((v = ferry_args_get(a, spec.opts, spec.nopts, "parallel")) != NULL) {
        n = strtol(v, &end, 10);
        if (*end != '\0' || n < 1 || n > 64)
            return ferry_errf(FERRY_ERR_USAGE, "--parallel is 1 to 64");
        o->parallel = (int)n;
    }
    o->accept_changes = ferry_args_has(a, spec.opts, spec.nopts, "accept-changes");
    if ((r = ferry_cli_qr_opts(&spec, a, qo)) != FERRY_OK)
        return r;
    o->service = ferry_args_get(a, spec.opts, spec.nopts, "service");
    o->root = ferry_args_get(a, spec.opts, spec.nopts, "root");
    o->http.ca_file = o->root;
    o->to = to;
    o->qo = qo;
    o->again = ferry_args_has(a, spec.opts, spec.nopts, "again");
    if (ferry_args_has(a, spec.opts, spec.nopts, "confirm") &&
        (r = ferry_cli_confirm_ready()) != FERRY_OK)
        return r;
    if ((v = ferry_args_get(a, spec.opts, spec.nopts, "drm-root")) != NULL) {
        if (o->est)
            return ferry_errf(FERRY_ERR_USAGE, "--drm-root goes with --protocol rms");
        if ((r = ferry_xrml_fingerprint_parse(v, drm_root)) != FERRY_OK)
            return r;
        o->drm_root = drm_root;
    }
    if ((o->http.user = ferry_args_get(a, spec.opts, spec.nopts, "est-user")) != NULL)
        return est_password(pw);
    return FERRY_OK;
}

/* Without --root: the anchor check-root stored for this service, or the system store when
 * check-root would call it usable; else a refusal before anything is sent. */
static ferry_err resolve_anchor(struct ferry_store *s, struct ferry_submit_opts *o,
                                struct ferry_anchor *an)
{
    const char *url = o->service != NULL ? o->service : FERRY_DEFAULT_RMS_URL, *root = NULL;
    int stored = 0;
    ferry_err r;

    if (o->root != NULL || o->web_dir != NULL || o->answer_doc != NULL || (o->est && !o->service))
        return FERRY_OK;
    if ((r = ferry_anchor_for_submit(ferry_store_home(s), url, !o->est, an, &root, &stored)) !=
        FERRY_OK)
        return r;
    if (stored) {
        o->root = o->http.ca_file = root;
        o->tls_anchor_sha256 = an->cert.sha256;
        o->tls_anchor_subject = an->cert.subject;
        o->tls_anchor_not_after = an->cert.not_after;
        ferry_log(FERRY_LOG_INFO, "trust anchor: %s (SHA-256 %s), stored by check-root on %s",
                  an->path, an->cert.sha256, an->stored[0] ? an->stored : "?");
    }
    return FERRY_OK;
}

int cmd_submit(int argc, char **argv)
{
    struct ferry_args a;
    struct ferry_store *s = NULL;
    struct ferry_medium from = {0}, to = {0};
    struct ferry_submit_opts o;
    struct ferry_submit_result res;
    struct ferry_qr_opts qo;
    struct ferry_lock *medium = NULL;
    struct ferry_anchor an;
    struct check_ctx k;
    char *pw = NULL;
    uint8_t drm_root[32], *doc = NULL, tid[FERRY_TRANSFER_ID_LEN];
    char trip[33] = "";
    int rc;
    ferry_err r;

    memset(&res, 0, sizeof(res));
    if ((rc = ferry_cli_parse(&spec, argc, argv, &a)) >= 0)
        return rc;
    memset(&o, 0, sizeof(o));
    r = setup(&a, &from, &to, &qo, &o, drm_root, &pw, &doc);
    o.http.password = pw;
    if (r != FERRY_OK)
        goto out;
    k.out = ferry_cli_json(&a) ? stderr : stdout; /* stdout stays one JSON document */
    k.confirm = ferry_args_has(&a, spec.opts, spec.nopts, "confirm");
    o.check = check_one;
    o.check_ctx = &k;
    /* Every output is checked before anything reaches the service: an answer that cannot be
     * written would be an enrollment nobody recorded. Then the stick is ours until the end. */
    if ((r = ferry_cli_open_store(&spec, &a, SIDE, 0, &s)) != FERRY_OK ||
        (r = resolve_anchor(s, &o, &an)) != FERRY_OK)
        goto out;
    if (o.web_dir == NULL && (r = ferry_medium_preflight(&to, SUBMIT_SPACE_NEEDED)) != FERRY_OK) {
        r = ferry_errf(r, "%s; nothing was sent to the service", ferry_err_detail());
        goto out;
    }
    if (o.web_dir == NULL && (r = ferry_medium_lock(&to, &medium)) != FERRY_OK)
        goto out;
    r = ferry_online_submit(s, &from, &o, &res);
    if (ferry_store_run_trip(s, tid))
        ferry_transfer_id_hex(tid, trip);
    if (ferry_cli_json(&a))
        print_json(&res, r, trip[0] ? trip : NULL);
    else
        print_text(&res);
    if (!ferry_cli_json(&a) && trip[0] != '\0') /* the run's trip: one return runbook for all */
        printf("trip:        %s (%zu request(s) submitted in this run; their return runbook: "
               "`%s runbook`)\n",
               trip, res.submitted, PROG);
out:
    rc = ferry_cli_batch_end(&spec, &batch, r, res.n, res.submitted, res.skipped);
    ferry_submit_result_clear(&res);
    ferry_medium_clear(&from);
    ferry_medium_clear(&to);
    ferry_lock_release(medium);
    ferry_store_close(s);
    OPENSSL_secure_clear_free(pw, PW_MAX);
    free(doc);
    return rc;
}
