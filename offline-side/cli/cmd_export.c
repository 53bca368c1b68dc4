#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "ferry/json.h"
#include "ferry/lock.h"
#include "ferry/medium.h"
#include "ferry/log.h"
#include "ferry/offline.h"
#include "ferry/tool.h"
#include "ferry/runbook_store.h"

static const struct ferry_opt opts[] = {
    FERRY_CLI_GLOBAL_OPTS,
    {"to", 0, "MEDIUM", "usb[:DIR], png:DIR, pdf:FILE, html:FILE or screen"},
    {"runbook", 0, "FILE",
     "also write the runbook for this transfer, or for the trip of several (PDF; .txt: text)"},
    FERRY_CLI_QR_OPTS,
};

static const struct ferry_cmd_spec spec = {
    PROG,
    "export",
    "REQUEST... --to MEDIUM [--runbook FILE]",
    "Checks that REQUEST is an RMS renewal request (<Server>RenewalRequest.xml) or, in the X.509 "
    "mode, a PKCS#10 (PEM or DER, from `ferry-offline request`), carried byte-exact: not one "
    "byte is changed; signs it into a package with this machine's identity, "
    "writes it to the medium and records it as outstanding. Several requests (to usb: a QR "
    "medium carries one package) make one trip: each its own package and transfer, one trip "
    "id for all, one runbook for the trip.",
    opts,
    sizeof(opts) / sizeof(opts[0]),
    FERRY_ARGS_MAX_POS};

/* One exported transfer as a JSON object (into @j: the whole output, or one of a trip's). */
static void json_result(struct ferry_json *j, const struct ferry_export_result *res,
                        const char *trip)
{
    const struct ferry_kind_info *k = ferry_kind_get(res->kind);
    char groups[FERRY_FP_GROUPS_LEN];

    ferry_hex_groups(res->package_sha256, FERRY_SHA256_LEN, groups);
    ferry_json_str(j, "transfer_id", res->transfer_id);
    ferry_json_str(j, "trip", trip);
    ferry_json_str(j, "kind", k->name);
    ferry_json_str(j, k->subject_key, res->server_name);
    if (res->kind == FERRY_KIND_X509) {
        ferry_json_str(j, "cert_path", res->cert_path);
    } else {
        ferry_json_str(j, "server_name_from", res->server_name_from);
        ferry_json_str(j, "guid", res->guid);
    }
    ferry_json_str(j, "package", res->package_name);
    ferry_json_str(j, "written", res->where);
    ferry_json_hex_text(j, "package_sha256", groups);
}

