/* ferry — check-root's internals shared by anchor.c, checkroot.c and svccheck.c. */
#ifndef FERRY_CHECKROOT_INT_H
#define FERRY_CHECKROOT_INT_H

#include <openssl/x509.h>

struct ferry_svc_cert;
/** Subject, issuer (RFC 2253), SHA-256 in groups of four and validity of @x (svccheck.c). */
void ferry_svc_cert_info(X509 *x, struct ferry_svc_cert *c);

/* Caps while reading trust stores: one bundle file, one file of a directory, files per dir. */
#define FERRY_TRUST_MAX_BUNDLE  (16u << 20)
#define FERRY_TRUST_MAX_FILE    (1u << 20)
#define FERRY_TRUST_MAX_DIRENTS 8192

#endif
