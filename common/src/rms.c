/* ferry — RMS payloads: the MS-RMPR Enroll request and the EnrollResponse XrML chain, in the
 * synthetic convention of tests/vectors/rms/FORMAT.md (signed bytes = the raw <BODY>..</BODY>). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "ferry/buf.h"
#include "ferry/codec.h"
#include "ferry/rms.h"
#include "ferry/xml.h"

#define RMS_MAX_CHAIN     8
#define RMS_MIN_RSA_BITS  1024
#define RMS_MAX_RSA_BYTES 2048 /* 16384 bits, OpenSSL's own ceiling for RSA */
#define RMS_MAX_TEXT      1024 /* names, types, GUIDs, times */
#define RMS_MAX_B64       8192 /* base64 values: keys, signatures, digests */
#define RMS_MAX_SHOWN     300  /* bytes of a faultstring or of a bad value in messages */
#define RMS_TYPE_SLC      "Server-Licensor-Certificate"
#define RMS_TYPE_ROOT     "Enrollment-Service-Root"

static const char NOT_ENROLL[] = "not an RMS Enroll request";

/* ---- small helpers --------------------------------------------------------------------------- */

/* Copies @in into @out (@cap > 4 bytes) for a message: control characters become '?', and a
 * value longer than the room is cut at a UTF-8 character boundary and ends with "...". */
