/* ferry-enrolld — the XrML 1.2 chain of an Enroll answer, shaped as MS-RMPR 2.2.9.3 (issuing
 * certificates) and the spec's samples (4.5), and signed the way those samples are: PUBLICKEY
 * modulus as base64 of the little-endian bytes, public exponent as integer32, DIGEST/VALUE the
 * SHA-1 of the UTF-16LE encoding of <BODY ...>...</BODY> (written here without white space
 * between tags, so nothing needs removing), SIGNATURE/VALUE the big-endian RSA PKCS#1 v1.5
 * signature of that digest by the issuer's key.
 *
 * Chain (2.2.9.2): SLC <- Enrollment Service certificate <- Enrollment CA certificate <- CA
 * certificate <- "Microsoft DRM Production Root", a stand-in key that is in no certificate. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "enrolld_int.h"
#include "ferry/buf.h"
#include "ferry/b64.h"
#include "ferry/crypto.h"
#include "ferry/hex.h"
#include "ferry/time.h"
#include "ferry/log.h"

#define CERT_MAX  (256u << 10)
#define YEAR      (365L * 86400L)
#define SLC_VALID (7 * YEAR) /* VALIDITYTIME of the SLC: seven years */

/* The production hierarchy's literal strings (MS-RMPR 2.2.9.3.2, 2.2.9.3.3). */
#define N_SERVICE "Microsoft DRM Server Enrollment Service"
#define N_ECA     "Microsoft DRM Production Server Enrollment CA"
#define N_CA      "Microsoft DRM Production CA"
#define N_ROOT    "Microsoft DRM Production Root"

/* One issuing certificate (2.2.9.3). Strings are XML-escaped where they come from a request. */
struct cert {
    const char *type;                     /* DESCRIPTOR/OBJECT type */
    char guid[39];                        /* DESCRIPTOR/OBJECT/ID (MS-GUID) */
    const char *i_type, *i_idtype, *i_id; /* ISSUER/OBJECT */
    const char *i_name;                   /* ISSUER/OBJECT/NAME */
    EVP_PKEY *i_key;                      /* ISSUER/PUBLICKEY and the signing key */
    const char *p_type, *p_idtype, *p_id; /* ISSUEDPRINCIPALS/PRINCIPAL/OBJECT */
    const char *p_name;                   /* NAME, NULL in an SLC (2.2.9.3.3) */
    const char *p_url;                    /* ADDRESS type="URL", SLC only */
    EVP_PKEY *p_key;                      /* PRINCIPAL/PUBLICKEY */
    const char *version, *sku;            /* SLC: SECURITYLEVEL Server-Version, Server-SKU */
    EVP_PKEY *const *ra;                  /* SLC: custom revocation authorities */
    size_t nra;
    time_t issued, from, until, r_from, r_until;
};

static void xrml_time(time_t t, char out[17])
{
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(out, 17, "%Y-%m-%dT%H:%M", &tm);
}

static void guid_from(const uint8_t h[16], char out[39])
{
    char x[33];
    int i;

    ferry_hex(h, 16, x);
    for (i = 0; i < 32; i++)
        x[i] = (char)(x[i] >= 'a' ? x[i] - 'a' + 'A' : x[i]);
    snprintf(out, 39, "{%.8s-%.4s-%.4s-%.4s-%.12s}", x, x + 8, x + 12, x + 16, x + 20);
}

static ferry_err random_guid(char out[39])
{
    uint8_t r[16];
    ferry_err e;

    if ((e = ferry_random(r, sizeof(r))) != FERRY_OK)
        return e;
    r[6] = (uint8_t)((r[6] & 0x0f) | 0x40); /* version 4 */
    r[8] = (uint8_t)((r[8] & 0x3f) | 0x80);
    guid_from(r, out);
    return FERRY_OK;
}

/* A stable GUID for @label and @k (the certificates 2-4 are the same across restarts). */
static ferry_err key_guid(const char *label, EVP_PKEY *k, char out[39])
{
    unsigned char *der = NULL;
    uint8_t h[FERRY_SHA256_LEN];
    struct ferry_buf b;
    int n = i2d_PUBKEY(k, &der);
    ferry_err r = FERRY_ERR_NOMEM;

    ferry_buf_init(&b, 8192);
    if (n <= 0) {
        OPENSSL_free(der);
        return ferry_err_openssl(FERRY_ERR_CRYPTO, "cannot encode an XrML key");
    }
    if (ferry_buf_puts(&b, label) == FERRY_OK && ferry_buf_append(&b, der, (size_t)n) == FERRY_OK) {
        ferry_sha256(b.data, b.len, h);
        h[6] = (uint8_t)((h[6] & 0x0f) | 0x50); /* name-based */
        h[8] = (uint8_t)((h[8] & 0x3f) | 0x80);
        guid_from(h, out);
        r = FERRY_OK;
    }
    OPENSSL_free(der);
    ferry_buf_free(&b);
    return r;
}

