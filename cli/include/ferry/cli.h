/* ferry — what every command of both tools shares: global options, --help, errors, exit codes. */
#ifndef FERRY_CLI_H
#define FERRY_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "ferry/args.h"
#include "ferry/err.h"
#include "ferry/json.h"
#include "ferry/kind.h"

/* The global options, first in every command's option table (indices fixed). */
#define FERRY_CLI_GLOBAL_OPTS                                                                      \
    {"home", 0, "DIR", "state directory (else $FERRY_HOME, else $XDG_DATA_HOME/ferry)"},           \
        {"json", 0, NULL, "print one JSON object on stdout"},                                      \
        {"verbose", 'v', NULL, "more messages"}, {"quiet", 'q', NULL, "only errors"},              \
        {"help", 'h', NULL, "show this help"},                                                     \
    {                                                                                              \
        "version", 0, NULL, "show the version"                                                     \
    }

enum {
    FERRY_CLI_HOME = 0,
    FERRY_CLI_JSON,
    FERRY_CLI_VERBOSE,
    FERRY_CLI_QUIET,
    FERRY_CLI_HELP,
    FERRY_CLI_VERSION,
    FERRY_CLI_NGLOBAL
};

struct ferry_cmd_spec {
    const char *prog;     /* "ferry-offline" */
    const char *name;     /* "export" */
    const char *synopsis; /* "REQUEST --to MEDIUM [--runbook FILE]" */
    const char *about;    /* a paragraph */
    const struct ferry_opt *opts;
    size_t nopts;
    size_t max_pos;
};

/**
 * Parses a command's arguments, applies -v/-q, handles --help and --version.
 * Returns -1 to go on, or an exit code to return at once (0 after help, 2 on usage errors,
 * having printed the message).
 */
int ferry_cli_parse(const struct ferry_cmd_spec *spec, int argc, char **argv, struct ferry_args *a);

/** Prints the command's usage and options to @f. */
void ferry_cli_usage(const struct ferry_cmd_spec *spec, FILE *f);

/** Prints "prog: cmd: detail" (or the generic text) on stderr; returns the exit code. */
int ferry_cli_fail(const struct ferry_cmd_spec *spec, ferry_err r);

/** --json given? */
int ferry_cli_json(const struct ferry_args *a);

/** Reads a yes/no answer from the terminal (/dev/tty); 0 without a terminal. */
int ferry_cli_confirm(const char *question);

/** --confirm: FERRY_OK when there is a terminal to ask on, else FERRY_ERR_USAGE saying so (checked
 * before anything is read, so a run without a terminal stops before it starts). */
ferry_err ferry_cli_confirm_ready(void);

/**
 * The head of what submit and import show before they act: "@file: verified; compare with the
 * runbook before @before:" and the lines Transfer id, Package SHA-256, Sender, Sender
 * fingerprint, the subject in @kind's words (Subject, Server name; unknown: as RMS), in the
 * runbook's words and order, digests in
 * groups of four, outside text escaped. The caller adds its own lines after it.
 */
void ferry_cli_print_verified(FILE *f, const char *file, const char *before,
                              const char *transfer_id, const uint8_t package_sha256[32],
                              const char *sender, const uint8_t sender_fp[32], enum ferry_kind kind,
                              const char *server_name);

/** @heading on a line, then each line of @text indented by two spaces and escaped on its own
 * (text from outside: what a CA changed in a certificate). */
void ferry_cli_print_lines(FILE *f, const char *heading, const char *text);

/* One package of a batch (import's answers, submit's requests) as both commands report it. */
struct ferry_cli_item {
    const char *file;
    const char *transfer_id; /* "" when not known */
    ferry_err err;           /* FERRY_ERR_REPLAY: handled before, skipped */
    const char *message;
};

/**
 * The head of a package's --json object: "file", "transfer_id", @done_key (true when it went
 * through), "message". The caller adds its members and closes the object.
 */
void ferry_cli_item_json(struct ferry_json *j, const struct ferry_cli_item *it,
                         const char *done_key);

/**
 * A package's text report when it did not go through: a skipped one (handled before) with -v, a
 * refused one on stderr as "prog: verb: FILE: @refused MESSAGE". Returns 1 when it said so (the
 * caller prints nothing more), 0 for one that went through.
 */
int ferry_cli_item_failed(const struct ferry_cmd_spec *spec, const struct ferry_cli_item *it,
                          const char *refused);

/* A batch's words: "answer", "imported", "refused" (or "request", "submitted", "failed"). */
struct ferry_cli_batch {
    const char *noun;
    const char *done;
    const char *failed;
};

/**
 * The end of a batch command, @n packages, @ok of them through: says how many were @b->done
 * before (@skipped, skipped); when some failed after their own messages, the verdict "verb: K of
 * N noun(s) failed", else ferry_cli_fail's report of @r. Returns the exit code.
 */
int ferry_cli_batch_end(const struct ferry_cmd_spec *spec, const struct ferry_cli_batch *b,
                        ferry_err r, size_t n, size_t ok, size_t skipped);

#endif
