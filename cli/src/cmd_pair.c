/* ferry — `pair`, both tools: the identity out (with its pairing sheet) or the other's in. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ferry/safetext.h"
#include "ferry/file.h"
#include "ferry/lock.h"
#include "ferry/pairing.h"
#include "ferry/runbook_store.h"
#include "ferry/tool.h"

static const struct ferry_opt pair_opts[] = {
    FERRY_CLI_GLOBAL_OPTS,
    {"to", 0, "MEDIUM", "write this machine's identity (usb[:DIR], png:DIR, pdf:FILE, ...)"},
    {"from", 0, "MEDIUM", "import the other machine's identity (usb[:DIR], images:PATH, ...)"},
    {"yes", 'y', NULL, "trust the shown fingerprint without asking (compare it first!)"},
    {"sheet", 0, "FILE",
     "with --to: also write the pairing sheet to print and carry by hand "
     "(PDF if FILE ends in .pdf, else text)"},
    FERRY_CLI_QR_OPTS,
};

/* The pairing sheet for @me (this machine, @side): PDF when @path ends in ".pdf", else text. */
static ferry_err pairing_sheet(enum ferry_side side, const struct ferry_identity *me,
                               const char *fp, const char *path)
{
    struct ferry_runbook rb;
    size_t n = strlen(path);
    char *text = NULL;
    ferry_err r;

    memset(&rb, 0, sizeof(rb));
    rb.leg = FERRY_RUNBOOK_PAIRING;
    rb.pairing_side = side;
    rb.created = ferry_time_now();
    if (side == FERRY_SIDE_OFFLINE) {
        rb.offline_name = ferry_identity_name(me);
        rb.offline_fp = fp;
    } else {
        rb.online_name = ferry_identity_name(me);
        rb.online_fp = fp;
    }
    if (n >= 4 && strcasecmp(path + n - 4, ".pdf") == 0)
        return ferry_runbook_pdf(&rb, FERRY_PAPER_A4, path);
    if ((r = ferry_runbook_text(&rb, &text)) != FERRY_OK)
        return r;
    r = ferry_file_write_atomic(path, text, strlen(text), 0644);
    free(text);
    return r;
}

static ferry_err pair_out(const struct ferry_cmd_spec *spec, const struct ferry_args *a,
                          struct ferry_store *s, enum ferry_side side, const struct ferry_medium *m)
{
    struct ferry_identity *me = NULL;
    struct ferry_qr_opts qo;
    char *where = NULL, fp[FERRY_FP_GROUPS_LEN];
    const char *sheet;
    struct ferry_json j;
    ferry_err r;

    if ((r = ferry_cli_qr_opts(spec, a, &qo)) != FERRY_OK)
        return r;
    qo.label = "ferry identity";
    if ((r = ferry_pairing_write(s, side, m, &qo, &me, &where)) != FERRY_OK)
        return r;
    ferry_identity_fingerprint_groups(me, fp);
    if ((sheet = ferry_args_get(a, spec->opts, spec->nopts, "sheet")) != NULL &&
        (r = pairing_sheet(side, me, fp, sheet)) != FERRY_OK)
        goto out;
    if (ferry_cli_json(a)) {
        ferry_json_init(&j);
        ferry_json_str(&j, "name", ferry_identity_name(me));
        ferry_json_hex_text(&j, "fingerprint", fp);
        ferry_json_str(&j, "written", where);
        ferry_json_str(&j, "sheet", sheet);
        ferry_json_print(&j, stdout);
    } else {
        printf("identity written: %s\nname:        %s\nfingerprint: %s\n", where,
               ferry_identity_name(me), fp);
        if (sheet != NULL)
            printf("pairing sheet:    %s\n", sheet);
        fprintf(stderr,
                "%s: %s, carry it by hand apart from the medium: the other machine's `pair "
                "--from` asks you to compare with it\n",
                spec->prog,
                sheet != NULL ? "print the pairing sheet"
                              : "write down this fingerprint (or use --sheet FILE to print it)");
    }
out:
    free(where);
    ferry_identity_free(me);
    return r;
}

