/* ferry — XrML 1.2 certificates as MS-RMPR 2.2.9 defines them, verified the way real ones verify.
 *
 * What "the way real ones verify" means was measured on the five intact signed examples of
 * MS-RMPR 4.5 (tests/vectors/rms/spec): SIGNATURE/DIGEST/VALUE is the SHA-1 (or SHA-256) of the
 * UTF-16LE encoding of the document text from "<BODY" through "</BODY>", with the white space
 * between tags removed ("surface-coding"); SIGNATURE/VALUE is an RSA PKCS#1 v1.5 signature of
 * that digest (big-endian integer) by the ISSUER key; and a PUBLICKEY modulus is stored
 * LITTLE-endian (read big-endian, no example verifies and the keys look one bit short). */
#ifndef FERRY_XRML_H
#define FERRY_XRML_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>

#include "ferry/err.h"

#define FERRY_XRML_MAX (256u << 10) /* bytes of one XrML document */

/* The four certificates of an enrollment answer, in order (MS-RMPR 2.2.9.2, 3.6.4.1). */
#define FERRY_XRML_CHAIN_LEN 4

/** "SLC", "Enrollment Service certificate", ... for position @i (0..3) of the chain. */
const char *ferry_xrml_chain_role(size_t i);

struct ferry_xrml_obj {
    char *type;    /* OBJECT/@type, or NULL */
    char *id_type; /* OBJECT/ID/@type ("MS-GUID", "ascii-tag"), or NULL */
    char *id;      /* OBJECT/ID text, white space trimmed, or NULL */
    char *name;    /* OBJECT/NAME, or NULL when there is none */
    char *url;     /* OBJECT/ADDRESS[@type="URL"], or NULL */
};

struct ferry_xrml_cert {
    char *text; /* the whole document (UTF-8), exactly as given */
    size_t len;
    char *body_type;       /* BODY/@type ("LICENSE" for certificates), or NULL */
    char *descriptor_type; /* BODY/DESCRIPTOR/OBJECT/@type, or NULL */
    char *descriptor_id;   /* its ID text, or NULL */
    struct ferry_xrml_obj issuer, principal;
    EVP_PKEY *issuer_key;    /* BODY/ISSUER/PUBLICKEY (modulus read little-endian) */
    EVP_PKEY *principal_key; /* BODY/ISSUEDPRINCIPALS/PRINCIPAL/PUBLICKEY, or NULL */
    int issuer_bits, principal_bits;
    time_t issued;               /* ISSUEDTIME */
    int has_validity, has_range; /* VALIDITYTIME; RANGETIME of the ISSUE right */
    time_t valid_from, valid_until, range_from, range_until;
    int sha256;              /* DIGEST/ALGORITHM SHA256 (else SHA1) */
    uint8_t digest[32];      /* SIGNATURE/DIGEST/VALUE as written */
    uint8_t body_digest[32]; /* recomputed from the BODY text (surface coding) */
    size_t digest_len;
    uint8_t *sig; /* SIGNATURE/VALUE */
    size_t siglen;
};

/**
 * Parses one XrML 1.2 document (@len bytes of UTF-8, an optional XML declaration first) with
 * the hardened parser, reads what a certificate or license carries, and recomputes the BODY
 * digest. Does not verify: see ferry_xrml_verify(). @what names it in messages
 * ("certificate 1 (SLC)"). FERRY_ERR_FORMAT naming the element otherwise.
 */
ferry_err ferry_xrml_parse(const char *text, size_t len, const char *what,
                           struct ferry_xrml_cert **out);
void ferry_xrml_free(struct ferry_xrml_cert *c);

/**
 * The digest recomputed from the BODY equals SIGNATURE/DIGEST/VALUE, and SIGNATURE/VALUE is the
 * ISSUER key's RSA PKCS#1 v1.5 signature of it. FERRY_ERR_SIG_INVALID saying which check.
 */
ferry_err ferry_xrml_verify(const struct ferry_xrml_cert *c, const char *what);

/**
 * The enrollment chain of MS-RMPR 2.2.9.3: SLC, Enrollment Service certificate, Enrollment CA
 * certificate, CA certificate. Each verifies (ferry_xrml_verify); each one's ISSUER key is the
 * next one's PRINCIPAL key and its ISSUER ID the next one's PRINCIPAL ID; types and ID types per
 * the spec's tables; the SLC's principal is an MS-DRM-Server with an MS-GUID, an ADDRESS and no
 * NAME; the CA certificate's issuer is "Microsoft DRM Production Root", which is not in the chain
 * (nothing here is trusted for being self-signed: the caller shows and pins @root_fp).
 * @root_fp: SHA-256 of the DER SubjectPublicKeyInfo of the key that signed the CA certificate.
 * Refusals name the certificate (position and role) and the check.
 */
ferry_err ferry_xrml_chain_verify(struct ferry_xrml_cert *const chain[FERRY_XRML_CHAIN_LEN],
                                  uint8_t root_fp[32]);

/** SHA-256 of the DER SubjectPublicKeyInfo of @k. */
ferry_err ferry_xrml_key_fingerprint(EVP_PKEY *k, uint8_t fp[32]);

/**
 * Parses a pinned fingerprint as an operator types it: 64 hex digits, spaces and colons
 * ignored. FERRY_ERR_USAGE otherwise.
 */
ferry_err ferry_xrml_fingerprint_parse(const char *s, uint8_t fp[32]);

#endif
