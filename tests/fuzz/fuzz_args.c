/* Fuzz target: command-line parsing. The input, split at NUL bytes, is argv (at most 64 words)
 * (without the program name, as the commands pass it) for an option table shaped like
 * export/submit's (global options, mediums, QR options). Whatever is accepted must hold the
 * parser's promises: values borrowed from argv, at most max_pos positionals, counts that match
 * values; then the medium and QR option parsers see the values. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ferry/args.h"
#include "ferry/cli.h"
#include "ferry/log.h"
#include "ferry/medium.h"
#include "ferry/tool.h"

#define MAX_WORDS 64

static const struct ferry_opt opts[] = {
    FERRY_CLI_GLOBAL_OPTS,
    {"to", 0, "MEDIUM", "where to write"},
    {"from", 0, "MEDIUM", "where to read"},
    {"runbook", 0, "FILE", "runbook"},
    {"service", 0, "URL", "service"},
    {"force", 'f', NULL, "a flag"},
    FERRY_CLI_QR_OPTS,
};
static const struct ferry_cmd_spec spec = {
    "ferry-fuzz", "args", "[ARG]", "fuzz", opts, sizeof(opts) / sizeof(opts[0]), 2,
};

static int borrowed(const char *v, char **argv, int argc)
{
    int i;

    for (i = 0; i < argc; i++)
        if (v >= argv[i] && v <= argv[i] + strlen(argv[i]))
            return 1;
    return 0;
}

static void check_medium(const char *v)
{
    struct ferry_medium m;

    if (v != NULL && ferry_medium_parse(v, &m) == FERRY_OK) {
        if (m.path != NULL && m.path[0] == '\0')
            abort();
        (void)ferry_medium_writable(m.kind);
        (void)ferry_medium_readable(m.kind);
        ferry_medium_clear(&m);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf, *argv[MAX_WORDS + 2];
    struct ferry_args a;
    struct ferry_qr_opts qo;
    size_t i, start = 0;
    int argc = 0;

    ferry_log_set_level(FERRY_LOG_ERROR);
    if ((buf = malloc(size + 1)) == NULL)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    for (i = 0; i <= size && argc < MAX_WORDS + 1; i++) {
        if (buf[i] == '\0') {
            argv[argc++] = buf + start;
            start = i + 1;
        }
    }
    argv[argc] = NULL;
    if (ferry_args_parse(argc, argv, opts, spec.nopts, spec.max_pos, &a) == FERRY_OK) {
        if (a.npos > spec.max_pos)
            abort();
        for (i = 0; i < a.npos; i++)
            if (!borrowed(a.pos[i], argv, argc))
                abort();
        for (i = 0; i < spec.nopts; i++) {
            if (a.count[i] < 0 || (a.value[i] != NULL && a.count[i] == 0))
                abort();
            if (a.value[i] != NULL && !borrowed(a.value[i], argv, argc))
                abort();
            if (opts[i].arg != NULL && a.count[i] > 0 && a.value[i] == NULL)
                abort();
        }
        check_medium(ferry_args_get(&a, opts, spec.nopts, "to"));
        check_medium(ferry_args_get(&a, opts, spec.nopts, "from"));
        if (ferry_cli_qr_opts(&spec, &a, &qo) == FERRY_OK &&
            (qo.version < 0 || qo.version > 40 || qo.parity_pct < -1 || qo.parity_pct > 300))
            abort();
    }
    free(buf);
    return 0;
}
