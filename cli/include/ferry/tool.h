/* ferry — commands both tools share (init, pair, status, runbook) and the main() both use. */
#ifndef FERRY_SIDECMD_H
#define FERRY_SIDECMD_H

#include <stdio.h>
#include <time.h>

#include "ferry/cli.h"
#include "ferry/json.h"
#include "ferry/qr.h"
#include "ferry/store.h"

/* A side's own verb (cmd_<verb>.c), and a verb both tools share (ferry_cmd_init, _pair, _status,
 * _runbook), which is told the tool. */
typedef int ferry_verb_fn(int argc, char **argv);
struct ferry_tool;
typedef int ferry_shared_verb_fn(const struct ferry_tool *tool, int argc, char **argv);

struct ferry_verb {
    const char *name;
    ferry_verb_fn *fn;            /* the side's own, or NULL */
    ferry_shared_verb_fn *shared; /* else this one */
    const char *summary;
};

/* What one side's `status` shows inside the frame both share. */
struct ferry_status_view {
    const char *about; /* its --help paragraph */
    const char *rows;  /* what its rows are ("transfers"), for the --trip option's help */
    const char *(*state_name)(enum ferry_transfer_state st);
    /* the text table: the column headings, one row a transfer, the totals */
    void (*head)(FILE *f);
    void (*row)(FILE *f, const struct ferry_transfer *t, time_t now);
    void (*totals)(FILE *f, struct ferry_transfer *const *t, size_t n);
    /* --json: members before "transfers" (NULL: none); a transfer's members after "transfer_id"
     * and "state" */
    void (*json_head)(struct ferry_json *j, struct ferry_transfer *const *t, size_t n);
    void (*json_row)(struct ferry_json *j, const struct ferry_transfer *t, time_t now);
};

/* Defines a side's `status_view` from its --help paragraph, what its rows are and its functions
 * (in the order of struct ferry_status_view; @json_head may be NULL). */
#define FERRY_STATUS_VIEW(about, rows, state_name, head, row, totals, json_head, json_row)         \
    const struct ferry_status_view status_view = {about, rows,   state_name, head,                 \
                                                  row,   totals, json_head,  json_row}

/* One tool: its name, its side, the paragraph its --help opens with, its
 * verbs in the order --help lists them, and what its `status` shows. */
struct ferry_tool {
    const char *prog;
    enum ferry_side side;
    const char *about;
    const struct ferry_verb *verbs;
    size_t nverbs;
    const struct ferry_status_view *status;
};

/**
 * Both tools' main(): keeps the process out of core dumps (the identity key lives in it), then
 * `prog VERB [options]`, --help, --version. Returns the exit code.
 */
int ferry_tool_main(const struct ferry_tool *tool, int argc, char **argv);

/* The first rows of a tool's verb table, both tools' own: init, and pair (@pair_summary names
 * the machine the identity goes to). */
#define FERRY_TOOL_VERBS_INIT_PAIR(pair_summary)                                                   \
    {"init", NULL, ferry_cmd_init, "create this machine's state and pairing identity"},            \
    {                                                                                              \
        "pair", NULL, ferry_cmd_pair, pair_summary                                                 \
    }

/* Defines main() for a tool: ferry_tool_main over @verbs (an array) and @status. */
#define FERRY_TOOL_MAIN(prog, side, about, verbs, status)                                          \
    int main(int argc, char **argv)                                                                \
    {                                                                                              \
        static const struct ferry_tool tool = {                                                    \
            prog, side, about, verbs, sizeof(verbs) / sizeof(verbs[0]), status};                   \
        return ferry_tool_main(&tool, argc, argv);                                                 \
    }

/** `init [--name NAME]` for @tool. */
int ferry_cmd_init(const struct ferry_tool *tool, int argc, char **argv);

/** `pair --to MEDIUM | --from MEDIUM [--yes]` for @tool. */
int ferry_cmd_pair(const struct ferry_tool *tool, int argc, char **argv);

/** `runbook [TRANSFER] [--text] [--out FILE] [--paper a4|letter]` for @tool. */
int ferry_cmd_runbook(const struct ferry_tool *tool, int argc, char **argv);

/** Opens the store named by --home (or the environment) for @side; prints errors. */
ferry_err ferry_cli_open_store(const struct ferry_cmd_spec *spec, const struct ferry_args *a,
                               enum ferry_side side, int create, struct ferry_store **out);

/**
 * `status [--trip TRIP]` for @tool: prints this machine's identity and fingerprint and the paired
 * machines, then the table @tool->status draws of the transfers (those of the trip with --trip);
 * with --json one object ("home", "name", "fingerprint", "peers", the view's members,
 * "transfers").
 */
int ferry_cmd_status(const struct ferry_tool *tool, int argc, char **argv);

/** A status JSON row's "trip", "request_medium" and "answer_medium". */
void ferry_cli_json_trip_media(struct ferry_json *j, const struct ferry_transfer *t);

/** A status row's trip (its first 8 hex digits, "-" if none) and media ("usb/usb": the request
 * leg's, then the answer's; "-" for one not known). */
void ferry_cli_trip_cell(const struct ferry_transfer *t, char out[9]);
void ferry_cli_media_cell(const struct ferry_transfer *t, char out[40]);

/** Fills QR options from the common QR flags (--qr-version, --qr-ecc, --fps, --parity); `--to
 * screen` draws on stdout. */
ferry_err ferry_cli_qr_opts(const struct ferry_cmd_spec *spec, const struct ferry_args *a,
                            struct ferry_qr_opts *qo);

/* The QR option rows to append to a command's table (read by ferry_cli_qr_opts). */
#define FERRY_CLI_QR_OPTS                                                                          \
    {"qr-version", 0, "N", "QR version 1-40 for QR media (default: per medium)"},                  \
        {"qr-ecc", 0, "L|M|Q|H", "QR error correction (default: L; on paper per package)"},        \
        {"parity", 0, "PCT", "parity frames as a percentage of the data frames"},                  \
    {                                                                                              \
        "fps", 0, "N", "frames per second on screen and in HTML (default 5)"                       \
    }

#endif
