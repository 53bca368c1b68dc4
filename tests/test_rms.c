/* Tests for common/src/rms.c on the spec-built vectors in tests/vectors/rms (see FORMAT.md). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "ferry/time.h"
#include "ferry/file.h"
#include "ferry/rms.h"
#include "helpers.h"

#define GUID1 "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
#define GUID2 "7c9e6679-7425-40de-944b-e07fc1f90ae7"
#define GUID3 "a1b2c3d4-e5f6-4789-abcd-ef0123456789"
#define NAME2 "Serveur-Z\xc3\xbcrich-\xe6\x9d\xb1\xe4\xba\xac" /* Serveur-Zürich-東京 */

static time_t fixed_now; /* 2026-11-25T12:00Z */

static void load(const char *name, uint8_t **buf, size_t *len)
{
    char *p = helpers_vector_path("rms", name);

    if (ferry_file_read(p, 8u << 20, buf, len) != FERRY_OK)
        fail_msg("cannot read vector %s", p);
    free(p);
}

static struct ferry_rms_request *load_request(const char *name)
{
    struct ferry_rms_request *req = NULL;
    uint8_t *buf;
    size_t len;

    load(name, &buf, &len);
    if (ferry_rms_request_parse(buf, len, &req) != FERRY_OK)
        fail_msg("%s: %s", name, ferry_err_detail());
    free(buf);
    return req;
}

static EVP_PKEY *load_key(const char *name)
{
    char *p = helpers_vector_path("rms", name);
    FILE *f = fopen(p, "r");
    EVP_PKEY *k;

    assert_non_null(f);
    k = PEM_read_PrivateKey(f, NULL, NULL, NULL); /* skips the "synthetic" line before BEGIN */
    fclose(f);
    free(p);
    assert_non_null(k);
    return k;
}

static void expect_detail(const char *file, const char *want)
{
    if (want != NULL && strstr(ferry_err_detail(), want) == NULL)
        fail_msg("%s: message \"%s\" lacks \"%s\"", file, ferry_err_detail(), want);
}

/* ---- requests -------------------------------------------------------------------------------- */

static const struct req_case {
    const char *file;
    ferry_err expect;
    const char *guid;   /* when OK */
    const char *server; /* when OK: EnrolleeInformation/Name, else /URL */
    int bom;
    const char *detail; /* substring of the message when not OK */
} req_cases[] = {
    {"req-plain.xml", FERRY_OK, GUID1, "RMS01", 0, NULL},
    {"req-crlf.xml", FERRY_OK, GUID1, "RMS01", 0, NULL},
    {"req-bom.xml", FERRY_OK, GUID1, "RMS01", 1, NULL},
    {"req-soap.xml", FERRY_OK, GUID1, "RMS01", 0, NULL},
    {"req-soap-noheader.xml", FERRY_OK, GUID1, "RMS01", 0, NULL},
    {"req-ascii-decl.xml", FERRY_OK, GUID1, "RMS01", 0, NULL},
    {"req-custom.xml", FERRY_OK, GUID1, "RMS01", 0, NULL},
    {"req-nonascii.xml", FERRY_OK, GUID2, NAME2, 0, NULL},
    {"req-guid-nobraces.xml", FERRY_OK, GUID3, "https://rms03.example.test/_wmcs", 0, NULL},
    {"bad-not-xml.xml", FERRY_ERR_FORMAT, NULL, NULL, 0, "RMS request: not well-formed XML"},
    {"bad-getlicensorcert.xml", FERRY_ERR_FORMAT, NULL, NULL, 0,
     "the SOAP Body does not hold exactly one Enroll element"},
    {"bad-enrollparameters-in-enroll.xml", FERRY_ERR_FORMAT, NULL, NULL, 0,
     "Enroll holds EnrollParameters; the WSDL's Enroll holds oInput"},
    {"bad-no-key.xml", FERRY_ERR_FORMAT, NULL, NULL, 0,
     "no CertificatePublicKey/aPublicKeyBytes element"},
    {"bad-base64.xml", FERRY_ERR_FORMAT, NULL, NULL, 0, "aPublicKeyBytes is not valid base64"},
    {"bad-rsa512.xml", FERRY_ERR_FORMAT, NULL, NULL, 0,
     "512-bit RSA key; an RMS server key is "
     "1024 or 2048 bits"},
    {"bad-rsa3072.xml", FERRY_ERR_FORMAT, NULL, NULL, 0, "3072-bit RSA key"},
    {"bad-guid.xml", FERRY_ERR_FORMAT, NULL, NULL, 0, "is not a GUID"},
    {"bad-latin1.xml", FERRY_ERR_FORMAT, NULL, NULL, 0, "not encoded in UTF-8"},
    {"bad-namespace.xml", FERRY_ERR_FORMAT, NULL, NULL, 0,
     "the root element is EnrollParameters, neither EnrollParameters (namespace "
     "http://microsoft.com/DRM/EnrollmentService) nor a SOAP 1.1 Envelope"},
    {"bad-two-keys.xml", FERRY_ERR_FORMAT, NULL, NULL, 0, "more than one"},
    {"bad-servername.xml", FERRY_ERR_FORMAT, NULL, NULL, 0,
     "EnrolleeInformation holds ServerName (an invented element)"},
    {"bad-empty-version.xml", FERRY_ERR_FORMAT, NULL, NULL, 0,
     "EnrolleeInformation/Version is empty; the enrollment service refuses an empty Version"},
    {"bad-no-version.xml", FERRY_ERR_FORMAT, NULL, NULL, 0,
     "EnrolleeInformation/Version is missing"},
    {"bad-revocation-type.xml", FERRY_ERR_FORMAT, NULL, NULL, 0,
     "RevocationType is \"NonRevocable\"; MS-RMPR 3.6.4.2.1.1 allows only StandardRevocation or "
     "CustomRevocation"},
    {"bad-custom-no-authorities.xml", FERRY_ERR_FORMAT, NULL, NULL, 0,
     "CustomRevocation but aRevocationAuthorities holds no RevocationAuthorityInformation"},
    {"bad-standard-with-authorities.xml", FERRY_ERR_FORMAT, NULL, NULL, 0,
     "StandardRevocation but aRevocationAuthorities is not empty"},
    {"bad-doctype.xml", FERRY_ERR_FORMAT, NULL, NULL, 0, "DOCTYPE"},
    {"bad-billion-laughs.xml", FERRY_ERR_FORMAT, NULL, NULL, 0, "DOCTYPE or entity"},
};

