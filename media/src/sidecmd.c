#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ferry/safetext.h"
#include "ferry/codec.h"
#include "ferry/json.h"
#include "ferry/lock.h"
#include "ferry/log.h"
#include "ferry/transport.h"
#include "ferry/pairing.h"
#include "ferry/runbook_store.h"
#include "ferry/sidecmd.h"

/* Global options may come before the verb (`ferry-offline --home D status`): moves them after
 * it, so every command parses them. Returns 0, or -1 when the leading options are malformed. */
static int hoist_globals(int argc, char **argv)
{
    int i = 1, k;
    char *verb;

    while (i < argc && argv[i][0] == '-' && strcmp(argv[i], "--version") != 0 &&
           strcmp(argv[i], "-h") != 0 && strcmp(argv[i], "--help") != 0) {
        if (strcmp(argv[i], "--home") == 0) {
            if (i + 1 >= argc)
                return -1;
            i += 2;
        } else {
            i++;
        }
    }
    if (i == 1 || i >= argc)
        return i == 1 ? 0 : -1;
    verb = argv[i];
    for (k = i; k > 1; k--)
        argv[k] = argv[k - 1];
    argv[1] = verb;
    return 0;
}

int ferry_dispatch(const char *prog, const char *about, const struct ferry_verb *verbs,
                   size_t nverbs, int argc, char **argv)
{
    size_t i;
    FILE *f = stderr;

    ferry_log_set_prefix(prog);
    if (hoist_globals(argc, argv) != 0) {
        fprintf(stderr, "%s: a command is needed after the global options\n", prog);
        return 2;
    }
    if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
        printf("%s %s\n", prog, FERRY_VERSION);
        return 0;
    }
    if (argc >= 2 && strcmp(argv[1], "-h") != 0 && strcmp(argv[1], "--help") != 0 &&
        strcmp(argv[1], "help") != 0) {
        for (i = 0; i < nverbs; i++)
            if (strcmp(argv[1], verbs[i].name) == 0)
                return verbs[i].fn(argc - 2, argv + 2);
        fprintf(stderr, "%s: unknown command '%s'\n", prog, argv[1]);
    } else if (argc >= 2) {
        f = stdout;
    }
    fprintf(f, "usage: %s COMMAND [options]   (%s COMMAND --help for details)\n\n%s\n\ncommands:\n",
            prog, prog, about);
    for (i = 0; i < nverbs; i++)
        fprintf(f, "  %-12s %s\n", verbs[i].name, verbs[i].summary);
    fputs("\nglobal options: --home DIR, --json, -v, -q, -h/--help, --version\n", f);
    return f == stdout ? 0 : 2;
}

ferry_err ferry_cli_open_store(const struct ferry_cmd_spec *spec, const struct ferry_args *a,
                               const char *side, int create, struct ferry_store **out)
{
    /* commands that only read share the home; every other one has it to itself */
    static const char *const readers[] = {"status", "runbook", "check-root"};
    int mode = 1;
    size_t i;
    ferry_err r;

    for (i = 0; i < sizeof(readers) / sizeof(readers[0]); i++)
        if (strcmp(spec->name, readers[i]) == 0)
            mode = 0;
    r = ferry_store_open_locked(a->value[FERRY_CLI_HOME], side, create, mode, out);

    if (r == FERRY_ERR_NOT_FOUND)
        return ferry_errf(r, "no ferry state here (%s): run `%s init` first", ferry_err_detail(),
                          spec->prog);
    return r;
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
        ferry_json_str(&j, "fingerprint", fp);
        ferry_json_bool(&j, "created", created);
        ferry_json_print(&j, stdout);
        return;
    }
    printf("identity:    %s%s\nfingerprint: %s\nstate:       %s\n", ferry_identity_name(id),
           created ? "" : " (existing)", fp, home);
}

int ferry_cmd_init(const char *prog, const char *side, int argc, char **argv)
{
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
    FERRY_CLI_QR_OPTS,
};

