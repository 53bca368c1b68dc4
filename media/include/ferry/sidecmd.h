/* ferry — commands both tools share (init, pair) and the dispatcher both main()s use. */
#ifndef FERRY_SIDECMD_H
#define FERRY_SIDECMD_H

#include "ferry/cli.h"
#include "ferry/json.h"
#include "ferry/qr.h"
#include "ferry/store.h"

struct ferry_verb {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
};

/** Top-level main: `prog VERB [options]`, --help, --version. Returns the exit code. */
int ferry_dispatch(const char *prog, const char *about, const struct ferry_verb *verbs,
                   size_t nverbs, int argc, char **argv);

/** `init [--name NAME]` for @side ("offline"/"online"). */
int ferry_cmd_init(const char *prog, const char *side, int argc, char **argv);

/** `pair --to MEDIUM | --from MEDIUM [--yes]` for @side. */
int ferry_cmd_pair(const char *prog, const char *side, int argc, char **argv);

/** `runbook [TRANSFER] [--text] [--out FILE] [--paper a4|letter]` for @side. */
int ferry_cmd_runbook(const char *prog, const char *side, int argc, char **argv);

/** Opens the store named by --home (or the environment) for @side; prints errors. */
ferry_err ferry_cli_open_store(const struct ferry_cmd_spec *spec, const struct ferry_args *a,
                               const char *side, int create, struct ferry_store **out);

/**
 * Prints this machine's identity and fingerprint and the paired machines (text on stdout), or
 * adds "name", "fingerprint" and "peers" to @j when it is not NULL. Both sides' `status`.
 */
void ferry_cli_identities(const char *prog, struct ferry_json *j, const struct ferry_identity *me,
                          struct ferry_identity *const *peers, size_t npeers);

/** Both sides' `status --trip TRIP`: keeps only the transfers of the trip @prefix names (the
 * others are freed, *n shrinks); FERRY_ERR_USAGE/NOT_FOUND with a message for an unknown trip. */
ferry_err ferry_cli_trip_filter(struct ferry_store *s, const char *prefix,
                                struct ferry_transfer **t, size_t *n);

/** A status row's trip (its first 8 hex digits, "-" if none) and media ("usb/usb": the request
 * leg's, then the answer's; "-" for one not known). */
void ferry_cli_trip_cell(const struct ferry_transfer *t, char out[9]);
void ferry_cli_media_cell(const struct ferry_transfer *t, char out[40]);

/** Fills QR options from the common QR flags (--qr-version, --qr-ecc, --fps, --parity). */
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
