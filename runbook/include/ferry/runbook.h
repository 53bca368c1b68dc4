/* ferry — the printed runbook: a per-transfer procedure an operator follows with a pen. */
#ifndef FERRY_RUNBOOK_H
#define FERRY_RUNBOOK_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "ferry/err.h"
#include "ferry/kind.h"
#include "ferry/medium.h"
#include "ferry/qr.h"
#include "ferry/side.h"

enum ferry_runbook_leg {
    FERRY_RUNBOOK_REQUEST = 1,  /* offline -> online: export, carry, submit */
    FERRY_RUNBOOK_RESPONSE = 2, /* online -> offline: carry back, import, check expiry */
    FERRY_RUNBOOK_PAIRING = 3,  /* one machine's pairing sheet, carried by hand to the other */
};

enum ferry_paper {
    FERRY_PAPER_A4 = 1,
    FERRY_PAPER_LETTER = 2,
};

#define FERRY_RUNBOOK_MAX_ITEMS 500 /* transfers one trip's runbook lists */

/* One transfer of a trip, as the trip's runbook lists it (strings borrowed, as below). */
struct ferry_runbook_item {
    const char *transfer_id, *server_name, *guid, *request_file, *package_file, *package_sha256;
    time_t current_not_after, new_not_after, valid_until;
};

/* Everything the runbook shows. All strings borrowed, UTF-8; NULL or 0 = unknown (printed as a
 * blank line to fill in by hand). */
struct ferry_runbook {
    enum ferry_runbook_leg leg;
    enum ferry_medium_kind medium;         /* USB, SCREEN (screen QR), PDF (paper QR), PNG, HTML */
    const char *transfer_id;               /* 32 hex digits */
    enum ferry_kind kind;                  /* 0 unknown */
    const char *server_name;               /* RMS server name or certificate subject */
    const char *guid;                      /* RMS server GUID */
    const char *request_file;              /* name of the exported request file */
    const char *package_file;              /* name of the .ferry file on the medium */
    const char *package_sha256;            /* groups of four hex digits */
    const char *offline_name, *offline_fp; /* identity name and fingerprint (groups) */
    const char *online_name, *online_fp;
    const char *service_url;
    const char *anchor_subject; /* trust anchor for the service */
    const char *anchor_fp;      /* its SHA-256, colon or grouped hex */
    time_t anchor_not_after;
    time_t current_not_after;   /* the certificate being renewed */
    time_t new_not_after;       /* response leg: the new certificate's expiry; RMS: the SLC's
                                 * renewal date (the ISSUE right's RANGETIME end) */
    time_t valid_until;         /* response leg, RMS: the SLC's VALIDITYTIME end, 0 unknown */
    int lifetime_days_expected; /* request leg: what the new one should look like, 0 unknown */
    time_t created;             /* when the package was made */
    const uint8_t *package;     /* the package bytes, for paper QR pages (medium PDF) */
    size_t package_len;
    const struct ferry_qr_opts *qr; /* the QR options `--to pdf:` was given (version, ECC,
                                     * parity; NULL: defaults): the pages embed its frames */
    enum ferry_side pairing_side;   /* leg PAIRING: whose sheet it is (its name and fingerprint
                                       in offline_* or online_*) */
    const char *trip_id;            /* 32 hex digits: the run (export or submit) that carried it */
    /* A trip of several transfers (nitems > 1): one runbook lists each of them (the fields
     * above describe what they share: the first transfer's kind, peers, service, dates); the
     * package's QR pages are not embedded. NULL/0 or 1: the one transfer above. */
    const struct ferry_runbook_item *items;
    size_t nitems;
};

/** Writes the runbook as PDF (cairo) at @path, atomically. Paper QR pages follow for medium PDF. */
ferry_err ferry_runbook_pdf(const struct ferry_runbook *rb, enum ferry_paper paper,
                            const char *path);

/** The same content as plain text (UTF-8, lines <= 78 columns), new string, caller frees. */
ferry_err ferry_runbook_text(const struct ferry_runbook *rb, char **out);

#endif
