/* ferry — RMS payloads as MS-RMPR defines them: the enrollment request (a bare EnrollParameters
 * document, 3.6.4.2.1.1, or a SOAP 1.1 Enroll/oInput, WSDL 6.6), the SOAP request ferry posts,
 * and the answer (EnrollResponse/EnrollResult/LicensorCertificateChain/string x4, 3.6.4.1, or the
 * response document of 3.6.4.2.1.2) with its XrML chain (ferry/xrml.h). */
#ifndef FERRY_RMS_H
#define FERRY_RMS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>

#include "ferry/err.h"
#include "ferry/xrml.h"

/* Microsoft's enrollment service: submit's default, the runbook's check-root --service. */
#define FERRY_DEFAULT_RMS_URL  "https://activation.drm.microsoft.com/enrollment/enrollservice.asmx"
#define FERRY_RMS_NS           "http://microsoft.com/DRM/EnrollmentService"
#define FERRY_SOAP11_NS        "http://schemas.xmlsoap.org/soap/envelope/"
#define FERRY_RMS_SOAPACTION   "\"http://microsoft.com/DRM/EnrollmentService/Enroll\""
#define FERRY_RMS_VERSION      "1.0.0.0" /* VersionData Minimum/MaximumVersion (3.6.4.1) */
#define FERRY_RMS_MAX_REQUEST  (1u << 20)
#define FERRY_RMS_MAX_RESPONSE (4u << 20)

enum ferry_rms_shape {
    FERRY_RMS_BARE = 1, /* <EnrollParameters xmlns=RMS_NS> (3.6.4.2.1.1) */
    FERRY_RMS_SOAP = 2, /* SOAP 1.1 Envelope/Body/Enroll/oInput (WSDL 6.6) */
};

struct ferry_rms_request {
    char *server_name;            /* EnrolleeInformation/Name, else /URL; may be NULL */
    const char *server_name_from; /* "EnrolleeInformation/Name" or "EnrolleeInformation/URL" */
    char *guid;                   /* CertificatePublicKey/Guid, normalised lower-case, no braces */
    char *guid_text;              /* the Guid exactly as written (trimmed) */
    EVP_PKEY *pubkey;             /* aPublicKeyBytes: DER PKCS#1 RSAPublicKey, 1024 or 2048 bits */
    char *key_b64;                /* aPublicKeyBytes as written (trimmed) */
    char *revocation_type;        /* "StandardRevocation" or "CustomRevocation" */
    char **authorities;           /* aRevocationAuthorityPublicKey texts (Custom only) */
    size_t nauthorities;
    int authorities_element; /* an aRevocationAuthorities element is present */
    char *auth_data;         /* AuthorizationInformation/SignedDataBase64Encoded, or NULL */
    char *sku, *version, *name, *url; /* EnrolleeInformation, NULL when absent */
    enum ferry_rms_shape shape;
    int has_version_data; /* SOAP: a Header/VersionData */
    int has_bom;          /* the file starts with a UTF-8 BOM (kept as is, never changed) */
};

/**
 * Parses a request file in either shape, ASCII/UTF-8 with or without BOM, LF or CRLF.
 * Checks what MS-RMPR and the service check: RevocationType is StandardRevocation or
 * CustomRevocation and aRevocationAuthorities matches it (one or more authorities with Custom,
 * none otherwise); aPublicKeyBytes is a DER RSAPublicKey of 1024 or 2048 bits; Guid is a GUID
 * (braces optional); Version is not empty; no element the specification does not define.
 * FERRY_ERR_FORMAT with a message naming the element.
 */
ferry_err ferry_rms_request_parse(const uint8_t *buf, size_t len, struct ferry_rms_request **out);
void ferry_rms_request_free(struct ferry_rms_request *r);

/**
 * The server's name for display, and where it came from: the file name "<server>RenewalRequest.xml"
 * (TechNet's name for the export) when @file_name has that form, else EnrolleeInformation/Name,
 * else /URL. *name is a new string (NULL if none); *from a static description.
 */
ferry_err ferry_rms_server_name(const char *file_name, const struct ferry_rms_request *rq,
                                char **name, const char **from);

/**
 * The SLC's file name for the request file named @req (a base name), in @out (@outsz bytes):
 * "<server>RenewalRequest.xml" -> "<server>SLC.xml", "<name>.xml" -> "<name>-SLC.xml". Returns
 * 0 (and leaves @out alone) for any other name: the caller names the file.
 */
int ferry_rms_slc_name(const char *req, char *out, size_t outsz);

/**
 * The bytes to POST (WSDL 6.6, SOAP 1.1 document/literal): the carried file as is when it is a
 * SOAP Enroll with a VersionData header (*as_is = 1); otherwise an envelope built from it:
 * VersionData 1.0.0.0/1.0.0.0 and Enroll/oInput with AuthorizationInformation and the file's
 * RevocationInformation, CertificatePublicKey and EnrolleeInformation values, unchanged.
 */
