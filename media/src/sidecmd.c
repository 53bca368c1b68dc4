#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "ferry/safetext.h"
#include "ferry/codec.h"
#include "ferry/json.h"
#include "ferry/file.h"
#include "ferry/lock.h"
#include "ferry/runbook.h"
#include "ferry/log.h"
#include "ferry/transport.h"
#include "ferry/pairing.h"
#include "ferry/runbook_store.h"
#include "ferry/sidecmd.h"

/* 1 if @arg is a global flag that takes no value (what may stand before the verb besides
 * --home DIR). */
static int global_flag(const char *arg)
{
    static const char *const flags[] = {"--json", "-v", "--verbose", "-q", "--quiet"};
    size_t i;

    for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
        if (strcmp(arg, flags[i]) == 0)
            return 1;
    return strncmp(arg, "--home=", 7) == 0;
}

/* Global options may come before the verb (`ferry-offline --home D status`): moves them after
 * it, so every command parses them. Returns 0; -1 (message printed) when the leading options
 * are malformed or unknown: an unknown option is called an option, not a command. */
static int hoist_globals(const char *prog, int argc, char **argv)
{
    int i = 1, k;
    char *verb;

    while (i < argc && argv[i][0] == '-' && strcmp(argv[i], "--version") != 0 &&
           strcmp(argv[i], "-h") != 0 && strcmp(argv[i], "--help") != 0) {
        if (strcmp(argv[i], "--home") == 0) {
            if (i + 1 >= argc)
                break;
            i += 2;
        } else if (global_flag(argv[i])) {
            i++;
        } else {
            fprintf(stderr,
                    "%s: unknown option '%s' (before the command only --home DIR, --json, -v, "
                    "-q, --help and --version; see %s --help)\n",
                    prog, argv[i], prog);
            return -1;
        }
    }
    if (i == 1)
        return 0;
    if (i >= argc) {
        fprintf(stderr, "%s: a command is needed after the global options (see %s --help)\n", prog,
                prog);
        return -1;
    }
    verb = argv[i];
    for (k = i; k > 1; k--)
        argv[k] = argv[k - 1];
    argv[1] = verb;
    return 0;
}

/* Runs @v with the rest of the arguments. */
static int run_verb(const struct ferry_tool *tool, const struct ferry_verb *v, int argc,
                    char **argv)
{
    if (v->fn != NULL)
        return v->fn(argc, argv);
    return v->shared(tool, argc, argv);
}

int ferry_tool_main(const struct ferry_tool *tool, int argc, char **argv)
{
    const char *prog = tool->prog;
    size_t i;
    FILE *f = stderr;

    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    ferry_log_set_prefix(prog);
    if (hoist_globals(prog, argc, argv) != 0)
        return 2;
    if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
        printf("%s %s\n", prog, FERRY_VERSION);
        return 0;
    }
    if (argc >= 2 && strcmp(argv[1], "-h") != 0 && strcmp(argv[1], "--help") != 0 &&
        strcmp(argv[1], "help") != 0) {
        for (i = 0; i < tool->nverbs; i++)
            if (strcmp(argv[1], tool->verbs[i].name) == 0)
                return run_verb(tool, &tool->verbs[i], argc - 2, argv + 2);
        fprintf(stderr, "%s: unknown command '%s'\n", prog, argv[1]);
    } else if (argc >= 2) {
        f = stdout;
    }
    fprintf(f, "usage: %s COMMAND [options]   (%s COMMAND --help for details)\n\n%s\n\ncommands:\n",
            prog, prog, tool->about);
    for (i = 0; i < tool->nverbs; i++)
        fprintf(f, "  %-12s %s\n", tool->verbs[i].name, tool->verbs[i].summary);
    fputs("\nglobal options: --home DIR, --json, -v, -q, -h/--help, --version\n", f);
    return f == stdout ? 0 : 2;
}

ferry_err ferry_cli_open_store(const struct ferry_cmd_spec *spec, const struct ferry_args *a,
                               const char *side, int create, struct ferry_store **out)
{
    /* commands that only read share the home; every other one has it to itself. The store's
     * own messages name the directory and say to run init. */
    static const char *const readers[] = {"status", "runbook", "check-root"};
    int mode = 1;
    size_t i;

    for (i = 0; i < sizeof(readers) / sizeof(readers[0]); i++)
        if (strcmp(spec->name, readers[i]) == 0)
            mode = 0;
    return ferry_store_open_locked(a->value[FERRY_CLI_HOME], side, create, mode, out);
}

