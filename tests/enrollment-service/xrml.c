/* ferry-enrolld — the RMS endpoint: parses an Enroll request (hardened libxml2) and answers with
 * a synthetic XrML chain per tests/vectors/rms/FORMAT.md, or a SOAP fault. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/x509.h>

#include "enrolld_int.h"
#include "ferry/buf.h"
#include "ferry/codec.h"
#include "ferry/rms.h"
#include "ferry/xml.h"

#define RESP_MAX    (FERRY_RMS_MAX_RESPONSE / 2)
#define ISSUER_NAME "ferry-enrolld synthetic enrollment service"

/* Appends @s with the five XML special characters escaped. */
static ferry_err put_escaped(struct ferry_buf *b, const char *s)
{
    ferry_err r = FERRY_OK;

    for (; *s != '\0' && r == FERRY_OK; s++) {
        switch (*s) {
        case '&': r = ferry_buf_puts(b, "&amp;"); break;
        case '<': r = ferry_buf_puts(b, "&lt;"); break;
        case '>': r = ferry_buf_puts(b, "&gt;"); break;
        case '"': r = ferry_buf_puts(b, "&quot;"); break;
        case '\'': r = ferry_buf_puts(b, "&apos;"); break;
        default: r = ferry_buf_append(b, s, 1);
        }
    }
    return r;
}

static ferry_err put_pubkey(struct ferry_buf *b, EVP_PKEY *k)
{
    BIGNUM *n = NULL, *e = NULL;
    uint8_t *mod = NULL;
    char *m64 = NULL;
    int len;
    ferry_err r = FERRY_ERR_CRYPTO;

    if (EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_N, &n) != 1 ||
        EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_E, &e) != 1 || BN_num_bits(e) > 32)
        goto out;
    len = BN_num_bytes(n);
    if ((mod = malloc((size_t)len)) == NULL || BN_bn2bin(n, mod) != len) {
        r = FERRY_ERR_NOMEM;
        goto out;
    }
    if ((r = ferry_b64_encode(mod, (size_t)len, &m64)) != FERRY_OK)
        goto out;
    r = ferry_buf_printf(b,
                         "<PUBLICKEY><ALGORITHM>RSA</ALGORITHM><PARAMETER name=\"public-exponent\">"
                         "<VALUE encoding=\"integer32\">%lu</VALUE></PARAMETER>"
                         "<PARAMETER name=\"modulus\"><VALUE encoding=\"base64\" size=\"%d\">%s"
                         "</VALUE></PARAMETER></PUBLICKEY>",
                         (unsigned long)BN_get_word(e), BN_num_bits(n), m64);
out:
    BN_free(n);
    BN_free(e);
    free(mod);
    free(m64);
    return r;
}

struct xrml_cert {
    const char *type, *subj_guid, *subj_name;
    EVP_PKEY *subj_key;
    time_t from, until;
};

static void xrml_time(time_t t, char out[17])
{
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(out, 17, "%Y-%m-%dT%H:%M", &tm);
}

