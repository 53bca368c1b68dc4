#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "ferry/cli.h"
#include "ferry/crypto.h"
#include "ferry/hex.h"
#include "ferry/log.h"
#include "ferry/safetext.h"

/* Prints @text wrapped at 78 columns (breaks at spaces). */
static void wrap(FILE *f, const char *text)
{
    const char *p = text;
    size_t col = 0, w;

    while (*p != '\0') {
        while (*p == ' ')
            p++;
        w = strcspn(p, " ");
        if (w == 0)
            break;
        if (col > 0 && col + 1 + w > 78) {
            fputc('\n', f);
            col = 0;
        } else if (col > 0) {
            fputc(' ', f);
            col++;
        }
        fwrite(p, 1, w, f);
        col += w;
        p += w;
    }
    fputc('\n', f);
}

void ferry_cli_usage(const struct ferry_cmd_spec *spec, FILE *f)
{
    size_t i;
    char left[64];

    fprintf(f, "usage: %s %s %s\n\n", spec->prog, spec->name, spec->synopsis);
    wrap(f, spec->about);
    fputs("\noptions:\n", f);
    for (i = 0; i < spec->nopts; i++) {
        const struct ferry_opt *o = &spec->opts[i];
        if (o->short_name != 0)
            snprintf(left, sizeof(left), "-%c, --%s%s%s", o->short_name, o->name, o->arg ? " " : "",
                     o->arg ? o->arg : "");
        else
            snprintf(left, sizeof(left), "    --%s%s%s", o->name, o->arg ? " " : "",
                     o->arg ? o->arg : "");
        if (strlen(left) < 26)
            fprintf(f, "  %-26s %s\n", left, o->help);
        else /* a long option and its argument: the help on the next line, in its column */
            fprintf(f, "  %s\n  %-26s %s\n", left, "", o->help);
    }
    fputs("\nexit status: 0 success, 1 negative verdict (bad signature, untrusted, rejected, "
          "not for this request),\n2 usage, 3 runtime failure (I/O, network, crypto), 4 "
          "incomplete input (frames or files missing)\n",
          f);
}

int ferry_cli_parse(const struct ferry_cmd_spec *spec, int argc, char **argv, struct ferry_args *a)
{
    ferry_err r;

    ferry_log_set_prefix(spec->prog);
    r = ferry_args_parse(argc, argv, spec->opts, spec->nopts, spec->max_pos, a);
    if (r != FERRY_OK) {
        fprintf(stderr, "%s: %s: %s\n", spec->prog, spec->name, ferry_err_detail());
        fprintf(stderr, "usage: %s %s %s\n", spec->prog, spec->name, spec->synopsis);
        return 2;
    }
    if (a->count[FERRY_CLI_HELP]) {
        ferry_cli_usage(spec, stdout);
        return 0;
    }
    if (a->count[FERRY_CLI_VERSION]) {
        printf("%s %s\n", spec->prog, FERRY_VERSION);
        return 0;
    }
    if (a->count[FERRY_CLI_QUIET])
        ferry_log_set_level(FERRY_LOG_ERROR);
    else if (a->count[FERRY_CLI_VERBOSE])
        ferry_log_set_level(FERRY_LOG_DEBUG);
    return -1;
}

int ferry_cli_fail(const struct ferry_cmd_spec *spec, ferry_err r)
{
    const char *d = ferry_err_detail();

    if (r == FERRY_OK)
        return 0;
    fprintf(stderr, "%s: %s: %s\n", spec->prog, spec->name, *d ? ferry_safe(d) : ferry_strerror(r));
    return ferry_err_exit_code(r);
}

int ferry_cli_json(const struct ferry_args *a)
{
    return a->count[FERRY_CLI_JSON] > 0;
}

int ferry_cli_confirm(const char *question)
{
    FILE *tty = fopen("/dev/tty", "r+");
    char line[16];
    int yes = 0;

    if (tty == NULL)
        return 0;
    fprintf(tty, "%s [y/N] ", question);
    fflush(tty);
    if (fgets(line, sizeof(line), tty) != NULL)
        yes = line[0] == 'y' || line[0] == 'Y';
    fclose(tty);
    return yes;
}