/* PUBLICKEY (2.2.9.1.6): exponent integer32, modulus base64 of its little-endian bytes. */
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
    if ((mod = malloc((size_t)len)) == NULL) {
        r = FERRY_ERR_NOMEM;
        goto out;
    }
    if (BN_bn2lebinpad(n, mod, len) != len)
        goto out;
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

static ferry_err put_object(struct ferry_buf *b, const char *type, const char *idtype,
                            const char *id, const char *name, const char *url)
{
    ferry_err r;

    if ((r = ferry_buf_printf(b, "<OBJECT type=\"%s\"><ID type=\"%s\">%s</ID>", type, idtype,
                              id)) != FERRY_OK)
        return r;
    if (name != NULL && (r = ferry_buf_printf(b, "<NAME>%s</NAME>", name)) != FERRY_OK)
        return r;
    if (url != NULL && ((r = ferry_buf_puts(b, "<ADDRESS type=\"URL\">")) != FERRY_OK ||
                        (r = enrolld_put_escaped(b, url)) != FERRY_OK ||
                        (r = ferry_buf_puts(b, "</ADDRESS>")) != FERRY_OK))
        return r;
    return ferry_buf_puts(b, "</OBJECT>");
}

static ferry_err put_securitylevel(struct ferry_buf *b, const char *name, const char *value)
{
    ferry_err r;

    if (value == NULL)
        return FERRY_OK;
    if ((r = ferry_buf_printf(b, "<SECURITYLEVEL name=\"%s\" value=\"", name)) != FERRY_OK ||
        (r = enrolld_put_escaped(b, value)) != FERRY_OK)
        return r;
    return ferry_buf_puts(b, "\"/>");
}

/* <BODY>...</BODY> per the issuing-certificate template of 2.2.9.3. */
static ferry_err put_body(struct ferry_buf *b, const struct cert *c)
{
    char issued[17], from[17], until[17], rfrom[17], runtil[17];
    size_t i;
    ferry_err r;

    xrml_time(c->issued, issued);
    xrml_time(c->from, from);
    xrml_time(c->until, until);
    xrml_time(c->r_from, rfrom);
    xrml_time(c->r_until, runtil);
    if ((r = ferry_buf_printf(b,
                              "<BODY type=\"LICENSE\" version=\"3.0\"><ISSUEDTIME>%s</ISSUEDTIME>"
                              "<VALIDITYTIME><FROM>%s</FROM><UNTIL>%s</UNTIL></VALIDITYTIME>"
                              "<DESCRIPTOR>",
                              issued, from, until)) != FERRY_OK ||
        (r = put_object(b, c->type, "MS-GUID", c->guid, NULL, NULL)) != FERRY_OK ||
        (r = ferry_buf_puts(b, "</DESCRIPTOR><ISSUER>")) != FERRY_OK ||
        (r = put_object(b, c->i_type, c->i_idtype, c->i_id, c->i_name, NULL)) != FERRY_OK ||
        (r = put_pubkey(b, c->i_key)) != FERRY_OK ||
        (r = ferry_buf_puts(b, "</ISSUER><ISSUEDPRINCIPALS><PRINCIPAL internal-id=\"1\">")) !=
            FERRY_OK ||
        (r = put_object(b, c->p_type, c->p_idtype, c->p_id, c->p_name, c->p_url)) != FERRY_OK ||
        (r = put_pubkey(b, c->p_key)) != FERRY_OK ||
        (r = put_securitylevel(b, "Server-Version", c->version)) != FERRY_OK ||
        (r = put_securitylevel(b, "Server-SKU", c->sku)) != FERRY_OK ||
        (r = ferry_buf_puts(b, "</PRINCIPAL></ISSUEDPRINCIPALS><WORK>")) != FERRY_OK ||
        (r = put_object(b, c->type, "MS-GUID", c->guid, NULL, NULL)) != FERRY_OK ||
        (r = ferry_buf_printf(b,
                              "<RIGHTSGROUP name=\"Main-Rights\"><RIGHTSLIST><RIGHT name=\"ISSUE\">"
                              "<CONDITIONLIST><TIME><RANGETIME><FROM>%s</FROM><UNTIL>%s</UNTIL>"
                              "</RANGETIME></TIME><ACCESS><PRINCIPAL internal-id=\"1\"/>"
                              "</ACCESS></CONDITIONLIST></RIGHT></RIGHTSLIST></RIGHTSGROUP>"
                              "</WORK>",
                              rfrom, runtil)) != FERRY_OK)
        return r;
    if (c->nra > 0) { /* 2.2.9.3.4: the issuer's key, then each revocation authority's */
        if ((r = ferry_buf_puts(b, "<CONDITIONLIST><REFRESH><DISTRIBUTIONPOINT><OBJECT "
                                   "type=\"Revocation\"><ID type=\"ascii-tag\">External "
                                   "revocation authority</ID></OBJECT>")) != FERRY_OK ||
            (r = put_pubkey(b, c->i_key)) != FERRY_OK ||
            (r = ferry_buf_puts(b, "</DISTRIBUTIONPOINT>")) != FERRY_OK)
            return r;
        for (i = 0; i < c->nra; i++)
            if ((r = ferry_buf_puts(b, "<DISTRIBUTIONPOINT><OBJECT type=\"Revocation\"><ID "
                                       "type=\"ascii-tag\">External revocation authority</ID>"
                                       "</OBJECT>")) != FERRY_OK ||
                (r = put_pubkey(b, c->ra[i])) != FERRY_OK ||
                (r = ferry_buf_puts(b, "</DISTRIBUTIONPOINT>")) != FERRY_OK)
                return r;
        if ((r = ferry_buf_puts(b, "<INTERVALTIME/></REFRESH></CONDITIONLIST>")) != FERRY_OK)
            return r;
    }
    return ferry_buf_puts(b, "</BODY>");
}

