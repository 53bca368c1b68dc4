/* ferry — the command-line option parser shared by every command (pure, fuzzable). */
#ifndef FERRY_ARGS_H
#define FERRY_ARGS_H

#include <stddef.h>

#include "ferry/err.h"

#define FERRY_ARGS_MAX_OPTS 32
#define FERRY_ARGS_MAX_POS  512 /* export takes one request file per certificate of a trip */

struct ferry_opt {
    const char *name; /* long name without dashes, e.g. "home" */
    char short_name;  /* e.g. 'v', or 0 */
    const char *arg;  /* argument name for help ("DIR"), NULL for a flag */
    const char *help; /* one line */
};

struct ferry_args {
    const char *value[FERRY_ARGS_MAX_OPTS]; /* last value given, borrowed from argv */
    int count[FERRY_ARGS_MAX_OPTS];         /* times given */
    const char *pos[FERRY_ARGS_MAX_POS];    /* positional arguments, borrowed */
    size_t npos;
};

/**
 * Parses argv[0..argc) (argv[0] is the first argument, not the program) against @opts.
 * Accepts "--name value", "--name=value", "-x value", "-x", bundled flags "-vq", and "--" to end
 * options. Options may come before or after positionals. FERRY_ERR_USAGE with a message for an
 * unknown option, a missing or unexpected value, or more than @max_pos positionals.
 */
ferry_err ferry_args_parse(int argc, char **argv, const struct ferry_opt *opts, size_t nopts,
                           size_t max_pos, struct ferry_args *out);

/** Index of option @name in @opts (for reading out->value/count), -1 if absent. */
int ferry_args_index(const struct ferry_opt *opts, size_t nopts, const char *name);

/** Value of option @name, or NULL when not given. */
const char *ferry_args_get(const struct ferry_args *a, const struct ferry_opt *opts, size_t nopts,
                           const char *name);

/** Times option @name was given. */
int ferry_args_has(const struct ferry_args *a, const struct ferry_opt *opts, size_t nopts,
                   const char *name);

#endif