static void test_request_vectors(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(req_cases) / sizeof(req_cases[0]); i++) {
        const struct req_case *c = &req_cases[i];
        struct ferry_rms_request *req = (void *)1;
        uint8_t *buf;
        size_t len;
        ferry_err r;

        load(c->file, &buf, &len);
        ferry_err_clear();
        r = ferry_rms_request_parse(buf, len, &req);
        if (r != c->expect)
            fail_msg("%s: got %d (%s), want %d", c->file, r, ferry_err_detail(), c->expect);
        if (r == FERRY_OK) {
            assert_string_equal(req->guid, c->guid);
            assert_string_equal(req->server_name, c->server);
            assert_int_equal(req->has_bom, c->bom);
            assert_non_null(req->pubkey);
            assert_string_equal(req->version, "1.0.0.0");
        } else {
            assert_null(req);
            expect_detail(c->file, c->detail);
        }
        ferry_rms_request_free(req);
        free(buf);
    }
}

static void test_request_bom_crlf_independent(void **state)
{
    struct ferry_rms_request *a = load_request("req-plain.xml");
    struct ferry_rms_request *b = load_request("req-crlf.xml");
    struct ferry_rms_request *c = load_request("req-bom.xml");
    EVP_PKEY *k1 = load_key("keys/server1.pem");

    (void)state;
    assert_string_equal(a->guid, b->guid);
    assert_string_equal(a->guid, c->guid);
    assert_string_equal(a->server_name, b->server_name);
    assert_string_equal(a->server_name, c->server_name);
    assert_int_equal(EVP_PKEY_eq(a->pubkey, b->pubkey), 1);
    assert_int_equal(EVP_PKEY_eq(a->pubkey, c->pubkey), 1);
    /* cross-check with the key openssl generated */
    assert_int_equal(EVP_PKEY_eq(a->pubkey, k1), 1);
    assert_int_equal(EVP_PKEY_get_bits(a->pubkey), 2048);
    assert_int_equal(a->has_bom, 0);
    assert_int_equal(b->has_bom, 0);
    assert_int_equal(c->has_bom, 1);
    EVP_PKEY_free(k1);
    ferry_rms_request_free(a);
    ferry_rms_request_free(b);
    ferry_rms_request_free(c);
}

/* The same request in UTF-16LE with a BOM: refused, the request file is ASCII (3.6.4.2.1.1). */
static void test_request_utf16_refused(void **state)
{
    struct ferry_rms_request *req = NULL;
    uint8_t *buf, *wide;
    size_t len, i;

    (void)state;
    load("req-plain.xml", &buf, &len);
    wide = calloc(2, len + 1);
    assert_non_null(wide);
    wide[0] = 0xFF;
    wide[1] = 0xFE;
    for (i = 0; i < len; i++)
        wide[2 + 2 * i] = buf[i];
    ferry_err_clear();
    assert_int_equal(ferry_rms_request_parse(wide, 2 * len + 2, &req), FERRY_ERR_FORMAT);
    assert_null(req);
    expect_detail("utf-16", "UTF-16 byte order mark");
    free(wide);
    free(buf);
}

