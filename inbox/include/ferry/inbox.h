/* ferry — one receive path for both sides: the packages of a medium, fetched within a byte
 * budget, verified against the paired machines, those of this side handed to it one by one. */
#ifndef FERRY_INBOX_H
#define FERRY_INBOX_H

#include <stddef.h>
#include <stdint.h>

#include "ferry/err.h"
#include "ferry/identity.h"
#include "ferry/manifest.h"
#include "ferry/medium.h"
#include "ferry/store.h"
#include "ferry/usb.h"

/* One package of this side off the medium, verified, signed by a paired machine. */
struct ferry_inbox_pkg {
    struct ferry_manifest *m; /* the side keeps it (and sets this NULL) or it is freed after */
    size_t signer;            /* the signer's index in ib->peers */
    const char *signer_name;  /* "" when the identity names nobody */
    uint8_t signer_fp[FERRY_SHA256_LEN];
};

struct ferry_inbox;

/* What a side takes off a medium and what it does with it. */
struct ferry_inbox_side {
    /* TO_OFFLINE: the answers (response-*.ferry first); TO_ONLINE: the requests (request-*) */
    enum ferry_direction direction;
    /* Room for a result per listed file (@n of them), before the first. */
    ferry_err (*begin)(void *ctx, size_t n);
    /* Each file not ignored, in the medium's order: @p a package of this side, or NULL when it
     * was refused (@err, its detail in ferry_err_detail()). The side counts the file's outcome
     * (ferry_inbox_count) now or in its batch. The file's bytes are unloaded after, unless the
     * side keeps them (@keep set to 1). */
    void (*take)(void *ctx, struct ferry_inbox *ib, struct ferry_usb_file *f, ferry_err err,
                 struct ferry_inbox_pkg *p, int *keep);
    /* After the last file (NULL: nothing to do): what the side took, as one batch. */
    void (*batch)(void *ctx, struct ferry_inbox *ib);
};

/* One receive run: this machine's keys and the paired machines', the bytes left to read, and
 * the counts the batch verdict is made of. */
struct ferry_inbox {
    struct ferry_store *s;
    struct ferry_identity *me;
    struct ferry_identity **peers;
    size_t npeers;
    struct ferry_identity **known; /* @peers, then @me: whom a package on the medium may be from */
    uint64_t budget;               /* bytes left to read from the medium */
    size_t *ignored;       /* the side's counters (packages for the other side, own, identities), */
    size_t *done;          /* done, */
    size_t *skipped;       /* and handled before, still on the medium */
    ferry_err first;       /* the first real failure */
    const char *first_msg; /* its message */
    const char *replay_msg; /* the first skipped package's message */
};

/**
 * Opens a receive run on @s: our identity and the paired machines (FERRY_ERR_UNTRUSTED with
 * advice when nothing is paired), the counters at @ignored, @done, @skipped (set to 0).
 * Close with ferry_inbox_close, also after a failure.
 */
ferry_err ferry_inbox_open(struct ferry_inbox *ib, struct ferry_store *s, size_t *ignored,
                           size_t *done, size_t *skipped);

/**
 * Reads @from: lists the files (those of @side->direction first), fetches each within the budget,
 * verifies it (ferry_trust_verify), ignores this machine's own packages, those for the other side
 * and identities (a debug line each), and hands the rest to @side->take; then @side->batch. Returns
 * the batch verdict (ferry_trust_batch_verdict), or FERRY_ERR_NOT_FOUND when nothing was done
 * and nothing was skipped ("no answer on this medium ...", with what to do first).
 */
ferry_err ferry_inbox_run(struct ferry_inbox *ib, const struct ferry_medium *from,
                          const struct ferry_inbox_side *side, void *ctx);

/** Counts one file's outcome: done (FERRY_OK), skipped (FERRY_ERR_REPLAY: the first one's
 * @message says why nothing was new), else a failure (the first one, with its @message, is the
 * verdict). @message must outlive the run (the side's result of the file). */
void ferry_inbox_count(struct ferry_inbox *ib, ferry_err err, const char *message);

void ferry_inbox_close(struct ferry_inbox *ib);

/** Frees what a side's results own: @clear on each of the @n items of @size bytes at @items
 * (the array itself stays the caller's). */
void ferry_inbox_results_clear(void *items, size_t n, size_t size, void (*clear)(void *item));

#endif
