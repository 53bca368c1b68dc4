/* ferry-enrolld — the RMS endpoint's SOAP side: the Enroll request checked as MS-RMPR 3.6.4.1 and
 * its WSDL (6.6) define it, and at least as strictly as the real service checks it; the
 * EnrollResponse (LicensorCertificateChain, four strings); SOAP 1.1 faults; the WSDL on ?WSDL.
 * It shares no parsing code with ferry's own RMS module (common/src/rms.c), so the round trips
 * test two readings of the specification against each other. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/decoder.h>
#include <openssl/encoder.h>
#include <openssl/x509.h>

#include "enrolld_int.h"
#include "enrolld_wsdl.h"
#include "ferry/buf.h"
#include "ferry/b64.h"
#include "ferry/xml.h"

#define FAULT_CLIENT  "soap:Client"
#define KEY_MAX_BYTES 4096
#define WHY_LEN       600

/* Why a request was refused: the SOAP fault code and the message. */
struct refusal {
    const char *code;
    char why[WHY_LEN];
};

static ferry_err refuse(struct refusal *f, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static ferry_err refuse(struct refusal *f, const char *code, const char *fmt, ...)
{
    va_list ap;

    f->code = code;
    va_start(ap, fmt);
    vsnprintf(f->why, sizeof(f->why), fmt, ap);
    va_end(ap);
    return FERRY_ERR_FORMAT;
}

ferry_err enrolld_put_escaped(struct ferry_buf *b, const char *s)
{
    ferry_err r = FERRY_OK;

    for (; *s != '\0' && r == FERRY_OK; s++) {
        switch (*s) {
        case '&': r = ferry_buf_puts(b, "&amp;"); break;
        case '<': r = ferry_buf_puts(b, "&lt;"); break;
        case '>': r = ferry_buf_puts(b, "&gt;"); break;
        case '"': r = ferry_buf_puts(b, "&quot;"); break;
        case '\'': r = ferry_buf_puts(b, "&apos;"); break;
        case '\r': r = ferry_buf_puts(b, "&#13;"); break;
        case '\n': r = ferry_buf_puts(b, "&#10;"); break;
        case '\t': r = ferry_buf_puts(b, "&#9;"); break;
        default: r = ferry_buf_append(b, s, 1);
        }
    }
    return r;
}

void enrolld_req_free(struct enrolld_req *q)
{
    size_t i;

    EVP_PKEY_free(q->key);
    for (i = 0; i < q->nra; i++)
        EVP_PKEY_free(q->ra[i]);
    free(q->ra);
    free(q->version);
    free(q->sku);
    free(q->name);
    free(q->url);
    memset(q, 0, sizeof(*q));
}

/* ---- HTTP headers ---- */

/* text/xml with charset=utf-8 (SOAP 1.1 over HTTP; media type and parameter case-insensitive). */
static int ctype_ok(const char *ct)
{
    const char *p;
    size_t n;

    if (ct == NULL || strncasecmp(ct, "text/xml", 8) != 0)
        return 0;
    for (p = ct + 8; *p == ' ' || *p == '\t'; p++)
        ;
    if (*p++ != ';')
        return 0;
    while (*p == ' ' || *p == '\t')
        p++;
    if (strncasecmp(p, "charset=", 8) != 0)
        return 0;
    p += 8;
    n = strlen(p);
    while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
        n--;
    if (n == 7 && strncasecmp(p, "\"utf-8\"", 7) == 0)
        return 1;
    return n == 5 && strncasecmp(p, "utf-8", 5) == 0;
}

/* ---- the XML walk ---- */

/* 1 if @n holds nothing but white space, comments and processing instructions besides its
 * element children (element-only content). */
static int element_only(xmlNodePtr n)
{
    xmlNodePtr c;
    const xmlChar *t;

    for (c = n->children; c != NULL; c = c->next) {
        if (c->type != XML_TEXT_NODE && c->type != XML_CDATA_SECTION_NODE)
            continue;
        for (t = c->content; t != NULL && *t != '\0'; t++)
            if (*t != ' ' && *t != '\t' && *t != '\r' && *t != '\n')
                return 0;
    }
    return 1;
}

static int has_element_child(xmlNodePtr n)
{
    xmlNodePtr c;

    for (c = n->children; c != NULL; c = c->next)
        if (c->type == XML_ELEMENT_NODE)
            return 1;
    return 0;
}

static const char *ns_of(xmlNodePtr n)
{
    return n->ns != NULL && n->ns->href != NULL ? (const char *)n->ns->href : "";
}

/*
 * The element children of @parent (named @path in messages) against an XML Schema sequence of
 * @n names in the RMS namespace, each at most once, in order; @required has bit i set for the
 * names that must be there (minOccurs="1"). Anything else (another name, another namespace, a
 * repeat, text) is refused, as XmlSerializer's reading of the WSDL would. out[i] is the element
 * or NULL.
 */
static ferry_err sequence(xmlNodePtr parent, const char *path, const char *const *names, int n,
                          unsigned required, xmlNodePtr *out, struct refusal *f)
{
    xmlNodePtr c;
    int i, next = 0;

    for (i = 0; i < n; i++)
        out[i] = NULL;
    if (!element_only(parent))
        return refuse(f, FAULT_CLIENT, "%s: text where only elements belong", path);
    for (c = parent->children; c != NULL; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        for (i = next; i < n; i++)
            if (strcmp((const char *)c->name, names[i]) == 0)
                break;
        if (i == n) {
            for (i = 0; i < next; i++)
                if (strcmp((const char *)c->name, names[i]) == 0)
                    return refuse(f, FAULT_CLIENT,
                                  "%s: %s is repeated or out of order "
                                  "(the WSDL's sequence, MS-RMPR 6.6)",
                                  path, c->name);
            return refuse(f, FAULT_CLIENT,
                          "%s: unexpected element <%s> (not in the WSDL, "
                          "MS-RMPR 6.6)",
                          path, c->name);
        }
        if (strcmp(ns_of(c), ENROLLD_RMS_NS) != 0)
            return refuse(f, FAULT_CLIENT,
                          "%s/%s: in namespace \"%s\", not "
                          "\"" ENROLLD_RMS_NS "\" (elementFormDefault=\"qualified\")",
                          path, c->name, ns_of(c));
        out[i] = c;
        next = i + 1;
    }
    for (i = 0; i < n; i++)
        if ((required >> i & 1) && out[i] == NULL)
            return refuse(f, FAULT_CLIENT, "%s: no %s (minOccurs=\"1\" in the WSDL)", path,
                          names[i]);
    return FERRY_OK;
}

/* The text of a simple-typed element (no element children) as a new string; NULL: none. */
static ferry_err leaf_text(xmlNodePtr n, const char *path, char **out, struct refusal *f)
{
    *out = NULL;
    if (n == NULL)
        return FERRY_OK;
    if (has_element_child(n))
        return refuse(f, FAULT_CLIENT, "%s: an element inside a string value", path);
    if ((*out = ferry_xml_text(n)) == NULL && (*out = strdup("")) == NULL)
        return FERRY_ERR_NOMEM;
    return FERRY_OK;
}

/* ---- values ---- */

/* An RSA public key as MS-RMPR 3.6.4.1.3.2 and 3.6.4.2.4.1 say: "RSA PKCS#1-encoded", i.e. the
 * DER RSAPublicKey, base64; exactly DER (it re-encodes to the same bytes), 1024 or 2048 bits,
 * public exponent 65537 (2.2.9.1.6: the SLC can carry no other). */
static ferry_err rsa_public_key(const char *b64, const char *path, EVP_PKEY **out,
                                struct refusal *f)
{
    OSSL_DECODER_CTX *dctx = NULL;
    OSSL_ENCODER_CTX *ectx = NULL;
    EVP_PKEY *k = NULL;
    BIGNUM *e = NULL;
    uint8_t *der = NULL, *re = NULL;
    const unsigned char *p;
    size_t len = 0, left, relen = 0;
    int bits;
    ferry_err r;

    *out = NULL;
    if (b64 == NULL || b64[0] == '\0') {
        r = refuse(f, FAULT_CLIENT, "%s: missing or empty (the server's RSA public key)", path);
        goto out;
    }
    if ((r = ferry_b64_decode(b64, strlen(b64), KEY_MAX_BYTES, &der, &len)) != FERRY_OK) {
        if (r != FERRY_ERR_NOMEM)
            r = refuse(f, FAULT_CLIENT, "%s: not base64 (xs:base64Binary)", path);
        goto out;
    }
    p = der;
    if ((k = d2i_PUBKEY(NULL, &p, (long)len)) != NULL && p == der + len) {
        r = refuse(f, FAULT_CLIENT,
                   "%s: a SubjectPublicKeyInfo, not the DER RSAPublicKey "
                   "(PKCS#1) that MS-RMPR 3.6.4.2.4.1 asks for",
                   path);
        goto out;
    }
    EVP_PKEY_free(k);
    k = NULL;
    dctx = OSSL_DECODER_CTX_new_for_pkey(&k, "DER", "type-specific", "RSA", EVP_PKEY_PUBLIC_KEY,
                                         NULL, NULL);
    p = der;
    left = len;
    if (dctx == NULL || OSSL_DECODER_from_data(dctx, &p, &left) != 1 || k == NULL) {
        r = refuse(f, FAULT_CLIENT,
                   "%s: not a DER RSAPublicKey (PKCS#1; a SubjectPublicKeyInfo "
                   "or a CryptoAPI blob is not what MS-RMPR 3.6.4.2.4.1 asks for)",
                   path);
        goto out;
    }
    ectx = OSSL_ENCODER_CTX_new_for_pkey(k, EVP_PKEY_PUBLIC_KEY, "DER", "type-specific", NULL);
    if (left != 0 || ectx == NULL || OSSL_ENCODER_to_data(ectx, &re, &relen) != 1 || relen != len ||
        memcmp(re, der, len) != 0) {
        r = refuse(f, FAULT_CLIENT,
                   "%s: not exactly one DER RSAPublicKey (trailing bytes or a "
                   "non-DER encoding)",
                   path);
        goto out;
    }
    bits = EVP_PKEY_get_bits(k);
    if (bits != 1024 && bits != 2048) {
        r = refuse(f, FAULT_CLIENT,
                   "%s: a %d-bit RSA key; the SLC takes 1024 or 2048 bits "
                   "(MS-RMPR 2.2.9.3.3)",
                   path, bits);
        goto out;
    }
    if (EVP_PKEY_get_bn_param(k, "e", &e) != 1 || !BN_is_word(e, 65537)) {
        r = refuse(f, FAULT_CLIENT, "%s: public exponent is not 65537 (MS-RMPR 2.2.9.1.6)", path);
        goto out;
    }
    *out = k;
    k = NULL;
    r = FERRY_OK;
out:
    OSSL_DECODER_CTX_free(dctx);
    OSSL_ENCODER_CTX_free(ectx);
    EVP_PKEY_free(k);
    BN_free(e);
    free(der);
    OPENSSL_free(re);
    return r;
}

/* xs guid (WSDL s1:guid: 8-4-4-4-12 hex digits), braces allowed (3.6.4.2.4.1 says "enclosed in
 * braces"); nothing else, no white space. @out gets it with braces. */
static ferry_err guid(const char *s, const char *path, char out[39], struct refusal *f)
{
    static const int group[5] = {8, 4, 4, 4, 12};
    const char *p = s;
    int g, i, braces;

    if (s == NULL)
        return refuse(f, FAULT_CLIENT, "%s: missing", path);
    braces = *p == '{';
    p += braces;
    for (g = 0; g < 5; g++) {
        for (i = 0; i < group[g]; i++, p++)
            if (!isxdigit((unsigned char)*p))
                goto bad;
        if (g < 4 && *p++ != '-')
            goto bad;
    }
    if (braces && *p++ != '}')
        goto bad;
    if (*p != '\0')
        goto bad;
    snprintf(out, 39, "{%.36s}", s + braces);
    return FERRY_OK;
bad:
    return refuse(f, FAULT_CLIENT,
                  "%s: \"%.60s\" is not a GUID (xxxxxxxx-xxxx-xxxx-xxxx-"
                  "xxxxxxxxxxxx, hex, in braces or not)",
                  path, s);
}

/* ---- the request ---- */

#define P_OINPUT "Envelope/Body/Enroll/oInput"

static ferry_err revocation(xmlNodePtr ri, struct enrolld_req *q, struct refusal *f)
{
    static const char *const names[] = {"RevocationType", "aRevocationAuthorities"};
    static const char *const ra_names[] = {"aRevocationAuthorityPublicKey"};
    xmlNodePtr el[2], c, key[1];
    char *type = NULL, *b64 = NULL, path[128];
    size_t n = 0;
    ferry_err r;

    if ((r = sequence(ri, P_OINPUT "/RevocationInformation", names, 2, 1, el, f)) != FERRY_OK ||
        (r = leaf_text(el[0], P_OINPUT "/RevocationInformation/RevocationType", &type, f)) !=
            FERRY_OK)
        goto out;
    if (strcmp(type, "StandardRevocation") == 0) {
        q->custom = 0;
    } else if (strcmp(type, "CustomRevocation") == 0) {
        q->custom = 1;
    } else {
        r = refuse(f, FAULT_CLIENT,
                   P_OINPUT
                   "/RevocationInformation/RevocationType: \"%.60s\"%s; "
                   "it must be StandardRevocation or CustomRevocation (MS-RMPR 3.6.4.1.4.3)",
                   type,
                   strcmp(type, "NonRevocable") == 0 ? " is in the WSDL but not supported"
                                                     : " is not a revocation type");
        goto out;
    }
    if (el[1] != NULL) {
        if (!element_only(el[1])) {
            r = refuse(f, FAULT_CLIENT,
                       P_OINPUT "/RevocationInformation/aRevocationAuthorities: "
                                "text where only elements belong");
            goto out;
        }
        for (c = el[1]->children; c != NULL; c = c->next) {
            if (c->type != XML_ELEMENT_NODE)
                continue;
            if (!ferry_xml_is(c, ENROLLD_RMS_NS, "RevocationAuthorityInformation")) {
                r = refuse(f, FAULT_CLIENT,
                           P_OINPUT "/RevocationInformation/aRevocationAuthori"
                                    "ties: unexpected element <%s>",
                           c->name);
                goto out;
            }
            n++;
        }
    }
    if (!q->custom && n > 0) {
        r = refuse(f, FAULT_CLIENT,
                   P_OINPUT
                   "/RevocationInformation: StandardRevocation with %zu "
                   "RevocationAuthorityInformation; aRevocationAuthorities must be empty unless "
                   "CustomRevocation (MS-RMPR 3.6.4.1.4.3)",
                   n);
        goto out;
    }
    if (q->custom && n == 0) {
        r = refuse(f, FAULT_CLIENT,
                   P_OINPUT
                   "/RevocationInformation: CustomRevocation without a "
                   "RevocationAuthorityInformation; it needs one or more (MS-RMPR 3.6.4.1.4.3)");
        goto out;
    }
    if (n > 0 && (q->ra = calloc(n, sizeof(*q->ra))) == NULL) {
        r = FERRY_ERR_NOMEM;
        goto out;
    }
    for (c = n > 0 ? el[1]->children : NULL; c != NULL; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        snprintf(path, sizeof(path),
                 P_OINPUT "/RevocationInformation/aRevocationAuthorities/"
                          "RevocationAuthorityInformation[%zu]",
                 q->nra + 1);
        if ((r = sequence(c, path, ra_names, 1, 1, key, f)) != FERRY_OK)
            goto out;
        strncat(path, "/aRevocationAuthorityPublicKey", sizeof(path) - strlen(path) - 1);
        FERRY_FREE(b64);
        if ((r = leaf_text(key[0], path, &b64, f)) != FERRY_OK ||
            (r = rsa_public_key(b64, path, &q->ra[q->nra], f)) != FERRY_OK)
            goto out;
        q->nra++;
    }
    r = FERRY_OK;
out:
    free(type);
    free(b64);
    return r;
}

static ferry_err oinput(xmlNodePtr oi, struct enrolld_req *q, struct refusal *f)
{
    static const char *const names[] = {"AuthorizationInformation", "RevocationInformation",
                                        "CertificatePublicKey", "EnrolleeInformation"};
    static const char *const auth_names[] = {"SignedDataBase64Encoded"};
    static const char *const key_names[] = {"aPublicKeyBytes", "Guid"};
    static const char *const info_names[] = {"SKU", "Version", "Name", "URL"};
    xmlNodePtr el[4], sub[4];
    char *b64 = NULL, *g = NULL, *ignored = NULL;
    ferry_err r;

    if ((r = sequence(oi, P_OINPUT, names, 4, 0xf, el, f)) != FERRY_OK ||
        (r = sequence(el[0], P_OINPUT "/AuthorizationInformation", auth_names, 1, 0, sub, f)) !=
            FERRY_OK ||
        (r = leaf_text(sub[0], P_OINPUT "/AuthorizationInformation/SignedDataBase64Encoded",
                       &ignored, f)) != FERRY_OK ||
        (r = revocation(el[1], q, f)) != FERRY_OK ||
        (r = sequence(el[2], P_OINPUT "/CertificatePublicKey", key_names, 2, 2, sub, f)) !=
            FERRY_OK ||
        (r = leaf_text(sub[0], P_OINPUT "/CertificatePublicKey/aPublicKeyBytes", &b64, f)) !=
            FERRY_OK ||
        (r = leaf_text(sub[1], P_OINPUT "/CertificatePublicKey/Guid", &g, f)) != FERRY_OK ||
        (r = rsa_public_key(b64, P_OINPUT "/CertificatePublicKey/aPublicKeyBytes", &q->key, f)) !=
            FERRY_OK ||
        (r = guid(g, P_OINPUT "/CertificatePublicKey/Guid", q->guid, f)) != FERRY_OK ||
        (r = sequence(el[3], P_OINPUT "/EnrolleeInformation", info_names, 4, 0, sub, f)) !=
            FERRY_OK ||
        (r = leaf_text(sub[0], P_OINPUT "/EnrolleeInformation/SKU", &q->sku, f)) != FERRY_OK ||
        (r = leaf_text(sub[1], P_OINPUT "/EnrolleeInformation/Version", &q->version, f)) !=
            FERRY_OK ||
        (r = leaf_text(sub[2], P_OINPUT "/EnrolleeInformation/Name", &q->name, f)) != FERRY_OK ||
        (r = leaf_text(sub[3], P_OINPUT "/EnrolleeInformation/URL", &q->url, f)) != FERRY_OK)
        goto out;
    if (q->version == NULL || q->version[0] == '\0')
        r = refuse(f, FAULT_CLIENT,
                   P_OINPUT "/EnrolleeInformation/Version: %s; the enrollment "
                            "service refuses a missing or empty Version (MS-RMPR 3.6.4.1.4.6)",
                   q->version == NULL ? "missing" : "empty");
out:
    free(b64);
    free(g);
    free(ignored);
    return r;
}

/* The Header: VersionData (RMS namespace) with MinimumVersion and MaximumVersion 1.0.0.0 (MS-RMPR
 * 3.6.4.1.1.1); any other header block that must be understood is refused (SOAP 1.1 4.2.3). */
static ferry_err header(xmlNodePtr h, int *has_vd, struct refusal *f)
{
    static const char *const names[] = {"MinimumVersion", "MaximumVersion"};
    xmlNodePtr c, vd = NULL, el[2];
    xmlChar *mu;
    char *v[2] = {NULL, NULL};
    ferry_err r = FERRY_OK;
    int i, must;

    *has_vd = 0;
    for (c = h != NULL ? h->children : NULL; c != NULL; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (ferry_xml_is(c, ENROLLD_RMS_NS, "VersionData")) {
            if (vd != NULL)
                return refuse(f, FAULT_CLIENT, "Envelope/Header: two VersionData headers");
            vd = c;
            continue;
        }
        mu = xmlGetNsProp(c, (const xmlChar *)"mustUnderstand", (const xmlChar *)ENROLLD_SOAP11_NS);
        must = mu != NULL && strcmp((const char *)mu, "1") == 0;
        xmlFree(mu);
        if (must)
            return refuse(f, "soap:MustUnderstand",
                          "Envelope/Header/%s {%s}: "
                          "mustUnderstand=\"1\", and this service understands only VersionData",
                          c->name, ns_of(c));
    }
    if (vd == NULL)
        return refuse(f, FAULT_CLIENT,
                      "Envelope/Header: no VersionData {" ENROLLD_RMS_NS "} "
                      "header; MS-RMPR 3.6.4.1.1.1 requires it with MinimumVersion and "
                      "MaximumVersion " ENROLLD_RMS_VERSION);
    *has_vd = 1;
    if ((r = sequence(vd, "Envelope/Header/VersionData", names, 2, 3, el, f)) != FERRY_OK)
        return r;
    for (i = 0; i < 2 && r == FERRY_OK; i++) {
        if ((r = leaf_text(el[i], names[i], &v[i], f)) != FERRY_OK)
            break;
        if (strcmp(v[i], ENROLLD_RMS_VERSION) != 0)
            r = refuse(f, "soap:Client",
                       "Microsoft.DigitalRightsManagement.Core.UnsupportedDataVersionException: "
                       "Envelope/Header/VersionData/%s is \"%.40s\"; MS-RMPR 3.6.4.1.1.1 "
                       "requires " ENROLLD_RMS_VERSION,
                       names[i], v[i]);
    }
    free(v[0]);
    free(v[1]);
    return r;
}

/* Short name of what was posted, for received.log: "Envelope+VersionData+oInput",
 * "Envelope+oInput", "EnrollParameters" (a bare document), "not-xml"... */
static void shape(char *out, size_t cap, const char *root, int vd, int oi)
{
    snprintf(out, cap, "shape=%s%s%s", root, vd ? "+VersionData" : "", oi ? "+oInput" : "");
}

/* The whole request: the envelope, the header, Body/Enroll/oInput. */
static ferry_err parse_request(const uint8_t *body, size_t len, struct enrolld_req *q,
                               struct enrolld_reply *out, struct refusal *f)
{
    static const char *const env_names[] = {"Header", "Body"};
    xmlDocPtr doc = NULL;
    xmlNodePtr root, c, env[2] = {NULL, NULL}, enroll = NULL, oi = NULL;
    int vd = 0, n;
    ferry_err r;

    snprintf(out->note, sizeof(out->note), "shape=not-xml");
    if ((r = ferry_xml_parse(body, len, "the Enroll request", &doc)) != FERRY_OK) {
        if (r != FERRY_ERR_NOMEM)
            r = refuse(f, FAULT_CLIENT, "not a well-formed UTF-8 XML document: %s",
                       ferry_err_detail());
        goto out;
    }
    root = xmlDocGetRootElement(doc);
    shape(out->note, sizeof(out->note), (const char *)root->name, 0, 0);
    if (ferry_xml_is(root, ENROLLD_RMS_NS, "EnrollParameters") ||
        ferry_xml_is(root, NULL, "EnrollParameters")) {
        r = refuse(f, FAULT_CLIENT,
                   "the body is a bare EnrollParameters document; the service "
                   "takes a SOAP 1.1 Envelope with VersionData in its Header and "
                   "Body/Enroll/oInput holding these elements (MS-RMPR 3.6.4.1, 6.6)");
        goto out;
    }
    if (ferry_xml_is(root, ENROLLD_SOAP12_NS, "Envelope")) {
        r = refuse(f, "soap:VersionMismatch",
                   "a SOAP 1.2 Envelope; this service speaks SOAP 1.1 "
                   "(" ENROLLD_SOAP11_NS ")");
        goto out;
    }
    if (!ferry_xml_is(root, ENROLLD_SOAP11_NS, "Envelope")) {
        r = refuse(f, ferry_xml_is(root, NULL, "Envelope") ? "soap:VersionMismatch" : FAULT_CLIENT,
                   "the root element <%s> {%s} is not a SOAP 1.1 Envelope", root->name,
                   ns_of(root));
        goto out;
    }
    /* Envelope: Header?, Body, in the SOAP 1.1 namespace; nothing else. */
    if (!element_only(root)) {
        r = refuse(f, FAULT_CLIENT, "Envelope: text where only elements belong");
        goto out;
    }
    n = 0;
    for (c = root->children; c != NULL; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (n == 0 && ferry_xml_is(c, ENROLLD_SOAP11_NS, env_names[0]) && env[0] == NULL) {
            env[0] = c;
        } else if (ferry_xml_is(c, ENROLLD_SOAP11_NS, env_names[1]) && env[1] == NULL) {
            env[1] = c;
        } else {
            r = refuse(f, FAULT_CLIENT, "Envelope: unexpected <%s> {%s} (SOAP 1.1: Header?, Body)",
                       c->name, ns_of(c));
            goto out;
        }
        n++;
    }
    if (env[1] == NULL) {
        r = refuse(f, FAULT_CLIENT, "Envelope: no Body");
        goto out;
    }
    /* Body: exactly one Enroll holding exactly one oInput. */
    if (!element_only(env[1])) {
        r = refuse(f, FAULT_CLIENT, "Envelope/Body: text where only elements belong");
        goto out;
    }
    for (c = env[1]->children; c != NULL; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (enroll != NULL || !ferry_xml_is(c, ENROLLD_RMS_NS, "Enroll")) {
            r = refuse(f, FAULT_CLIENT,
                       "Envelope/Body: <%s> {%s}; the body must be exactly one "
                       "Enroll {" ENROLLD_RMS_NS "} (SOAPAction %s)",
                       c->name, ns_of(c), ENROLLD_SOAPACTION);
            goto out;
        }
        enroll = c;
    }
    if (enroll == NULL) {
        r = refuse(f, FAULT_CLIENT, "Envelope/Body: empty; expected Enroll/oInput");
        goto out;
    }
    if ((r = sequence(enroll, "Envelope/Body/Enroll", (const char *const[]){"oInput"}, 1, 1, &oi,
                      f)) != FERRY_OK) {
        if (ferry_xml_child(enroll, NULL, "EnrollParameters") != NULL)
            snprintf(f->why, sizeof(f->why),
                     "Envelope/Body/Enroll holds EnrollParameters; the "
                     "WSDL names that element oInput (Enroll/oInput, type EnrollParameters)");
        goto out;
    }
    vd = env[0] != NULL && ferry_xml_child(env[0], ENROLLD_RMS_NS, "VersionData") != NULL;
    shape(out->note, sizeof(out->note), "Envelope", vd, 1);
    if ((r = header(env[0], &vd, f)) != FERRY_OK)
        goto out;
    r = oinput(oi, q, f);
out:
    xmlFreeDoc(doc);
    return r;
}

/* ---- answers ---- */

ferry_err enrolld_rms_fault(const char *code, const char *why, struct enrolld_reply *out)
{
    struct ferry_buf b;
    ferry_err r;

    /* SOAP 1.1 Fault; no VersionData header on errors (MS-RMPR 2.2.4.2 <3>). */
    ferry_buf_init(&b, ENROLLD_MAX_ANSWER);
    if ((r = ferry_buf_printf(&b,
                              "<?xml version=\"1.0\" encoding=\"utf-8\"?>"
                              "<soap:Envelope xmlns:soap=\"" ENROLLD_SOAP11_NS "\" "
                              "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
                              "xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\">"
                              "<soap:Body><soap:Fault><faultcode>%s</faultcode><faultstring>",
                              code)) != FERRY_OK ||
        (r = enrolld_put_escaped(&b, why)) != FERRY_OK ||
        (r = ferry_buf_puts(&b, "</faultstring><detail /></soap:Fault></soap:Body>"
                                "</soap:Envelope>")) != FERRY_OK)
        goto out;
    out->status = 500;
    out->ctype = "text/xml; charset=utf-8";
    FERRY_FREE(out->body);
    out->body = ferry_buf_steal(&b, &out->len);
    r = out->body != NULL ? FERRY_OK : FERRY_ERR_NOMEM;
out:
    ferry_buf_free(&b);
    return r;
}

/* EnrollResponse/EnrollResult/LicensorCertificateChain/string x4 (MS-RMPR 3.6.4.1.4.7), each an
 * XrML document as escaped text, with the VersionData header (3.6.4.1.1.2). */
static ferry_err build_response(struct enrolld *d, const char *slc, struct ferry_buf *b)
{
    const char *chain[4] = {slc, d->xrml_tail[0], d->xrml_tail[1], d->xrml_tail[2]};
    ferry_err r;
    int i;

    if ((r = ferry_buf_puts(b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>"
                               "<!-- synthetic: issued by ferry-enrolld, the local stand-in "
                               "enrollment service, not a real RMS answer -->"
                               "<soap:Envelope xmlns:soap=\"" ENROLLD_SOAP11_NS "\" "
                               "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
                               "xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\">"
                               "<soap:Header><VersionData xmlns=\"" ENROLLD_RMS_NS "\">"
                               "<MinimumVersion>" ENROLLD_RMS_VERSION "</MinimumVersion>"
                               "<MaximumVersion>" ENROLLD_RMS_VERSION "</MaximumVersion>"
                               "</VersionData></soap:Header><soap:Body>"
                               "<EnrollResponse xmlns=\"" ENROLLD_RMS_NS "\"><EnrollResult>"
                               "<LicensorCertificateChain>")) != FERRY_OK)
        return r;
    for (i = 0; i < 4; i++)
        if ((r = ferry_buf_puts(b, "<string>")) != FERRY_OK ||
            (r = enrolld_put_escaped(b, chain[i])) != FERRY_OK ||
            (r = ferry_buf_puts(b, "</string>")) != FERRY_OK)
            return r;
    return ferry_buf_puts(b, "</LicensorCertificateChain></EnrollResult></EnrollResponse>"
                             "</soap:Body></soap:Envelope>");
}

ferry_err enrolld_rms_parse(const uint8_t *body, size_t len, struct enrolld_req *q,
                            struct enrolld_reply *out, const char **code, char *why, size_t cap)
{
    struct refusal f = {NULL, ""};
    ferry_err r;

    memset(q, 0, sizeof(*q));
    out->note[0] = '\0';
    r = parse_request(body, len, q, out, &f);
    *code = f.code;
    snprintf(why, cap, "%s", f.why);
    if (r != FERRY_OK)
        enrolld_req_free(q);
    return r;
}

ferry_err enrolld_rms_answer(struct enrolld *d, const char *ctype, const char *soapaction,
                             const uint8_t *body, size_t len, struct enrolld_reply *out)
{
    struct enrolld_req q;
    struct refusal f = {NULL, ""};
    struct ferry_buf b;
    char *slc = NULL;
    ferry_err r;

    memset(&q, 0, sizeof(q));
    ferry_buf_init(&b, ENROLLD_MAX_ANSWER);
    out->note[0] = '\0';
    if (!ctype_ok(ctype)) {
        r = refuse(&f, FAULT_CLIENT,
                   "Content-Type is \"%.80s\"; SOAP 1.1 takes "
                   "\"text/xml; charset=utf-8\"",
                   ctype != NULL ? ctype : "(none)");
    } else if (soapaction == NULL || strcmp(soapaction, ENROLLD_SOAPACTION) != 0) {
        r = refuse(&f, FAULT_CLIENT,
                   "Server did not recognize the value of HTTP Header "
                   "SOAPAction: %.120s; expected %s",
                   soapaction != NULL ? soapaction : "(none)", ENROLLD_SOAPACTION);
    } else {
        r = parse_request(body, len, &q, out, &f);
    }
    if (r == FERRY_ERR_FORMAT) {
        r = enrolld_rms_fault(f.code, f.why, out);
        goto out;
    }
    if (r != FERRY_OK || (r = enrolld_xrml_slc(d, &q, &slc)) != FERRY_OK ||
        (r = build_response(d, slc, &b)) != FERRY_OK)
        goto out;
    out->status = 200;
    out->ctype = "text/xml; charset=utf-8";
    out->body = ferry_buf_steal(&b, &out->len);
    r = out->body != NULL ? FERRY_OK : FERRY_ERR_NOMEM;
out:
    ferry_buf_free(&b);
    enrolld_req_free(&q);
    free(slc);
    return r;
}

ferry_err enrolld_rms_wsdl(struct enrolld_reply *out)
{
    out->status = 200;
    out->ctype = "text/xml; charset=utf-8";
    out->len = sizeof(enrolld_wsdl);
    if ((out->body = malloc(out->len)) == NULL)
        return FERRY_ERR_NOMEM;
    memcpy(out->body, enrolld_wsdl, out->len);
    return FERRY_OK;
}
