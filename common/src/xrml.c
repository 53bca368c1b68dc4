/* ferry — XrML 1.2 certificates (MS-RMPR 2.2.9): parsing, surface-coding digests, signatures
 * with little-endian moduli, and the four-certificate enrollment chain. See ferry/xrml.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "ferry/buf.h"
#include "ferry/b64.h"
#include "ferry/crypto.h"
#include "ferry/hex.h"
#include "ferry/time.h"
#include "ferry/rms.h"
#include "ferry/xml.h"
#include "ferry/xrml.h"

#define XRML_MAX_TEXT  4096 /* names, IDs, times, URLs */
#define XRML_MAX_B64   8192 /* base64 values */
#define XRML_MAX_BYTES 1024 /* decoded moduli and signatures (8192 bits) */
#define XRML_MIN_BITS  1024

static const char *const ROLES[FERRY_XRML_CHAIN_LEN] = {
    "SLC", "Enrollment Service certificate", "Enrollment CA certificate", "CA certificate"};

const char *ferry_xrml_chain_role(size_t i)
{
    return i < FERRY_XRML_CHAIN_LEN ? ROLES[i] : "certificate";
}

/* ---- small helpers --------------------------------------------------------------------------- */

static int ws(int c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* An element named @name in no namespace (XrML declares xmlns=""). */
static int el(xmlNodePtr n, const char *name)
{
    return n != NULL && n->type == XML_ELEMENT_NODE && n->ns == NULL &&
           strcmp((const char *)n->name, name) == 0;
}

/* The one child element @name of @parent (NULL, no error, when absent and !@required). */
static ferry_err one(xmlNodePtr parent, const char *name, int required, const char *what,
                     const char *path, xmlNodePtr *out)
{
    xmlNodePtr c;
    size_t hits = 0;

    *out = NULL;
    for (c = parent ? parent->children : NULL; c != NULL; c = c->next)
        if (el(c, name) && hits++ == 0)
            *out = c;
    if (hits > 1) {
        *out = NULL;
        return ferry_errf(FERRY_ERR_FORMAT, "%s: more than one %s element (ambiguous, refused)",
                          what, path);
    }
    if (hits == 0 && required)
        return ferry_errf(FERRY_ERR_FORMAT, "%s: no %s element", what, path);
    return FERRY_OK;
}

/* Walks "A/B/C" below @from with one(); NULL without error when absent and !@required. */
static ferry_err walk(xmlNodePtr from, const char *path, int required, const char *what,
                      xmlNodePtr *out)
{
    char name[64], sofar[160];
    const char *p = path, *slash;
    size_t n;
    ferry_err r;

    *out = from;
    while (*p != '\0' && *out != NULL) {
        slash = strchr(p, '/');
        n = slash ? (size_t)(slash - p) : strlen(p);
        if (n == 0 || n >= sizeof(name))
            return ferry_errf(FERRY_ERR_INTERNAL, "bad XrML path %s", path);
        memcpy(name, p, n);
        name[n] = '\0';
        snprintf(sofar, sizeof(sofar), "%.*s", (int)(p + n - path), path);
        if ((r = one(*out, name, required, what, sofar, out)) != FERRY_OK)
            return r;
        p += n + (slash != NULL);
    }
    return FERRY_OK;
}

/* Text of a leaf element, white space trimmed at both ends, control characters refused. */
static ferry_err leaf(xmlNodePtr n, const char *what, const char *path, size_t max, char **out)
{
    xmlChar *t;
    size_t a = 0, z, i;

    *out = NULL;
    if (ferry_xml_first_element(n) != NULL)
        return ferry_errf(FERRY_ERR_FORMAT, "%s: %s holds elements, text expected", what, path);
    if ((t = xmlNodeGetContent(n)) == NULL)
        return FERRY_ERR_NOMEM;
    z = strlen((const char *)t);
    while (a < z && ws(t[a]))
        a++;
    while (z > a && ws(t[z - 1]))
        z--;
    for (i = a; i < z; i++)
        if (t[i] < 0x20 || t[i] == 0x7f)
            break;
    if (z - a > max || i < z) {
        xmlFree(t);
        return ferry_errf(FERRY_ERR_FORMAT, "%s: %s is %s", what, path,
                          i < z ? "not printable text" : "too long");
    }
    *out = strndup((const char *)t + a, z - a);
    xmlFree(t);
    return *out != NULL ? FERRY_OK : FERRY_ERR_NOMEM;
}

static ferry_err path_leaf(xmlNodePtr from, const char *path, int required, const char *what,
                           size_t max, char **out)
{
    xmlNodePtr n;
    ferry_err r;

    *out = NULL;
    if ((r = walk(from, path, required, what, &n)) != FERRY_OK || n == NULL)
        return r;
    return leaf(n, what, path, max, out);
}

static char *attr(xmlNodePtr n, const char *name)
{
    xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)name);
    char *s = v ? strdup((const char *)v) : NULL;

    xmlFree(v);
    return s;
}