/* Both shapes carry the same values; the envelope ferry posts is the WSDL's, built from them. */
static void test_request_shapes_and_envelope(void **state)
{
    struct ferry_rms_request *a = load_request("req-plain.xml");
    struct ferry_rms_request *b = load_request("req-soap.xml");
    struct ferry_rms_request *c = load_request("req-soap-noheader.xml");
    struct ferry_rms_request *d = load_request("req-custom.xml");
    struct ferry_rms_request *back = NULL;
    uint8_t *file, *env = NULL;
    size_t flen, elen = 0;
    int as_is = -1;

    (void)state;
    assert_int_equal(a->shape, FERRY_RMS_BARE);
    assert_int_equal(b->shape, FERRY_RMS_SOAP);
    assert_int_equal(b->has_version_data, 1);
    assert_int_equal(c->has_version_data, 0);
    assert_int_equal(EVP_PKEY_eq(a->pubkey, b->pubkey), 1);
    assert_string_equal(a->key_b64, b->key_b64);
    assert_string_equal(a->guid_text, "{3F2504E0-4F89-11D3-9A0C-0305E82C3301}");
    assert_string_equal(a->revocation_type, "StandardRevocation");
    assert_int_equal(d->nauthorities, 1);
    assert_string_equal(a->server_name_from, "EnrolleeInformation/Name");

    /* a SOAP Enroll with VersionData goes as it is */
    load("req-soap.xml", &file, &flen);
    assert_int_equal(ferry_rms_envelope(file, flen, b, &env, &elen, &as_is), FERRY_OK);
    assert_int_equal(as_is, 1);
    assert_int_equal(elen, flen);
    assert_memory_equal(env, file, flen);
    free(env);
    free(file);

    /* a bare EnrollParameters is wrapped; the result parses back to the same values */
    load("req-custom.xml", &file, &flen);
    assert_int_equal(ferry_rms_envelope(file, flen, d, &env, &elen, &as_is), FERRY_OK);
    assert_int_equal(as_is, 0);
    assert_non_null(strstr((char *)env, "<soap:Header><VersionData xmlns=\""
                                        "http://microsoft.com/DRM/EnrollmentService\">"
                                        "<MinimumVersion>1.0.0.0</MinimumVersion>"
                                        "<MaximumVersion>1.0.0.0</MaximumVersion>"));
    assert_non_null(strstr((char *)env, "<Enroll xmlns=\"http://microsoft.com/DRM/"
                                        "EnrollmentService\"><oInput><AuthorizationInformation />"
                                        "<RevocationInformation>"));
    assert_int_equal(ferry_rms_request_parse(env, elen, &back), FERRY_OK);
    assert_int_equal(back->shape, FERRY_RMS_SOAP);
    assert_int_equal(back->has_version_data, 1);
    assert_string_equal(back->key_b64, d->key_b64);
    assert_string_equal(back->guid_text, d->guid_text);
    assert_string_equal(back->revocation_type, "CustomRevocation");
    assert_int_equal(back->nauthorities, 1);
    assert_string_equal(back->authorities[0], d->authorities[0]);
    assert_string_equal(back->version, d->version);
    assert_string_equal(back->url, d->url);
    ferry_rms_request_free(back);
    free(env);
    free(file);
    ferry_rms_request_free(a);
    ferry_rms_request_free(b);
    ferry_rms_request_free(c);
    ferry_rms_request_free(d);
}

/* The server's name: the file name first, then EnrolleeInformation/Name, then URL. */
static void test_server_name(void **state)
{
    struct ferry_rms_request *a = load_request("req-plain.xml");
    struct ferry_rms_request *g = load_request("req-guid-nobraces.xml");
    const char *from;
    char *name = NULL;

    (void)state;
    assert_int_equal(ferry_rms_server_name("/mnt/x/SRV01RenewalRequest.xml", a, &name, &from),
                     FERRY_OK);
    assert_string_equal(name, "SRV01");
    assert_string_equal(from, "the file name");
    free(name);
    assert_int_equal(ferry_rms_server_name("request.xml", a, &name, &from), FERRY_OK);
    assert_string_equal(name, "RMS01");
    assert_string_equal(from, "EnrolleeInformation/Name");
    free(name);
    assert_int_equal(ferry_rms_server_name("RenewalRequest.xml", g, &name, &from), FERRY_OK);
    assert_string_equal(name, "https://rms03.example.test/_wmcs");
    assert_string_equal(from, "EnrolleeInformation/URL");
    free(name);
    ferry_rms_request_free(a);
    ferry_rms_request_free(g);
}

/* The SLC's file name from the request's: the server's name kept, else "<name>-SLC.xml"; any
 * other name is left to the caller, and a short buffer truncates (never overflows). */