static ferry_err put_body(struct ferry_buf *b, const struct enrolld_ca *ca,
                          const struct xrml_cert *c)
{
    uint8_t rnd[16];
    char id[33], now[17], from[17], until[17];
    ferry_err r;

    if ((r = ferry_random(rnd, sizeof(rnd))) != FERRY_OK)
        return r;
    ferry_hex(rnd, sizeof(rnd), id);
    xrml_time(ferry_now(), now);
    xrml_time(c->from, from);
    xrml_time(c->until, until);
    if ((r = ferry_buf_printf(
             b,
             "<BODY type=\"LICENSE\" version=\"3.0\">\n<ISSUEDTIME>%s</ISSUEDTIME>\n"
             "<DESCRIPTOR><OBJECT type=\"%s\"><ID type=\"MS-GUID\">"
             "{%.8s-%.4s-%.4s-%.4s-%.12s}</ID></OBJECT></DESCRIPTOR>\n"
             "<ISSUER><OBJECT type=\"MS-DRM-Server\"><ID type=\"MS-GUID\">{%s}</ID>"
             "<NAME>" ISSUER_NAME "</NAME></OBJECT>\n",
             now, c->type, id, id + 8, id + 12, id + 16, id + 20, ca->issuer_guid)) != FERRY_OK ||
        (r = put_pubkey(b, ca->issuer_key)) != FERRY_OK ||
        (r = ferry_buf_printf(b,
                              "</ISSUER>\n<ISSUEDPRINCIPALS><PRINCIPAL internal-id=\"1\"><OBJECT "
                              "type=\"MS-DRM-Server\"><ID type=\"MS-GUID\">{%s}</ID><NAME>",
                              c->subj_guid)) != FERRY_OK ||
        (r = put_escaped(b, c->subj_name)) != FERRY_OK ||
        (r = ferry_buf_puts(b, "</NAME></OBJECT>\n")) != FERRY_OK ||
        (r = put_pubkey(b, c->subj_key)) != FERRY_OK)
        return r;
    return ferry_buf_printf(b,
                            "</PRINCIPAL></ISSUEDPRINCIPALS>\n<VALIDITYTIME><FROM>%s</FROM>"
                            "<UNTIL>%s</UNTIL></VALIDITYTIME>\n</BODY>",
                            from, until);
}

static ferry_err put_signature(struct ferry_buf *b, EVP_PKEY *key, const uint8_t *p, size_t n)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    uint8_t h[FERRY_SHA256_LEN], sig[1024];
    size_t slen = sizeof(sig);
    char *h64 = NULL, *s64 = NULL;
    ferry_err r = FERRY_ERR_CRYPTO;

    if (md == NULL || EVP_PKEY_get_size(key) > (int)sizeof(sig) ||
        EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) != 1 ||
        EVP_DigestSign(md, sig, &slen, p, n) != 1) {
        r = ferry_err_openssl(r, "cannot sign the XrML BODY");
        goto out;
    }
    ferry_sha256(p, n, h);
    if ((r = ferry_b64_encode(h, sizeof(h), &h64)) != FERRY_OK ||
        (r = ferry_b64_encode(sig, slen, &s64)) != FERRY_OK)
        goto out;
    r = ferry_buf_printf(b,
                         "<SIGNATURE><ALGORITHM>RSA PKCS#1-V1.5</ALGORITHM><DIGEST><ALGORITHM>"
                         "SHA256</ALGORITHM><VALUE encoding=\"base64\" size=\"256\">%s</VALUE>"
                         "</DIGEST><VALUE encoding=\"base64\" size=\"%zu\">%s</VALUE></SIGNATURE>",
                         h64, slen * 8, s64);
out:
    EVP_MD_CTX_free(md);
    free(h64);
    free(s64);
    return r;
}

/* <Certificate><XrML ...><BODY>...</BODY><SIGNATURE/></XrML></Certificate>, BODY signed as is. */
static ferry_err put_cert(struct ferry_buf *b, const struct enrolld_ca *ca,
                          const struct xrml_cert *c)
{
    size_t start;
    ferry_err r;

    if ((r = ferry_buf_puts(b, "        <Certificate><XrML xmlns=\"\" version=\"1.2\" "
                               "xml:space=\"preserve\">")) != FERRY_OK)
        return r;
    start = b->len;
    if ((r = put_body(b, ca, c)) != FERRY_OK ||
        (r = put_signature(b, ca->issuer_key, b->data + start, b->len - start)) != FERRY_OK)
        return r;
    return ferry_buf_puts(b, "</XrML></Certificate>\n");
}