static int attr_eq(xmlNodePtr n, const char *name, const char *want)
{
    xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)name);
    int eq = v != NULL && strcmp((const char *)v, want) == 0;

    xmlFree(v);
    return eq;
}

static int streq(const char *a, const char *b)
{
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* ---- values ---------------------------------------------------------------------------------- */

/* A base64 VALUE with encoding="base64"; size= (if given) is its length in bits. */
static ferry_err b64_value(xmlNodePtr v, const char *what, const char *path, size_t max,
                           uint8_t **out, size_t *outlen, unsigned long *size_attr)
{
    char *text = NULL, *size = NULL, *end = NULL;
    ferry_err r;

    *out = NULL;
    *outlen = 0;
    *size_attr = 0;
    if (!attr_eq(v, "encoding", "base64"))
        return ferry_errf(FERRY_ERR_FORMAT, "%s: %s is not encoding=\"base64\"", what, path);
    if ((r = leaf(v, what, path, XRML_MAX_B64, &text)) != FERRY_OK)
        return r;
    if (ferry_b64_decode(text, strlen(text), max, out, outlen) != FERRY_OK || *outlen == 0) {
        r = ferry_errf(FERRY_ERR_FORMAT, "%s: %s is not valid base64 (or too long)", what, path);
        goto out;
    }
    if ((size = attr(v, "size")) != NULL) {
        *size_attr = strtoul(size, &end, 10);
        if (size[0] < '1' || size[0] > '9' || *end != '\0' || *size_attr > 65536) {
            r = ferry_errf(FERRY_ERR_FORMAT, "%s: %s has size=\"%.12s\", not a number of bits",
                           what, path, size);
            goto out;
        }
    }
    r = FERRY_OK;
out:
    if (r != FERRY_OK)
        FERRY_FREE(*out);
    free(size);
    free(text);
    return r;
}

/* "YYYY-MM-DDTHH:MM" (MS-RMPR 2.2.9.1.1), seconds tolerated; UTC. */
static ferry_err time_at(xmlNodePtr from, const char *path, int required, const char *what,
                         int *present, time_t *out)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:dd";
    char *t = NULL;
    size_t i, n;
    ferry_err r;

    if (present)
        *present = 0;
    if ((r = path_leaf(from, path, required, what, 40, &t)) != FERRY_OK || t == NULL)
        return r;
    n = strlen(t);
    for (i = 0; i < n && i < sizeof(shape) - 1; i++)
        if (shape[i] == 'd' ? (t[i] < '0' || t[i] > '9') : t[i] != shape[i])
            break;
    if ((n != 16 && n != 19) || i != n || ferry_time_parse(t, out) != FERRY_OK)
        r = ferry_errf(FERRY_ERR_FORMAT, "%s: %s \"%s\" is not a YYYY-MM-DDTHH:MM time", what, path,
                       t);
    else if (present)
        *present = 1;
    free(t);
    return r;
}

/* FROM and UNTIL below @node, FROM before UNTIL. */
static ferry_err period(xmlNodePtr node, const char *path, const char *what, time_t *from,
                        time_t *until)
{
    ferry_err r;

    if ((r = time_at(node, "FROM", 1, what, NULL, from)) != FERRY_OK)
        return r;
    if ((r = time_at(node, "UNTIL", 1, what, NULL, until)) != FERRY_OK)
        return r;
    if (*from >= *until)
        return ferry_errf(FERRY_ERR_FORMAT, "%s: %s FROM is not before UNTIL", what, path);
    return FERRY_OK;
}

/* ---- keys ------------------------------------------------------------------------------------ */

