/* ferry — online-side internals shared by checkroot.c and enroll.c. */
#ifndef FERRY_ENROLL_INT_H
#define FERRY_ENROLL_INT_H

#include <stddef.h>

/*
 * The trust store submissions use, as one rule for check-root and the HTTPS client:
 * if the caller names a CA file or a CA directory (or both), exactly those are used (a pinned
 * anchor stands alone); otherwise OpenSSL's defaults, X509_get_default_cert_file() and
 * X509_get_default_cert_dir(), each overridden by $SSL_CERT_FILE / $SSL_CERT_DIR.
 * The returned pointers are borrowed (arguments, environment or OpenSSL constants); either
 * may be NULL when not used.
 */
void ferry_enroll_trust_store(const char *ca_file, const char *ca_path, const char **file_out,
                              const char **dir_out);

/* Caps while reading trust stores: one bundle file, one file of a directory, files per dir. */
#define FERRY_TRUST_MAX_BUNDLE  (16u << 20)
#define FERRY_TRUST_MAX_FILE    (1u << 20)
#define FERRY_TRUST_MAX_DIRENTS 8192

#endif
