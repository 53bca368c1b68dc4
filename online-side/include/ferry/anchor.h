/* ferry — the trust anchor check-root stores for submit: HOME/anchor.pem. */
#ifndef FERRY_ANCHOR_H
#define FERRY_ANCHOR_H

#include <time.h>

#include "ferry/err.h"
#include "ferry/store.h"
#include "ferry/svccheck.h"

#define FERRY_ANCHOR_FILE "anchor.pem"

/*
 * HOME/anchor.pem: a few lines of text (which service, when, from what), then the one
 * certificate the service's chain verified up to, as PEM. `check-root --service URL` writes it
 * when the service answered over a chain to that certificate; `submit` uses it as if given
 * `--root HOME/anchor.pem` for a service of the same origin (scheme, host, port);
 * `check-root --forget` removes it. Each change has an audit entry.
 */
struct ferry_anchor {
    char path[1024];    /* HOME/anchor.pem */
    char service[1024]; /* the URL check-root checked ("" if the file does not say) */
    char stored[32];    /* when (ISO 8601, UTC) */
    char from[600];     /* what it came from: "--root FILE", "--pin", "the system trust store" */
    struct ferry_svc_cert cert; /* subject, issuer, SHA-256 (groups of four), validity */
};

/** Reads HOME/anchor.pem into @out. FERRY_ERR_NOT_FOUND when none is stored. */
ferry_err ferry_anchor_load(const char *home, struct ferry_anchor *out);

/**
 * Stores @pem (one certificate) as the anchor for @service, noting @from, atomically, with an
 * audit entry naming its SHA-256 and the one it replaced (@old, when one was stored). @out
 * receives what was stored.
 */
ferry_err ferry_anchor_save(struct ferry_store *s, const char *service, const char *pem,
                            const char *from, const struct ferry_anchor *old,
                            struct ferry_anchor *out);

/** Removes the stored anchor (@old, loaded) with an audit entry. */
ferry_err ferry_anchor_forget(struct ferry_store *s, const struct ferry_anchor *old);

/**
 * The anchor submit trusts for @url when no --root is given: the stored one when it was stored
 * for a service of @url's origin and is valid now (*root_out = its path, @an filled, *stored
 * = 1); else the system store (*root_out = NULL) -- for RMS (@rms) only when check-root calls
 * it usable (the GTE root present and valid). Otherwise nothing has been sent and the error
 * says what to run: FERRY_ERR_UNTRUSTED (no usable anchor, or one stored for another service),
 * FERRY_ERR_EXPIRED (the stored one is outside its validity).
 */
ferry_err ferry_anchor_for_submit(const char *home, const char *url, int rms,
                                  struct ferry_anchor *an, const char **root_out, int *stored);

/** 1 if URLs @a and @b have the same scheme, host and port. */
int ferry_anchor_same_origin(const char *a, const char *b);

#endif
