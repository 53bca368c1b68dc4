#include <string.h>

#include "ferry/args.h"

int ferry_args_index(const struct ferry_opt *opts, size_t nopts, const char *name)
{
    size_t i;

    for (i = 0; i < nopts; i++)
        if (strcmp(opts[i].name, name) == 0)
            return (int)i;
    return -1;
}

static int find_long(const struct ferry_opt *opts, size_t nopts, const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < nopts; i++)
        if (strlen(opts[i].name) == n && strncmp(opts[i].name, s, n) == 0)
            return (int)i;
    return -1;
}

static int find_short(const struct ferry_opt *opts, size_t nopts, char c)
{
    size_t i;

    for (i = 0; i < nopts; i++)
        if (opts[i].short_name != 0 && opts[i].short_name == c)
            return (int)i;
    return -1;
}

static ferry_err take_long(int argc, char **argv, int *i, const struct ferry_opt *opts,
                           size_t nopts, struct ferry_args *out)
{
    const char *s = argv[*i] + 2;
    const char *eq = strchr(s, '=');
    size_t n = eq ? (size_t)(eq - s) : strlen(s);
    int k = find_long(opts, nopts, s, n);

    if (k < 0)
        return ferry_errf(FERRY_ERR_USAGE, "unknown option '--%.*s' (see --help)", (int)n, s);
    out->count[k]++;
    if (opts[k].arg == NULL) {
        if (eq != NULL)
            return ferry_errf(FERRY_ERR_USAGE, "option '--%s' takes no value", opts[k].name);
        return FERRY_OK;
    }
    if (eq != NULL) {
        out->value[k] = eq + 1;
        return FERRY_OK;
    }
    if (*i + 1 >= argc)
        return ferry_errf(FERRY_ERR_USAGE, "option '--%s' needs a value %s", opts[k].name,
                          opts[k].arg);
    out->value[k] = argv[++*i];
    return FERRY_OK;
}

static ferry_err take_short(int argc, char **argv, int *i, const struct ferry_opt *opts,
                            size_t nopts, struct ferry_args *out)
{
    const char *s = argv[*i] + 1;
    int k;

    for (; *s != '\0'; s++) {
        if ((k = find_short(opts, nopts, *s)) < 0)
            return ferry_errf(FERRY_ERR_USAGE, "unknown option '-%c' (see --help)", *s);
        out->count[k]++;
        if (opts[k].arg == NULL)
            continue;
        if (s[1] != '\0') {
            out->value[k] = s + 1;
            return FERRY_OK;
        }
        if (*i + 1 >= argc)
            return ferry_errf(FERRY_ERR_USAGE, "option '-%c' needs a value %s", *s, opts[k].arg);
        out->value[k] = argv[++*i];
        return FERRY_OK;
    }
    return FERRY_OK;
}

ferry_err ferry_args_parse(int argc, char **argv, const struct ferry_opt *opts, size_t nopts,
                           size_t max_pos, struct ferry_args *out)
{
    int i, only_pos = 0;
    ferry_err r;

    memset(out, 0, sizeof(*out));
    if (nopts > FERRY_ARGS_MAX_OPTS || max_pos > FERRY_ARGS_MAX_POS)
        return FERRY_ERR_INTERNAL;
    for (i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (a == NULL)
            return FERRY_ERR_INTERNAL;
        if (!only_pos && strcmp(a, "--") == 0) {
            only_pos = 1;
            continue;
        }
        if (!only_pos && a[0] == '-' && a[1] == '-' && a[2] != '\0')
            r = take_long(argc, argv, &i, opts, nopts, out);
        else if (!only_pos && a[0] == '-' && a[1] != '\0')
            r = take_short(argc, argv, &i, opts, nopts, out);
        else if (out->npos >= max_pos)
            r = ferry_errf(FERRY_ERR_USAGE, "unexpected argument '%s' (see --help)", a);
        else {
            out->pos[out->npos++] = a;
            r = FERRY_OK;
        }
        if (r != FERRY_OK)
            return r;
    }
    return FERRY_OK;
}

const char *ferry_args_get(const struct ferry_args *a, const struct ferry_opt *opts, size_t nopts,
                           const char *name)
{
    int k = ferry_args_index(opts, nopts, name);

    return k < 0 ? NULL : a->value[k];
}

int ferry_args_has(const struct ferry_args *a, const struct ferry_opt *opts, size_t nopts,
                   const char *name)
{
    int k = ferry_args_index(opts, nopts, name);

    return k < 0 ? 0 : a->count[k];
}
