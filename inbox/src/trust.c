/* ferry — trust decisions on what a medium brings (see trust.h). */
#include <stddef.h>

#include "ferry/package.h"
#include "ferry/trust.h"

ferry_err ferry_trust_keys(struct ferry_store *s, int need_peer, struct ferry_identity **me,
                           struct ferry_identity ***peers, size_t *npeers)
{
    ferry_err r;

    *me = NULL;
    *peers = NULL;
    *npeers = 0;
    if ((r = ferry_store_identity(s, me)) != FERRY_OK)
        return r;
    if ((r = ferry_store_peers(s, peers, npeers)) != FERRY_OK)
        goto fail;
    if (need_peer && *npeers == 0) {
        r = ferry_errf(FERRY_ERR_UNTRUSTED,
                       "no machine is paired with this one yet: run `pair --to` on one side and "
                       "`pair --from` on the other first");
        goto fail;
    }
    return FERRY_OK;
fail:
    ferry_identity_free(*me);
    *me = NULL;
    ferry_store_peers_free(*peers, *npeers);
    *peers = NULL;
    *npeers = 0;
    return r;
}

ferry_err ferry_trust_verify(struct ferry_identity *const *known, size_t nknown,
                             const struct ferry_identity *me, const uint8_t *der, size_t len,
                             struct ferry_manifest **m, size_t *signer, int *own)
{
    size_t idx = 0;
    ferry_err r;

    *m = NULL;
    *own = 0;
    if ((r = ferry_package_verify(der, len, known, nknown, m, &idx)) != FERRY_OK)
        return r;
    *own = known[idx] == me;
    if (signer != NULL)
        *signer = idx;
    return FERRY_OK;
}

ferry_err ferry_trust_batch_verdict(ferry_err first, size_t done, size_t replayed,
                                    const char *replay_msg)
{
    if (first != FERRY_OK)
        return first;
    if (done == 0 && replayed > 0)
        return ferry_errf(FERRY_ERR_INCOMPLETE, "nothing new on the medium: %s",
                          replay_msg != NULL ? replay_msg : "every package was handled before");
    return FERRY_OK;
}