ferry_err ferry_cli_qr_opts(const struct ferry_cmd_spec *spec, const struct ferry_args *a,
                            struct ferry_qr_opts *qo)
{
    const char *v;
    char *end;
    long n;

    ferry_qr_opts_default(qo);
    if ((v = ferry_args_get(a, spec->opts, spec->nopts, "qr-version")) != NULL) {
        n = strtol(v, &end, 10);
        if (end == v || *end != '\0' || n < 1 || n > 40)
            return ferry_errf(FERRY_ERR_USAGE, "--qr-version must be 1 to 40");
        qo->version = (int)n;
    }
    if ((v = ferry_args_get(a, spec->opts, spec->nopts, "qr-ecc")) != NULL) {
        if (strlen(v) != 1 || strchr("LMQH", v[0]) == NULL)
            return ferry_errf(FERRY_ERR_USAGE, "--qr-ecc must be L, M, Q or H");
        qo->ecc = v[0];
    }
    if ((v = ferry_args_get(a, spec->opts, spec->nopts, "parity")) != NULL) {
        n = strtol(v, &end, 10);
        if (end == v || *end != '\0' || n < 0 || n > 300)
            return ferry_errf(FERRY_ERR_USAGE, "--parity must be 0 to 300 (percent)");
        qo->parity_pct = (int)n;
    }
    if ((v = ferry_args_get(a, spec->opts, spec->nopts, "fps")) != NULL) {
        double d = strtod(v, &end);
        if (end == v || *end != '\0' || !(d >= 0.2 && d <= 60))
            return ferry_errf(FERRY_ERR_USAGE, "--fps must be between 0.2 and 60");
        qo->fps = d;
    }
    return FERRY_OK;
}

/* `status --trip TRIP`: keeps only the transfers of the trip @prefix names (the others are
 * freed, *n shrinks); FERRY_ERR_USAGE/NOT_FOUND with a message for an unknown trip. */
static ferry_err trip_filter(struct ferry_store *s, const char *prefix, struct ferry_transfer **t,
                             size_t *n)
{
    uint8_t trip[FERRY_TRANSFER_ID_LEN];
    size_t i, k = 0;
    ferry_err r;

    if ((r = ferry_store_trip_find(s, prefix, trip)) != FERRY_OK)
        return r;
    for (i = 0; i < *n; i++) {
        if (t[i]->has_trip && memcmp(t[i]->trip, trip, sizeof(trip)) == 0)
            t[k++] = t[i];
        else
            ferry_transfer_free(t[i]);
    }
    *n = k;
    return FERRY_OK;
}

void ferry_cli_trip_cell(const struct ferry_transfer *t, char out[9])
{
    char hex[2 * FERRY_TRANSFER_ID_LEN + 1];

    if (!t->has_trip) {
        snprintf(out, 9, "-");
        return;
    }
    ferry_hex(t->trip, sizeof(t->trip), hex);
    snprintf(out, 9, "%.8s", hex);
}

void ferry_cli_media_cell(const struct ferry_transfer *t, char out[40])
{
    if (t->request_medium == NULL && t->answer_medium == NULL)
        snprintf(out, 40, "-");
    else
        snprintf(out, 40, "%.16s/%.16s", t->request_medium ? t->request_medium : "-",
                 t->answer_medium ? t->answer_medium : "-");
}

/* This machine's identity and fingerprint and the paired machines, as text on @f, or as "name",
 * "fingerprint" and "peers" in @j when it is not NULL. */