static ferry_err build_response(struct enrolld *d, const struct ferry_rms_request *q,
                                struct ferry_buf *b)
{
    time_t now = ferry_now();
    struct xrml_cert slc = {"Server-Licensor-Certificate",
                            q->guid,
                            q->server_name != NULL ? q->server_name : "",
                            q->pubkey,
                            now,
                            now + (time_t)d->lifetime_days * 86400};
    struct xrml_cert root = {"Enrollment-Service-Root", d->ca.issuer_guid, ISSUER_NAME,
                             d->ca.issuer_key,          now - 86400,       now + 20 * 365 * 86400L};
    ferry_err r;

    if ((r = ferry_buf_puts(b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                               "<!-- synthetic: issued by ferry-enrolld, the local stand-in "
                               "enrollment service, not a real RMS answer -->\n"
                               "<soap:Envelope xmlns:soap=\"" FERRY_SOAP11_NS "\">\n"
                               "  <soap:Body>\n"
                               "    <EnrollResponse xmlns=\"" FERRY_RMS_NS "\">\n"
                               "      <EnrollResult>\n")) != FERRY_OK ||
        (r = put_cert(b, &d->ca, &slc)) != FERRY_OK || (r = put_cert(b, &d->ca, &root)) != FERRY_OK)
        return r;
    return ferry_buf_puts(b, "      </EnrollResult>\n    </EnrollResponse>\n  </soap:Body>\n"
                             "</soap:Envelope>\n");
}

ferry_err enrolld_rms_fault(const char *code, const char *why, struct enrolld_reply *out)
{
    struct ferry_buf b;
    ferry_err r;

    ferry_buf_init(&b, RESP_MAX);
    if ((r = ferry_buf_printf(&b,
                              "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                              "<soap:Envelope xmlns:soap=\"" FERRY_SOAP11_NS "\">\n"
                              "  <soap:Body>\n    <soap:Fault>\n"
                              "      <faultcode>%s</faultcode>\n      <faultstring>",
                              code)) != FERRY_OK ||
        (r = put_escaped(&b, why)) != FERRY_OK ||
        (r = ferry_buf_puts(&b, "</faultstring>\n    </soap:Fault>\n  </soap:Body>\n"
                                "</soap:Envelope>\n")) != FERRY_OK)
        goto out;
    out->status = 500;
    out->ctype = "text/xml; charset=utf-8";
    out->body = ferry_buf_steal(&b, &out->len);
    r = out->body != NULL ? FERRY_OK : FERRY_ERR_NOMEM;
out:
    ferry_buf_free(&b);
    return r;
}

static int soapaction_ok(const char *sa)
{
    const char *want = FERRY_RMS_SOAPACTION; /* with its quotes */
    size_t wl = strlen(want);

    if (sa == NULL)
        return 0;
    return strcmp(sa, want) == 0 || (strlen(sa) == wl - 2 && strncmp(sa, want + 1, wl - 2) == 0);
}

ferry_err enrolld_rms_answer(struct enrolld *d, const char *soapaction, const uint8_t *body,
                             size_t len, struct enrolld_reply *out)
{
    struct ferry_rms_request *q = NULL;
    struct ferry_buf b;
    char why[512];
    ferry_err r;

    ferry_buf_init(&b, RESP_MAX);
    if (!soapaction_ok(soapaction)) {
        r = enrolld_rms_fault("soap:Client",
                              "SOAPAction header missing or not " FERRY_RMS_SOAPACTION, out);
        goto out;
    }
    if ((r = ferry_rms_request_parse(body, len, &q)) != FERRY_OK) {
        if (r == FERRY_ERR_NOMEM)
            goto out;
        snprintf(why, sizeof(why), "invalid Enroll request: %s", ferry_err_detail());
        r = enrolld_rms_fault("soap:Client", why, out);
        goto out;
    }
    if ((r = build_response(d, q, &b)) != FERRY_OK)
        goto out;
    out->status = 200;
    out->ctype = "text/xml; charset=utf-8";
    out->body = ferry_buf_steal(&b, &out->len);
    r = out->body != NULL ? FERRY_OK : FERRY_ERR_NOMEM;
out:
    ferry_buf_free(&b);
    ferry_rms_request_free(q);
    return r;
}
