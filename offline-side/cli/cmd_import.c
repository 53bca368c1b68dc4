#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "ferry/safetext.h"
#include "ferry/json.h"
#include "ferry/log.h"
#include "ferry/offline.h"
#include "ferry/tool.h"
#include "ferry/xrml.h"

/* An answer as ferry_cli_item_* report it. */
#define ITEM(o) ((struct ferry_cli_item){(o)->file, (o)->transfer_id, (o)->err, (o)->message})

static const struct ferry_cli_batch batch = {"answer", "imported", "refused"};

static const struct ferry_opt opts[] = {
    FERRY_CLI_GLOBAL_OPTS,
    {"from", 0, "MEDIUM", "usb[:DIR], images:PATH (PNG/JPEG/PDF) or camera[:DEVICE]"},
    {"out", 'o', "FILE",
     "where to write the certificate (default <Server>SLC.xml beside the "
     "request; X.509: <cert>.renewed.pem beside the certificate)"},
    {"force", 0, NULL, "overwrite an existing --out file"},
    {"confirm", 0, NULL,
     "after showing each answer's values (as the runbook lists them), ask y/N on the terminal "
     "before the certificate is written; without a terminal: refused"},
    {"drm-root", 0, "FINGERPRINT",
     "RMS: pin the Microsoft DRM root: the SHA-256 of the key that signed the chain's CA "
     "certificate (as ferry prints it); a mismatch is refused"},
};

static const struct ferry_cmd_spec spec = {
    PROG,
    "import",
    "--from MEDIUM [--out FILE] [--drm-root FINGERPRINT] [--confirm]",
    "Reads the answer package, verifies it was signed by the paired online machine, checks it "
    "answers a request this machine exported and has not imported yet, verifies the four XrML "
    "certificates again (digests, signatures, chain; the root key's fingerprint is shown and "
    "can be pinned with --drm-root) and that the server licensor certificate carries the "
    "request's key and GUID and is within its renewal date, writes the MS-RMPR response "
    "document (<Server>SLC.xml, UTF-16) byte-exact for the RMS administrator to import, and "
    "prints the new expiry (the renewal date) and the validity end. X.509 "
    "mode: checks the certificate carries the PKCS#10's key and subject and chains to the CA "
    "certificates carried back, and writes the PEM chain (leaf first).",
    opts,
    sizeof(opts) / sizeof(opts[0]),
    0};

static void print_json(const struct ferry_import_result *res, ferry_err r)
{
    struct ferry_json j;
    char d1[11], d2[11];
    size_t i;

    ferry_json_init(&j);
    ferry_json_bool(&j, "ok", r == FERRY_OK);
    ferry_json_int(&j, "imported", (long long)res->imported);
    ferry_json_int(&j, "ignored", (long long)res->ignored);
    ferry_json_arr_begin(&j, "answers");
    for (i = 0; i < res->n; i++) {
        const struct ferry_import_one *o = &res->items[i];
        ferry_cli_item_json(&j, &ITEM(o), "imported");
        if (o->sender_name != NULL) { /* verified: what was shown before anything was written */
            ferry_json_hex(&j, "package_sha256", o->package_sha256, FERRY_SHA256_LEN);
            ferry_json_str(&j, "sender", o->sender_name);
            ferry_json_hex(&j, "sender_fingerprint", o->sender_fp, FERRY_SHA256_LEN);
        }
        if (o->err == FERRY_OK) {
            ferry_time_date(o->not_before, d1);
            ferry_time_date(o->new_not_after, d2);
            ferry_json_str(&j, "kind", ferry_kind_get(o->kind)->name);
            ferry_json_str(&j, ferry_kind_get(o->kind)->subject_key, o->server_name);
            if (o->kind != FERRY_KIND_X509)
                ferry_json_str(&j, "guid", o->guid);
            if (o->key_path != NULL)
                ferry_json_str(&j, "new_key", o->key_path);
            if (o->kind == FERRY_KIND_X509)
                ferry_json_str(&j, "changes", o->changes);
            ferry_json_str(&j, "certificate", o->out_path);
            ferry_json_str(&j, "valid_from", d1);
            ferry_json_str(&j, "new_expiry", d2);
            ferry_json_int(&j, "days_left",
                           ferry_time_days_until(o->new_not_after, ferry_time_now()));
            if (o->kind != FERRY_KIND_X509) {
                ferry_json_str(&j, "renewal_date", d2);
                ferry_time_date(o->valid_until, d2);
                ferry_json_str(&j, "valid_until", d2);
                ferry_json_hex(&j, "drm_root_sha256", o->root_fp, 32);
            }
        }
        ferry_json_obj_end(&j);
    }
    ferry_json_arr_end(&j);
    ferry_json_print(&j, stdout);
}

/* Before the certificate is written: the values the runbook's import step lists, with its words
 * and in its order (the sender's name added), hashes in groups of four, times as it prints
 * them. */