static void identities(FILE *f, const char *prog, struct ferry_json *j,
                       const struct ferry_identity *me, struct ferry_identity *const *peers,
                       size_t npeers)
{
    char fp[FERRY_FP_GROUPS_LEN];
    size_t i;

    ferry_identity_fingerprint_groups(me, fp);
    if (j != NULL) {
        ferry_json_str(j, "name", ferry_identity_name(me));
        ferry_json_hex_text(j, "fingerprint", fp);
        ferry_json_arr_begin(j, "peers");
    } else {
        fprintf(f, "identity:    %s\nfingerprint: %s\n", ferry_identity_name(me), fp);
    }
    for (i = 0; i < npeers; i++) {
        ferry_identity_fingerprint_groups(peers[i], fp);
        if (j != NULL) {
            ferry_json_obj_begin(j, NULL);
            ferry_json_str(j, "name", ferry_identity_name(peers[i]));
            ferry_json_hex_text(j, "fingerprint", fp);
            ferry_json_obj_end(j);
        } else {
            fprintf(f, "paired with: %s\n             %s\n",
                    ferry_safe(ferry_identity_name(peers[i])), fp);
        }
    }
    if (j != NULL)
        ferry_json_arr_end(j);
    else if (npeers == 0)
        fprintf(f, "paired with: nobody yet (run `%s pair`)\n", prog);
}

void ferry_cli_json_trip_media(struct ferry_json *j, const struct ferry_transfer *t)
{
    char trip[33];

    ferry_transfer_id_hex(t->trip, trip);
    ferry_json_str(j, "trip", t->has_trip ? trip : NULL);
    ferry_json_str(j, "request_medium", t->request_medium);
    ferry_json_str(j, "answer_medium", t->answer_medium);
}

/* The status table, after the identities: @v's headings, rows and totals. */
static void status_text(FILE *out, const struct ferry_status_view *v,
                        struct ferry_transfer *const *t, size_t n, time_t now)
{
    size_t i;

    fputc('\n', out);
    v->head(out);
    for (i = 0; i < n; i++)
        v->row(out, t[i], now);
    v->totals(out, t, n);
}

static ferry_err status_json(FILE *out, const char *prog, const struct ferry_status_view *v,
                             struct ferry_store *s, const struct ferry_identity *me,
                             struct ferry_identity *const *peers, size_t npeers,
                             struct ferry_transfer *const *t, size_t n, time_t now)
{
    struct ferry_json j;
    char id[33];
    size_t i;

    ferry_json_init(&j);
    ferry_json_str(&j, "home", ferry_store_home(s));
    identities(out, prog, &j, me, peers, npeers);
    if (v->json_head != NULL)
        v->json_head(&j, t, n);
    ferry_json_arr_begin(&j, "transfers");
    for (i = 0; i < n; i++) {
        ferry_transfer_id_hex(t[i]->id, id);
        ferry_json_obj_begin(&j, NULL);
        ferry_json_str(&j, "transfer_id", id);
        ferry_json_str(&j, "state", v->state_name(t[i]->state));
        v->json_row(&j, t[i], now);
        ferry_json_obj_end(&j);
    }
    ferry_json_arr_end(&j);
    return ferry_json_print(&j, out);
}

int ferry_cmd_status(const struct ferry_tool *tool, int argc, char **argv)
{
    const char *prog = tool->prog;
    const struct ferry_status_view *v = tool->status;
    FILE *out = stdout;
    const struct ferry_opt opts[] = {
        FERRY_CLI_GLOBAL_OPTS,
        {"trip", 0, "TRIP", v->trip_help},
    };
    const struct ferry_cmd_spec spec = {
        prog, "status", "[--trip TRIP]", v->about, opts, sizeof(opts) / sizeof(opts[0]), 0};
    struct ferry_args a;
    struct ferry_store *s = NULL;
    struct ferry_transfer **t = NULL;
    struct ferry_identity *me = NULL, **peers = NULL;
    size_t n = 0, npeers = 0;
    time_t now = ferry_now();
    const char *trip;
    int rc;
    ferry_err r;

    if ((rc = ferry_cli_parse(&spec, argc, argv, &a)) >= 0)
        return rc;
    if ((r = ferry_cli_open_store(&spec, &a, tool->side, 0, &s)) != FERRY_OK ||
        (r = ferry_store_identity(s, &me)) != FERRY_OK ||
        (r = ferry_store_peers(s, &peers, &npeers)) != FERRY_OK ||
        (r = ferry_store_transfers(s, &t, &n)) != FERRY_OK)
        goto out;
    if ((trip = ferry_args_get(&a, spec.opts, spec.nopts, "trip")) != NULL &&
        (r = trip_filter(s, trip, t, &n)) != FERRY_OK)
        goto out;
    if (ferry_cli_json(&a)) {
        r = status_json(out, prog, v, s, me, peers, npeers, t, n, now);
        goto out;
    }
    identities(out, prog, NULL, me, peers, npeers);
    status_text(out, v, t, n, now);
out:
    ferry_identity_free(me);
    ferry_store_peers_free(peers, npeers);
    ferry_transfers_free(t, n);
    ferry_store_close(s);
    return ferry_cli_fail(&spec, r);
}

