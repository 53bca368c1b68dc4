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

#include "ferry/buf.h"
#include "ferry/err.h"

#define ENROLLD_MAX_BODY       (1u << 20)  /* request body cap: above it, 413 */
#define ENROLLD_DRAIN_MAX      (64u << 20) /* past this much upload, stop reading and answer 413 */
#define ENROLLD_MAX_FAULT_BODY (64u << 20) /* --fault body:FILE */
#define ENROLLD_RMS_PATH       "/enrollment/enrollservice.asmx"
#define ENROLLD_EST_PREFIX     "/.well-known/est/"
#define ENROLLD_RMS_NS         "http://microsoft.com/DRM/EnrollmentService"
#define ENROLLD_SOAP11_NS      "http://schemas.xmlsoap.org/soap/envelope/"
#define ENROLLD_SOAP12_NS      "http://www.w3.org/2003/05/soap-envelope"
#define ENROLLD_SOAPACTION     "\"http://microsoft.com/DRM/EnrollmentService/Enroll\""
#define ENROLLD_RMS_VERSION    "1.0.0.0" /* VersionData, MS-RMPR 3.6.4.1.1 */
#define ENROLLD_MAX_ANSWER     (2u << 20)

/* The local CA kept in STATE/ca/, made at first start and reused after. */
struct enrolld_ca {
    EVP_PKEY *root_key;
    X509 *root; /* self-signed TLS anchor: STATE/root.pem */
    EVP_PKEY *tls_key;
    X509 *tls; /* server certificate for 127.0.0.1 and localhost */
    /* The XrML hierarchy of MS-RMPR 2.2.9.2, all RSA 2048: the Enrollment Service key signs the
     * SLCs, the Enrollment CA key the Enrollment Service certificate, the CA key the Enrollment
     * CA certificate, and the stand-in "Microsoft DRM Production Root" key the CA certificate;
     * that last key is in no certificate of the chain. */
    EVP_PKEY *svc_key, *eca_key, *ca_key, *drm_root_key;
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
    char *xrml_tail[3];   /* the XrML texts of certificates 2-4, made once at start */
    char drm_root_fp[65]; /* hex SHA-256 of the DER SubjectPublicKeyInfo of drm_root_key */
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
    char note[96];        /* appended to the received.log line (the Enroll request's shape) */
};

/* An Enroll request as the stand-in understood it (soap.c). */
struct enrolld_req {
    char guid[39]; /* "{...}": the request's GUID, braces added if it had none */
    EVP_PKEY *key; /* CertificatePublicKey/aPublicKeyBytes */
    int custom;    /* CustomRevocation */
    EVP_PKEY **ra; /* custom revocation authorities' keys */
    size_t nra;
    char *version, *sku, *name, *url; /* EnrolleeInformation, NULL if absent */
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

/* soap.c */
/** Answers POST /enrollment/enrollservice.asmx: checks the HTTP headers (@ctype, @soapaction) and
 * the SOAP 1.1 Enroll request as MS-RMPR 3.6.4.1 and the WSDL (6.6) define it; 200 +
 * EnrollResponse, or 500 + a SOAP 1.1 Fault naming what was refused. Sets out->note. */
ferry_err enrolld_rms_answer(struct enrolld *d, const char *ctype, const char *soapaction,
                             const uint8_t *body, size_t len, struct enrolld_reply *out);
/** The request body alone (no HTTP headers), as enrolld_rms_answer checks it: FERRY_OK with @q
 * filled (free it with enrolld_req_free), or FERRY_ERR_FORMAT with the fault code in *@code and
 * the reason in @why; FERRY_ERR_NOMEM. out->note gets the shape. For the fuzz target. */
ferry_err enrolld_rms_parse(const uint8_t *body, size_t len, struct enrolld_req *q,
                            struct enrolld_reply *out, const char **code, char *why, size_t cap);
/** A SOAP 1.1 fault document with @code ("soap:Client") and @why (escaped), status 500. */
ferry_err enrolld_rms_fault(const char *code, const char *why, struct enrolld_reply *out);
/** GET ?WSDL: MS-RMPR 6.6's WSDL, as published. */
ferry_err enrolld_rms_wsdl(struct enrolld_reply *out);
void enrolld_req_free(struct enrolld_req *q);
/** Appends @s with the five XML special characters (and CR, LF, TAB) escaped. */
ferry_err enrolld_put_escaped(struct ferry_buf *b, const char *s);

/* xrml.c */
/** Makes certificates 2-4 of the chain (d->xrml_tail) and d->drm_root_fp, once at start. */
ferry_err enrolld_xrml_init(struct enrolld *d);
void enrolld_xrml_free(struct enrolld *d);
/** The SLC for @q, signed with the Enrollment Service key: a new XrML text in *out. */
ferry_err enrolld_xrml_slc(struct enrolld *d, const struct enrolld_req *q, char **out);

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