ferry_err ferry_cli_confirm_ready(void)
{
    FILE *tty = fopen("/dev/tty", "r+");

    if (tty == NULL)
        return ferry_errf(FERRY_ERR_USAGE,
                          "--confirm asks y/N on the terminal, and there is none (/dev/tty): "
                          "run it from a terminal, or without --confirm");
    fclose(tty);
    return FERRY_OK;
}

void ferry_cli_print_verified(FILE *f, const char *file, const char *before,
                              const char *transfer_id, const uint8_t package_sha256[32],
                              const char *sender, const uint8_t sender_fp[32], enum ferry_kind kind,
                              const char *server_name)
{
    const struct ferry_kind_info *k = ferry_kind_get(kind != 0 ? kind : FERRY_KIND_RMS);
    char sha[FERRY_FP_GROUPS_LEN], sfp[FERRY_FP_GROUPS_LEN], label[32];

    ferry_hex_groups(package_sha256, FERRY_SHA256_LEN, sha);
    ferry_hex_groups(sender_fp, FERRY_SHA256_LEN, sfp);
    fprintf(f,
            "%s: verified; compare with the runbook before %s:\n"
            "  Transfer id:          %s\n"
            "  Package SHA-256:      %s\n"
            "  Sender:               %s\n"
            "  Sender fingerprint:   %s\n",
            ferry_safe(file), before, transfer_id, sha, ferry_safe(sender), sfp);
    snprintf(label, sizeof(label), "%s:", k->subject_label);
    fprintf(f, "  %-21s %s\n", label, server_name ? ferry_safe(server_name) : "(not named)");
}

void ferry_cli_item_json(struct ferry_json *j, const struct ferry_cli_item *it,
                         const char *done_key)
{
    ferry_json_obj_begin(j, NULL);
    ferry_json_str(j, "file", it->file);
    ferry_json_str(j, "transfer_id", it->transfer_id[0] ? it->transfer_id : NULL);
    ferry_json_bool(j, done_key, it->err == FERRY_OK);
    ferry_json_str(j, "message", it->message);
}

int ferry_cli_item_failed(const struct ferry_cmd_spec *spec, const struct ferry_cli_item *it,
                          const char *refused)
{
    if (it->err == FERRY_ERR_REPLAY) {
        ferry_log(FERRY_LOG_DEBUG, "%s: skipped: %s", it->file, it->message);
        return 1;
    }
    if (it->err != FERRY_OK) {
        fprintf(stderr, "%s: %s: %s: %s%s\n", spec->prog, spec->name, ferry_safe(it->file), refused,
                ferry_safe(it->message));
        return 1;
    }
    return 0;
}

int ferry_cli_batch_end(const struct ferry_cmd_spec *spec, const struct ferry_cli_batch *b,
                        ferry_err r, size_t n, size_t ok, size_t skipped)
{
    if (skipped > 0 && r == FERRY_OK)
        ferry_log(FERRY_LOG_INFO, "%zu %s(s) on the medium %s before: skipped%s", skipped, b->noun,
                  b->done, ferry_log_get_level() >= FERRY_LOG_DEBUG ? "" : " (-v lists them)");
    if (r != FERRY_OK && n > ok + skipped) {
        /* per-package messages are printed; finish with the verdict only */
        ferry_log(FERRY_LOG_ERROR, "%s: %zu of %zu %s(s) %s", spec->name, n - ok - skipped, n,
                  b->noun, b->failed);
        return ferry_err_exit_code(r);
    }
    return ferry_cli_fail(spec, r);
}

void ferry_cli_print_lines(FILE *f, const char *heading, const char *text)
{
    const char *p = text, *nl;
    char line[600];

    fprintf(f, "%s\n", heading);
    for (; *p != '\0'; p = nl != NULL ? nl + 1 : p + strlen(p)) {
        nl = strchr(p, '\n');
        snprintf(line, sizeof(line), "%.*s", (int)(nl != NULL ? nl - p : (ptrdiff_t)strlen(p)), p);
        fprintf(f, "  %s\n", ferry_safe(line));
    }
}