static const struct ferry_opt init_opts[] = {
    FERRY_CLI_GLOBAL_OPTS,
    {"name", 0, "NAME", "a name for this machine's identity (default: host name)"},
};

static void print_identity(const struct ferry_args *a, const char *home,
                           const struct ferry_identity *id, int created)
{
    char fp[FERRY_FP_GROUPS_LEN];
    struct ferry_json j;

    ferry_identity_fingerprint_groups(id, fp);
    if (ferry_cli_json(a)) {
        ferry_json_init(&j);
        ferry_json_str(&j, "home", home);
        ferry_json_str(&j, "name", ferry_identity_name(id));
        ferry_json_hex_text(&j, "fingerprint", fp);
        ferry_json_bool(&j, "created", created);
        ferry_json_print(&j, stdout);
        return;
    }
    printf("identity:    %s%s\nfingerprint: %s\nstate:       %s\n", ferry_identity_name(id),
           created ? "" : " (existing)", fp, home);
}

int ferry_cmd_init(const struct ferry_tool *tool, int argc, char **argv)
{
    const char *prog = tool->prog, *side = tool->side;
    const struct ferry_cmd_spec spec = {
        prog,
        "init",
        "[--name NAME]",
        "Creates this machine's ferry state and its pairing identity (an ECDSA P-256 key, kept "
        "0600, and a self-signed certificate). Running it again shows the existing identity.",
        init_opts,
        sizeof(init_opts) / sizeof(init_opts[0]),
        0};
    struct ferry_args a;
    struct ferry_store *s = NULL;
    struct ferry_identity *id = NULL;
    char host[HOST_NAME_MAX + 1], name[128];
    const char *given;
    int rc, created = 1;
    ferry_err r;

    if ((rc = ferry_cli_parse(&spec, argc, argv, &a)) >= 0)
        return rc;
    if ((given = ferry_args_get(&a, spec.opts, spec.nopts, "name")) == NULL) {
        if (gethostname(host, sizeof(host)) != 0)
            snprintf(host, sizeof(host), "ferry");
        host[sizeof(host) - 1] = '\0';
        snprintf(name, sizeof(name), "%s (%s)", host, side);
        given = name;
    }
    if ((r = ferry_cli_open_store(&spec, &a, side, 1, &s)) != FERRY_OK)
        goto out;
    r = ferry_store_identity_create(s, given, &id);
    if (r == FERRY_ERR_EXISTS) {
        created = 0;
        r = ferry_store_identity(s, &id);
    }
    if (r != FERRY_OK)
        goto out;
    if (created)
        ferry_store_audit(s, "init", ferry_identity_name(id));
    print_identity(&a, ferry_store_home(s), id, created);
out:
    ferry_identity_free(id);
    ferry_store_close(s);
    return ferry_cli_fail(&spec, r);
}

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
static ferry_err pairing_sheet(const char *side, const struct ferry_identity *me, const char *fp,
                               const char *path)
{
    struct ferry_runbook rb;
    size_t n = strlen(path);
    char *text = NULL;
    ferry_err r;

    memset(&rb, 0, sizeof(rb));
    rb.leg = FERRY_RUNBOOK_PAIRING;
    rb.pairing_side = side;
    rb.created = ferry_now();
    if (strcmp(side, "offline") == 0) {
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
                          struct ferry_store *s, const char *side, const struct ferry_medium *m)
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
                         struct ferry_store *s, const char *side, const struct ferry_medium *m)
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
    const char *prog = tool->prog, *side = tool->side;
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
    if (to != NULL && (r = ferry_transport_lock(&m, &medium)) != FERRY_OK)
        goto out;
    r = to ? pair_out(&spec, &a, s, side, &m) : pair_in(&spec, &a, s, side, &m);
out:
    ferry_lock_release(medium);
    ferry_medium_clear(&m);
    ferry_store_close(s);
    return ferry_cli_fail(&spec, r);
}

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
    const char *prog = tool->prog, *side = tool->side;
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
