/* ferry — pairing: carrying an identity certificate across once, over any medium. */
#ifndef FERRY_PAIRING_H
#define FERRY_PAIRING_H

#include "ferry/err.h"
#include "ferry/identity.h"
#include "ferry/medium.h"
#include "ferry/qr.h"
#include "ferry/store.h"

/**
 * Writes our identity as a self-signed identity package to @to (USB: FERRY/<side>-identity.ferry).
 * @side is ours. *me (optional) receives our identity, *where the destination.
 */
ferry_err ferry_pairing_write(struct ferry_store *s, enum ferry_side side,
                              const struct ferry_medium *to, const struct ferry_qr_opts *qo,
                              struct ferry_identity **me, char **where);

/**
 * Reads the peer's identity package from @from: skips our own and the same side's, verifies the
 * self-signature, and returns the peer identity (not yet trusted: the caller shows the
 * fingerprint and, once the operator agrees, calls ferry_store_peer_add).
 * FERRY_ERR_NOT_FOUND when the medium holds no identity of the other side.
 */
ferry_err ferry_pairing_read(struct ferry_store *s, enum ferry_side side,
                             const struct ferry_medium *from, struct ferry_identity **peer);

#endif