static void print_check(FILE *f, const struct ferry_import_one *o)
{
    char t[21];

    ferry_cli_print_verified(f, o->file, "the certificate is written", o->transfer_id,
                             o->package_sha256, o->sender_name, o->sender_fp, o->kind,
                             o->server_name);
    if (o->guid != NULL)
        fprintf(f, "  Server GUID:          %s\n", ferry_safe(o->guid));
    if (o->old_not_after != 0) {
        ferry_time_minute(o->old_not_after, t);
        fprintf(f, "  Current expiry:       %s\n", t);
    }
    ferry_time_minute(o->new_not_after, t);
    fprintf(f, "  New expiry:           %s\n", t);
    if (o->kind != FERRY_KIND_X509) {
        ferry_time_minute(o->valid_until, t);
        fprintf(f, "  Valid until (VALIDITYTIME): %s\n", t);
    }
    if (o->changes != NULL) /* what the CA changed, before the operator says yes */
        ferry_cli_print_lines(f, "changed from the certificate renewed:", o->changes);
    else if (o->changes_note[0] != '\0')
        fprintf(f, "%s\n", ferry_safe(o->changes_note));
    fflush(f);
}

struct check_ctx {
    FILE *out;   /* stdout, or stderr under --json */
    int confirm; /* --confirm: ask */
};

/* The import library's check: shows the answer; with --confirm, asks. */
static int check_one(void *ctx, const struct ferry_import_one *o)
{
    const struct check_ctx *k = ctx;
    char q[128];

    print_check(k->out, o);
    if (!k->confirm)
        return 1;
    snprintf(q, sizeof(q), "Write the certificate of transfer %.8s now?", o->transfer_id);
    return ferry_cli_confirm(q);
}

/* Prints one block per answer imported, one line per answer refused; answers imported
 * before are listed with -v only (the caller sums them up in one line). */
static void print_text(const struct ferry_import_result *res)
{
    char d[21];
    size_t i;

    for (i = 0; i < res->n; i++) {
        const struct ferry_import_one *o = &res->items[i];
        if (ferry_cli_item_failed(&spec, &ITEM(o), "refused: "))
            continue;
        ferry_time_minute(o->new_not_after, d);
        printf("imported:    %s (transfer %s)\n%s%s\ncertificate: %s\n"
               "new expiry:  %s (%lld days from now)%s\n",
               ferry_safe(o->file), o->transfer_id,
               o->kind == FERRY_KIND_X509 ? "subject:     " : "server:      ",
               o->server_name ? ferry_safe(o->server_name) : "(not named)", ferry_safe(o->out_path),
               d, ferry_time_days_until(o->new_not_after, ferry_time_now()),
               o->kind == FERRY_KIND_X509 ? ""
                                          : " (renewal date: the SLC's ISSUE right RANGETIME)");
        if (o->kind != FERRY_KIND_X509) {
            char g[FERRY_FP_GROUPS_LEN];
            ferry_time_minute(o->valid_until, d);
            ferry_hex_groups(o->root_fp, 32, g);
            printf("valid until: %s (the SLC's VALIDITYTIME)\nDRM root:    %s (SHA-256 of the "
                   "key that signed the CA certificate)\n",
                   d, g);
        }
        if (o->key_path != NULL)
            fprintf(stderr,
                    "%s: the renewed certificate is for the new key %s: install both "
                    "together\n",
                    PROG, o->key_path);
    }
}

int cmd_import(int argc, char **argv)
{
    struct ferry_args a;
    struct ferry_store *s = NULL;
    struct ferry_medium m = {0};
    struct ferry_import_result res;
    const char *from, *pin;
    struct ferry_import_opts io;
    struct check_ctx k;
    uint8_t drm_root[32];
    int rc;
    ferry_err r;

    memset(&res, 0, sizeof(res));
    if ((rc = ferry_cli_parse(&spec, argc, argv, &a)) >= 0)
        return rc;
    if ((from = ferry_args_get(&a, spec.opts, spec.nopts, "from")) == NULL) {
        r = ferry_errf(FERRY_ERR_USAGE, "give --from MEDIUM");
        goto out;
    }
    if ((r = ferry_medium_parse_for(from, 0, &m)) != FERRY_OK)
        goto out;
    if ((pin = ferry_args_get(&a, spec.opts, spec.nopts, "drm-root")) != NULL &&
        (r = ferry_xrml_fingerprint_parse(pin, drm_root)) != FERRY_OK)
        goto out;
    k.out = ferry_cli_json(&a) ? stderr : stdout; /* stdout stays one JSON document */
    k.confirm = ferry_args_has(&a, spec.opts, spec.nopts, "confirm");
    if (k.confirm && (r = ferry_cli_confirm_ready()) != FERRY_OK)
        goto out;
    if ((r = ferry_cli_open_store(&spec, &a, SIDE, 0, &s)) != FERRY_OK)
        goto out;
    io = (struct ferry_import_opts){ferry_args_get(&a, spec.opts, spec.nopts, "out"),
                                    ferry_args_has(&a, spec.opts, spec.nopts, "force"),
                                    pin ? drm_root : NULL, check_one, &k};
    r = ferry_offline_import_opts(s, &m, &io, &res);
    if (ferry_cli_json(&a))
        print_json(&res, r);
    else
        print_text(&res);
out:
    rc = ferry_cli_batch_end(&spec, &batch, r, res.n, res.imported, res.skipped);
    ferry_import_result_clear(&res);
    ferry_medium_clear(&m);
    ferry_store_close(s);
    return rc;
}