static void printable(const char *in, char *out, size_t cap)
{
    size_t i, o = 0, n = in ? strlen(in) : 0;

    for (i = 0; i < n && o + 1 < cap; i++) {
        unsigned char c = (unsigned char)in[i];
        out[o++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    if (i < n) {
        o = cap - 4;
        while (o > 0 && ((unsigned char)out[o] & 0xC0) == 0x80)
            o--;
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
}

static int has_control(const char *s)
{
    for (; *s != '\0'; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
            return 1;
    return 0;
}

/* Element @node named @name in namespace @ns; ns NULL means "in no namespace" (XrML). */
static int el_is(xmlNodePtr node, const char *ns, const char *name)
{
    if (node == NULL || node->type != XML_ELEMENT_NODE || strcmp((const char *)node->name, name))
        return 0;
    if (ns == NULL)
        return node->ns == NULL;
    return node->ns != NULL && node->ns->href != NULL &&
           strcmp((const char *)node->ns->href, ns) == 0;
}

static xmlNodePtr first_element(xmlNodePtr parent)
{
    xmlNodePtr c;

    for (c = parent ? parent->children : NULL; c != NULL; c = c->next)
        if (c->type == XML_ELEMENT_NODE)
            return c;
    return NULL;
}

static xmlNodePtr next_element(xmlNodePtr node)
{
    for (node = node ? node->next : NULL; node != NULL; node = node->next)
        if (node->type == XML_ELEMENT_NODE)
            return node;
    return NULL;
}

static size_t count_elements(xmlNodePtr parent)
{
    xmlNodePtr c;
    size_t n = 0;

    for (c = parent->children; c != NULL; c = c->next)
        n += c->type == XML_ELEMENT_NODE;
    return n;
}

/*
 * Walks @path ("A/B/C") from @from: at each step exactly one child element with that name in
 * @ns (NULL: no namespace). FERRY_ERR_FORMAT naming the path so far if one is missing or doubled.
 */
static ferry_err path_node(xmlNodePtr from, const char *ns, const char *path, const char *what,
                           xmlNodePtr *out)
{
    const char *p = path, *slash;
    char name[64];
    xmlNodePtr cur = from, c, found;
    size_t n, hits;

    *out = NULL;
    while (*p != '\0') {
        slash = strchr(p, '/');
        n = slash ? (size_t)(slash - p) : strlen(p);
        if (n == 0 || n >= sizeof(name))
            return ferry_errf(FERRY_ERR_INTERNAL, "bad element path %s", path);
        memcpy(name, p, n);
        name[n] = '\0';
        for (found = NULL, hits = 0, c = cur->children; c != NULL; c = c->next)
            if (el_is(c, ns, name) && hits++ == 0)
                found = c;
        if (hits != 1)
            return ferry_errf(FERRY_ERR_FORMAT, "%s: %s %.*s element%s", what,
                              hits ? "more than one" : "no", (int)(p + n - path), path,
                              hits ? " (ambiguous, refused)" : "");
        cur = found;
        p += n + (slash != NULL);
    }
    *out = cur;
    return FERRY_OK;
}

/* Text of a leaf element (no element children), at most RMS_MAX_TEXT bytes or @max if larger. */
static ferry_err leaf_text(xmlNodePtr node, const char *what, const char *path, size_t max,
                           char **out)
{
    *out = NULL;
    if (first_element(node) != NULL)
        return ferry_errf(FERRY_ERR_FORMAT, "%s: %s holds elements, text expected", what, path);
    if ((*out = ferry_xml_text(node)) == NULL && (*out = strdup("")) == NULL)
        return FERRY_ERR_NOMEM;
    if (strlen(*out) > (max ? max : RMS_MAX_TEXT)) {
        FERRY_FREE(*out);
        return ferry_errf(FERRY_ERR_FORMAT, "%s: %s is longer than %zu bytes", what, path,
                          max ? max : (size_t)RMS_MAX_TEXT);
    }
    return FERRY_OK;
}

static ferry_err path_text(xmlNodePtr from, const char *ns, const char *path, const char *what,
                           size_t max, char **out)
{
    xmlNodePtr node;
    ferry_err r;

    *out = NULL;
    if ((r = path_node(from, ns, path, what, &node)) != FERRY_OK)
        return r;
    return leaf_text(node, what, path, max, out);
}

/* 1 if @node has the no-namespace attribute @name equal to @want. */
static int attr_eq(xmlNodePtr node, const char *name, const char *want)
{
    xmlChar *v = xmlGetNoNsProp(node, (const xmlChar *)name);
    int eq = v != NULL && strcmp((const char *)v, want) == 0;

    xmlFree(v);
    return eq;
}

ferry_err ferry_rms_guid_normalize(const char *in, char out[37])
{
    const char *p = in;
    char shown[64];
    size_t i, n = in ? strlen(in) : 0;

    out[0] = '\0';
    if (n == 38 && in[0] == '{' && in[37] == '}') {
        p = in + 1;
        n = 36;
    }
    for (i = 0; n == 36 && i < 36; i++) {
        char c = p[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-')
                break;
            out[i] = '-';
        } else if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) {
            out[i] = c;
        } else if (c >= 'A' && c <= 'F') {
            out[i] = (char)(c - 'A' + 'a');
        } else {
            break;
        }
    }
    if (n != 36 || i != 36) {
        out[0] = '\0';
        printable(in ? in : "", shown, sizeof(shown));
        return ferry_errf(FERRY_ERR_FORMAT,
                          "\"%s\" is not a GUID (8-4-4-4-12 hex digits, optionally in braces)",
                          shown);
    }
    out[36] = '\0';
    return FERRY_OK;
}

static ferry_err guid_dup(const char *in, const char *what, const char *path, char **out)
{
    char g[37], detail[512];

    *out = NULL;
    if (ferry_rms_guid_normalize(in, g) != FERRY_OK) {
        printable(ferry_err_detail(), detail, sizeof(detail));
        return ferry_errf(FERRY_ERR_FORMAT, "%s: %s: %s", what, path, detail);
    }
    if ((*out = strdup(g)) == NULL)
        return FERRY_ERR_NOMEM;
    return FERRY_OK;
}

/* ---- RSA keys -------------------------------------------------------------------------------- */

static ferry_err check_rsa_bits(EVP_PKEY *k, const char *what, const char *path)
{
    int bits = EVP_PKEY_get_bits(k);

    if (bits < RMS_MIN_RSA_BITS)
        return ferry_errf(FERRY_ERR_FORMAT, "%s: %s is a %d-bit RSA key, under the %d-bit minimum",
                          what, path, bits, RMS_MIN_RSA_BITS);
    return FERRY_OK;
}

/* DER PKCS#1 RSAPublicKey, canonical (re-encodes to the same bytes), >= 1024 bits. */
static ferry_err rsa_from_pkcs1(const uint8_t *der, size_t n, const char *what, const char *path,
                                EVP_PKEY **out)
{
    const unsigned char *p = der;
    unsigned char *enc = NULL;
    EVP_PKEY *k = NULL;
    ferry_err r = FERRY_ERR_FORMAT;
    int elen;

    *out = NULL;
    k = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, (long)n);
    if (k == NULL || p != der + n || (elen = i2d_PublicKey(k, &enc)) < 0 || (size_t)elen != n ||
        memcmp(enc, der, n) != 0) {
        ERR_clear_error();
        r = ferry_errf(FERRY_ERR_FORMAT, "%s: %s is not a DER PKCS#1 RSAPublicKey", what, path);
        goto out;
    }
    if ((r = check_rsa_bits(k, what, path)) != FERRY_OK)
        goto out;
    *out = k;
    k = NULL;
    r = FERRY_OK;
out:
    OPENSSL_free(enc);
    EVP_PKEY_free(k);
    return r;
}

static ferry_err rsa_from_ne(const uint8_t *mod, size_t modlen, uint32_t e, EVP_PKEY **out)
{
    BIGNUM *n = NULL, *be = NULL;
    OSSL_PARAM_BLD *bld = NULL;
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    ferry_err r = FERRY_ERR_CRYPTO;

    *out = NULL;
    if ((n = BN_bin2bn(mod, (int)modlen, NULL)) == NULL || (be = BN_new()) == NULL ||
        !BN_set_word(be, e) || (bld = OSSL_PARAM_BLD_new()) == NULL ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be) ||
        (params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
        (ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) == NULL ||
        EVP_PKEY_fromdata_init(ctx) <= 0 ||
        EVP_PKEY_fromdata(ctx, out, EVP_PKEY_PUBLIC_KEY, params) <= 0) {
        r = ferry_err_openssl(FERRY_ERR_CRYPTO, "cannot build an RSA key from an XrML PUBLICKEY");
        goto out;
    }
    r = FERRY_OK;
out:
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(be);
    BN_free(n);
    return r;
}

/* ---- request --------------------------------------------------------------------------------- */

void ferry_rms_request_free(struct ferry_rms_request *r)
{
    if (r == NULL)
        return;
    free(r->server_name);
    free(r->guid);
    EVP_PKEY_free(r->pubkey);
    free(r);
}

/*
 * FORMAT.md: UTF-8. The bytes start with "<" (after an optional UTF-8 BOM), which rules out
 * UTF-16/32, and an encoding declaration, if any, says UTF-8.
 */
static ferry_err check_utf8(xmlDocPtr doc, const uint8_t *buf, size_t len, const char *what)
{
    size_t skip = ferry_xml_has_bom(buf, len) ? 3 : 0;

    if (len <= skip || buf[skip] != '<' ||
        (doc->encoding != NULL && strcasecmp((const char *)doc->encoding, "UTF-8") != 0))
        return ferry_errf(FERRY_ERR_FORMAT, "%s: not encoded in UTF-8", what);
    return FERRY_OK;
}

/* Envelope (SOAP 1.1) / Body / exactly one element child @name in @ns. */
static ferry_err soap_body_child(xmlDocPtr doc, const char *what, const char *ns, const char *name,
                                 xmlNodePtr *out)
{
    xmlNodePtr root = xmlDocGetRootElement(doc), body, c;
    char shown[80];

    *out = NULL;
    if (!el_is(root, FERRY_SOAP11_NS, "Envelope"))
        return ferry_errf(FERRY_ERR_FORMAT, "%s: the root element is not a SOAP 1.1 Envelope",
                          what);
    if (path_node(root, FERRY_SOAP11_NS, "Body", what, &body) != FERRY_OK)
        return FERRY_ERR_FORMAT;
    c = first_element(body);
    if (c == NULL)
        return ferry_errf(FERRY_ERR_FORMAT, "%s: the SOAP Body is empty", what);
    if (name != NULL && !el_is(c, ns, name)) {
        if (strcmp((const char *)c->name, name) == 0) {
            printable(c->ns && c->ns->href ? (const char *)c->ns->href : "", shown, sizeof(shown));
            return ferry_errf(FERRY_ERR_FORMAT,
                              "%s: the SOAP Body's %s element is in namespace "
                              "\"%s\", not %s",
                              what, name, shown, ns);
        }
        printable((const char *)c->name, shown, sizeof(shown));
        return ferry_errf(FERRY_ERR_FORMAT, "%s: the SOAP Body holds %s, not %s", what, shown,
                          name);
    }
    if (count_elements(body) != 1)
        return ferry_errf(FERRY_ERR_FORMAT, "%s: the SOAP Body holds more than one element", what);
    *out = c;
    return FERRY_OK;
}

static ferry_err request_key(xmlNodePtr enroll, struct ferry_rms_request *req)
{
    static const char kpath[] = "EnrollParameters/CertificatePublicKey/aPublicKeyBytes";
    char *b64 = NULL, *guid = NULL;
    uint8_t *der = NULL;
    size_t derlen = 0;
    ferry_err r;

    if ((r = path_text(enroll, FERRY_RMS_NS, kpath, NOT_ENROLL, RMS_MAX_B64, &b64)) != FERRY_OK)
        goto out;
    if ((r = ferry_b64_decode(b64, strlen(b64), RMS_MAX_RSA_BYTES + 64, &der, &derlen)) !=
        FERRY_OK) {
        r = ferry_errf(FERRY_ERR_FORMAT, "RMS request: %s is not valid base64", kpath);
        goto out;
    }
    if ((r = rsa_from_pkcs1(der, derlen, "RMS request", kpath, &req->pubkey)) != FERRY_OK)
        goto out;
    if ((r = path_text(enroll, FERRY_RMS_NS, "EnrollParameters/CertificatePublicKey/Guid",
                       NOT_ENROLL, 0, &guid)) != FERRY_OK)
        goto out;
    r = guid_dup(guid, "RMS request", "CertificatePublicKey/Guid", &req->guid);
out:
    free(b64);
    free(der);
    free(guid);
    return r;
}

static ferry_err request_enrollee(xmlNodePtr enroll, struct ferry_rms_request *req)
{
    xmlNodePtr info, name;
    char *rev = NULL;
    ferry_err r;

    if ((r = path_text(enroll, FERRY_RMS_NS,
                       "EnrollParameters/RevocationInformation/RevocationType", NOT_ENROLL, 0,
                       &rev)) != FERRY_OK)
        goto out;
    if (rev[0] == '\0') {
        r = ferry_errf(FERRY_ERR_FORMAT, "RMS request: RevocationInformation/RevocationType "
                                         "is empty");
        goto out;
    }
    if ((r = path_node(enroll, FERRY_RMS_NS, "EnrollParameters/EnrolleeInformation", NOT_ENROLL,
                       &info)) != FERRY_OK)
        goto out;
    name = ferry_xml_child(info, FERRY_RMS_NS, "ServerName");
    if (name == NULL)
        goto out; /* optional */
    if (ferry_xml_next(name, FERRY_RMS_NS, "ServerName") != NULL) {
        r = ferry_errf(FERRY_ERR_FORMAT, "RMS request: more than one EnrolleeInformation/"
                                         "ServerName element (ambiguous, refused)");
        goto out;
    }
    if ((r = leaf_text(name, "RMS request", "EnrolleeInformation/ServerName", 0,
                       &req->server_name)) != FERRY_OK)
        goto out;
    if (has_control(req->server_name))
        r = ferry_errf(FERRY_ERR_FORMAT, "RMS request: EnrolleeInformation/ServerName holds "
                                         "control characters");
    else if (req->server_name[0] == '\0')
        FERRY_FREE(req->server_name);
out:
    free(rev);
    return r;
}

ferry_err ferry_rms_request_parse(const uint8_t *buf, size_t len, struct ferry_rms_request **out)
{
    struct ferry_rms_request *req = NULL;
    xmlDocPtr doc = NULL;
    xmlNodePtr enroll;
    ferry_err r;

    *out = NULL;
    if (len > FERRY_RMS_MAX_REQUEST)
        return ferry_errf(FERRY_ERR_TOO_LARGE, "RMS request: %zu bytes, over the %u-byte limit",
                          len, FERRY_RMS_MAX_REQUEST);
    if ((r = ferry_xml_parse(buf, len, "RMS request", &doc)) != FERRY_OK)
        goto out;
    if ((req = calloc(1, sizeof(*req))) == NULL) {
        r = FERRY_ERR_NOMEM;
        goto out;
    }
    req->has_bom = ferry_xml_has_bom(buf, len);
    if ((r = check_utf8(doc, buf, len, "RMS request")) != FERRY_OK)
        goto out;
    if ((r = soap_body_child(doc, NOT_ENROLL, FERRY_RMS_NS, "Enroll", &enroll)) != FERRY_OK)
        goto out;
    if ((r = request_key(enroll, req)) != FERRY_OK)
        goto out;
    if ((r = request_enrollee(enroll, req)) != FERRY_OK)
        goto out;
    *out = req;
    req = NULL;
    r = FERRY_OK;
out:
    ferry_rms_request_free(req);
    xmlFreeDoc(doc);
    return r;
}

/* ---- response: XrML certificates ------------------------------------------------------------- */

struct xrml {
    EVP_PKEY *issuer_key; /* BODY/ISSUER/PUBLICKEY */
    uint8_t *sig;         /* SIGNATURE/VALUE */
    size_t siglen;
    uint8_t *digest; /* SIGNATURE/DIGEST/VALUE */
    size_t digestlen;
};

struct span {
    size_t off, len;
};

static void xrml_clear(struct xrml *x)
{
    EVP_PKEY_free(x->issuer_key);
    free(x->sig);
    free(x->digest);
    memset(x, 0, sizeof(*x));
}

static void cert_clear(struct ferry_rms_cert *c)
{
    free(c->type);
    free(c->guid);
    free(c->name);
    free(c->issuer_name);
    EVP_PKEY_free(c->pubkey);
    memset(c, 0, sizeof(*c));
}

void ferry_rms_response_free(struct ferry_rms_response *r)
{
    size_t i;

    if (r == NULL)
        return;
    for (i = 0; i < r->nchain; i++)
        cert_clear(&r->chain[i]);
    free(r->chain);
    free(r);
}

/* A base64 VALUE element with encoding="base64" (and, if given, size= its length in bits). */
static ferry_err b64_value(xmlNodePtr from, const char *path, const char *what, size_t max,
                           uint8_t **out, size_t *outlen)
{
    xmlNodePtr v;
    xmlChar *size = NULL;
    char *text = NULL;
    ferry_err r;

    *out = NULL;
    *outlen = 0;
    if ((r = path_node(from, NULL, path, what, &v)) != FERRY_OK)
        goto out;
    if (!attr_eq(v, "encoding", "base64")) {
        r = ferry_errf(FERRY_ERR_FORMAT, "%s: %s is not encoding=\"base64\"", what, path);
        goto out;
    }
    if ((r = leaf_text(v, what, path, RMS_MAX_B64, &text)) != FERRY_OK)
        goto out;
    if (ferry_b64_decode(text, strlen(text), max, out, outlen) != FERRY_OK || *outlen == 0) {
        r = ferry_errf(FERRY_ERR_FORMAT, "%s: %s is not valid base64 (or too long)", what, path);
        goto out;
    }
    size = xmlGetNoNsProp(v, (const xmlChar *)"size");
    if (size != NULL && (strspn((const char *)size, "0123456789") != strlen((const char *)size) ||
                         strtoul((const char *)size, NULL, 10) != *outlen * 8 || size[0] == '0')) {
        r = ferry_errf(FERRY_ERR_FORMAT, "%s: %s has size=\"%.12s\" but holds %zu bits", what, path,
                       (const char *)size, *outlen * 8);
        goto out;
    }
    r = FERRY_OK;
out:
    if (r != FERRY_OK)
        FERRY_FREE(*out);
    xmlFree(size);
    free(text);
    return r;
}

/* "65537": decimal, no sign or leading zero, odd, 3 .. 2^32-1. */
static int parse_exponent(const char *s, uint32_t *e)
{
    unsigned long long v = 0;
    size_t i, n = strlen(s);

    if (n == 0 || n > 10 || s[0] == '0' || strspn(s, "0123456789") != n)
        return -1;
    for (i = 0; i < n; i++)
        v = v * 10 + (unsigned)(s[i] - '0');
    if (v < 3 || v > 0xffffffffULL || (v & 1) == 0)
        return -1;
    *e = (uint32_t)v;
    return 0;
}

/* PARAMETER[@name=@pname] among the children of @pk: exactly one. */
static ferry_err key_param(xmlNodePtr pk, const char *pname, const char *what, xmlNodePtr *out)
{
    xmlNodePtr c;
    size_t hits = 0;

    *out = NULL;
    for (c = pk->children; c != NULL; c = c->next)
        if (el_is(c, NULL, "PARAMETER") && attr_eq(c, "name", pname) && hits++ == 0)
            *out = c;
    if (hits != 1)
        return ferry_errf(FERRY_ERR_FORMAT, "%s: %s PUBLICKEY PARAMETER name=\"%s\"", what,
                          hits ? "more than one" : "no", pname);
    return FERRY_OK;
}

/* PUBLICKEY: ALGORITHM RSA, PARAMETER public-exponent (integer32), PARAMETER modulus (base64). */
static ferry_err xrml_pubkey(xmlNodePtr pk, const char *what, const char *path, EVP_PKEY **out)
{
    xmlNodePtr pe, pm, v;
    char *alg = NULL, *etext = NULL;
    uint8_t *mod = NULL;
    size_t modlen = 0;
    uint32_t e = 0;
    ferry_err r;

    *out = NULL;
    if ((r = path_text(pk, NULL, "ALGORITHM", what, 0, &alg)) != FERRY_OK)
        goto out;
    if ((r = key_param(pk, "public-exponent", what, &pe)) != FERRY_OK ||
        (r = key_param(pk, "modulus", what, &pm)) != FERRY_OK ||
        (r = path_node(pe, NULL, "VALUE", what, &v)) != FERRY_OK ||
        (r = leaf_text(v, what, "public-exponent VALUE", 0, &etext)) != FERRY_OK)
        goto out;
    if (strcmp(alg, "RSA") != 0 || count_elements(pk) != 3 ||
        !attr_eq(v, "encoding", "integer32") || parse_exponent(etext, &e) != 0) {
        r = ferry_errf(FERRY_ERR_FORMAT,
                       "%s: %s is not an RSA key as FORMAT.md defines it "
                       "(ALGORITHM RSA, integer32 odd exponent, base64 modulus)",
                       what, path);
        goto out;
    }
    if ((r = b64_value(pm, "VALUE", what, RMS_MAX_RSA_BYTES, &mod, &modlen)) != FERRY_OK)
        goto out;
    if (mod[0] == 0) {
        r = ferry_errf(FERRY_ERR_FORMAT, "%s: %s modulus has leading zero bytes", what, path);
        goto out;
    }
    if ((r = rsa_from_ne(mod, modlen, e, out)) != FERRY_OK)
        goto out;
    if ((r = check_rsa_bits(*out, what, path)) != FERRY_OK) {
        EVP_PKEY_free(*out);
        *out = NULL;
    }
out:
    free(alg);
    free(etext);
    free(mod);
    return r;
}

/* "YYYY-MM-DDTHH:MM" or "YYYY-MM-DDTHH:MM:SS", UTC, digits exactly where FORMAT.md puts them. */
static ferry_err xrml_time(xmlNodePtr body, const char *path, const char *what, time_t *out)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:dd";
    char *t = NULL, shown[40];
    size_t i, n;
    ferry_err r;

    if ((r = path_text(body, NULL, path, what, 0, &t)) != FERRY_OK)
        return r;
    n = strlen(t);
    for (i = 0; i < n && i < sizeof(shape) - 1; i++)
        if (shape[i] == 'd' ? (t[i] < '0' || t[i] > '9') : t[i] != shape[i])
            break;
    if ((n != 16 && n != 19) || i != n || ferry_time_parse(t, out) != FERRY_OK) {
        printable(t, shown, sizeof(shown));
        r = ferry_errf(FERRY_ERR_FORMAT, "%s: %s \"%s\" is not a YYYY-MM-DDTHH:MM[:SS] time", what,
                       path, shown);
    }
    free(t);
    return r;
}

static ferry_err xrml_name(xmlNodePtr body, const char *path, const char *what, char **out)
{
    ferry_err r;

    if ((r = path_text(body, NULL, path, what, 0, out)) != FERRY_OK)
        return r;
    if (has_control(*out)) {
        FERRY_FREE(*out);
        return ferry_errf(FERRY_ERR_FORMAT, "%s: %s holds control characters", what, path);
    }
    return FERRY_OK;
}

static ferry_err xrml_guid(xmlNodePtr body, const char *path, const char *what, char **out)
{
    xmlNodePtr id;
    char *text = NULL;
    ferry_err r;

    *out = NULL;
    if ((r = path_node(body, NULL, path, what, &id)) != FERRY_OK)
        return r;
    if (!attr_eq(id, "type", "MS-GUID"))
        return ferry_errf(FERRY_ERR_FORMAT, "%s: %s is not type=\"MS-GUID\"", what, path);
    if ((r = leaf_text(id, what, path, 0, &text)) != FERRY_OK)
        return r;
    r = guid_dup(text, what, path, out);
    free(text);
    return r;
}

/* The signed part: who issued it, to whom, which key, when. */
static ferry_err xrml_body(xmlNodePtr body, const char *what, struct ferry_rms_cert *c,
                           struct xrml *x)
{
    xmlNodePtr obj, pk;
    char *guid = NULL, *iguid = NULL;
    time_t issued;
    ferry_err r;

    if (!attr_eq(body, "type", "LICENSE"))
        return ferry_errf(FERRY_ERR_FORMAT, "%s: BODY is not type=\"LICENSE\"", what);
    if ((r = xrml_time(body, "ISSUEDTIME", what, &issued)) != FERRY_OK ||
        (r = path_node(body, NULL, "DESCRIPTOR/OBJECT", what, &obj)) != FERRY_OK ||
        (r = xrml_guid(body, "DESCRIPTOR/OBJECT/ID", what, &guid)) != FERRY_OK ||
        (r = xrml_guid(body, "ISSUER/OBJECT/ID", what, &iguid)) != FERRY_OK ||
        (r = xrml_name(body, "ISSUER/OBJECT/NAME", what, &c->issuer_name)) != FERRY_OK ||
        (r = path_node(body, NULL, "ISSUER/PUBLICKEY", what, &pk)) != FERRY_OK ||
        (r = xrml_pubkey(pk, what, "ISSUER/PUBLICKEY", &x->issuer_key)) != FERRY_OK)
        goto out;
    if ((c->type = (char *)xmlGetNoNsProp(obj, (const xmlChar *)"type")) == NULL ||
        has_control(c->type) || strlen(c->type) > 64) {
        r = ferry_errf(FERRY_ERR_FORMAT, "%s: DESCRIPTOR/OBJECT has no usable type", what);
        goto out;
    }
    if ((r = xrml_guid(body, "ISSUEDPRINCIPALS/PRINCIPAL/OBJECT/ID", what, &c->guid)) != FERRY_OK ||
        (r = xrml_name(body, "ISSUEDPRINCIPALS/PRINCIPAL/OBJECT/NAME", what, &c->name)) !=
            FERRY_OK ||
        (r = path_node(body, NULL, "ISSUEDPRINCIPALS/PRINCIPAL/PUBLICKEY", what, &pk)) !=
            FERRY_OK ||
        (r = xrml_pubkey(pk, what, "PRINCIPAL/PUBLICKEY", &c->pubkey)) != FERRY_OK ||
        (r = xrml_time(body, "VALIDITYTIME/FROM", what, &c->from)) != FERRY_OK ||
        (r = xrml_time(body, "VALIDITYTIME/UNTIL", what, &c->until)) != FERRY_OK)
        goto out;
    if (c->from >= c->until)
        r = ferry_errf(FERRY_ERR_FORMAT, "%s: VALIDITYTIME FROM is not before UNTIL", what);
out:
    free(guid);
    free(iguid);
    return r;
}

/* SIGNATURE: ALGORITHM "RSA PKCS#1-V1.5", DIGEST (ALGORITHM SHA256, VALUE), VALUE. */
static ferry_err xrml_signature(xmlNodePtr sig, const char *what, struct xrml *x)
{
    char *alg = NULL, *dalg = NULL;
    ferry_err r;

    if ((r = path_text(sig, NULL, "ALGORITHM", what, 0, &alg)) != FERRY_OK ||
        (r = path_text(sig, NULL, "DIGEST/ALGORITHM", what, 0, &dalg)) != FERRY_OK)
        goto out;
    if (strcmp(alg, "RSA PKCS#1-V1.5") != 0 || strcmp(dalg, "SHA256") != 0 ||
        count_elements(sig) != 3) {
        r = ferry_errf(FERRY_ERR_FORMAT,
                       "%s: SIGNATURE is not RSA PKCS#1-V1.5 with a SHA256 "
                       "DIGEST",
                       what);
        goto out;
    }
    if ((r = b64_value(sig, "DIGEST/VALUE", what, 64, &x->digest, &x->digestlen)) != FERRY_OK ||
        (r = b64_value(sig, "VALUE", what, RMS_MAX_RSA_BYTES, &x->sig, &x->siglen)) != FERRY_OK)
        goto out;
    if (x->digestlen != FERRY_SHA256_LEN)
        r = ferry_errf(FERRY_ERR_FORMAT, "%s: DIGEST/VALUE is %zu bytes, not a SHA-256", what,
                       x->digestlen);
out:
    free(alg);
    free(dalg);
    return r;
}

/* <Certificate><XrML xmlns="" version="1.2"><BODY/><SIGNATURE/></XrML></Certificate> */
static ferry_err xrml_parse(xmlNodePtr certificate, size_t idx, struct ferry_rms_cert *c,
                            struct xrml *x)
{
    xmlNodePtr xr = first_element(certificate), body, sig;
    char what[64];
    ferry_err r;

    snprintf(what, sizeof(what), "RMS response: certificate %zu", idx + 1);
    if (!el_is(xr, NULL, "XrML") || count_elements(certificate) != 1)
        return ferry_errf(FERRY_ERR_FORMAT,
                          "%s: Certificate does not hold one XrML element in "
                          "no namespace",
                          what);
    if (!attr_eq(xr, "version", "1.2"))
        return ferry_errf(FERRY_ERR_FORMAT, "%s: XrML is not version=\"1.2\"", what);
    body = first_element(xr);
    sig = next_element(body);
    if (!el_is(body, NULL, "BODY") || !el_is(sig, NULL, "SIGNATURE") || count_elements(xr) != 2)
        return ferry_errf(FERRY_ERR_FORMAT, "%s: XrML does not hold BODY then SIGNATURE", what);
    if ((r = xrml_body(body, what, c, x)) != FERRY_OK)
        return r;
    return xrml_signature(sig, what, x);
}

/* ---- response: the signed bytes in the raw buffer -------------------------------------------- */

static int xml_space(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static ferry_err bodies_ambiguous(size_t n)
{
    return ferry_errf(FERRY_ERR_FORMAT,
                      "RMS response: the <BODY> ... </BODY> signed parts cannot be located "
                      "unambiguously in the raw bytes (expected %zu, one per certificate)",
                      n);
}

/*
 * Finds every "<BODY" start tag and "</BODY>" end tag in the raw bytes. They must alternate and
 * number exactly @n each; with count_body_elements() == @n (the tree holds no other BODY), the
 * k-th pair is then the k-th certificate's BODY: a "<BODY" hidden in a comment, CDATA or a
 * processing instruction makes the counts differ and the response is refused.
 */
static ferry_err locate_bodies(const uint8_t *buf, size_t len, size_t n, struct span *sp)
{
    size_t i, j, opens = 0, closes = 0;

    for (i = 0; i < len; i++) {
        if (buf[i] != '<')
            continue;
        if (len - i > 5 && memcmp(buf + i, "<BODY", 5) == 0 &&
            (xml_space(buf[i + 5]) || buf[i + 5] == '>' || buf[i + 5] == '/')) {
            if (opens != closes || opens == n)
                goto bad;
            sp[opens++].off = i;
        } else if (len - i > 6 && memcmp(buf + i, "</BODY", 6) == 0) {
            for (j = i + 6; j < len && xml_space(buf[j]); j++)
                ;
            if (j == len || (buf[j] != '>' && j == i + 6))
                continue; /* </BODYSOMETHING>: another element */
            if (buf[j] != '>' || closes + 1 != opens)
                goto bad;
            sp[closes].len = j + 1 - sp[closes].off;
            closes++;
        }
    }
    if (opens == n && closes == n)
        return FERRY_OK;
bad:
    return bodies_ambiguous(n);
}

static size_t count_body_elements(xmlNodePtr n)
{
    size_t k = 0;

    for (; n != NULL; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        k += strcmp((const char *)n->name, "BODY") == 0;
        k += count_body_elements(n->children);
    }
    return k;
}

static ferry_err verify_cert(const uint8_t *msg, size_t n, const struct xrml *x, size_t idx)
{
    uint8_t md[FERRY_SHA256_LEN];
    EVP_MD_CTX *ctx = NULL;
    EVP_PKEY_CTX *pctx = NULL;
    ferry_err r = FERRY_ERR_CRYPTO;
    int rc;

    ferry_sha256(msg, n, md);
    if (!ferry_ct_eq(md, x->digest, FERRY_SHA256_LEN)) {
        r = ferry_errf(FERRY_ERR_SIG_INVALID,
                       "RMS response: certificate %zu: the DIGEST does "
                       "not match its BODY (changed after signing)",
                       idx + 1);
        goto out;
    }
    if ((ctx = EVP_MD_CTX_new()) == NULL ||
        EVP_DigestVerifyInit(ctx, &pctx, EVP_sha256(), NULL, x->issuer_key) <= 0 ||
        EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) <= 0) {
        r = ferry_err_openssl(FERRY_ERR_CRYPTO, "cannot set up RSA signature verification");
        goto out;
    }
    rc = EVP_DigestVerify(ctx, x->sig, x->siglen, msg, n);
    ERR_clear_error();
    if (rc != 1) {
        r = ferry_errf(FERRY_ERR_SIG_INVALID,
                       "RMS response: certificate %zu: the signature "
                       "does not verify with its ISSUER key",
                       idx + 1);
        goto out;
    }
    r = FERRY_OK;
out:
    EVP_MD_CTX_free(ctx);
    return r;
}

/* chain[i]'s ISSUER key is chain[i+1]'s PRINCIPAL key; the last one's is its own. */
static ferry_err check_chain(const struct ferry_rms_response *resp, const struct xrml *x)
{
    size_t i, n = resp->nchain;

    if (n < 2 || strcmp(resp->chain[0].type, RMS_TYPE_SLC) != 0 ||
        strcmp(resp->chain[n - 1].type, RMS_TYPE_ROOT) != 0)
        return ferry_errf(FERRY_ERR_FORMAT,
                          "RMS response: the chain is not a %s followed by its "
                          "issuers up to an %s",
                          RMS_TYPE_SLC, RMS_TYPE_ROOT);
    for (i = 0; i < n; i++) {
        const EVP_PKEY *next = resp->chain[i + 1 < n ? i + 1 : i].pubkey;
        if (EVP_PKEY_eq(x[i].issuer_key, next) == 1)
            continue;
        ERR_clear_error();
        if (i + 1 < n)
            return ferry_errf(FERRY_ERR_SIG_INVALID,
                              "RMS response: certificate %zu is not issued by certificate %zu: "
                              "its ISSUER key is not that certificate's key",
                              i + 1, i + 2);
        return ferry_errf(FERRY_ERR_SIG_INVALID,
                          "RMS response: the last certificate (%zu) is "
                          "not self-issued: its ISSUER key is not its own",
                          i + 1);
    }
    return FERRY_OK;
}

/* ---- response: top level --------------------------------------------------------------------- */

static ferry_err fault_error(xmlNodePtr fault)
{
    char *fs = ferry_xml_text(ferry_xml_child(fault, NULL, "faultstring"));
    char *fc = ferry_xml_text(ferry_xml_child(fault, NULL, "faultcode"));
    char s[RMS_MAX_SHOWN], c[64];
    ferry_err r;

    printable(fs ? fs : "(no faultstring)", s, sizeof(s));
    printable(fc ? fc : "", c, sizeof(c));
    r = ferry_errf(FERRY_ERR_REJECTED, "the enrollment service refused: %s%s%s%s", s,
                   c[0] ? " (" : "", c, c[0] ? ")" : "");
    free(fs);
    free(fc);
    return r;
}

/* EnrollResponse/EnrollResult: only Certificate children, 1..RMS_MAX_CHAIN of them. */
static ferry_err certificates(xmlNodePtr eresp, xmlNodePtr *certs, size_t *n)
{
    xmlNodePtr result, c;
    ferry_err r;

    *n = 0;
    if ((r = path_node(eresp, FERRY_RMS_NS, "EnrollResult", "RMS response", &result)) != FERRY_OK)
        return r;
    for (c = result->children; c != NULL; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (!el_is(c, FERRY_RMS_NS, "Certificate"))
            return ferry_errf(FERRY_ERR_FORMAT, "RMS response: EnrollResult holds an element "
                                                "other than Certificate");
        if (*n == RMS_MAX_CHAIN)
            return ferry_errf(FERRY_ERR_FORMAT, "RMS response: more than %d certificates",
                              RMS_MAX_CHAIN);
        certs[(*n)++] = c;
    }
    if (*n == 0)
        return ferry_errf(FERRY_ERR_FORMAT, "RMS response: EnrollResult holds no Certificate");
    return FERRY_OK;
}

static ferry_err response_chain(const uint8_t *buf, size_t len, xmlDocPtr doc, xmlNodePtr eresp,
                                struct ferry_rms_response *resp)
{
    xmlNodePtr certs[RMS_MAX_CHAIN];
    struct xrml x[RMS_MAX_CHAIN];
    struct span sp[RMS_MAX_CHAIN];
    size_t i, n = 0;
    ferry_err r;

    memset(x, 0, sizeof(x));
    if ((r = certificates(eresp, certs, &n)) != FERRY_OK)
        goto out;
    if ((r = locate_bodies(buf, len, n, sp)) != FERRY_OK)
        goto out;
    if (count_body_elements(xmlDocGetRootElement(doc)) != n) {
        r = bodies_ambiguous(n);
        goto out;
    }
    if ((resp->chain = calloc(n, sizeof(*resp->chain))) == NULL) {
        r = FERRY_ERR_NOMEM;
        goto out;
    }
    resp->nchain = n;
    for (i = 0; i < n; i++)
        if ((r = xrml_parse(certs[i], i, &resp->chain[i], &x[i])) != FERRY_OK)
            goto out;
    for (i = 0; i < n; i++)
        if ((r = verify_cert(buf + sp[i].off, sp[i].len, &x[i], i)) != FERRY_OK)
            goto out;
    r = check_chain(resp, x);
out:
    for (i = 0; i < RMS_MAX_CHAIN; i++)
        xrml_clear(&x[i]);
    return r;
}

ferry_err ferry_rms_response_parse(const uint8_t *buf, size_t len, struct ferry_rms_response **out)
{
    struct ferry_rms_response *resp = NULL;
    xmlDocPtr doc = NULL;
    xmlNodePtr first;
    ferry_err r;

    *out = NULL;
    if (len > FERRY_RMS_MAX_RESPONSE)
        return ferry_errf(FERRY_ERR_TOO_LARGE, "RMS response: %zu bytes, over the %u-byte limit",
                          len, FERRY_RMS_MAX_RESPONSE);
    if ((r = ferry_xml_parse(buf, len, "RMS response", &doc)) != FERRY_OK)
        goto out;
    if ((r = check_utf8(doc, buf, len, "RMS response")) != FERRY_OK)
        goto out;
    if ((r = soap_body_child(doc, "not an RMS EnrollResponse", NULL, NULL, &first)) != FERRY_OK)
        goto out;
    if (el_is(first, FERRY_SOAP11_NS, "Fault")) {
        r = fault_error(first);
        goto out;
    }
    if (!el_is(first, FERRY_RMS_NS, "EnrollResponse")) {
        r = ferry_errf(FERRY_ERR_FORMAT, "not an RMS EnrollResponse: the SOAP Body holds "
                                         "neither EnrollResponse nor a Fault");
        goto out;
    }
    if ((resp = calloc(1, sizeof(*resp))) == NULL) {
        r = FERRY_ERR_NOMEM;
        goto out;
    }
    if ((r = response_chain(buf, len, doc, first, resp)) != FERRY_OK)
        goto out;
    *out = resp;
    resp = NULL;
out:
    ferry_rms_response_free(resp);
    xmlFreeDoc(doc);
    return r;
}

/* ---- binding an answer to its request -------------------------------------------------------- */

ferry_err ferry_rms_check(const struct ferry_rms_request *req,
                          const struct ferry_rms_response *resp, time_t now)
{
    const struct ferry_rms_cert *slc;
    char d[11];

    if (req == NULL || resp == NULL || resp->nchain == 0 || req->guid == NULL ||
        req->pubkey == NULL)
        return ferry_errf(FERRY_ERR_INTERNAL, "ferry_rms_check: no request or no certificate");
    slc = &resp->chain[0];
    if (strcmp(slc->guid, req->guid) != 0)
        return ferry_errf(FERRY_ERR_MISMATCH,
                          "the certificate is for GUID %s, the request was for GUID %s", slc->guid,
                          req->guid);
    if (EVP_PKEY_eq(slc->pubkey, req->pubkey) != 1) {
        ERR_clear_error();
        return ferry_errf(FERRY_ERR_MISMATCH, "the certificate's key is not the request's key");
    }
    if (now < slc->from) {
        ferry_time_date(slc->from, d);
        return ferry_errf(FERRY_ERR_EXPIRED, "the certificate is not valid before %s", d);
    }
    if (now >= slc->until) {
        ferry_time_date(slc->until, d);
        return ferry_errf(FERRY_ERR_EXPIRED, "the certificate expired on %s", d);
    }
    return FERRY_OK;
}