static void test_slc_name(void **state)
{
    char out[32] = "untouched";

    (void)state;
    assert_int_equal(ferry_rms_slc_name("SRV01RenewalRequest.xml", out, sizeof(out)), 1);
    assert_string_equal(out, "SRV01SLC.xml");
    assert_int_equal(ferry_rms_slc_name("RenewalRequest.xml", out, sizeof(out)), 1);
    assert_string_equal(out, "SLC.xml");
    assert_int_equal(ferry_rms_slc_name("request.xml", out, sizeof(out)), 1);
    assert_string_equal(out, "request-SLC.xml");
    snprintf(out, sizeof(out), "untouched");
    assert_int_equal(ferry_rms_slc_name("request.req", out, sizeof(out)), 0);
    assert_int_equal(ferry_rms_slc_name(".xml", out, sizeof(out)), 0);
    assert_string_equal(out, "untouched");
    assert_int_equal(ferry_rms_slc_name("AVeryLongServerNameRenewalRequest.xml", out, 8), 1);
    assert_string_equal(out, "AVeryLo");
}

static void test_request_limits(void **state)
{
    struct ferry_rms_request *req = NULL;
    size_t big = FERRY_RMS_MAX_REQUEST + 1;
    uint8_t *buf = calloc(1, big);

    (void)state;
    assert_non_null(buf);
    assert_int_equal(ferry_rms_request_parse(buf, big, &req), FERRY_ERR_TOO_LARGE);
    assert_null(req);
    assert_int_equal(ferry_rms_request_parse(buf, 0, &req), FERRY_ERR_FORMAT);
    free(buf);
}

/* ---- GUIDs ----------------------------------------------------------------------------------- */

static const struct {
    const char *in;
    const char *out; /* NULL: FERRY_ERR_FORMAT */
} guid_cases[] = {
    {"3f2504e0-4f89-11d3-9a0c-0305e82c3301", "3f2504e0-4f89-11d3-9a0c-0305e82c3301"},
    {"3F2504E0-4F89-11D3-9A0C-0305E82C3301", "3f2504e0-4f89-11d3-9a0c-0305e82c3301"},
    {"{3F2504E0-4f89-11d3-9A0C-0305e82c3301}", "3f2504e0-4f89-11d3-9a0c-0305e82c3301"},
    {"{00000000-0000-0000-0000-000000000000}", "00000000-0000-0000-0000-000000000000"},
    {"", NULL},
    {"{}", NULL},
    {"3f2504e0-4f89-11d3-9a0c-0305e82c330", NULL},    /* short */
    {"3f2504e0-4f89-11d3-9a0c-0305e82c33011", NULL},  /* long */
    {"{3f2504e0-4f89-11d3-9a0c-0305e82c3301", NULL},  /* one brace */
    {"3f2504e0-4f89-11d3-9a0c-0305e82c3301}", NULL},  /* one brace */
    {"(3f2504e0-4f89-11d3-9a0c-0305e82c3301)", NULL}, /* not braces */
    {"3f2504e0-4f89-11d3-9a0c-0305e82c330g", NULL},   /* not hex */
    {"3f2504e0_4f89-11d3-9a0c-0305e82c3301", NULL},   /* not a dash */
    {"3f2504e04f89-11d3-9a0c-0305e82c3301-", NULL},   /* dash misplaced */
    {" 3f2504e0-4f89-11d3-9a0c-0305e82c3301", NULL},  /* white space */
    {"3f2504e0-4f89-11d3-9a0c-0305e82c3301\n", NULL},
    {"{{3f2504e0-4f89-11d3-9a0c-0305e82c3301}}", NULL},
    {"3f2504e04f8911d39a0c0305e82c3301", NULL}, /* no dashes */
};

static void test_guid_normalize(void **state)
{
    char out[37];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(guid_cases) / sizeof(guid_cases[0]); i++) {
        ferry_err r = ferry_rms_guid_normalize(guid_cases[i].in, out);
        if (guid_cases[i].out == NULL) {
            if (r != FERRY_ERR_FORMAT)
                fail_msg("\"%s\" accepted as a GUID", guid_cases[i].in);
            assert_string_equal(out, "");
        } else {
            if (r != FERRY_OK)
                fail_msg("\"%s\" refused: %s", guid_cases[i].in, ferry_err_detail());
            assert_string_equal(out, guid_cases[i].out);
        }
    }
}

/* ---- responses ------------------------------------------------------------------------------- */

