/* ferry — a runbook for a transfer recorded in the store (both CLIs' `runbook` and `--runbook`). */
#ifndef FERRY_RUNBOOK_STORE_H
#define FERRY_RUNBOOK_STORE_H

#include <stdio.h>

#include "ferry/err.h"
#include "ferry/manifest.h"
#include "ferry/runbook.h"
#include "ferry/store.h"
#include "ferry/medium.h"

struct ferry_runbook_req {
    enum ferry_side side; /* offline: request leg; online: response (return) leg */
    const char
        *transfer;    /* a transfer id or a unique prefix of it (>= 4 hex digits); NULL: latest */
    const char *trip; /* a trip id or a unique prefix: the runbook lists all its transfers */
    const char *out;  /* file to write; NULL or "-": text on @tty */
    FILE *tty;        /* where the text goes without a file (the CLI's standard output) */
    int text;         /* 1: plain text (else PDF unless @out ends in .txt) */
    enum ferry_paper paper;
    enum ferry_medium_kind medium;          /* override; 0: the medium the ledger recorded */
    const char *anchor_subject, *anchor_fp; /* online: the trust anchor, when known */
    time_t anchor_not_after;
};

/* Offline: HOME/service-anchor.txt, the TLS anchor the online side last submitted over. */
#define FERRY_SERVICE_ANCHOR_FILE "service-anchor.txt"

/**
 * Offline, after a response package was accepted: keeps the service's TLS anchor its signed
 * manifest names (tls_anchor_sha256, _subject, _not_after, service) in HOME/service-anchor.txt,
 * for the next request runbook's "Anchor SHA-256". Nothing named: the file is left as it is.
 * FERRY_ERR_FORMAT for a value that is not one.
 */
ferry_err ferry_runbook_note_anchor(const char *home, const struct ferry_manifest *m);

/**
 * Finds the transfer (by id prefix, else the latest outstanding on the offline side or the
 * latest submitted on the online side), gathers what the runbook shows from the ledger, the
 * kept packages and the identities, and writes the runbook (text to q->tty when q->out is NULL
 * or "-"). A trip: q->trip, or no q->transfer and the latest transfer's trip holds several;
 * then one runbook lists every transfer of the trip. The medium is the one the ledger recorded
 * for the leg (export's output offline, submit's answer output online) unless q->medium.
 */
ferry_err ferry_runbook_for_transfer(struct ferry_store *s, const struct ferry_runbook_req *q);

/**
 * After a package went to paper (medium PDF): keeps the choice of its QR set (version, ECC,
 * parity) at HOME/packages/<id><@ext> so that the runbook, printed now or later, embeds the
 * very frames the PDF carries. Nothing for other media.
 */
ferry_err ferry_runbook_keep_qr(const struct ferry_medium *m, const char *home,
                                const uint8_t id[FERRY_TRANSFER_ID_LEN], const char *ext,
                                const uint8_t *pkg, size_t len, const struct ferry_qr_opts *qo);

#endif