static ferry_err pair_out(const struct ferry_cmd_spec *spec, const struct ferry_args *a,
                          struct ferry_store *s, const char *side, const struct ferry_medium *m)
{
    struct ferry_identity *me = NULL;
    struct ferry_qr_opts qo;
    char *where = NULL, fp[FERRY_FP_GROUPS_LEN];
    struct ferry_json j;
    ferry_err r;

    if ((r = ferry_cli_qr_opts(spec, a, &qo)) != FERRY_OK)
        return r;
    qo.label = "ferry identity";
    if ((r = ferry_pairing_write(s, side, m, &qo, &me, &where)) != FERRY_OK)
        return r;
    ferry_identity_fingerprint_groups(me, fp);
    if (ferry_cli_json(a)) {
        ferry_json_init(&j);
        ferry_json_str(&j, "name", ferry_identity_name(me));
        ferry_json_str(&j, "fingerprint", fp);
        ferry_json_str(&j, "written", where);
        ferry_json_print(&j, stdout);
    } else {
        printf("identity written: %s\nname:        %s\nfingerprint: %s\n", where,
               ferry_identity_name(me), fp);
        fprintf(stderr,
                "%s: compare this fingerprint with what `pair --from` shows on the "
                "other machine\n",
                spec->prog);
    }
    free(where);
    ferry_identity_free(me);
    return FERRY_OK;
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
    if (!ferry_args_has(a, spec->opts, spec->nopts, "yes") &&
        !ferry_cli_confirm("Does the other machine show exactly this fingerprint?")) {
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
        ferry_json_str(&j, "peer_fingerprint", fp);
        ferry_json_bool(&j, "paired", 1);
        ferry_json_print(&j, stdout);
    } else {
        printf("paired with: %s\nfingerprint: %s\n", ferry_safe(ferry_identity_name(peer)), fp);
    }
out:
    ferry_identity_free(peer);
    return r;
}

int ferry_cmd_pair(const char *prog, const char *side, int argc, char **argv)
{
    const struct ferry_cmd_spec spec = {
        prog,
        "pair",
        "--to MEDIUM | --from MEDIUM [--yes]",
        "Carries this machine's identity certificate to the other machine (--to), or imports "
        "the other machine's (--from) after the operator has compared the fingerprints shown "
        "on both screens. Packages from unpaired machines are refused.",
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
    if ((r = ferry_medium_parse(to ? to : from, &m)) != FERRY_OK)
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
    {"medium", 0, "MEDIUM", "the medium carried (usb, screen, pdf, ...) for the steps"},
};

int ferry_cmd_runbook(const char *prog, const char *side, int argc, char **argv)
{
    const struct ferry_cmd_spec spec = {
        prog,
        "runbook",
        "[TRANSFER] [--text] [--out FILE] [--paper a4|letter]",
        "Writes the procedure for one transfer (default: the latest one) with everything to "
        "check filled in: fingerprints, transfer id, SHA-256, expiry dates, boxes to tick and "
        "lines to sign. PDF with --out FILE.pdf, else plain text.",
        runbook_opts,
        sizeof(runbook_opts) / sizeof(runbook_opts[0]),
        1};
    struct ferry_runbook_req q;
    struct ferry_args a;
    struct ferry_store *s = NULL;
    struct ferry_medium m = {0};
    const char *paper, *med;
    int rc;
    ferry_err r;

    if ((rc = ferry_cli_parse(&spec, argc, argv, &a)) >= 0)
        return rc;
    memset(&q, 0, sizeof(q));
    if ((med = ferry_args_get(&a, spec.opts, spec.nopts, "medium")) != NULL) {
        if ((r = ferry_medium_parse(med, &m)) != FERRY_OK)
            goto out;
        q.medium = m.kind;
    }
    q.side = side;
    q.transfer = a.npos ? a.pos[0] : NULL;
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
    ferry_medium_clear(&m);
    ferry_store_close(s);
    return ferry_cli_fail(&spec, r);
}