static const struct resp_case {
    const char *file;
    ferry_err parse;
    const char *request; /* for ferry_rms_check when parse is OK */
    ferry_err check;
    const char *detail; /* substring of the message of the failing step */
} resp_cases[] = {
    {"resp-valid.xml", FERRY_OK, "req-plain.xml", FERRY_OK, NULL},
    {"resp-valid.xml", FERRY_OK, "req-soap.xml", FERRY_OK, NULL},
    {"resp-document-utf16.xml", FERRY_OK, "req-crlf.xml", FERRY_OK, NULL},
    {"resp-document-ascii.xml", FERRY_OK, "req-bom.xml", FERRY_OK, NULL},
    {"resp-crlf.xml", FERRY_OK, "req-plain.xml", FERRY_OK, NULL},
    {"resp-sha256.xml", FERRY_OK, "req-plain.xml", FERRY_OK, NULL},
    {"resp-nonascii.xml", FERRY_OK, "req-nonascii.xml", FERRY_OK, NULL},
    {"resp-guid-nobraces.xml", FERRY_OK, "req-guid-nobraces.xml", FERRY_OK, NULL},
    {"resp-valid.xml", FERRY_OK, "req-nonascii.xml", FERRY_ERR_MISMATCH,
     "certificate 1 (SLC): its principal is GUID " GUID1 ", the request was for GUID " GUID2},
    {"resp-other-key.xml", FERRY_OK, "req-plain.xml", FERRY_ERR_MISMATCH,
     "certificate 1 (SLC): its principal key is not the request's key"},
    {"resp-other-guid.xml", FERRY_OK, "req-plain.xml", FERRY_ERR_MISMATCH,
     "its principal is GUID 11111111-2222-4333-8444-555555555555, the request was for "
     "GUID " GUID1},
    {"resp-expired.xml", FERRY_OK, "req-plain.xml", FERRY_ERR_EXPIRED,
     "its renewal date (the ISSUE right's RANGETIME) passed on 2026-11-01"},
    {"resp-not-yet-valid.xml", FERRY_OK, "req-plain.xml", FERRY_ERR_EXPIRED,
     "certificate 1 (SLC) is not valid before 2026-12-01"},
    {"resp-tampered.xml", FERRY_ERR_SIG_INVALID, NULL, FERRY_OK,
     "certificate 1 (SLC): the DIGEST does not match the BODY"},
    {"resp-tampered-redigested.xml", FERRY_ERR_SIG_INVALID, NULL, FERRY_OK,
     "certificate 1 (SLC): the SIGNATURE does not verify with the ISSUER key"},
    {"resp-crlf-converted.xml", FERRY_ERR_SIG_INVALID, NULL, FERRY_OK, "DIGEST does not match"},
    {"resp-broken-chain.xml", FERRY_ERR_SIG_INVALID, NULL, FERRY_OK,
     "certificate 1 (SLC) is not issued by certificate 2 (Enrollment Service certificate): its "
     "ISSUER key is not that certificate's PRINCIPAL key"},
    {"resp-wrong-signer.xml", FERRY_ERR_SIG_INVALID, NULL, FERRY_OK,
     "certificate 1 (SLC): the SIGNATURE does not verify"},
    {"resp-slc-name.xml", FERRY_ERR_FORMAT, NULL, FERRY_OK,
     "certificate 1 (SLC): the principal has a NAME (\"RMS01\"); an SLC's MUST NOT"},
    {"resp-three.xml", FERRY_ERR_FORMAT, NULL, FERRY_OK,
     "LicensorCertificateChain holds 3 strings, not four"},
    {"resp-wrong-order.xml", FERRY_ERR_FORMAT, NULL, FERRY_OK,
     "certificate 1 (SLC): ISSUER/OBJECT type is \"DRM-Certificate-Authority\", MS-RMPR "
     "2.2.9.3 requires \"MS-DRM-Server\""},
    {"resp-self-signed.xml", FERRY_ERR_FORMAT, NULL, FERRY_OK,
     "certificate 4 (CA certificate): signed by a key of the chain itself (certificate 4's)"},
    {"resp-fault.xml", FERRY_ERR_REJECTED, NULL, FERRY_OK,
     "the enrollment service refused: Server was unable to process request. ---> Version is "
     "empty (soap:Client)"},
    {"resp-body-in-comment.xml", FERRY_ERR_FORMAT, NULL, FERRY_OK,
     "cannot be located unambiguously"},
    {"req-plain.xml", FERRY_ERR_FORMAT, NULL, FERRY_OK,
     "the root element is neither a SOAP 1.1 Envelope nor EnrollResponse"},
    {"req-soap.xml", FERRY_ERR_FORMAT, NULL, FERRY_OK,
     "the SOAP Body holds neither one EnrollResponse nor a Fault"},
    {"bad-billion-laughs.xml", FERRY_ERR_FORMAT, NULL, FERRY_OK, "DOCTYPE"},
};

static void test_response_vectors(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(resp_cases) / sizeof(resp_cases[0]); i++) {
        const struct resp_case *c = &resp_cases[i];
        struct ferry_rms_response *resp = (void *)1;
        struct ferry_rms_request *req = NULL;
        uint8_t *buf;
        size_t len;
        ferry_err r;

        load(c->file, &buf, &len);
        ferry_err_clear();
        r = ferry_rms_response_parse(buf, len, &resp);
        if (r != c->parse)
            fail_msg("%s: parse got %d (%s), want %d", c->file, r, ferry_err_detail(), c->parse);
        if (r != FERRY_OK) {
            assert_null(resp);
            expect_detail(c->file, c->detail);
        } else {
            req = load_request(c->request);
            r = ferry_rms_check(req, resp, fixed_now);
            if (r != c->check)
                fail_msg("%s vs %s: check got %d (%s), want %d", c->file, c->request, r,
                         ferry_err_detail(), c->check);
            if (r != FERRY_OK)
                expect_detail(c->file, c->detail);
        }
        ferry_rms_request_free(req);
        ferry_rms_response_free(resp);
        free(buf);
    }
}

