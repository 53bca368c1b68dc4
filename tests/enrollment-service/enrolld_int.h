/* ferry-enrolld — the local stand-in enrollment service (RMS SOAP + EST) used by the demo and
 * the integration tests. Internals shared by its files. */
#ifndef FERRY_ENROLLD_INT_H
#define FERRY_ENROLLD_INT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "ferry/err.h"

#define ENROLLD_MAX_BODY       (1u << 20)  /* request body cap: above it, 413 */
#define ENROLLD_DRAIN_MAX      (64u << 20) /* past this much upload, stop reading and answer 413 */
#define ENROLLD_MAX_FAULT_BODY (64u << 20) /* --fault body:FILE */
#define ENROLLD_RMS_PATH       "/enrollment/enrollservice.asmx"
#define ENROLLD_EST_PREFIX     "/.well-known/est/"

/* The local CA kept in STATE/ca/, made at first start and reused after. */
struct enrolld_ca {
    EVP_PKEY *root_key;
    X509 *root; /* self-signed TLS anchor: STATE/root.pem */
    EVP_PKEY *tls_key;
    X509 *tls;            /* server certificate for 127.0.0.1 and localhost */
    EVP_PKEY *issuer_key; /* RSA 2048 XrML issuer key that signs SLCs */
    char issuer_guid[37]; /* derived from the issuer key */
    EVP_PKEY *est_key;
    X509 *est; /* the EST CA: STATE/est-ca.pem */
};

/* --fault options, see usage(). */
struct enrolld_faults {
    long delay_ms;
    long http500;
    int soap_fault;
    int malformed;
    long long oversize;
    int oversize_chunked; /* oversize without Content-Length */
    long retry_after;
    long drip_ms;
    int reset;
    int redirect_http;
    int redirect_loop;
    char *content_type;
    long long gzip_bomb; /* uncompressed size, 0 = off */
    int wrong_host_cert;
    int expired_cert;
    int tls10_only;
    uint8_t *body; /* body:FILE: the RMS answer's bytes, as they are */
    size_t body_len;
};

/* --est-fault options (est.c). */
struct enrolld_est_faults {
    long pending_s; /* pending:S[:N]: 202 + Retry-After S to the first N enrollments */
    long pending_n;
    int pending_date; /* pending-date:S[:N]: Retry-After as an HTTP date S seconds ahead */
    int drop_san, drop_eku, drop_ku; /* drop:san|eku|ku: the issued certificate lacks it */
    int client_cert;     /* client-cert: 401 without an HTTP challenge (wants TLS client auth) */
    const char *subject; /* subject:/CN=..: the CA rewrites the subject */
    long enrolls;        /* enrollments seen (under the lock) */
};

struct enrolld {
    char *state_dir;
    char *log_path;
    long lifetime_days;
    char *est_user; /* "USER:PASS" or NULL */
    struct enrolld_faults f;
    struct enrolld_est_faults est;
    struct enrolld_ca ca;
    char *tls_key_pem, *tls_cert_pem; /* kept alive while the daemon runs */
    unsigned short port;
    pthread_mutex_t lock; /* guards nrequests and the log */
    long nrequests;
};

/* An answer before faults that change its transport are applied. */
struct enrolld_reply {
    int status;
    uint8_t *body; /* owned */
    size_t len;
    const char *ctype;    /* static */
    int est;              /* add Content-Transfer-Encoding: base64 */
    char retry_after[40]; /* a Retry-After header value, or empty */
    int no_challenge;     /* a 401 without WWW-Authenticate: Basic */
};

/* ca.c */
/** Loads STATE/ca or creates it (atomically: built in a temporary directory, then renamed);
 * (re)writes STATE/root.pem and STATE/est-ca.pem. */
ferry_err enrolld_ca_open(const char *state_dir, struct enrolld_ca *ca);
void enrolld_ca_close(struct enrolld_ca *ca);
/** A TLS certificate for a fault: "wrong.example" only (@expired 0), or expired for
 * 127.0.0.1/localhost (@expired 1), signed by the root, with a new P-256 key. */
ferry_err enrolld_ca_fault_tls(struct enrolld_ca *ca, int expired, EVP_PKEY **key, X509 **cert);
/** Issues a certificate for @subject_key: CA if @is_ca, extensions from the v3 config names in
 * @san (NULL: none), valid from @nb to @na, signed by @issuer (NULL: self-signed). */
ferry_err enrolld_ca_issue(EVP_PKEY *subject_key, const X509_NAME *subject, X509 *issuer,
                           EVP_PKEY *issuer_key, int is_ca, const char *san, time_t nb, time_t na,
                           X509 **out);
/** PEM of a key or certificate as a new NUL-terminated string. */
char *enrolld_pem_key(EVP_PKEY *k);
char *enrolld_pem_cert(X509 *x);

/* xrml.c */
/** Answers an Enroll request body: 200 + EnrollResponse, or 500 + SOAP fault. */
ferry_err enrolld_rms_answer(struct enrolld *d, const char *soapaction, const uint8_t *body,
                             size_t len, struct enrolld_reply *out);
/** A SOAP 1.1 fault document with @code ("soap:Client") and @why (escaped), status 500. */
ferry_err enrolld_rms_fault(const char *code, const char *why, struct enrolld_reply *out);

/* est.c */
/** Answers GET cacerts, POST simpleenroll / simplereenroll (@op is the path after the prefix). */
ferry_err enrolld_est_answer(struct enrolld *d, const char *method, const char *op,
                             const uint8_t *body, size_t len, struct enrolld_reply *out);

/** Parses one --est-fault KIND into d->est (FERRY_ERR_USAGE). */
ferry_err enrolld_est_fault(struct enrolld *d, const char *kind);

/* server.c */
struct MHD_Daemon;
/** Starts the HTTPS server on @addr (IPv4, port 0 = any) in its own threads. */
ferry_err enrolld_server_start(struct enrolld *d, const char *addr, struct MHD_Daemon **out);

#endif