ferry_err ferry_rms_envelope(const uint8_t *file, size_t len, const struct ferry_rms_request *rq,
                             uint8_t **out, size_t *outlen, int *as_is);

enum ferry_rms_form {
    FERRY_RMS_ANSWER_SOAP = 1,     /* EnrollResponse/EnrollResult/LicensorCertificateChain/string */
    FERRY_RMS_ANSWER_DOCUMENT = 2, /* the 3.6.4.2.1.2 response document */
};

struct ferry_rms_cert {
    char *type;         /* DESCRIPTOR/OBJECT/@type */
    char *guid;         /* the principal's GUID, normalised (NULL when its ID is an ascii-tag) */
    char *name;         /* the principal's NAME (NULL for an SLC) */
    char *issuer_name;  /* ISSUER/OBJECT/ID */
    char *url;          /* the principal's ADDRESS (the SLC's server URL), or NULL */
    EVP_PKEY *pubkey;   /* the principal's RSA key */
    time_t from, until; /* VALIDITYTIME (equal to the RANGETIME when it has none) */
    time_t renew_from, renew_by; /* the ISSUE right's RANGETIME: the renewal date is renew_by */
    int has_validity;
};

struct ferry_rms_response {
    struct ferry_rms_cert *chain; /* chain[0] is the SLC, then its issuers: 4 */
    size_t nchain;
    struct ferry_xrml_cert *xrml[FERRY_XRML_CHAIN_LEN];
    enum ferry_rms_form form;
    uint8_t root_fp[32]; /* SHA-256 (SPKI DER) of the key that signed the CA certificate */
};

/**
 * Parses and verifies an answer in either form: the SOAP EnrollResponse (UTF-8), or the response
 * document (UTF-16 with BOM, or ASCII bytes under its utf-16 declaration). A SOAP Fault gives
 * FERRY_ERR_REJECTED with the faultstring. Verifies the chain (ferry_xrml_chain_verify):
 * FERRY_ERR_SIG_INVALID / FERRY_ERR_FORMAT naming the certificate and the check.
 */
ferry_err ferry_rms_response_parse(const uint8_t *buf, size_t len, struct ferry_rms_response **out);
void ferry_rms_response_free(struct ferry_rms_response *r);

/**
 * Binds an answer to its request at time @now: the SLC's key and GUID are the request's
 * (FERRY_ERR_MISMATCH, saying which), and @now is within the SLC's ISSUE RANGETIME and its
 * VALIDITYTIME (FERRY_ERR_EXPIRED).
 */
ferry_err ferry_rms_check(const struct ferry_rms_request *req,
                          const struct ferry_rms_response *resp, time_t now);

/** @pin (NULL: nothing pinned, FERRY_OK) equals the root fingerprint: FERRY_ERR_UNTRUSTED. */
ferry_err ferry_rms_check_root(const struct ferry_rms_response *resp, const uint8_t *pin);

/**
 * The 3.6.4.2.1.2 response document of a verified answer: <?xml version="1.0"
 * encoding="utf-16"?> EnrollResponse/LicensorCertificateChain/{SLC, EnrollmentServiceCert,
 * EnrollmentCACert, CACert}, each the XrML text escaped, encoded UTF-16LE with a BOM (to match
 * the declaration). This is the file the RMS console imports.
 */
ferry_err ferry_rms_response_document(const struct ferry_rms_response *resp, uint8_t **out,
                                      size_t *outlen);

struct ferry_rms_slc_info {
    time_t renew_from, renew_by; /* the ISSUE right's RANGETIME: renew by renew_by */
    time_t valid_until;          /* VALIDITYTIME end (0 when the SLC has none) */
    char guid[37];               /* the server's GUID, normalised ("" if none) */
    char url[256];               /* the principal's ADDRESS, "" if none */
    int chain_verified;          /* 1: a whole chain of four verified; 0: the SLC alone */
    uint8_t root_fp[32];         /* chain_verified: the key that signed the CA certificate */
};

/**
 * Reads an existing SLC to see whether renewal is due: a response document or SOAP answer (the
 * whole chain verified) or one SLC XrML document (its digest and signature verified with the
 * issuer key it names, which proves integrity, not origin). FERRY_ERR_FORMAT /
 * FERRY_ERR_SIG_INVALID otherwise.
 */
ferry_err ferry_rms_slc_info(const uint8_t *buf, size_t len, struct ferry_rms_slc_info *out);

/** Normalises a GUID ("{ABC...}" -> "abc..."), FERRY_ERR_FORMAT if not 8-4-4-4-12 hex. */
ferry_err ferry_rms_guid_normalize(const char *in, char out[37]);

#endif