static void test_response_fields(void **state)
{
    struct ferry_rms_response *resp = NULL;
    struct ferry_rms_request *req = load_request("req-plain.xml");
    EVP_PKEY *ca = load_key("keys/ca.pem");
    time_t from, until, renew;
    uint8_t *buf;
    size_t len;

    (void)state;
    load("resp-valid.xml", &buf, &len);
    assert_int_equal(ferry_rms_response_parse(buf, len, &resp), FERRY_OK);
    assert_int_equal(resp->form, FERRY_RMS_ANSWER_SOAP);
    assert_int_equal(resp->nchain, 4);
    assert_string_equal(resp->chain[0].type, "Server-Licensor-Certificate");
    assert_string_equal(resp->chain[0].guid, GUID1);
    assert_null(resp->chain[0].name);
    assert_string_equal(resp->chain[0].url, "https://rms01.example.test/_wmcs");
    assert_int_equal(EVP_PKEY_eq(resp->chain[0].pubkey, req->pubkey), 1);
    assert_int_equal(ferry_time_parse("2026-11-20T10:00", &from), FERRY_OK);
    assert_int_equal(ferry_time_parse("2027-11-20T10:00", &renew), FERRY_OK);
    assert_int_equal(ferry_time_parse("2033-11-20T10:00", &until), FERRY_OK);
    assert_int_equal(resp->chain[0].from, from);
    assert_int_equal(resp->chain[0].renew_by, renew); /* RANGETIME: the renewal date */
    assert_int_equal(resp->chain[0].until, until);    /* VALIDITYTIME: seven years */
    assert_string_equal(resp->chain[1].type, "Server-Licensor-Certificate");
    assert_string_equal(resp->chain[2].type, "DRM-CA-Certificate");
    assert_string_equal(resp->chain[3].type, "DRM-CA-Certificate");
    assert_string_equal(resp->chain[3].issuer_name, "Microsoft DRM Production Root");
    assert_int_equal(EVP_PKEY_eq(resp->chain[3].pubkey, ca), 1);
    /* validity edges: the RANGETIME FROM is inside, its UNTIL outside */
    assert_int_equal(ferry_rms_check(req, resp, from), FERRY_OK);
    assert_int_equal(ferry_rms_check(req, resp, from - 1), FERRY_ERR_EXPIRED);
    assert_int_equal(ferry_rms_check(req, resp, renew - 1), FERRY_OK);
    assert_int_equal(ferry_rms_check(req, resp, renew), FERRY_ERR_EXPIRED);
    assert_int_equal(ferry_rms_check(NULL, resp, from), FERRY_ERR_INTERNAL);
    EVP_PKEY_free(ca);
    ferry_rms_response_free(resp);
    ferry_rms_request_free(req);
    free(buf);
}

/* The root is not in the chain: its fingerprint is what mkvectors.sh printed (openssl), and a
 * pin refuses any other; the rogue root verifies as a chain but fails the pin. */
static void test_response_root_pin(void **state)
{
    struct ferry_rms_response *good = NULL, *other = NULL;
    uint8_t *buf, *fptext, pin[32];
    size_t len, fplen;

    (void)state;
    load("root-fingerprint.txt", &fptext, &fplen);
    fptext[fplen - 1] = '\0'; /* the newline */
    assert_int_equal(ferry_xrml_fingerprint_parse((char *)fptext, pin), FERRY_OK);
    load("resp-valid.xml", &buf, &len);
    assert_int_equal(ferry_rms_response_parse(buf, len, &good), FERRY_OK);
    free(buf);
    load("resp-other-root.xml", &buf, &len);
    assert_int_equal(ferry_rms_response_parse(buf, len, &other), FERRY_OK);
    free(buf);
    assert_memory_equal(good->root_fp, pin, 32);
    assert_int_equal(ferry_rms_check_root(good, pin), FERRY_OK);
    assert_int_equal(ferry_rms_check_root(good, NULL), FERRY_OK);
    assert_int_equal(ferry_rms_check_root(other, pin), FERRY_ERR_UNTRUSTED);
    expect_detail("other root", "not the pinned --drm-root");
    ferry_rms_response_free(good);
    ferry_rms_response_free(other);
    free(fptext);
}

/* The response document ferry writes is byte for byte the one mkvectors.sh (python3) makes from
 * the same four strings, and reads back to the same chain. */