static ferry_err pair_in(const struct ferry_cmd_spec *spec, const struct ferry_args *a,
                         struct ferry_store *s, enum ferry_side side, const struct ferry_medium *m)
{
    struct ferry_identity *peer = NULL;
    char fp[FERRY_FP_GROUPS_LEN];
    struct ferry_json j;
    ferry_err r;

    if ((r = ferry_pairing_read(s, side, m, &peer)) != FERRY_OK)
        return r;
    ferry_identity_fingerprint_groups(peer, fp);
    fprintf(stderr, "%s: the other machine's identity: %s\n%s: fingerprint: %s\n", spec->prog,
            ferry_safe(ferry_identity_name(peer)), spec->prog, fp);
    fprintf(stderr,
            "%s: compare it with the pairing sheet printed on the other machine and carried "
            "by hand; not with anything that came on this medium\n",
            spec->prog);
    if (!ferry_args_has(a, spec->opts, spec->nopts, "yes") &&
        !ferry_cli_confirm("Does the pairing sheet show exactly this fingerprint?")) {
        r = ferry_errf(FERRY_ERR_UNTRUSTED,
                       "not paired: the fingerprint was not confirmed (use --yes only after "
                       "comparing it)");
        goto out;
    }
    if ((r = ferry_store_peer_add(s, peer)) != FERRY_OK)
        goto out;
    ferry_store_audit(s, "pair-in", fp);
    if (ferry_cli_json(a)) {
        ferry_json_init(&j);
        ferry_json_str(&j, "peer_name", ferry_identity_name(peer));
        ferry_json_hex_text(&j, "peer_fingerprint", fp);
        ferry_json_bool(&j, "paired", 1);
        ferry_json_print(&j, stdout);
    } else {
        printf("paired with: %s\nfingerprint: %s\n", ferry_safe(ferry_identity_name(peer)), fp);
    }
out:
    ferry_identity_free(peer);
    return r;
}

int ferry_cmd_pair(const struct ferry_tool *tool, int argc, char **argv)
{
    const char *prog = tool->prog;
    enum ferry_side side = tool->side;
    const struct ferry_cmd_spec spec = {
        prog,
        "pair",
        "--to MEDIUM [--sheet FILE] | --from MEDIUM [--yes]",
        "Carries this machine's identity certificate to the other machine (--to, with --sheet "
        "the pairing sheet to print and carry by hand), or imports the other machine's (--from) "
        "after the operator has compared the fingerprint shown with that sheet. Packages from "
        "unpaired machines are refused.",
        pair_opts,
        sizeof(pair_opts) / sizeof(pair_opts[0]),
        0};
    struct ferry_args a;
    struct ferry_store *s = NULL;
    struct ferry_medium m = {0};
    struct ferry_lock *medium = NULL;
    const char *to, *from;
    int rc;
    ferry_err r;

    if ((rc = ferry_cli_parse(&spec, argc, argv, &a)) >= 0)
        return rc;
    to = ferry_args_get(&a, spec.opts, spec.nopts, "to");
    from = ferry_args_get(&a, spec.opts, spec.nopts, "from");
    if ((to == NULL) == (from == NULL)) {
        r = ferry_errf(FERRY_ERR_USAGE, "give exactly one of --to MEDIUM or --from MEDIUM");
        goto out;
    }
    if (from != NULL && ferry_args_get(&a, spec.opts, spec.nopts, "sheet") != NULL) {
        r = ferry_errf(FERRY_ERR_USAGE, "--sheet goes with --to: the sheet is printed on the "
                                        "machine whose identity it carries");
        goto out;
    }
    if ((r = ferry_medium_parse_for(to ? to : from, to != NULL, &m)) != FERRY_OK)
        goto out;
    if ((r = ferry_cli_open_store(&spec, &a, side, 0, &s)) != FERRY_OK)
        goto out;
    if (to != NULL && (r = ferry_medium_lock(&m, &medium)) != FERRY_OK)
        goto out;
    r = to ? pair_out(&spec, &a, s, side, &m) : pair_in(&spec, &a, s, side, &m);
out:
    ferry_lock_release(medium);
    ferry_medium_clear(&m);
    ferry_store_close(s);
    return ferry_cli_fail(&spec, r);
}
