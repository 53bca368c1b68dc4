/* ferry — the package (.ferry): DER CMS SignedData with the manifest as attached content. */
#ifndef FERRY_PACKAGE_H
#define FERRY_PACKAGE_H

#include <stddef.h>
#include <stdint.h>

#include "ferry/err.h"
#include "ferry/identity.h"
#include "ferry/manifest.h"

/**
 * Signs the manifest with @signer (must hold a key): sets m->sender_fp from the signer, then
 * DER CMS SignedData, attached content, binary (no MIME canonicalisation), signer certificate
 * included, SHA-256. `openssl cms -verify -inform DER -binary -CAfile SIGNER.crt` verifies it.
 */
ferry_err ferry_package_sign(struct ferry_manifest *m, const struct ferry_identity *signer,
                             uint8_t **der, size_t *len);

/**
 * Verifies a package against the paired peers and parses its manifest.
 * Order: size cap (FERRY_MAX_PACKAGE_BYTES) -> DER parse (FERRY_ERR_FORMAT: corrupt or
 * truncated) -> the signer certificate must be one of @peers, matched by fingerprint
 * (FERRY_ERR_UNTRUSTED: "signed by an unpaired identity <fp>") -> CMS signature
 * (FERRY_ERR_SIG_INVALID) -> manifest parse -> manifest sender_fp equals the signer's.
 * *signer (optional) receives the index into @peers.
 */
ferry_err ferry_package_verify(const uint8_t *der, size_t len, struct ferry_identity *const *peers,
                               size_t npeers, struct ferry_manifest **out, size_t *signer);

/**
 * Looks at a package file (@fd, @size bytes) before it is read whole: its outer DER must span
 * the file exactly (else FERRY_ERR_FORMAT, corrupt or truncated), and the signer certificate
 * it carries, read from behind the body, must be one of @known (else FERRY_ERR_UNTRUSTED,
 * "signed by an unpaired identity"; a look-alike of a known one is left to the full
 * verification, which calls it altered). FERRY_OK also when the shape is unusual: the full
 * verification decides then.
 */
ferry_err ferry_package_peek(int fd, uint64_t size, struct ferry_identity *const *known,
                             size_t nknown);

/**
 * For pairing only: verifies a package signed by the certificate it carries in its one
 * FERRY_ITEM_IDENTITY item (self-signed proof of possession) and returns that identity.
 * The caller must have the operator compare the fingerprint before trusting it.
 */
ferry_err ferry_package_open_identity(const uint8_t *der, size_t len, struct ferry_identity **peer,
                                      struct ferry_manifest **out);

#endif