/* UTF-8 (well-formed: it came through libxml2 or from this file) to UTF-16LE. */
static ferry_err utf16le(const uint8_t *s, size_t n, struct ferry_buf *out)
{
    size_t i = 0;
    uint32_t cp;
    uint8_t u[4];
    int extra;
    ferry_err r = FERRY_OK;

    while (i < n && r == FERRY_OK) {
        cp = s[i];
        extra = cp < 0x80 ? 0 : cp >= 0xf0 ? 3 : cp >= 0xe0 ? 2 : 1;
        if (extra > 0)
            cp &= 0x3fu >> extra;
        if (i + (size_t)extra >= n)
            return ferry_errf(FERRY_ERR_FORMAT, "XrML BODY: truncated UTF-8");
        for (i++; extra > 0; extra--, i++)
            cp = cp << 6 | (s[i] & 0x3f);
        if (cp >= 0x10000) {
            cp -= 0x10000;
            u[0] = (uint8_t)(0xd800 + (cp >> 10));
            u[1] = (uint8_t)((0xd800 + (cp >> 10)) >> 8);
            u[2] = (uint8_t)(0xdc00 + (cp & 0x3ff));
            u[3] = (uint8_t)((0xdc00 + (cp & 0x3ff)) >> 8);
            r = ferry_buf_append(out, u, 4);
        } else {
            u[0] = (uint8_t)cp;
            u[1] = (uint8_t)(cp >> 8);
            r = ferry_buf_append(out, u, 2);
        }
    }
    return r;
}

