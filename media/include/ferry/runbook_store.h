/* ferry — a runbook for a transfer recorded in the store (both CLIs' `runbook` and `--runbook`). */
#ifndef FERRY_RUNBOOK_STORE_H
#define FERRY_RUNBOOK_STORE_H

#include "ferry/err.h"
#include "ferry/runbook.h"
#include "ferry/store.h"

struct ferry_runbook_req {
    const char *side; /* "offline": request leg; "online": response (return) leg */
    const char
        *transfer;    /* a transfer id or a unique prefix of it (>= 4 hex digits); NULL: latest */
    const char *trip; /* a trip id or a unique prefix: the runbook lists all its transfers */
    const char *out;  /* file to write; NULL or "-": text on stdout */
    int text;         /* 1: plain text (else PDF unless @out ends in .txt) */
    enum ferry_paper paper;
    enum ferry_medium_kind medium;          /* override; 0: the medium the ledger recorded */
    const char *anchor_subject, *anchor_fp; /* online: the trust anchor, when known */
    time_t anchor_not_after;
};

/**
 * Finds the transfer (by id prefix, else the latest outstanding on the offline side or the
 * latest submitted on the online side), gathers what the runbook shows from the ledger, the
 * kept packages and the identities, and writes the runbook (text to stdout when q->out is NULL
 * or "-"). A trip: q->trip, or no q->transfer and the latest transfer's trip holds several;
 * then one runbook lists every transfer of the trip. The medium is the one the ledger recorded
 * for the leg (export's output offline, submit's answer output online) unless q->medium.
 */
ferry_err ferry_runbook_for_transfer(struct ferry_store *s, const struct ferry_runbook_req *q);

#endif