static ferry_err rsa_from_ne(const uint8_t *mod_le, size_t modlen, uint32_t e, EVP_PKEY **out)
{
    BIGNUM *n = NULL, *be = NULL;
    OSSL_PARAM_BLD *bld = NULL;
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    ferry_err r = FERRY_ERR_CRYPTO;

    *out = NULL;
    if ((n = BN_lebin2bn(mod_le, (int)modlen, NULL)) == NULL || (be = BN_new()) == NULL ||
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

/* PARAMETER[@name=@pname]/VALUE below @pk: exactly one PARAMETER of that name. */
static ferry_err key_param(xmlNodePtr pk, const char *pname, const char *what, const char *path,
                           xmlNodePtr *value)
{
    xmlNodePtr c, found = NULL;
    size_t hits = 0;

    *value = NULL;
    for (c = pk->children; c != NULL; c = c->next)
        if (el(c, "PARAMETER") && attr_eq(c, "name", pname) && hits++ == 0)
            found = c;
    if (hits != 1)
        return ferry_errf(FERRY_ERR_FORMAT, "%s: %s has %s PARAMETER name=\"%s\"", what, path,
                          hits ? "more than one" : "no", pname);
    return one(found, "VALUE", 1, what, path, value);
}

/* PUBLICKEY: ALGORITHM RSA, public-exponent (integer32), modulus (base64, little-endian). */
static ferry_err pubkey(xmlNodePtr pk, const char *what, const char *path, EVP_PKEY **out,
                        int *bits)
{
    xmlNodePtr pe, pm;
    char *alg = NULL, *etext = NULL, *end = NULL;
    uint8_t *mod = NULL;
    size_t modlen = 0;
    unsigned long size = 0, e;
    ferry_err r;

    *out = NULL;
    *bits = 0;
    if ((r = path_leaf(pk, "ALGORITHM", 1, what, 64, &alg)) != FERRY_OK ||
        (r = key_param(pk, "public-exponent", what, path, &pe)) != FERRY_OK ||
        (r = key_param(pk, "modulus", what, path, &pm)) != FERRY_OK ||
        (r = leaf(pe, what, path, 12, &etext)) != FERRY_OK)
        goto out;
    e = strtoul(etext, &end, 10);
    if (strcmp(alg, "RSA") != 0 || !attr_eq(pe, "encoding", "integer32") || etext[0] < '1' ||
        etext[0] > '9' || *end != '\0' || e < 3 || e > 0xffffffffUL || (e & 1) == 0) {
        r = ferry_errf(FERRY_ERR_FORMAT,
                       "%s: %s is not an RSA key (ALGORITHM RSA, an odd integer32 "
                       "public-exponent, a base64 modulus)",
                       what, path);
        goto out;
    }
    if ((r = b64_value(pm, what, path, XRML_MAX_BYTES, &mod, &modlen, &size)) != FERRY_OK ||
        (r = rsa_from_ne(mod, modlen, (uint32_t)e, out)) != FERRY_OK)
        goto out;
    *bits = EVP_PKEY_get_bits(*out);
    if ((size != 0 && (unsigned long)*bits != size) || *bits < XRML_MIN_BITS) {
        r = ferry_errf(FERRY_ERR_FORMAT,
                       "%s: %s: the modulus read little-endian (as XrML stores it) is a %d-bit "
                       "key%s%lu%s",
                       what, path, *bits, size ? ", but size says " : "", size,
                       *bits < XRML_MIN_BITS ? " (under 1024 bits; written big-endian?)" : "");
        EVP_PKEY_free(*out);
        *out = NULL;
    }
out:
    free(alg);
    free(etext);
    free(mod);
    return r;
}

ferry_err ferry_xrml_key_fingerprint(EVP_PKEY *k, uint8_t fp[32])
{
    unsigned char *der = NULL;
    int n = i2d_PUBKEY(k, &der);

    if (n <= 0)
        return ferry_err_openssl(FERRY_ERR_CRYPTO, "cannot encode an RSA public key");
    ferry_sha256(der, (size_t)n, fp);
    OPENSSL_free(der);
    return FERRY_OK;
}

ferry_err ferry_xrml_fingerprint_parse(const char *s, uint8_t fp[32])
{
    char hex[65];
    size_t n = 0;

    for (; s != NULL && *s != '\0'; s++) {
        if (*s == ' ' || *s == ':')
            continue;
        if (n == 64)
            goto bad;
        hex[n++] = *s;
    }
    hex[n] = '\0';
    if (n == 64 && ferry_hex_decode(hex, fp, 32) == FERRY_OK)
        return FERRY_OK;
bad:
    return ferry_errf(FERRY_ERR_USAGE, "--drm-root: not a SHA-256 fingerprint (64 hex digits, "
                                       "groups of four as ferry prints them)");
}

/* ---- the signed BODY text ---------------------------------------------------------------------
 */

/* The one "<BODY ...>" .. "</BODY>" span of @t; ambiguous (a second one, in a comment) refused. */
static ferry_err body_span(const char *t, size_t len, const char *what, size_t *off, size_t *n)
{
    size_t i, j, opens = 0, closes = 0, end = 0;

    *off = *n = 0;
    for (i = 0; i < len; i++) {
        if (t[i] != '<')
            continue;
        if (len - i > 5 && memcmp(t + i, "<BODY", 5) == 0 &&
            (ws(t[i + 5]) || t[i + 5] == '>' || t[i + 5] == '/')) {
            if (opens++ == 0)
                *off = i;
        } else if (len - i > 6 && memcmp(t + i, "</BODY", 6) == 0) {
            for (j = i + 6; j < len && ws(t[j]); j++)
                ;
            if (j < len && t[j] == '>' && closes++ == 0)
                end = j + 1;
        }
    }
    if (opens != 1 || closes != 1 || end <= *off)
        return ferry_errf(FERRY_ERR_FORMAT,
                          "%s: the signed <BODY> .. </BODY> text cannot be located "
                          "unambiguously (%zu start and %zu end tags in the text)",
                          what, opens, closes);
    *n = end - *off;
    return FERRY_OK;
}

/* Next code point of valid UTF-8 at @p (the parser checked it); 0 on a bad sequence. */
static size_t utf8_next(const unsigned char *p, size_t n, uint32_t *cp)
{
    size_t k, i;

    if (p[0] < 0x80) {
        *cp = p[0];
        return 1;
    }
    k = p[0] >= 0xF0 ? 4 : p[0] >= 0xE0 ? 3 : p[0] >= 0xC0 ? 2 : 0;
    if (k == 0 || n < k)
        return 0;
    *cp = p[0] & (0x7Fu >> k);
    for (i = 1; i < k; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        *cp = (*cp << 6) | (p[i] & 0x3Fu);
    }
    return *cp > 0x10FFFF ? 0 : k;
}

/*
 * "surface-coding" as measured on the real examples: the BODY text with every run of white
 * space that lies between a '>' and a '<' removed, encoded UTF-16LE, then hashed.
 */
static ferry_err surface_digest(const char *t, size_t off, size_t n, int sha256, const char *what,
                                uint8_t *md, size_t *mdlen)
{
    const unsigned char *p = (const unsigned char *)t + off;
    uint8_t *u = NULL;
    size_t i, j, k, o = 0;
    unsigned int l = 0;
    uint32_t cp;
    ferry_err r = FERRY_ERR_FORMAT;
    int gt = 0;

    if ((u = malloc(2 * n + 4)) == NULL)
        return FERRY_ERR_NOMEM;
    for (i = 0; i < n; i += k) {
        if (gt && ws(p[i])) {
            for (j = i; j < n && ws(p[j]); j++)
                ;
            if (j < n && p[j] == '<') {
                k = j - i;
                continue;
            }
        }
        if ((k = utf8_next(p + i, n - i, &cp)) == 0) {
            r = ferry_errf(FERRY_ERR_FORMAT, "%s: the BODY is not valid UTF-8", what);
            goto out;
        }
        if (cp >= 0x10000) {
            cp -= 0x10000;
            u[o++] = (uint8_t)((0xD800 | (cp >> 10)) & 0xFF);
            u[o++] = (uint8_t)((0xD800 | (cp >> 10)) >> 8);
            cp = 0xDC00 | (cp & 0x3FF);
        }
        u[o++] = (uint8_t)(cp & 0xFF);
        u[o++] = (uint8_t)(cp >> 8);
        gt = cp == '>';
    }
    if (!EVP_Digest(u, o, md, &l, sha256 ? EVP_sha256() : EVP_sha1(), NULL)) {
        r = ferry_err_openssl(FERRY_ERR_CRYPTO, "cannot compute a digest");
        goto out;
    }
    *mdlen = l;
    r = FERRY_OK;
out:
    free(u);
    return r;
}

/* ---- the document ---------------------------------------------------------------------------- */

static void obj_clear(struct ferry_xrml_obj *o)
{
    free(o->type);
    free(o->id_type);
    free(o->id);
    free(o->name);
    free(o->url);
    memset(o, 0, sizeof(*o));
}

void ferry_xrml_free(struct ferry_xrml_cert *c)
{
    if (c == NULL)
        return;
    free(c->text);
    free(c->body_type);
    free(c->descriptor_type);
    free(c->descriptor_id);
    obj_clear(&c->issuer);
    obj_clear(&c->principal);
    EVP_PKEY_free(c->issuer_key);
    EVP_PKEY_free(c->principal_key);
    free(c->sig);
    free(c);
}

/* OBJECT: @type, ID (@type, text), NAME?, ADDRESS[@type=URL]? */
static ferry_err object(xmlNodePtr obj, const char *what, const char *path,
                        struct ferry_xrml_obj *o)
{
    xmlNodePtr id, c;
    char p[96];
    ferry_err r;

    o->type = attr(obj, "type");
    snprintf(p, sizeof(p), "%s/ID", path);
    if ((r = one(obj, "ID", 0, what, p, &id)) != FERRY_OK)
        return r;
    if (id != NULL && ((o->id_type = attr(id, "type")) == NULL ||
                       (r = leaf(id, what, p, XRML_MAX_TEXT, &o->id)) != FERRY_OK))
        return r != FERRY_OK ? r : ferry_errf(FERRY_ERR_FORMAT, "%s: %s has no type", what, p);
    snprintf(p, sizeof(p), "%s/NAME", path);
    if ((r = path_leaf(obj, "NAME", 0, what, XRML_MAX_TEXT, &o->name)) != FERRY_OK)
        return r;
    for (c = obj->children; c != NULL; c = c->next)
        if (el(c, "ADDRESS") && attr_eq(c, "type", "URL")) {
            snprintf(p, sizeof(p), "%s/ADDRESS", path);
            if (o->url != NULL)
                return ferry_errf(FERRY_ERR_FORMAT, "%s: more than one %s", what, p);
            if ((r = leaf(c, what, p, XRML_MAX_TEXT, &o->url)) != FERRY_OK)
                return r;
        }
    return FERRY_OK;
}

/* The RANGETIME of the ISSUE right: WORK/RIGHTSGROUP/RIGHTSLIST/RIGHT[@name=ISSUE]/... */
static ferry_err issue_range(xmlNodePtr body, const char *what, struct ferry_xrml_cert *c)
{
    xmlNodePtr list, right, found = NULL, range;
    size_t hits = 0;
    ferry_err r;

    if ((r = walk(body, "WORK/RIGHTSGROUP/RIGHTSLIST", 0, what, &list)) != FERRY_OK || list == NULL)
        return r;
    for (right = list->children; right != NULL; right = right->next)
        if (el(right, "RIGHT") && attr_eq(right, "name", "ISSUE") && hits++ == 0)
            found = right;
    if (hits > 1)
        return ferry_errf(FERRY_ERR_FORMAT, "%s: more than one ISSUE right", what);
    if (found == NULL)
        return FERRY_OK;
    if ((r = walk(found, "CONDITIONLIST/TIME/RANGETIME", 0, what, &range)) != FERRY_OK ||
        range == NULL)
        return r;
    c->has_range = 1;
    return period(range, "the ISSUE right's RANGETIME", what, &c->range_from, &c->range_until);
}

static ferry_err body_fields(xmlNodePtr body, const char *what, struct ferry_xrml_cert *c)
{
    xmlNodePtr n, pk;
    ferry_err r;

    c->body_type = attr(body, "type");
    if ((r = time_at(body, "ISSUEDTIME", 1, what, NULL, &c->issued)) != FERRY_OK)
        return r;
    if ((r = one(body, "VALIDITYTIME", 0, what, "VALIDITYTIME", &n)) != FERRY_OK)
        return r;
    if (n != NULL) {
        c->has_validity = 1;
        if ((r = period(n, "VALIDITYTIME", what, &c->valid_from, &c->valid_until)) != FERRY_OK)
            return r;
    }
    if ((r = walk(body, "DESCRIPTOR/OBJECT", 0, what, &n)) != FERRY_OK)
        return r;
    if (n != NULL) {
        c->descriptor_type = attr(n, "type");
        if ((r = path_leaf(n, "ID", 0, what, XRML_MAX_TEXT, &c->descriptor_id)) != FERRY_OK)
            return r;
    }
    if ((r = walk(body, "ISSUER/OBJECT", 0, what, &n)) != FERRY_OK ||
        (n != NULL && (r = object(n, what, "ISSUER/OBJECT", &c->issuer)) != FERRY_OK) ||
        (r = walk(body, "ISSUER/PUBLICKEY", 1, what, &pk)) != FERRY_OK ||
        (r = pubkey(pk, what, "ISSUER/PUBLICKEY", &c->issuer_key, &c->issuer_bits)) != FERRY_OK)
        return r;
    if ((r = walk(body, "ISSUEDPRINCIPALS/PRINCIPAL", 0, what, &n)) != FERRY_OK)
        return r;
    if (n != NULL) {
        if ((r = one(n, "OBJECT", 1, what, "PRINCIPAL/OBJECT", &pk)) != FERRY_OK ||
            (r = object(pk, what, "PRINCIPAL/OBJECT", &c->principal)) != FERRY_OK ||
            (r = one(n, "PUBLICKEY", 0, what, "PRINCIPAL/PUBLICKEY", &pk)) != FERRY_OK ||
            (pk != NULL && (r = pubkey(pk, what, "PRINCIPAL/PUBLICKEY", &c->principal_key,
                                       &c->principal_bits)) != FERRY_OK))
            return r;
    }
    return issue_range(body, what, c);
}

/* SIGNATURE: ALGORITHM "RSA PKCS#1-V1.5", DIGEST (SHA1|SHA256, surface-coding), VALUE; the
 * first two in either order (both occur in the published examples). */
static ferry_err signature(xmlNodePtr sig, const char *what, struct ferry_xrml_cert *c)
{
    xmlNodePtr d, v, ct;
    char *alg = NULL, *dalg = NULL, *coding = NULL;
    uint8_t *dv = NULL;
    size_t dl = 0;
    unsigned long size = 0;
    ferry_err r;

    if (ferry_xml_count_elements(sig) != 3) {
        r = ferry_errf(FERRY_ERR_FORMAT,
                       "%s: SIGNATURE does not hold exactly ALGORITHM, DIGEST "
                       "and VALUE",
                       what);
        goto out;
    }
    if ((r = path_leaf(sig, "ALGORITHM", 1, what, 64, &alg)) != FERRY_OK ||
        (r = one(sig, "DIGEST", 1, what, "SIGNATURE/DIGEST", &d)) != FERRY_OK ||
        (r = one(sig, "VALUE", 1, what, "SIGNATURE/VALUE", &v)) != FERRY_OK ||
        (r = path_leaf(d, "ALGORITHM", 1, what, 64, &dalg)) != FERRY_OK ||
        (r = key_param(d, "codingtype", what, "SIGNATURE/DIGEST", &ct)) != FERRY_OK ||
        (r = leaf(ct, what, "SIGNATURE/DIGEST codingtype", 64, &coding)) != FERRY_OK)
        goto out;
    if (strcmp(alg, "RSA PKCS#1-V1.5") != 0 || strcmp(coding, "surface-coding") != 0 ||
        (strcmp(dalg, "SHA1") != 0 && strcmp(dalg, "SHA256") != 0)) {
        r = ferry_errf(FERRY_ERR_FORMAT,
                       "%s: SIGNATURE is not RSA PKCS#1-V1.5 over a SHA1 or SHA256 "
                       "surface-coding DIGEST (it says %.40s, %.40s, %.40s)",
                       what, alg, dalg, coding);
        goto out;
    }
    c->sha256 = strcmp(dalg, "SHA256") == 0;
    if ((r = one(d, "VALUE", 1, what, "SIGNATURE/DIGEST/VALUE", &v)) != FERRY_OK ||
        (r = b64_value(v, what, "SIGNATURE/DIGEST/VALUE", 64, &dv, &dl, &size)) != FERRY_OK)
        goto out;
    if (dl != (c->sha256 ? 32u : 20u) || (size != 0 && size != dl * 8)) {
        r = ferry_errf(FERRY_ERR_FORMAT, "%s: SIGNATURE/DIGEST/VALUE is %zu bytes, not a %s", what,
                       dl, dalg);
        goto out;
    }
    memcpy(c->digest, dv, dl);
    c->digest_len = dl;
    if ((r = one(sig, "VALUE", 1, what, "SIGNATURE/VALUE", &v)) != FERRY_OK ||
        (r = b64_value(v, what, "SIGNATURE/VALUE", XRML_MAX_BYTES, &c->sig, &c->siglen, &size)) !=
            FERRY_OK)
        goto out;
    if (size != 0 && size != c->siglen * 8)
        r = ferry_errf(FERRY_ERR_FORMAT, "%s: SIGNATURE/VALUE has size=\"%lu\" but %zu bits", what,
                       size, c->siglen * 8);
out:
    free(alg);
    free(dalg);
    free(coding);
    free(dv);
    return r;
}

static size_t count_named(xmlNodePtr n, const char *name)
{
    size_t k = 0;

    for (; n != NULL; n = n->next)
        if (n->type == XML_ELEMENT_NODE)
            k += strcmp((const char *)n->name, name) == 0 ? 1 + count_named(n->children, name)
                                                          : count_named(n->children, name);
    return k;
}

ferry_err ferry_xrml_parse(const char *text, size_t len, const char *what,
                           struct ferry_xrml_cert **out)
{
    struct ferry_xrml_cert *c = NULL;
    xmlDocPtr doc = NULL;
    xmlNodePtr root, body, sig;
    size_t off = 0, n = 0, mdlen = 0;
    ferry_err r;

    *out = NULL;
    if (len > FERRY_XRML_MAX)
        return ferry_errf(FERRY_ERR_TOO_LARGE, "%s: %zu bytes, over the %u-byte XrML limit", what,
                          len, FERRY_XRML_MAX);
    if ((c = calloc(1, sizeof(*c))) == NULL || (c->text = malloc(len + 1)) == NULL) {
        r = FERRY_ERR_NOMEM;
        goto out;
    }
    memcpy(c->text, text, len);
    c->text[len] = '\0';
    c->len = len;
    if ((r = ferry_xml_parse((const uint8_t *)text, len, what, &doc)) != FERRY_OK)
        goto out;
    root = xmlDocGetRootElement(doc);
    if (!el(root, "XrML") || !attr_eq(root, "version", "1.2")) {
        r = ferry_errf(FERRY_ERR_FORMAT, "%s: not an XrML version=\"1.2\" document", what);
        goto out;
    }
    body = ferry_xml_first_element(root);
    sig = body ? body->next : NULL;
    while (sig != NULL && sig->type != XML_ELEMENT_NODE)
        sig = sig->next;
    if (!el(body, "BODY") || !el(sig, "SIGNATURE") || ferry_xml_count_elements(root) != 2) {
        r = ferry_errf(FERRY_ERR_FORMAT, "%s: XrML does not hold BODY then SIGNATURE", what);
        goto out;
    }
    if (count_named(root, "BODY") != 1) {
        r = ferry_errf(FERRY_ERR_FORMAT, "%s: more than one BODY element", what);
        goto out;
    }
    if ((r = signature(sig, what, c)) != FERRY_OK || (r = body_fields(body, what, c)) != FERRY_OK ||
        (r = body_span(text, len, what, &off, &n)) != FERRY_OK ||
        (r = surface_digest(text, off, n, c->sha256, what, c->body_digest, &mdlen)) != FERRY_OK)
        goto out;
    *out = c;
    c = NULL;
out:
    ferry_xrml_free(c);
    xmlFreeDoc(doc);
    return r;
}

ferry_err ferry_xrml_verify(const struct ferry_xrml_cert *c, const char *what)
{
    EVP_PKEY_CTX *ctx = NULL;
    ferry_err r = FERRY_ERR_CRYPTO;
    int rc;

    if (c->digest_len == 0 || !ferry_ct_eq(c->digest, c->body_digest, c->digest_len))
        return ferry_errf(FERRY_ERR_SIG_INVALID,
                          "%s: the DIGEST does not match the BODY (the certificate was changed "
                          "after it was signed)",
                          what);
    if ((ctx = EVP_PKEY_CTX_new(c->issuer_key, NULL)) == NULL || EVP_PKEY_verify_init(ctx) <= 0 ||
        EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) <= 0 ||
        EVP_PKEY_CTX_set_signature_md(ctx, c->sha256 ? EVP_sha256() : EVP_sha1()) <= 0) {
        r = ferry_err_openssl(FERRY_ERR_CRYPTO, "cannot set up RSA signature verification");
        goto out;
    }
    rc = EVP_PKEY_verify(ctx, c->sig, c->siglen, c->body_digest, c->digest_len);
    ERR_clear_error();
    r = rc == 1 ? FERRY_OK
                : ferry_errf(FERRY_ERR_SIG_INVALID,
                             "%s: the SIGNATURE does not verify with the ISSUER key (RSA PKCS#1 "
                             "v1.5, modulus read little-endian)",
                             what);
out:
    EVP_PKEY_CTX_free(ctx);
    return r;
}

/* ---- the enrollment chain (MS-RMPR 2.2.9.3 tables, production hierarchy) ----------------------
 */

struct role {
    const char *descriptor, *issuer_type, *issuer_id_type, *principal_type, *principal_id_type;
};

static const struct role CHAIN[FERRY_XRML_CHAIN_LEN] = {
    {"Server-Licensor-Certificate", "MS-DRM-Server", "MS-GUID", "MS-DRM-Server", "MS-GUID"},
    {"Server-Licensor-Certificate", "DRM-Certificate-Authority", "ascii-tag", "MS-DRM-Server",
     "MS-GUID"},
    {"DRM-CA-Certificate", "DRM-Certificate-Authority", "ascii-tag", "DRM-Certificate-Authority",
     "ascii-tag"},
    {"DRM-CA-Certificate", "DRM-Certificate-Authority", "ascii-tag", "DRM-Certificate-Authority",
     "ascii-tag"},
};

#define FERRY_XRML_ROOT_ID "Microsoft DRM Production Root"

static ferry_err check_field(const char *got, const char *want, const char *w, const char *field)
{
    if (streq(got, want))
        return FERRY_OK;
    return ferry_errf(FERRY_ERR_FORMAT, "%s: %s is \"%.60s\", MS-RMPR 2.2.9.3 requires \"%s\"", w,
                      field, got ? got : "(none)", want);
}

static ferry_err check_role(const struct ferry_xrml_cert *c, size_t i, const char *w)
{
    const struct role *ro = &CHAIN[i];
    char g[37];
    ferry_err r;

    if ((r = check_field(c->body_type, "LICENSE", w, "BODY type")) != FERRY_OK ||
        (r = check_field(c->descriptor_type, ro->descriptor, w, "DESCRIPTOR/OBJECT type")) !=
            FERRY_OK ||
        (r = check_field(c->issuer.type, ro->issuer_type, w, "ISSUER/OBJECT type")) != FERRY_OK ||
        (r = check_field(c->issuer.id_type, ro->issuer_id_type, w, "ISSUER/OBJECT/ID type")) !=
            FERRY_OK ||
        (r = check_field(c->principal.type, ro->principal_type, w, "PRINCIPAL/OBJECT type")) !=
            FERRY_OK ||
        (r = check_field(c->principal.id_type, ro->principal_id_type, w,
                         "PRINCIPAL/OBJECT/ID type")) != FERRY_OK)
        return r;
    if (c->principal_key == NULL)
        return ferry_errf(FERRY_ERR_FORMAT, "%s: no PRINCIPAL/PUBLICKEY", w);
    if (!c->has_range)
        return ferry_errf(FERRY_ERR_FORMAT, "%s: no RANGETIME on its ISSUE right (MS-RMPR 2.2.9.3)",
                          w);
    if (c->principal_bits != 1024 && c->principal_bits != 2048)
        return ferry_errf(FERRY_ERR_FORMAT, "%s: PRINCIPAL/PUBLICKEY is %d bits, not 1024 or 2048",
                          w, c->principal_bits);
    if (streq(c->principal.id_type, "MS-GUID") &&
        (c->principal.id == NULL || c->principal.id[0] != '{' ||
         ferry_rms_guid_normalize(c->principal.id, g) != FERRY_OK))
        return ferry_errf(FERRY_ERR_FORMAT, "%s: PRINCIPAL/OBJECT/ID is not a GUID in braces", w);
    if (i == 0 && c->principal.name != NULL)
        return ferry_errf(FERRY_ERR_FORMAT,
                          "%s: the principal has a NAME (\"%.60s\"); an SLC's MUST NOT "
                          "(MS-RMPR 2.2.9.3.3)",
                          w, c->principal.name);
    if (i == 0 && c->principal.url == NULL)
        return ferry_errf(FERRY_ERR_FORMAT,
                          "%s: the principal has no ADDRESS type=\"URL\" (MS-RMPR 2.2.9.3.3)", w);
    if (i > 0 && c->principal.url != NULL)
        return ferry_errf(
            FERRY_ERR_FORMAT,
            "%s: the principal has an ADDRESS; only the SLC's may (MS-RMPR 2.2.9.3.3)", w);
    if (i == 3 && c->issuer_bits != 2048)
        return ferry_errf(FERRY_ERR_FORMAT, "%s: the ISSUER key is %d bits, MS-RMPR requires 2048",
                          w, c->issuer_bits);
    return FERRY_OK;
}

ferry_err ferry_xrml_chain_verify(struct ferry_xrml_cert *const chain[FERRY_XRML_CHAIN_LEN],
                                  uint8_t root_fp[32])
{
    char w[3][96];
    size_t i;
    ferry_err r;

    for (i = 0; i < FERRY_XRML_CHAIN_LEN; i++) {
        const struct ferry_xrml_cert *c = chain[i], *next = i + 1 < 4 ? chain[i + 1] : NULL;
        snprintf(w[0], sizeof(w[0]), "certificate %zu (%s)", i + 1, ROLES[i]);
        if ((r = check_role(c, i, w[0])) != FERRY_OK ||
            (r = ferry_xrml_verify(c, w[0])) != FERRY_OK)
            return r;
        if (next == NULL)
            break;
        snprintf(w[1], sizeof(w[1]), "certificate %zu (%s)", i + 2, ROLES[i + 1]);
        if (EVP_PKEY_eq(c->issuer_key, next->principal_key) != 1) {
            ERR_clear_error();
            return ferry_errf(FERRY_ERR_SIG_INVALID,
                              "%s is not issued by %s: its ISSUER key is not that "
                              "certificate's PRINCIPAL key (the chain does not link)",
                              w[0], w[1]);
        }
        if (!streq(c->issuer.id, next->principal.id) ||
            !streq(c->issuer.id_type, next->principal.id_type))
            return ferry_errf(FERRY_ERR_FORMAT,
                              "%s: its ISSUER/OBJECT/ID \"%.60s\" is not %s's PRINCIPAL ID "
                              "\"%.60s\"",
                              w[0], c->issuer.id ? c->issuer.id : "", w[1],
                              next->principal.id ? next->principal.id : "");
        if (c->issued < next->range_from || c->issued >= next->range_until)
            return ferry_errf(FERRY_ERR_FORMAT,
                              "%s: its ISSUEDTIME is outside %s's ISSUE RANGETIME (MS-RMPR "
                              "2.2.9.3)",
                              w[0], w[1]);
    }
    snprintf(w[2], sizeof(w[2]), "certificate 4 (%s)", ROLES[3]);
    if (!streq(chain[3]->issuer.id, FERRY_XRML_ROOT_ID))
        return ferry_errf(FERRY_ERR_FORMAT, "%s: its issuer is \"%.60s\", not \"%s\"", w[2],
                          chain[3]->issuer.id ? chain[3]->issuer.id : "", FERRY_XRML_ROOT_ID);
    for (i = 0; i < FERRY_XRML_CHAIN_LEN; i++)
        if (EVP_PKEY_eq(chain[3]->issuer_key, chain[i]->principal_key) == 1)
            return ferry_errf(FERRY_ERR_FORMAT,
                              "%s: signed by a key of the chain itself (certificate %zu's); the "
                              "root is not in the chain, a self-signed chain is refused",
                              w[2], i + 1);
    ERR_clear_error();
    return ferry_xrml_key_fingerprint(chain[3]->issuer_key, root_fp);
}