/* SIGNATURE (2.2.9.1.12) over @body: SHA-1 of its UTF-16LE text, RSA PKCS#1 v1.5 by @key. */
static ferry_err put_signature(struct ferry_buf *b, EVP_PKEY *key, const uint8_t *body, size_t n)
{
    EVP_PKEY_CTX *ctx = NULL;
    struct ferry_buf w;
    uint8_t h[SHA_DIGEST_LENGTH], sig[512];
    size_t slen = sizeof(sig);
    char *h64 = NULL, *s64 = NULL;
    ferry_err r;

    ferry_buf_init(&w, 2 * CERT_MAX);
    if ((r = utf16le(body, n, &w)) != FERRY_OK)
        goto out;
    SHA1(w.data, w.len, h);
    r = FERRY_ERR_CRYPTO;
    if ((ctx = EVP_PKEY_CTX_new(key, NULL)) == NULL || EVP_PKEY_sign_init(ctx) != 1 ||
        EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) != 1 ||
        EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha1()) != 1 ||
        EVP_PKEY_sign(ctx, sig, &slen, h, sizeof(h)) != 1) {
        r = ferry_err_openssl(r, "cannot sign an XrML BODY (RSA PKCS#1 v1.5, SHA-1)");
        goto out;
    }
    if ((r = ferry_b64_encode(h, sizeof(h), &h64)) != FERRY_OK ||
        (r = ferry_b64_encode(sig, slen, &s64)) != FERRY_OK)
        goto out;
    r = ferry_buf_printf(b,
                         "<SIGNATURE><ALGORITHM>RSA PKCS#1-V1.5</ALGORITHM><DIGEST><ALGORITHM>"
                         "SHA1</ALGORITHM><PARAMETER name=\"codingtype\"><VALUE "
                         "encoding=\"string\">surface-coding</VALUE></PARAMETER><VALUE "
                         "encoding=\"base64\" size=\"160\">%s</VALUE></DIGEST><VALUE "
                         "encoding=\"base64\" size=\"%zu\">%s</VALUE></SIGNATURE>",
                         h64, slen * 8, s64);
out:
    EVP_PKEY_CTX_free(ctx);
    ferry_buf_free(&w);
    free(h64);
    free(s64);
    return r;
}

/* The whole XrML document of @c as a new string. */
static ferry_err make_cert(const struct cert *c, char **out)
{
    struct ferry_buf b;
    size_t start;
    ferry_err r;

    *out = NULL;
    ferry_buf_init(&b, CERT_MAX);
    if ((r = ferry_buf_puts(&b, "<XrML xmlns=\"\" version=\"1.2\">")) != FERRY_OK)
        goto out;
    start = b.len;
    if ((r = put_body(&b, c)) != FERRY_OK ||
        (r = put_signature(&b, c->i_key, b.data + start, b.len - start)) != FERRY_OK ||
        (r = ferry_buf_puts(&b, "</XrML>")) != FERRY_OK ||
        (r = ferry_buf_append(&b, "", 1)) != FERRY_OK)
        goto out;
    *out = (char *)ferry_buf_steal(&b, NULL);
    r = *out != NULL ? FERRY_OK : FERRY_ERR_NOMEM;
out:
    ferry_buf_free(&b);
    return r;
}

static time_t asn1_time(const ASN1_TIME *t)
{
    struct tm tm;

    return t != NULL && ASN1_TIME_to_tm(t, &tm) == 1 ? timegm(&tm) : 0;
}

