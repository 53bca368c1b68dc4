/* ferry — trust decisions on what a medium brings: whose keys count, whose signature a package
 * carries, and the verdict on a batch. */
#ifndef FERRY_TRUST_H
#define FERRY_TRUST_H

#include <stddef.h>

#include "ferry/err.h"
#include "ferry/identity.h"
#include "ferry/manifest.h"
#include "ferry/store.h"

/**
 * Loads our identity (with key) and the paired peers. FERRY_ERR_UNTRUSTED with advice when
 * nothing is paired and @need_peer is set. Free with ferry_identity_free / ferry_store_peers_free.
 */
ferry_err ferry_trust_keys(struct ferry_store *s, int need_peer, struct ferry_identity **me,
                           struct ferry_identity ***peers, size_t *npeers);

/**
 * Verifies a package read off a medium against the @nknown identities @known: the paired
 * machines and also this machine, @me (one of them), so that its own packages (its exports, its
 * identity, left on the same stick) are recognised: *own = 1 for those (the caller ignores
 * them). *signer (optional) is the signer's index in @known. Errors as ferry_package_verify.
 */
ferry_err ferry_trust_verify(struct ferry_identity *const *known, size_t nknown,
                             const struct ferry_identity *me, const uint8_t *der, size_t len,
                             struct ferry_manifest **m, size_t *signer, int *own);

/**
 * The verdict on a batch of packages read from one medium: the first real failure @first;
 * else, when nothing new was done (@done 0) but @replayed packages had been handled before,
 * FERRY_ERR_INCOMPLETE (exit 4) "nothing new on the medium: <@replay_msg>"; else FERRY_OK. So
 * old packages left on a stick are skipped when a new one goes through, and a run that finds
 * only those says there was nothing new (not that something was refused).
 */
ferry_err ferry_trust_batch_verdict(ferry_err first, size_t done, size_t replayed,
                                    const char *replay_msg);

#endif
