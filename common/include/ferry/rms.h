/* ferry — RMS payloads: the MS-RMPR Enroll request and the EnrollResponse XrML chain. */
#ifndef FERRY_RMS_H
#define FERRY_RMS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>

#include "ferry/err.h"

#define FERRY_RMS_NS           "http://microsoft.com/DRM/EnrollmentService"
#define FERRY_SOAP11_NS        "http://schemas.xmlsoap.org/soap/envelope/"
#define FERRY_RMS_SOAPACTION   "\"http://microsoft.com/DRM/EnrollmentService/Enroll\""
#define FERRY_RMS_MAX_REQUEST  (1u << 20)
#define FERRY_RMS_MAX_RESPONSE (4u << 20)

struct ferry_rms_request {
    char *server_name; /* EnrolleeInformation server name (UTF-8), may be NULL */
    char *guid;        /* CertificatePublicKey/Guid, normalised lower-case, no braces */
    EVP_PKEY *pubkey;  /* CertificatePublicKey/aPublicKeyBytes (PKCS#1 RSAPublicKey DER) */
    int has_bom;       /* the file starts with a UTF-8 BOM (kept as is, never changed) */
};

/**
 * Parses an Enroll request file (the SOAP 1.1 envelope of MS-RMPR 3.6.4, byte-exact as
 * exported). Checks: hardened XML, Envelope/Body/Enroll/EnrollParameters in the right
 * namespaces, CertificatePublicKey with an RSA key >= 1024 bits and a GUID, EnrolleeInformation
 * and RevocationInformation present. FERRY_ERR_FORMAT with a message naming what is missing.
 */
ferry_err ferry_rms_request_parse(const uint8_t *buf, size_t len, struct ferry_rms_request **out);
void ferry_rms_request_free(struct ferry_rms_request *r);

struct ferry_rms_cert {
    char *type; /* DESCRIPTOR/OBJECT/@type, e.g. "Server-Licensor-Certificate" */
    char *guid; /* the principal's (subject's) GUID, normalised */
    char *name; /* the principal's NAME */
    char *issuer_name;
    EVP_PKEY *pubkey;   /* the principal's RSA key */
    time_t from, until; /* VALIDITYTIME */
};

struct ferry_rms_response {
    struct ferry_rms_cert *chain; /* chain[0] is the SLC, then its issuers */
    size_t nchain;
};

/**
 * Parses an EnrollResponse (SOAP 1.1 body as the service answered it). A SOAP Fault gives
 * FERRY_ERR_REJECTED with the faultstring as detail. Checks every certificate's signature with
 * the key of the next one in the chain (the last is self-signed): FERRY_ERR_SIG_INVALID.
 */
ferry_err ferry_rms_response_parse(const uint8_t *buf, size_t len, struct ferry_rms_response **out);
void ferry_rms_response_free(struct ferry_rms_response *r);

/**
 * Binds an answer to its request at time @now: the SLC's key and GUID are the request's
 * (FERRY_ERR_MISMATCH, saying which), and @now is within FROM..UNTIL (FERRY_ERR_EXPIRED).
 */
ferry_err ferry_rms_check(const struct ferry_rms_request *req,
                          const struct ferry_rms_response *resp, time_t now);

/** Normalises a GUID ("{ABC...}" -> "abc..."), FERRY_ERR_FORMAT if not 8-4-4-4-12 hex. */
ferry_err ferry_rms_guid_normalize(const char *in, char out[37]);

#endif