ferry_err enrolld_xrml_init(struct enrolld *d)
{
    struct enrolld_ca *ca = &d->ca;
    /* The hierarchy's epoch is the local CA's: certificates 2-4 are the same bytes on every
     * start of the same STATE (PKCS#1 v1.5 signatures are deterministic). Their ISSUE right
     * starts ten years before the CA was made, so that an SLC issued at a FERRY_NOW pinned in the
     * past still falls within its issuer's RANGETIME (MS-RMPR 2.2.9.3), and runs 30 years. */
    time_t from = asn1_time(X509_get0_notBefore(ca->root)) - 10 * YEAR,
           until = asn1_time(X509_get0_notAfter(ca->root));
    char svc_guid[39];
    struct cert c[3];
    unsigned char *der = NULL;
    uint8_t fp[FERRY_SHA256_LEN];
    char groups[FERRY_FP_GROUPS_LEN];
    ferry_err r;
    int i, n;

    if ((r = key_guid("service principal", ca->svc_key, svc_guid)) != FERRY_OK)
        return r;
    /* 2: Enrollment Service certificate, issued by the Enrollment CA. */
    c[0] = (struct cert){.type = "Server-Licensor-Certificate",
                         .i_type = "DRM-Certificate-Authority",
                         .i_idtype = "ascii-tag",
                         .i_id = N_ECA,
                         .i_name = N_ECA,
                         .i_key = ca->eca_key,
                         .p_type = "MS-DRM-Server",
                         .p_idtype = "MS-GUID",
                         .p_id = svc_guid,
                         .p_name = N_SERVICE,
                         .p_key = ca->svc_key};
    /* 3: Enrollment CA certificate, issued by the CA. */
    c[1] = (struct cert){.type = "DRM-CA-Certificate",
                         .i_type = "DRM-Certificate-Authority",
                         .i_idtype = "ascii-tag",
                         .i_id = N_CA,
                         .i_name = N_CA,
                         .i_key = ca->ca_key,
                         .p_type = "DRM-Certificate-Authority",
                         .p_idtype = "ascii-tag",
                         .p_id = N_ECA,
                         .p_name = N_ECA,
                         .p_key = ca->eca_key};
    /* 4: CA certificate, issued by the production root, which is not in the chain. */
    c[2] = (struct cert){.type = "DRM-CA-Certificate",
                         .i_type = "DRM-Certificate-Authority",
                         .i_idtype = "ascii-tag",
                         .i_id = N_ROOT,
                         .i_name = N_ROOT,
                         .i_key = ca->drm_root_key,
                         .p_type = "DRM-Certificate-Authority",
                         .p_idtype = "ascii-tag",
                         .p_id = N_CA,
                         .p_name = N_CA,
                         .p_key = ca->ca_key};
    if ((r = key_guid("service certificate", ca->eca_key, c[0].guid)) != FERRY_OK ||
        (r = key_guid("enrollment CA certificate", ca->ca_key, c[1].guid)) != FERRY_OK ||
        (r = key_guid("CA certificate", ca->drm_root_key, c[2].guid)) != FERRY_OK)
        return r;
    for (i = 0; i < 3; i++) {
        c[i].issued = c[i].from = c[i].r_from = from;
        c[i].until = c[i].r_until = until;
        if ((r = make_cert(&c[i], &d->xrml_tail[i])) != FERRY_OK)
            return r;
    }
    if ((n = i2d_PUBKEY(ca->drm_root_key, &der)) <= 0)
        return ferry_err_openssl(FERRY_ERR_CRYPTO, "cannot encode the DRM root key");
    ferry_sha256(der, (size_t)n, fp);
    OPENSSL_free(der);
    ferry_hex(fp, sizeof(fp), d->drm_root_fp);
    ferry_hex_groups(fp, sizeof(fp), groups);
    ferry_log(FERRY_LOG_INFO,
              "stand-in \"" N_ROOT "\" key (signs the CA certificate, in no certificate): "
              "SHA-256 of its SubjectPublicKeyInfo %s",
              groups);
    return FERRY_OK;
}

void enrolld_xrml_free(struct enrolld *d)
{
    int i;

    for (i = 0; i < 3; i++)
        FERRY_FREE(d->xrml_tail[i]);
}

/* @s without white space at either end, as a new string ("" for NULL). */
static char *trimmed(const char *s)
{
    size_t n;

    s = s != NULL ? s : "";
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        s++;
    n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        n--;
    return strndup(s, n);
}

ferry_err enrolld_xrml_slc(struct enrolld *d, const struct enrolld_req *q, char **out)
{
    time_t now = ferry_time_now(), range = now + (time_t)d->lifetime_days * 86400L;
    char svc_guid[39], *url = trimmed(q->url);
    struct cert c;
    ferry_err r;

    *out = NULL;
    if (url == NULL)
        return FERRY_ERR_NOMEM;
    if ((r = key_guid("service principal", d->ca.svc_key, svc_guid)) != FERRY_OK)
        goto out;
    /* 1: the SLC, issued by the Enrollment Service to the request's key and GUID; no NAME, an
     * ADDRESS (the request's URL, trimmed: text between tags is never only white space). */
    c = (struct cert){.type = "Server-Licensor-Certificate",
                      .i_type = "MS-DRM-Server",
                      .i_idtype = "MS-GUID",
                      .i_id = svc_guid,
                      .i_name = N_SERVICE,
                      .i_key = d->ca.svc_key,
                      .p_type = "MS-DRM-Server",
                      .p_idtype = "MS-GUID",
                      .p_id = q->guid,
                      .p_url = url,
                      .p_key = q->key,
                      .version = q->version,
                      .sku = q->sku,
                      .ra = q->ra,
                      .nra = q->nra};
    if ((r = random_guid(c.guid)) != FERRY_OK)
        goto out;
    c.issued = c.from = c.r_from = now;
    c.r_until = range;                                           /* ISSUE right: renew by */
    c.until = now + SLC_VALID > range ? now + SLC_VALID : range; /* VALIDITYTIME */
    r = make_cert(&c, out);
out:
    free(url);
    return r;
}