static void test_response_document(void **state)
{
    struct ferry_rms_response *resp = NULL, *back = NULL;
    uint8_t *buf, *want, *doc = NULL;
    size_t len, wlen, dlen = 0, i;

    (void)state;
    load("resp-valid.xml", &buf, &len);
    load("resp-document-utf16.xml", &want, &wlen);
    assert_int_equal(ferry_rms_response_parse(buf, len, &resp), FERRY_OK);
    assert_int_equal(ferry_rms_response_document(resp, &doc, &dlen), FERRY_OK);
    assert_int_equal(dlen, wlen);
    assert_memory_equal(doc, want, wlen);
    assert_int_equal(doc[0], 0xFF);
    assert_int_equal(doc[1], 0xFE);
    assert_int_equal(ferry_rms_response_parse(doc, dlen, &back), FERRY_OK);
    assert_int_equal(back->form, FERRY_RMS_ANSWER_DOCUMENT);
    for (i = 0; i < 4; i++)
        assert_string_equal(back->xrml[i]->text, resp->xrml[i]->text);
    ferry_rms_response_free(resp);
    ferry_rms_response_free(back);
    free(doc);
    free(want);
    free(buf);
}

/* Moduli written big-endian (a signer that got the byte order wrong): refused, either because
 * the little-endian reading is not the size the certificate states or because nothing verifies. */
static void test_response_big_endian(void **state)
{
    struct ferry_rms_response *resp = NULL;
    uint8_t *buf;
    size_t len;
    ferry_err r;

    (void)state;
    load("resp-big-endian.xml", &buf, &len);
    r = ferry_rms_response_parse(buf, len, &resp);
    assert_true(r == FERRY_ERR_SIG_INVALID || r == FERRY_ERR_FORMAT);
    assert_null(resp);
    expect_detail("resp-big-endian.xml", "certificate 1 (SLC)");
    expect_detail("resp-big-endian.xml", "little-endian");
    free(buf);
}

/* `expiry`: the renewal date of a response document (chain verified) or of an SLC alone. */
static void test_slc_info(void **state)
{
    struct ferry_rms_slc_info in;
    time_t renew, valid;
    uint8_t *buf;
    size_t len;

    (void)state;
    assert_int_equal(ferry_time_parse("2027-11-20T10:00", &renew), FERRY_OK);
    assert_int_equal(ferry_time_parse("2033-11-20T10:00", &valid), FERRY_OK);
    load("resp-document-utf16.xml", &buf, &len);
    assert_int_equal(ferry_rms_slc_info(buf, len, &in), FERRY_OK);
    assert_int_equal(in.chain_verified, 1);
    assert_int_equal(in.renew_by, renew);
    assert_int_equal(in.valid_until, valid);
    assert_string_equal(in.guid, GUID1);
    assert_string_equal(in.url, "https://rms01.example.test/_wmcs");
    free(buf);
    load("slc.xml", &buf, &len);
    assert_int_equal(ferry_rms_slc_info(buf, len, &in), FERRY_OK);
    assert_int_equal(in.chain_verified, 0);
    assert_int_equal(in.renew_by, renew);
    buf[len / 2] ^= 1; /* inside the BODY */
    assert_int_not_equal(ferry_rms_slc_info(buf, len, &in), FERRY_OK);
    free(buf);
    load("resp-tampered.xml", &buf, &len);
    assert_int_equal(ferry_rms_slc_info(buf, len, &in), FERRY_ERR_SIG_INVALID);
    free(buf);
}

/* UTF-16 is the response document's encoding only: the SOAP answer in UTF-16, or under a utf-16
 * declaration, is refused. */
static void test_response_soap_utf16_refused(void **state)
{
    struct ferry_rms_response *resp = NULL;
    uint8_t *buf, *wide;
    char *decl;
    size_t len, i;

    (void)state;
    load("resp-valid.xml", &buf, &len);
    decl = strstr((char *)buf, "?>");
    assert_non_null(decl);
    {
        static const char d16[] = "<?xml version=\"1.0\" encoding=\"utf-16\"?>";
        size_t rest = len - (size_t)(decl + 2 - (char *)buf);
        uint8_t *nb = malloc(sizeof(d16) + rest);
        assert_non_null(nb);
        memcpy(nb, d16, sizeof(d16) - 1);
        memcpy(nb + sizeof(d16) - 1, decl + 2, rest);
        free(buf);
        buf = nb;
        len = sizeof(d16) - 1 + rest;
    }
    assert_int_equal(ferry_rms_response_parse(buf, len, &resp), FERRY_ERR_FORMAT);
    expect_detail("declared", "declared utf-16 but not the response document");
    wide = calloc(2, len + 1);
    assert_non_null(wide);
    wide[0] = 0xFF;
    wide[1] = 0xFE;
    for (i = 0; i < len; i++)
        wide[2 + 2 * i] = buf[i];
    assert_int_equal(ferry_rms_response_parse(wide, 2 * len + 2, &resp), FERRY_ERR_FORMAT);
    expect_detail("utf-16", "(it starts with a UTF-16 byte order mark) and not EnrollResponse");
    assert_null(resp);
    free(wide);
    free(buf);
}