/* One exported transfer, as text: what to compare with the runbook. */
static void print_result(const struct ferry_export_result *res)
{
    char groups[FERRY_FP_GROUPS_LEN];
    int x = res->kind == FERRY_KIND_X509;

    ferry_hex_groups(res->package_sha256, FERRY_SHA256_LEN, groups);
    printf("transfer:    %s\n%s%s%s%s%s\n", res->transfer_id, x ? "subject:     " : "server:      ",
           res->server_name ? res->server_name : "(not named)",
           !x && res->server_name_from ? " (from " : "",
           !x && res->server_name_from ? res->server_name_from : "",
           !x && res->server_name_from ? ")" : "");
    if (x)
        printf("certificate: %s\n", res->cert_path ? res->cert_path : "(not recorded)");
    else
        printf("guid:        %s\n", res->guid);
    printf("written:     %s\nSHA-256:     %s\n", res->where, groups);
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

/* Exports every request named (one store handle: one trip), each printed as it is written; a
 * refused one is reported and the others go on. Returns the first failure. */
static ferry_err export_all(const struct ferry_args *a, struct ferry_store *s,
                            const struct ferry_medium *m, const struct ferry_qr_opts *qo,
                            struct ferry_export_result *res, size_t *done, int *paired)
{
    struct ferry_export_result one;
    ferry_err r, first = FERRY_OK;
    size_t i;

    *done = 0;
    for (i = 0; i < a->npos; i++) {
        ferry_err_clear();
        if ((r = ferry_offline_export(s, a->pos[i], m, qo, &one)) != FERRY_OK) {
            if (a->npos > 1)
                fprintf(stderr, "%s: export: %s: refused: %s\n", PROG, a->pos[i],
                        ferry_err_detail());
            first = first != FERRY_OK ? first : ferry_errf(r, "%s", ferry_err_detail());
            continue;
        }
        *paired = one.paired;
        res[(*done)++] = one;
        if (!ferry_cli_json(a))
            print_result(&one);
    }
    return first;
}

static void print_json(const struct ferry_export_result *res, size_t n, const char *trip)
{
    struct ferry_json j;
    size_t i;

    ferry_json_init(&j);
    if (n == 1) { /* one request: the object as it always was, with its trip */
        json_result(&j, &res[0], trip);
    } else {
        ferry_json_str(&j, "trip", trip);
        ferry_json_int(&j, "exported", (long long)n);
        ferry_json_arr_begin(&j, "transfers");
        for (i = 0; i < n; i++) {
            ferry_json_obj_begin(&j, NULL);
            json_result(&j, &res[i], trip);
            ferry_json_obj_end(&j);
        }
        ferry_json_arr_end(&j);
    }
    ferry_json_print(&j, stdout);
}

/* After the packages: the trip, the next step, the runbook. */
static ferry_err finish(const struct ferry_args *a, struct ferry_store *s,
                        const struct ferry_medium *m, const struct ferry_export_result *res,
                        size_t n, int paired)
{
    uint8_t tid[FERRY_TRANSFER_ID_LEN];
    char trip[33] = "";
    const char *rb;

    if (ferry_store_run_trip(s, tid))
        ferry_transfer_id_hex(tid, trip);
    if (ferry_cli_json(a)) {
        print_json(res, n, trip[0] ? trip : NULL);
    } else {
        printf("trip:        %s (%zu request(s) exported in this run)\n", trip, n);
        fprintf(stderr,
                "%s: next: carry %s to the online machine and run `ferry-online submit`%s%.8s%s\n",
                PROG, n > 1 ? "them" : "it",
                n > 1 ? "; one runbook for them all: `" PROG " runbook --trip " : "",
                n > 1 ? trip : "", n > 1 ? "`" : "");
    }
    if (!paired)
        ferry_log(FERRY_LOG_WARN, "no online machine is paired yet: run `ferry-offline pair` "
                                  "before the answer comes back");
    if ((rb = ferry_args_get(a, spec.opts, spec.nopts, "runbook")) == NULL)
        return FERRY_OK;
    struct ferry_runbook_req q = {.side = SIDE, .out = rb, .tty = stdout, .medium = m->kind};
    if (n > 1)
        q.trip = trip;
    else
        q.transfer = res[0].transfer_id;
    return ferry_runbook_for_transfer(s, &q);
}

int cmd_export(int argc, char **argv)
{
    struct ferry_args a;
    struct ferry_store *s = NULL;
    struct ferry_medium m = {0};
    struct ferry_export_result *res = NULL;
    struct ferry_qr_opts qo;
    struct ferry_lock *medium = NULL;
    const char *to;
    size_t n = 0, i;
    int rc, paired = 0;
    ferry_err r, r2;

    if ((rc = ferry_cli_parse(&spec, argc, argv, &a)) >= 0)
        return rc;
    if (a.npos < 1 || (to = ferry_args_get(&a, spec.opts, spec.nopts, "to")) == NULL) {
        r = ferry_errf(FERRY_ERR_USAGE, "give the request file(s) and --to MEDIUM");
        goto out;
    }
    for (i = 0; i < a.npos; i++) /* a package where a request belongs: nothing is exported */
        if ((r = not_a_package(a.pos[i])) != FERRY_OK)
            goto out;
    if ((r = ferry_medium_parse_for(to, 1, &m)) != FERRY_OK ||
        (r = ferry_cli_qr_opts(&spec, &a, &qo)) != FERRY_OK)
        goto out;
    if (a.npos > 1 && m.kind != FERRY_MEDIUM_USB) {
        r = ferry_errf(FERRY_ERR_USAGE,
                       "%zu requests: a QR medium (%s) carries one package, so several go on "
                       "a stick (--to usb[:DIR]) in one run, or one by one",
                       a.npos, ferry_medium_kind_name(m.kind));
        goto out;
    }
    if ((res = calloc(a.npos, sizeof(*res))) == NULL) {
        r = FERRY_ERR_NOMEM;
        goto out;
    }
    if ((r = ferry_cli_open_store(&spec, &a, SIDE, 0, &s)) != FERRY_OK ||
        (r = ferry_medium_lock(&m, &medium)) != FERRY_OK)
        goto out;
    r = export_all(&a, s, &m, &qo, res, &n, &paired);
    if (n > 0 && (r2 = finish(&a, s, &m, res, n, paired)) != FERRY_OK && r == FERRY_OK)
        r = r2;
    if (n > 0 && a.npos > 1 && n < a.npos)
        ferry_log(FERRY_LOG_ERROR, "export: %zu of %zu request(s) refused", a.npos - n, a.npos);
out:
    for (i = 0; i < n; i++)
        ferry_export_result_clear(&res[i]);
    free(res);
    ferry_medium_clear(&m);
    ferry_lock_release(medium);
    ferry_store_close(s);
    return ferry_cli_fail(&spec, r);
}
