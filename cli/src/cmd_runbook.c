/* ferry — `runbook`, both tools: a transfer's printed runbook from the ledger. */

#include <stdio.h>
#include <string.h>

#include "ferry/runbook_store.h"
#include "ferry/tool.h"

static const struct ferry_opt runbook_opts[] = {
    FERRY_CLI_GLOBAL_OPTS,
    {"text", 0, NULL, "plain text instead of PDF"},
    {"out", 'o', "FILE", "write to FILE (default: text on stdout)"},
    {"paper", 0, "a4|letter", "paper size of the PDF (default a4)"},
    {"trip", 0, "TRIP",
     "one runbook for every transfer of the trip (an id or 4+ hex digits of one, from status)"},
    {"medium", 0, "usb|png|pdf|html|screen",
     "override the medium the ledger recorded for this leg (for transfers recorded before "
     "ferry kept it)"},
};

/* --medium: a medium's kind (a MEDIUM argument's path is ignored); one a package is written
 * to, as the runbook's steps name the leg by what the sender writes. */
static ferry_err runbook_medium(const char *v, enum ferry_medium_kind *out)
{
    struct ferry_medium m = {0};
    ferry_err r;

    *out = 0;
    if (strchr(v, ':') != NULL)
        r = ferry_medium_parse(v, &m);
    else
        r = ferry_medium_kind_parse(v, &m.kind);
    if (r == FERRY_OK && !ferry_medium_writable(m.kind))
        r = ferry_errf(FERRY_ERR_USAGE,
                       "--medium names what the package is written to: usb, png, pdf, html or "
                       "screen (camera and images read them)");
    *out = r == FERRY_OK ? m.kind : 0;
    ferry_medium_clear(&m);
    return r;
}

int ferry_cmd_runbook(const struct ferry_tool *tool, int argc, char **argv)
{
    const char *prog = tool->prog;
    enum ferry_side side = tool->side;
    const struct ferry_cmd_spec spec = {
        prog,
        "runbook",
        "[TRANSFER | --trip TRIP] [--text] [--out FILE] [--paper a4|letter] [--medium KIND]",
        "Writes the procedure for one transfer with everything to check filled in: "
        "fingerprints, transfer id, SHA-256, expiry dates, boxes to tick and lines to sign, "
        "and the commands for the medium the transfer travelled on. Without TRANSFER: the "
        "latest transfer, or its whole trip when that run (one export or one submit) carried "
        "several: one runbook lists every transfer. --trip: that trip. PDF with --out "
        "FILE.pdf, else plain text.",
        runbook_opts,
        sizeof(runbook_opts) / sizeof(runbook_opts[0]),
        1};
    struct ferry_runbook_req q;
    struct ferry_args a;
    struct ferry_store *s = NULL;
    const char *paper, *med;
    int rc;
    ferry_err r;

    if ((rc = ferry_cli_parse(&spec, argc, argv, &a)) >= 0)
        return rc;
    memset(&q, 0, sizeof(q));
    if ((med = ferry_args_get(&a, spec.opts, spec.nopts, "medium")) != NULL &&
        (r = runbook_medium(med, &q.medium)) != FERRY_OK)
        goto out;
    q.side = side;
    q.transfer = a.npos ? a.pos[0] : NULL;
    q.trip = ferry_args_get(&a, spec.opts, spec.nopts, "trip");
    if (q.transfer != NULL && q.trip != NULL) {
        r = ferry_errf(FERRY_ERR_USAGE, "give a TRANSFER or --trip TRIP, not both");
        goto out;
    }
    q.out = ferry_args_get(&a, spec.opts, spec.nopts, "out");
    q.tty = stdout;
    q.text = ferry_args_has(&a, spec.opts, spec.nopts, "text");
    q.paper = FERRY_PAPER_A4;
    if ((paper = ferry_args_get(&a, spec.opts, spec.nopts, "paper")) != NULL) {
        if (strcmp(paper, "letter") == 0)
            q.paper = FERRY_PAPER_LETTER;
        else if (strcmp(paper, "a4") != 0) {
            r = ferry_errf(FERRY_ERR_USAGE, "--paper is a4 or letter");
            goto out;
        }
    }
    if ((r = ferry_cli_open_store(&spec, &a, side, 0, &s)) != FERRY_OK)
        goto out;
    r = ferry_runbook_for_transfer(s, &q);
out:
    ferry_store_close(s);
    return ferry_cli_fail(&spec, r);
}
