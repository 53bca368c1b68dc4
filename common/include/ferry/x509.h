/* ferry — X.509 mode payloads: renewal PKCS#10 out, certificate chain back. */
#ifndef FERRY_X509_H
#define FERRY_X509_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "ferry/err.h"

#define FERRY_X509_MAX_CSR   (64u << 10)  /* a PKCS#10, DER or PEM */
#define FERRY_X509_MAX_KEY   (64u << 10)  /* a private key file */
#define FERRY_X509_MAX_CERT  (256u << 10) /* a certificate file */
#define FERRY_X509_MAX_CHAIN (1u << 20)   /* a PKCS#7 or PEM chain */
#define FERRY_X509_MAX_CERTS 16           /* certificates in one chain */

/** What import and submit report about an issued certificate. */
struct ferry_x509_info {
    char subject[512]; /* one line, RFC 2253 */
    time_t not_before, not_after;
};

/**
 * Loads one certificate from a file as administrators keep them (see ferry_x509_certs_load):
 * the first one (the leaf of a bundle). FERRY_ERR_FORMAT / FERRY_ERR_TOO_LARGE.
 * *out is new (X509_free).
 */
ferry_err ferry_x509_cert_parse(const uint8_t *buf, size_t len, X509 **out);

/**
 * Every certificate of a file (at most FERRY_X509_MAX_CERT bytes, FERRY_X509_MAX_CERTS kept):
 * PEM "CERTIFICATE" blocks with any text before or between them (`openssl ca -out`, easy-rsa)
 * and other blocks (a key) skipped; one DER certificate; a certs-only PKCS#7 (DER or PEM).
 * Order kept. FERRY_ERR_FORMAT when there is none. *out is new (sk_X509_pop_free).
 */
ferry_err ferry_x509_certs_load(const uint8_t *buf, size_t len, STACK_OF(X509) * *out);

/** The certificate of @certs that holds @key's public key, else the first (borrowed). */
X509 *ferry_x509_cert_pick(STACK_OF(X509) * certs, EVP_PKEY *key);

/**
 * Loads a private key (PEM: PKCS#8, traditional, with text or other blocks such as EC
 * PARAMETERS or a certificate around it; or DER). An encrypted PEM key asks for its
 * passphrase on the terminal (OpenSSL's prompt). *out is new (EVP_PKEY_free).
 */
ferry_err ferry_x509_key_parse(const uint8_t *buf, size_t len, EVP_PKEY **out);

/**
 * A new key of the same type and size as @like (RSA: same bits; EC: same curve; Ed25519...).
 */
ferry_err ferry_x509_key_like(EVP_PKEY *like, EVP_PKEY **out);

/**
 * Makes a renewal PKCS#10 for @cert: its subject and subjectAltName, the public key of @key,
 * signed by @key (SHA-256; none for Ed25519/Ed448). @cert_key is the key the certificate holds
 * (checked to match @cert: FERRY_ERR_MISMATCH); @key is it, or a new key for --rekey.
 * *pem is a new NUL-terminated PEM "CERTIFICATE REQUEST" (caller frees).
 */
ferry_err ferry_x509_csr_make(X509 *cert, EVP_PKEY *cert_key, EVP_PKEY *key, char **pem,
                              size_t *len);

/**
 * Parses a PKCS#10 (DER, or PEM "CERTIFICATE REQUEST"/"NEW CERTIFICATE REQUEST"), at most
 * FERRY_X509_MAX_CSR bytes, nothing after it, and checks its self-signature.
 * FERRY_ERR_TOO_LARGE, FERRY_ERR_FORMAT, FERRY_ERR_SIG_INVALID. *out is new (X509_REQ_free).
 */
ferry_err ferry_x509_csr_parse(const uint8_t *buf, size_t len, X509_REQ **out);

/** 1 if @buf looks like a PKCS#10 (PEM armour or a DER SEQUENCE) rather than XML. */
int ferry_x509_looks_like_csr(const uint8_t *buf, size_t len);

/**
 * Parses certificates: a certs-only PKCS#7 (DER, or PEM "PKCS7") or a PEM chain of
 * "CERTIFICATE"s, at most FERRY_X509_MAX_CHAIN bytes and FERRY_X509_MAX_CERTS certificates, at
 * least one. Order kept (PKCS#7 order is the SET's). *out is new (sk_X509_pop_free).
 */
ferry_err ferry_x509_certs_parse(const uint8_t *buf, size_t len, STACK_OF(X509) * *out);

/** 1 if @cert's public key is @req's. */
int ferry_x509_key_match(X509 *cert, X509_REQ *req);

/**
 * Verifies @leaf with X509_verify_cert: @anchors are the only trust anchors (partial chains
 * allowed: a carried-back issuing CA anchors), @untrusted may help build the path, purpose any,
 * time @now. FERRY_ERR_EXPIRED (a certificate outside its validity), FERRY_ERR_UNTRUSTED.
 */
ferry_err ferry_x509_chain_check(X509 *leaf, STACK_OF(X509) * untrusted, STACK_OF(X509) * anchors,
                                 time_t now);

/**
 * Checks an issued certificate against its request: picks from @issued the certificate whose key
 * is @req's (none: FERRY_ERR_MISMATCH "key"), same subject (FERRY_ERR_MISMATCH "subject"), then
 * ferry_x509_chain_check against @cas (other @issued certificates help build the path).
 * *leaf is borrowed from @issued; @info (optional) is filled.
 */
ferry_err ferry_x509_check_issued(X509_REQ *req, STACK_OF(X509) * issued, STACK_OF(X509) * cas,
                                  time_t now, X509 **leaf, struct ferry_x509_info *info);

/**
 * The PEM chain to carry back and install: @leaf first, then @extra and @cas certificates not
 * already written (the leaf itself skipped). *pem new, NUL-terminated (caller frees).
 */
ferry_err ferry_x509_chain_pem(X509 *leaf, STACK_OF(X509) * extra, STACK_OF(X509) * cas, char **pem,
                               size_t *len);

/** Fills @info (subject, validity) from @cert. */
ferry_err ferry_x509_info_get(X509 *cert, struct ferry_x509_info *info);

/** The one-line subject of @req into @out (RFC 2253, truncated to @n). */
void ferry_x509_req_subject(X509_REQ *req, char *out, size_t n);

/** What changed from the certificate asked for to the one a CA issued. */
struct ferry_x509_diff {
    char text[2048]; /* one line per difference ("subjectAltName: lacks DNS:app01"), '\n' ended */
    int n;           /* differences listed */
    int missing;     /* a subjectAltName entry, an extended key usage or a key usage bit asked for
                        is missing: most TLS peers would refuse the certificate */
    int subject;     /* the subject differs (import refuses such a certificate) */
};

/**
 * Compares @issued with what was asked for: the subject, subjectAltName, key usage and extended
 * key usage of @req's extensionRequest (what `request` copies from the certificate renewed), and,
 * when @old (the certificate renewed) is given, its key type and validity length too. Added
 * entries are listed; missing ones also set @d->missing. FERRY_OK, or FERRY_ERR_NOMEM.
 */
ferry_err ferry_x509_compare(X509_REQ *req, X509 *old, X509 *issued, struct ferry_x509_diff *d);

/** A private key as unencrypted PKCS#8 PEM (caller frees with OPENSSL_clear_free(*pem, *len)). */
ferry_err ferry_x509_key_pem(EVP_PKEY *key, char **pem, size_t *len);

#endif