/* Every single-bit change inside the SLC's signed BODY is refused (never OK, whatever the reason).
 */
static void test_response_body_mutations(void **state)
{
    struct ferry_rms_response *resp = NULL;
    const char *start, *end;
    size_t off, count = 0;
    uint8_t *buf;
    size_t len;

    (void)state;
    load("resp-valid.xml", &buf, &len);
    start = strstr((const char *)buf, "&lt;BODY");
    end = strstr((const char *)buf, "&lt;/BODY&gt;");
    assert_non_null(start);
    assert_non_null(end);
    for (off = (size_t)(start - (const char *)buf); off < (size_t)(end - (const char *)buf) + 13;
         off++) {
        buf[off] ^= 0x01;
        if (ferry_rms_response_parse(buf, len, &resp) == FERRY_OK)
            fail_msg("byte %zu changed ('%c'), still accepted", off, buf[off]);
        buf[off] ^= 0x01;
        count++;
    }
    assert_true(count > 1500);
    assert_int_equal(ferry_rms_response_parse(buf, len, &resp), FERRY_OK);
    ferry_rms_response_free(resp);
    free(buf);
}

/* Every truncation before the end of the root element is refused. */
static void test_response_truncations(void **state)
{
    struct ferry_rms_response *resp = NULL;
    uint8_t *buf;
    const char *end;
    size_t len, n;

    (void)state;
    load("resp-crlf.xml", &buf, &len);
    end = strstr((const char *)buf, "</soap:Envelope>");
    assert_non_null(end);
    for (n = 0; n < (size_t)(end - (const char *)buf) + 16; n += 3) {
        if (ferry_rms_response_parse(buf, n, &resp) == FERRY_OK)
            fail_msg("truncated to %zu bytes, still accepted", n);
    }
    free(buf);
}

static void test_response_fault_capped(void **state)
{
    static const char head[] =
        "<?xml version=\"1.0\"?><!-- synthetic test vector -->"
        "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body><s:Fault>"
        "<faultcode>s:Client</faultcode><faultstring>";
    static const char tail[] = "</faultstring></s:Fault></s:Body></s:Envelope>";
    struct ferry_rms_response *resp = NULL;
    char *doc = malloc(sizeof(head) + sizeof(tail) + 3000 * 7);
    size_t i, n = 0;
    const char *d;

    (void)state;
    assert_non_null(doc);
    memcpy(doc, head, sizeof(head) - 1);
    n = sizeof(head) - 1;
    for (i = 0; i < 3000; i++) { /* "é<TAB>[" repeated: UTF-8 and a control character */
        memcpy(doc + n, "\xc3\xa9&#9;[", 7);
        n += 7;
    }
    memcpy(doc + n, tail, sizeof(tail));
    n += sizeof(tail) - 1;
    assert_int_equal(ferry_rms_response_parse((uint8_t *)doc, n, &resp), FERRY_ERR_REJECTED);
    assert_null(resp);
    d = ferry_err_detail();
    assert_non_null(strstr(d, "the enrollment service refused: \xc3\xa9?["));
    assert_true(strlen(d) < 400);
    for (i = 0; d[i] != '\0'; i++)
        assert_true((unsigned char)d[i] >= 0x20);
    free(doc);
}

static void test_response_limits(void **state)
{
    struct ferry_rms_response *resp = NULL;
    size_t big = FERRY_RMS_MAX_RESPONSE + 1;
    uint8_t *buf = calloc(1, big);

    (void)state;
    assert_non_null(buf);
    assert_int_equal(ferry_rms_response_parse(buf, big, &resp), FERRY_ERR_TOO_LARGE);
    assert_null(resp);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_vectors),
        cmocka_unit_test(test_request_bom_crlf_independent),
        cmocka_unit_test(test_request_utf16_refused),
        cmocka_unit_test(test_request_shapes_and_envelope),
        cmocka_unit_test(test_server_name),
        cmocka_unit_test(test_slc_name),
        cmocka_unit_test(test_request_limits),
        cmocka_unit_test(test_guid_normalize),
        cmocka_unit_test(test_response_vectors),
        cmocka_unit_test(test_response_fields),
        cmocka_unit_test(test_response_root_pin),
        cmocka_unit_test(test_response_big_endian),
        cmocka_unit_test(test_response_soap_utf16_refused),
        cmocka_unit_test(test_slc_info),
        cmocka_unit_test(test_response_document),
        cmocka_unit_test(test_response_body_mutations),
        cmocka_unit_test(test_response_truncations),
        cmocka_unit_test(test_response_fault_capped),
        cmocka_unit_test(test_response_limits),
    };

    if (ferry_time_parse("2026-11-25T12:00", &fixed_now) != FERRY_OK)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
