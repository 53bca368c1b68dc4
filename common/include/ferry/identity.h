/* ferry — pairing identities: an ECDSA P-256 key and its self-signed certificate. */
#ifndef FERRY_IDENTITY_H
#define FERRY_IDENTITY_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "ferry/crypto.h"
#include "ferry/hex.h"
#include "ferry/err.h"

#define FERRY_IDENTITY_MAX_PEM (64u << 10)

struct ferry_identity; /* opaque: certificate, and the private key when it is our own */

/**
 * Makes a new identity: ECDSA P-256 key, self-signed X.509 certificate with CN=@name
 * (UTF-8, <= 64 bytes), serial random, valid from now - 1 day for 20 years, SHA-256 signature,
 * keyUsage digitalSignature, a subjectKeyIdentifier.
 */
ferry_err ferry_identity_generate(const char *name, struct ferry_identity **out);

/** Loads a certificate (PEM or DER); the identity has no private key. */
ferry_err ferry_identity_from_cert(const uint8_t *buf, size_t len, struct ferry_identity **out);

/**
 * Loads our own identity: certificate (PEM) plus private key (PKCS#8 PEM, unencrypted).
 * FERRY_ERR_MISMATCH if the key is not the certificate's.
 */
ferry_err ferry_identity_from_pem(const uint8_t *cert, size_t certlen, const uint8_t *key,
                                  size_t keylen, struct ferry_identity **out);

/** Certificate as PEM (new NUL-terminated buffer, caller frees). */
ferry_err ferry_identity_cert_pem(const struct ferry_identity *id, char **pem, size_t *len);

/** Certificate as DER (new buffer, caller frees). */
ferry_err ferry_identity_cert_der(const struct ferry_identity *id, uint8_t **der, size_t *len);

/**
 * Private key as PKCS#8 PEM in secure memory: free with OPENSSL_secure_clear_free(*pem, *len).
 * FERRY_ERR_NOT_FOUND if the identity has no key.
 */
ferry_err ferry_identity_key_pem(const struct ferry_identity *id, char **pem, size_t *len);

/** SHA-256 of the certificate's DER: the fingerprint operators compare. */
void ferry_identity_fingerprint(const struct ferry_identity *id, uint8_t fp[FERRY_SHA256_LEN]);

/** Fingerprint in groups of four upper-case hex digits ("A531 2518 ..."). */
void ferry_identity_fingerprint_groups(const struct ferry_identity *id,
                                       char out[FERRY_FP_GROUPS_LEN]);

/** The certificate's CN (borrowed, valid while @id lives). */
const char *ferry_identity_name(const struct ferry_identity *id);

/** 1 if the identity holds a private key. */
int ferry_identity_has_key(const struct ferry_identity *id);

/** Borrowed OpenSSL objects, valid while @id lives. pkey is NULL without a key. */
X509 *ferry_identity_x509(const struct ferry_identity *id);
EVP_PKEY *ferry_identity_pkey(const struct ferry_identity *id);

/** 1 if both identities have the same certificate (constant-time fingerprint compare). */
int ferry_identity_equal(const struct ferry_identity *a, const struct ferry_identity *b);

void ferry_identity_free(struct ferry_identity *id);

#endif
