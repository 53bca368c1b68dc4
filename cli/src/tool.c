/* ferry — both tools' main(): global options, the verb table, --help; helpers the verbs share. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "ferry/log.h"
#include "ferry/tool.h"

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
                               enum ferry_side side, int create, struct ferry_store **out)
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
    qo->screen = stdout; /* --to screen draws where the tool prints */
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
