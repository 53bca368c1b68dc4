/* ferry — RMS payloads to the letter of MS-RMPR: the enrollment request in both shapes, the SOAP
 * request ferry posts (WSDL 6.6), the answer in both forms and the response document the RMS
 * console imports (3.6.4.2.1.2). The XrML certificates are verified by xrml.c.
 *
 * Design (issue 8): the request file travels byte-exact; the online side posts either the file
 * itself (a complete SOAP Enroll with VersionData) or an envelope built from its values
 * (ferry_rms_envelope). The answer is verified on the online side and again on the offline side;
 * the online side packages the service's raw answer and the response document built from the four
 * verified XrML strings (ferry_rms_response_document); import re-verifies that document and
 * writes exactly its bytes as <server>SLC.xml. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "ferry/buf.h"
#include "ferry/b64.h"
#include "ferry/crypto.h"
#include "ferry/hex.h"
#include "ferry/time.h"
#include "ferry/rms.h"
#include "ferry/xml.h"

#define RMS_MAX_TEXT  1024 /* names, types, GUIDs, versions */
#define RMS_MAX_B64   8192 /* base64 values: keys */
#define RMS_MAX_SHOWN 300  /* bytes of a faultstring or of a bad value in messages */

static const char NOT_ENROLL[] = "RMS request";

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
    if (ferry_xml_first_element(node) != NULL)
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

static ferry_err check_rsa_bits(EVP_PKEY *k, const char *what, const char *path)
{
    int bits = EVP_PKEY_get_bits(k);

    if (bits != 1024 && bits != 2048)
        return ferry_errf(FERRY_ERR_FORMAT,
                          "%s: %s is a %d-bit RSA key; an RMS server key is 1024 or 2048 bits",
                          what, path, bits);
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

/* ---- request --------------------------------------------------------------------------------- */

void ferry_rms_request_free(struct ferry_rms_request *r)
{
    size_t i;

    if (r == NULL)
        return;
    free(r->server_name);
    free(r->guid);
    free(r->guid_text);
    EVP_PKEY_free(r->pubkey);
    free(r->key_b64);
    free(r->revocation_type);
    for (i = 0; i < r->nauthorities; i++)
        free(r->authorities[i]);
    free(r->authorities);
    free(r->auth_data);
    free(r->sku);
    free(r->version);
    free(r->name);
    free(r->url);
    free(r);
}

/* ASCII/UTF-8: starts with '<' after an optional UTF-8 BOM; a declared encoding says UTF-8. */
static ferry_err check_utf8(xmlDocPtr doc, const uint8_t *buf, size_t len, const char *what)
{
    size_t skip = ferry_xml_has_bom(buf, len) ? 3 : 0;

    if (len <= skip || buf[skip] != '<' ||
        (doc->encoding != NULL && strcasecmp((const char *)doc->encoding, "UTF-8") != 0 &&
         strcasecmp((const char *)doc->encoding, "us-ascii") != 0))
        return ferry_errf(FERRY_ERR_FORMAT, "%s: not encoded in ASCII or UTF-8", what);
    return FERRY_OK;
}

/* White space trimmed copy of a leaf's text (control characters refused). */
static ferry_err trimmed(xmlNodePtr n, const char *path, size_t max, char **out)
{
    char *t = NULL;
    size_t a = 0, z;
    ferry_err r;

    *out = NULL;
    if ((r = leaf_text(n, NOT_ENROLL, path, max, &t)) != FERRY_OK)
        return r;
    z = strlen(t);
    while (a < z && strchr(" \t\r\n", t[a]) != NULL)
        a++;
    while (z > a && strchr(" \t\r\n", t[z - 1]) != NULL)
        z--;
    t[z] = '\0';
    memmove(t, t + a, z - a + 1);
    if (has_control(t)) {
        free(t);
        return ferry_errf(FERRY_ERR_FORMAT, "%s: %s holds control characters", NOT_ENROLL, path);
    }
    *out = t;
    return FERRY_OK;
}

/*
 * The children of @parent, all in the RMS namespace, each named in @names at most once;
 * found[i] gets the element named names[i] or NULL. Anything else is refused by name.
 */
static ferry_err children(xmlNodePtr parent, const char *path, const char *const *names, size_t n,
                          xmlNodePtr *found)
{
    xmlNodePtr c;
    char shown[80];
    size_t i;

    memset(found, 0, n * sizeof(*found));
    for (c = parent->children; c != NULL; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        printable((const char *)c->name, shown, sizeof(shown));
        for (i = 0; i < n; i++)
            if (el_is(c, FERRY_RMS_NS, names[i]))
                break;
        if (i == n)
            return ferry_errf(FERRY_ERR_FORMAT,
                              "%s: %s holds %s%s, which MS-RMPR does not define there (the "
                              "WSDL's namespace is %s)",
                              NOT_ENROLL, path, shown,
                              strcmp(shown, "ServerName") == 0 ? " (an invented element)" : "",
                              FERRY_RMS_NS);
        if (found[i] != NULL)
            return ferry_errf(FERRY_ERR_FORMAT,
                              "%s: more than one %s/%s element (ambiguous, "
                              "refused)",
                              NOT_ENROLL, path, names[i]);
        found[i] = c;
    }
    return FERRY_OK;
}

static ferry_err request_key(xmlNodePtr cpk, struct ferry_rms_request *req)
{
    static const char *const names[] = {"aPublicKeyBytes", "Guid"};
    static const char kpath[] = "CertificatePublicKey/aPublicKeyBytes";
    xmlNodePtr f[2];
    uint8_t *der = NULL;
    size_t derlen = 0;
    ferry_err r;

    if ((r = children(cpk, "CertificatePublicKey", names, 2, f)) != FERRY_OK)
        return r;
    if (f[0] == NULL || f[1] == NULL)
        return ferry_errf(FERRY_ERR_FORMAT, "%s: no CertificatePublicKey/%s element", NOT_ENROLL,
                          f[0] == NULL ? "aPublicKeyBytes" : "Guid");
    if ((r = trimmed(f[0], kpath, RMS_MAX_B64, &req->key_b64)) != FERRY_OK)
        return r;
    if (ferry_b64_decode(req->key_b64, strlen(req->key_b64), 4096, &der, &derlen) != FERRY_OK ||
        derlen == 0) {
        r = ferry_errf(FERRY_ERR_FORMAT, "%s: %s is not valid base64", NOT_ENROLL, kpath);
        goto out;
    }
    if ((r = rsa_from_pkcs1(der, derlen, NOT_ENROLL, kpath, &req->pubkey)) != FERRY_OK)
        goto out;
    if ((r = trimmed(f[1], "CertificatePublicKey/Guid", 0, &req->guid_text)) != FERRY_OK)
        goto out;
    r = guid_dup(req->guid_text, NOT_ENROLL, "CertificatePublicKey/Guid", &req->guid);
out:
    free(der);
    return r;
}

static ferry_err request_revocation(xmlNodePtr ri, struct ferry_rms_request *req)
{
    static const char *const names[] = {"RevocationType", "aRevocationAuthorities"};
    static const char *const anames[] = {"RevocationAuthorityInformation"};
    static const char *const knames[] = {"aRevocationAuthorityPublicKey"};
    xmlNodePtr f[2], c, k;
    uint8_t *bin = NULL;
    size_t n = 0, binlen = 0;
    int custom;
    ferry_err r;

    if ((r = children(ri, "RevocationInformation", names, 2, f)) != FERRY_OK)
        return r;
    if (f[0] == NULL)
        return ferry_errf(FERRY_ERR_FORMAT, "%s: no RevocationInformation/RevocationType element",
                          NOT_ENROLL);
    if ((r = trimmed(f[0], "RevocationInformation/RevocationType", 0, &req->revocation_type)) !=
        FERRY_OK)
        return r;
    custom = strcmp(req->revocation_type, "CustomRevocation") == 0;
    if (!custom && strcmp(req->revocation_type, "StandardRevocation") != 0) {
        char shown[80];
        printable(req->revocation_type, shown, sizeof(shown));
        return ferry_errf(FERRY_ERR_FORMAT,
                          "%s: RevocationType is \"%s\"; MS-RMPR 3.6.4.2.1.1 allows only "
                          "StandardRevocation or CustomRevocation",
                          NOT_ENROLL, shown);
    }
    req->authorities_element = f[1] != NULL;
    for (c = f[1] ? f[1]->children : NULL; c != NULL; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (!el_is(c, FERRY_RMS_NS, anames[0]))
            return children(f[1], "aRevocationAuthorities", anames, 1, &k);
        if ((r = children(c, "RevocationAuthorityInformation", knames, 1, &k)) != FERRY_OK)
            return r;
        if (k == NULL)
            return ferry_errf(FERRY_ERR_FORMAT,
                              "%s: a RevocationAuthorityInformation has no "
                              "aRevocationAuthorityPublicKey",
                              NOT_ENROLL);
        if (n == 64)
            return ferry_errf(FERRY_ERR_FORMAT, "%s: more than 64 revocation authorities",
                              NOT_ENROLL);
        if (req->authorities == NULL && (req->authorities = calloc(64, sizeof(char *))) == NULL)
            return FERRY_ERR_NOMEM;
        if ((r = trimmed(k, "aRevocationAuthorityPublicKey", RMS_MAX_B64, &req->authorities[n])) !=
            FERRY_OK)
            return r;
        req->nauthorities = ++n;
        if (ferry_b64_decode(req->authorities[n - 1], strlen(req->authorities[n - 1]), 4096, &bin,
                             &binlen) != FERRY_OK ||
            binlen == 0) {
            free(bin);
            return ferry_errf(FERRY_ERR_FORMAT,
                              "%s: aRevocationAuthorityPublicKey %zu is not "
                              "valid base64",
                              NOT_ENROLL, n);
        }
        FERRY_FREE(bin);
    }
    if (custom && n == 0)
        return ferry_errf(FERRY_ERR_FORMAT,
                          "%s: RevocationType is CustomRevocation but aRevocationAuthorities "
                          "holds no RevocationAuthorityInformation (MS-RMPR 3.6.4.2.1.1)",
                          NOT_ENROLL);
    if (!custom && n != 0)
        return ferry_errf(FERRY_ERR_FORMAT,
                          "%s: RevocationType is StandardRevocation but aRevocationAuthorities "
                          "is not empty (MS-RMPR 3.6.4.2.1.1)",
                          NOT_ENROLL);
    return FERRY_OK;
}

static ferry_err request_enrollee(xmlNodePtr ei, struct ferry_rms_request *req)
{
    static const char *const names[] = {"SKU", "Version", "Name", "URL"};
    char **dst[] = {&req->sku, &req->version, &req->name, &req->url};
    char path[64];
    xmlNodePtr f[4];
    size_t i;
    ferry_err r;

    if ((r = children(ei, "EnrolleeInformation", names, 4, f)) != FERRY_OK)
        return r;
    for (i = 0; i < 4; i++) {
        snprintf(path, sizeof(path), "EnrolleeInformation/%s", names[i]);
        if (f[i] != NULL && (r = trimmed(f[i], path, 0, dst[i])) != FERRY_OK)
            return r;
    }
    if (req->version == NULL || req->version[0] == '\0')
        return ferry_errf(FERRY_ERR_FORMAT,
                          "%s: EnrolleeInformation/Version is %s; the enrollment service refuses "
                          "an empty Version (MS-RMPR 3.6.4.2.1.1)",
                          NOT_ENROLL, req->version == NULL ? "missing" : "empty");
    if (req->name != NULL && req->name[0] != '\0') {
        req->server_name = strdup(req->name);
        req->server_name_from = "EnrolleeInformation/Name";
    } else if (req->url != NULL && req->url[0] != '\0') {
        req->server_name = strdup(req->url);
        req->server_name_from = "EnrolleeInformation/URL";
    }
    if (req->server_name_from != NULL && req->server_name == NULL)
        return FERRY_ERR_NOMEM;
    return FERRY_OK;
}

/* EnrollParameters or oInput: [AuthorizationInformation] and the three the spec requires. */
static ferry_err request_params(xmlNodePtr params, const char *path, struct ferry_rms_request *req)
{
    static const char *const names[] = {"AuthorizationInformation", "RevocationInformation",
                                        "CertificatePublicKey", "EnrolleeInformation"};
    static const char *const anames[] = {"SignedDataBase64Encoded"};
    xmlNodePtr f[4], s;
    size_t i;
    ferry_err r;

    if ((r = children(params, path, names, 4, f)) != FERRY_OK)
        return r;
    for (i = 1; i < 4; i++)
        if (f[i] == NULL)
            return ferry_errf(FERRY_ERR_FORMAT, "%s: no %s/%s element", NOT_ENROLL, path, names[i]);
    if (f[0] != NULL) {
        if ((r = children(f[0], "AuthorizationInformation", anames, 1, &s)) != FERRY_OK ||
            (s != NULL &&
             (r = trimmed(s, "SignedDataBase64Encoded", RMS_MAX_B64, &req->auth_data)) != FERRY_OK))
            return r;
    }
    if ((r = request_revocation(f[1], req)) != FERRY_OK || (r = request_key(f[2], req)) != FERRY_OK)
        return r;
    return request_enrollee(f[3], req);
}

/* Envelope [Header/VersionData] Body/Enroll/oInput. */
static ferry_err request_soap(xmlNodePtr env, struct ferry_rms_request *req, xmlNodePtr *params)
{
    xmlNodePtr c, header = NULL, body = NULL, enroll;

    *params = NULL;
    for (c = env->children; c != NULL; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (el_is(c, FERRY_SOAP11_NS, "Header") && header == NULL && body == NULL)
            header = c;
        else if (el_is(c, FERRY_SOAP11_NS, "Body") && body == NULL)
            body = c;
        else
            return ferry_errf(FERRY_ERR_FORMAT,
                              "%s: the SOAP Envelope holds more than an "
                              "optional Header and one Body",
                              NOT_ENROLL);
    }
    if (body == NULL)
        return ferry_errf(FERRY_ERR_FORMAT, "%s: the SOAP Envelope has no Body", NOT_ENROLL);
    for (c = header ? header->children : NULL; c != NULL; c = c->next)
        if (el_is(c, FERRY_RMS_NS, "VersionData"))
            req->has_version_data++;
    if (req->has_version_data > 1)
        return ferry_errf(FERRY_ERR_FORMAT, "%s: more than one VersionData header", NOT_ENROLL);
    enroll = ferry_xml_first_element(body);
    if (!el_is(enroll, FERRY_RMS_NS, "Enroll") || ferry_xml_count_elements(body) != 1)
        return ferry_errf(FERRY_ERR_FORMAT,
                          "%s: the SOAP Body does not hold exactly one Enroll element in "
                          "namespace %s",
                          NOT_ENROLL, FERRY_RMS_NS);
    c = ferry_xml_first_element(enroll);
    if (el_is(c, FERRY_RMS_NS, "EnrollParameters"))
        return ferry_errf(FERRY_ERR_FORMAT,
                          "%s: Enroll holds EnrollParameters; the WSDL's Enroll "
                          "holds oInput (of type EnrollParameters)",
                          NOT_ENROLL);
    if (!el_is(c, FERRY_RMS_NS, "oInput") || ferry_xml_count_elements(enroll) != 1)
        return ferry_errf(FERRY_ERR_FORMAT, "%s: Enroll does not hold exactly one oInput element",
                          NOT_ENROLL);
    *params = c;
    return FERRY_OK;
}

ferry_err ferry_rms_request_parse(const uint8_t *buf, size_t len, struct ferry_rms_request **out)
{
    struct ferry_rms_request *req = NULL;
    xmlDocPtr doc = NULL;
    xmlNodePtr root, params;
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
    root = xmlDocGetRootElement(doc);
    if (el_is(root, FERRY_RMS_NS, "EnrollParameters")) {
        req->shape = FERRY_RMS_BARE;
        r = request_params(root, "EnrollParameters", req);
    } else if (el_is(root, FERRY_SOAP11_NS, "Envelope")) {
        req->shape = FERRY_RMS_SOAP;
        if ((r = request_soap(root, req, &params)) == FERRY_OK)
            r = request_params(params, "oInput", req);
    } else {
        char shown[80];
        printable(root ? (const char *)root->name : "", shown, sizeof(shown));
        r = ferry_errf(FERRY_ERR_FORMAT,
                       "not an RMS enrollment request: the root element is %s, neither "
                       "EnrollParameters (namespace %s) nor a SOAP 1.1 Envelope",
                       shown, FERRY_RMS_NS);
    }
    if (r != FERRY_OK)
        goto out;
    *out = req;
    req = NULL;
out:
    ferry_rms_request_free(req);
    xmlFreeDoc(doc);
    return r;
}

ferry_err ferry_rms_server_name(const char *file_name, const struct ferry_rms_request *rq,
                                char **name, const char **from)
{
    static const char suffix[] = "RenewalRequest.xml";
    const char *base = file_name ? strrchr(file_name, '/') : NULL;
    size_t l, sl = sizeof(suffix) - 1;

    *name = NULL;
    *from = "nowhere (the file names no server)";
    base = base ? base + 1 : file_name;
    l = base ? strlen(base) : 0;
    if (l > sl && strcmp(base + l - sl, suffix) == 0) {
        if ((*name = strndup(base, l - sl)) == NULL)
            return FERRY_ERR_NOMEM;
        *from = "the file name";
        return FERRY_OK;
    }
    if (rq->server_name != NULL) {
        if ((*name = strdup(rq->server_name)) == NULL)
            return FERRY_ERR_NOMEM;
        *from = rq->server_name_from;
    }
    return FERRY_OK;
}

int ferry_rms_slc_name(const char *req, char *out, size_t outsz)
{
    static const char suffix[] = "RenewalRequest.xml";
    size_t l = strlen(req), sl = sizeof(suffix) - 1;

    if (l >= sl && strcmp(req + l - sl, suffix) == 0)
        snprintf(out, outsz, "%.*sSLC.xml", (int)(l - sl), req);
    else if (l > 4 && strcmp(req + l - 4, ".xml") == 0)
        snprintf(out, outsz, "%.*s-SLC.xml", (int)(l - 4), req);
    else
        return 0;
    return 1;
}

/* ---- the SOAP request ferry posts (WSDL 6.6) ---------------------------------------------------
 */

static ferry_err put_escaped(struct ferry_buf *b, const char *s)
{
    ferry_err r = FERRY_OK;

    for (; *s != '\0' && r == FERRY_OK; s++) {
        switch (*s) {
        case '&': r = ferry_buf_puts(b, "&amp;"); break;
        case '<': r = ferry_buf_puts(b, "&lt;"); break;
        case '>': r = ferry_buf_puts(b, "&gt;"); break;
        case '\r': r = ferry_buf_puts(b, "&#xD;"); break;
        default: r = ferry_buf_append(b, s, 1);
        }
    }
    return r;
}

static ferry_err put_el(struct ferry_buf *b, const char *name, const char *value)
{
    ferry_err r;

    if (value == NULL)
        return FERRY_OK;
    if ((r = ferry_buf_printf(b, "<%s>", name)) != FERRY_OK ||
        (r = put_escaped(b, value)) != FERRY_OK)
        return r;
    return ferry_buf_printf(b, "</%s>", name);
}

ferry_err ferry_rms_envelope(const uint8_t *file, size_t len, const struct ferry_rms_request *rq,
                             uint8_t **out, size_t *outlen, int *as_is)
{
    struct ferry_buf b;
    size_t i;
    ferry_err r;

    *out = NULL;
    *outlen = 0;
    *as_is = rq->shape == FERRY_RMS_SOAP && rq->has_version_data;
    ferry_buf_init(&b, FERRY_RMS_MAX_REQUEST + 4096);
    if (*as_is) {
        r = ferry_buf_append(&b, file, len);
        goto out;
    }
    r = ferry_buf_printf(
        &b,
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n"
        "<soap:Envelope xmlns:soap=\"%s\" "
        "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
        "xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\">"
        "<soap:Header><VersionData xmlns=\"%s\"><MinimumVersion>%s</MinimumVersion>"
        "<MaximumVersion>%s</MaximumVersion></VersionData></soap:Header>"
        "<soap:Body><Enroll xmlns=\"%s\"><oInput>",
        FERRY_SOAP11_NS, FERRY_RMS_NS, FERRY_RMS_VERSION, FERRY_RMS_VERSION, FERRY_RMS_NS);
    if (r == FERRY_OK)
        r = rq->auth_data ? ferry_buf_puts(&b, "<AuthorizationInformation>")
                          : ferry_buf_puts(&b, "<AuthorizationInformation />");
    if (r == FERRY_OK && rq->auth_data &&
        ((r = put_el(&b, "SignedDataBase64Encoded", rq->auth_data)) != FERRY_OK ||
         (r = ferry_buf_puts(&b, "</AuthorizationInformation>")) != FERRY_OK))
        goto out;
    if (r != FERRY_OK || (r = ferry_buf_puts(&b, "<RevocationInformation>")) != FERRY_OK ||
        (r = put_el(&b, "RevocationType", rq->revocation_type)) != FERRY_OK)
        goto out;
    if (rq->authorities_element && rq->nauthorities == 0)
        r = ferry_buf_puts(&b, "<aRevocationAuthorities />");
    else if (rq->nauthorities > 0) {
        r = ferry_buf_puts(&b, "<aRevocationAuthorities>");
        for (i = 0; i < rq->nauthorities && r == FERRY_OK; i++)
            if ((r = ferry_buf_puts(&b, "<RevocationAuthorityInformation>")) == FERRY_OK &&
                (r = put_el(&b, "aRevocationAuthorityPublicKey", rq->authorities[i])) == FERRY_OK)
                r = ferry_buf_puts(&b, "</RevocationAuthorityInformation>");
        if (r == FERRY_OK)
            r = ferry_buf_puts(&b, "</aRevocationAuthorities>");
    }
    if (r != FERRY_OK ||
        (r = ferry_buf_puts(&b, "</RevocationInformation><CertificatePublicKey>")) != FERRY_OK ||
        (r = put_el(&b, "aPublicKeyBytes", rq->key_b64)) != FERRY_OK ||
        (r = put_el(&b, "Guid", rq->guid_text)) != FERRY_OK ||
        (r = ferry_buf_puts(&b, "</CertificatePublicKey><EnrolleeInformation>")) != FERRY_OK ||
        (r = put_el(&b, "SKU", rq->sku)) != FERRY_OK ||
        (r = put_el(&b, "Version", rq->version)) != FERRY_OK ||
        (r = put_el(&b, "Name", rq->name)) != FERRY_OK ||
        (r = put_el(&b, "URL", rq->url)) != FERRY_OK)
        goto out;
    r = ferry_buf_puts(&b, "</EnrolleeInformation></oInput></Enroll></soap:Body></soap:Envelope>");
out:
    if (r == FERRY_OK)
        *out = ferry_buf_steal(&b, outlen);
    ferry_buf_free(&b);
    return r;
}

/* ---- answers --------------------------------------------------------------------------------- */

static const char *const DOC_NAMES[FERRY_XRML_CHAIN_LEN] = {"SLC", "EnrollmentServiceCert",
                                                            "EnrollmentCACert", "CACert"};

static void cert_clear(struct ferry_rms_cert *c)
{
    free(c->type);
    free(c->guid);
    free(c->name);
    free(c->issuer_name);
    free(c->url);
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
    for (i = 0; i < FERRY_XRML_CHAIN_LEN; i++)
        ferry_xrml_free(r->xrml[i]);
    free(r);
}

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

/* UTF-16 (BOM first, @be: big-endian) to UTF-8; lone surrogates and NUL refused. */
static ferry_err utf16_to_utf8(const uint8_t *p, size_t n, int be, struct ferry_buf *b)
{
    size_t i;
    ferry_err r = FERRY_OK;

    if (n % 2 != 0)
        return ferry_errf(FERRY_ERR_FORMAT, "RMS response: UTF-16 text of an odd length");
    for (i = 0; i < n && r == FERRY_OK; i += 2) {
        uint32_t c = be ? (uint32_t)(p[i] << 8 | p[i + 1]) : (uint32_t)(p[i + 1] << 8 | p[i]);
        uint8_t o[4];
        size_t k;
        if (c >= 0xD800 && c <= 0xDBFF && i + 3 < n) {
            uint32_t d =
                be ? (uint32_t)(p[i + 2] << 8 | p[i + 3]) : (uint32_t)(p[i + 3] << 8 | p[i + 2]);
            if (d < 0xDC00 || d > 0xDFFF)
                goto bad;
            c = 0x10000 + ((c - 0xD800) << 10) + (d - 0xDC00);
            i += 2;
        } else if (c == 0 || (c >= 0xD800 && c <= 0xDFFF)) {
            goto bad;
        }
        if (c < 0x80) {
            o[0] = (uint8_t)c;
            k = 1;
        } else if (c < 0x800) {
            o[0] = (uint8_t)(0xC0 | c >> 6);
            o[1] = (uint8_t)(0x80 | (c & 0x3F));
            k = 2;
        } else if (c < 0x10000) {
            o[0] = (uint8_t)(0xE0 | c >> 12);
            o[1] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
            o[2] = (uint8_t)(0x80 | (c & 0x3F));
            k = 3;
        } else {
            o[0] = (uint8_t)(0xF0 | c >> 18);
            o[1] = (uint8_t)(0x80 | ((c >> 12) & 0x3F));
            o[2] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
            o[3] = (uint8_t)(0x80 | (c & 0x3F));
            k = 4;
        }
        r = ferry_buf_append(b, o, k);
    }
    return r;
bad:
    return ferry_errf(FERRY_ERR_FORMAT, "RMS response: not valid UTF-16 at byte %zu", i + 2);
}

/* UTF-8 to UTF-16LE (the text is valid UTF-8: libxml2 gave it). */
static ferry_err utf8_to_utf16le(const char *s, size_t n, struct ferry_buf *b)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, k, j;
    ferry_err r = FERRY_OK;

    while (i < n && r == FERRY_OK) {
        uint32_t c = p[i];
        uint8_t o[4];
        k = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
        if (i + k > n)
            return ferry_errf(FERRY_ERR_INTERNAL, "truncated UTF-8");
        if (k > 1)
            c &= 0x7Fu >> k;
        for (j = 1; j < k; j++)
            c = (c << 6) | (p[i + j] & 0x3Fu);
        i += k;
        if (c >= 0x10000) {
            uint32_t h = 0xD800 | ((c - 0x10000) >> 10), l = 0xDC00 | ((c - 0x10000) & 0x3FF);
            o[0] = (uint8_t)h;
            o[1] = (uint8_t)(h >> 8);
            o[2] = (uint8_t)l;
            o[3] = (uint8_t)(l >> 8);
            r = ferry_buf_append(b, o, 4);
        } else {
            o[0] = (uint8_t)c;
            o[1] = (uint8_t)(c >> 8);
            r = ferry_buf_append(b, o, 2);
        }
    }
    return r;
}

/*
 * The response document's declaration says utf-16: its bytes are real UTF-16 (with a BOM) or
 * ASCII (the spec also calls it "an ASCII text file"). Either way, the UTF-8 text after the
 * declaration goes to the hardened parser (which reads UTF-8 only). Anything else is left as is.
 */
static ferry_err not_document16(const char *why)
{
    return ferry_errf(FERRY_ERR_FORMAT,
                      "RMS response: not encoded in UTF-8 (it starts with a UTF-16 byte order "
                      "mark) and %s: only the response document (MS-RMPR 3.6.4.2.1.2, "
                      "EnrollResponse under a utf-16 declaration) may be UTF-16",
                      why);
}

/* 1 if the declaration at @t (up to @end) says encoding="utf-16". */
static int declares_utf16(const char *t, const char *end)
{
    const char *enc = strstr(t, "encoding");

    return enc != NULL && enc < end &&
           (strncasecmp(enc + 9, "\"utf-16\"", 8) == 0 || strncasecmp(enc + 9, "'utf-16'", 8) == 0);
}

/*
 * The response document's declaration says utf-16: its bytes are real UTF-16 (with a BOM) or
 * ASCII (the spec also calls it "an ASCII text file"). Either way, the UTF-8 text after the
 * declaration goes to the hardened parser (which reads UTF-8 only), and it must be the response
 * document. Anything else is left as it is (the SOAP answer, UTF-8). *utf16: 1 if decoded from
 * UTF-16, 2 if a utf-16 declaration was removed.
 */
static ferry_err answer_text(const uint8_t *buf, size_t len, struct ferry_buf *b, int *utf16)
{
    const char *t, *end, *p;
    size_t skip;
    ferry_err r;

    *utf16 = 0;
    if (len >= 2 && ((buf[0] == 0xFF && buf[1] == 0xFE) || (buf[0] == 0xFE && buf[1] == 0xFF))) {
        if ((r = utf16_to_utf8(buf + 2, len - 2, buf[0] == 0xFE, b)) != FERRY_OK)
            return r == FERRY_ERR_FORMAT ? not_document16("not valid UTF-16") : r;
        *utf16 = 1;
    } else if ((r = ferry_buf_append(b, buf, len)) != FERRY_OK) {
        return r;
    }
    t = (const char *)b->data;
    if (b->len < 6 || strncmp(t, "<?xml", 5) != 0 || (end = strstr(t, "?>")) == NULL ||
        !declares_utf16(t, end))
        return *utf16 ? not_document16("without an encoding=\"utf-16\" declaration") : FERRY_OK;
    skip = (size_t)(end + 2 - t);
    for (p = t + skip; *p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'; p++)
        ;
    if (strncmp(p, "<EnrollResponse", 15) != 0 || (p[15] != ' ' && p[15] != '>'))
        return *utf16 ? not_document16("not EnrollResponse")
                      : ferry_errf(FERRY_ERR_FORMAT,
                                   "RMS response: declared utf-16 but not the response document "
                                   "(MS-RMPR 3.6.4.2.1.2, EnrollResponse): the enrollment "
                                   "service's SOAP answer is UTF-8");
    memmove(b->data, b->data + skip, b->len - skip + 1);
    b->len -= skip;
    *utf16 |= 2;
    return FERRY_OK;
}

/* An element in the RMS namespace, or (the response document's schema) in none. */
static int rms_el(xmlNodePtr n, const char *name)
{
    return el_is(n, FERRY_RMS_NS, name) || el_is(n, NULL, name);
}

/* SOAP: Envelope [Header] Body/(Fault | EnrollResponse/EnrollResult/LicensorCertificateChain). */
static ferry_err soap_chain(xmlNodePtr env, xmlNodePtr strings[4])
{
    xmlNodePtr body = NULL, c, first, lcc;
    ferry_err r;
    size_t n = 0;

    for (c = env->children; c != NULL; c = c->next)
        if (el_is(c, FERRY_SOAP11_NS, "Body")) {
            if (body != NULL)
                return ferry_errf(FERRY_ERR_FORMAT, "RMS response: more than one SOAP Body");
            body = c;
        }
    first = ferry_xml_first_element(body);
    if (first == NULL)
        return ferry_errf(FERRY_ERR_FORMAT, "RMS response: no SOAP Body, or an empty one");
    if (el_is(first, FERRY_SOAP11_NS, "Fault"))
        return fault_error(first);
    if (!el_is(first, FERRY_RMS_NS, "EnrollResponse") || ferry_xml_count_elements(body) != 1)
        return ferry_errf(FERRY_ERR_FORMAT, "RMS response: the SOAP Body holds neither one "
                                            "EnrollResponse nor a Fault");
    if ((r = path_node(first, FERRY_RMS_NS, "EnrollResult/LicensorCertificateChain", "RMS response",
                       &lcc)) != FERRY_OK)
        return r;
    for (c = lcc->children; c != NULL; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (!el_is(c, FERRY_RMS_NS, "string"))
            return ferry_errf(FERRY_ERR_FORMAT, "RMS response: LicensorCertificateChain holds an "
                                                "element other than string");
        if (n == 4)
            return ferry_errf(FERRY_ERR_FORMAT, "RMS response: LicensorCertificateChain holds "
                                                "more than four strings");
        strings[n++] = c;
    }
    if (n != 4)
        return ferry_errf(FERRY_ERR_FORMAT,
                          "RMS response: LicensorCertificateChain holds %zu strings, not four "
                          "(SLC, Enrollment Service, Enrollment CA, CA)",
                          n);
    return FERRY_OK;
}

/* The response document: EnrollResponse/LicensorCertificateChain/{SLC, ..., CACert}. */
static ferry_err document_chain(xmlNodePtr root, xmlNodePtr strings[4])
{
    xmlNodePtr lcc, c;
    size_t n = 0;

    lcc = ferry_xml_first_element(root);
    if (!rms_el(lcc, "LicensorCertificateChain") || ferry_xml_count_elements(root) != 1)
        return ferry_errf(FERRY_ERR_FORMAT, "RMS response document: EnrollResponse does not hold "
                                            "one LicensorCertificateChain");
    for (c = lcc->children; c != NULL; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (n == 4 || !rms_el(c, DOC_NAMES[n]))
            return ferry_errf(FERRY_ERR_FORMAT,
                              "RMS response document: LicensorCertificateChain does not hold "
                              "exactly SLC, EnrollmentServiceCert, EnrollmentCACert, CACert in "
                              "that order (MS-RMPR 3.6.4.2.1.2)");
        strings[n++] = c;
    }
    if (n != 4)
        return ferry_errf(FERRY_ERR_FORMAT,
                          "RMS response document: LicensorCertificateChain "
                          "holds %zu certificates, not four",
                          n);
    return FERRY_OK;
}

static ferry_err fill_cert(const struct ferry_xrml_cert *x, struct ferry_rms_cert *c)
{
    char g[37];

    if ((x->descriptor_type && (c->type = strdup(x->descriptor_type)) == NULL) ||
        (x->principal.name && (c->name = strdup(x->principal.name)) == NULL) ||
        (x->issuer.id && (c->issuer_name = strdup(x->issuer.id)) == NULL) ||
        (x->principal.url && (c->url = strdup(x->principal.url)) == NULL))
        return FERRY_ERR_NOMEM;
    if (x->principal.id && x->principal.id_type && strcmp(x->principal.id_type, "MS-GUID") == 0 &&
        ferry_rms_guid_normalize(x->principal.id, g) == FERRY_OK && (c->guid = strdup(g)) == NULL)
        return FERRY_ERR_NOMEM;
    ferry_err_clear();
    if (x->principal_key != NULL && EVP_PKEY_up_ref(x->principal_key) == 1)
        c->pubkey = x->principal_key;
    c->renew_from = x->range_from;
    c->renew_by = x->range_until;
    c->has_validity = x->has_validity;
    c->from = x->has_validity ? x->valid_from : x->range_from;
    c->until = x->has_validity ? x->valid_until : x->range_until;
    return FERRY_OK;
}

static ferry_err response_chain(xmlNodePtr strings[4], struct ferry_rms_response *resp)
{
    char what[96];
    size_t i;
    ferry_err r;

    if ((resp->chain = calloc(FERRY_XRML_CHAIN_LEN, sizeof(*resp->chain))) == NULL)
        return FERRY_ERR_NOMEM;
    resp->nchain = FERRY_XRML_CHAIN_LEN;
    for (i = 0; i < FERRY_XRML_CHAIN_LEN; i++) {
        char *t = ferry_xml_text(strings[i]);
        snprintf(what, sizeof(what), "RMS response: certificate %zu (%s)", i + 1,
                 ferry_xrml_chain_role(i));
        if (t == NULL || t[0] == '\0') {
            free(t);
            return ferry_errf(FERRY_ERR_FORMAT, "%s: empty", what);
        }
        r = ferry_xrml_parse(t, strlen(t), what, &resp->xrml[i]);
        free(t);
        if (r != FERRY_OK)
            return r;
    }
    if ((r = ferry_xrml_chain_verify(resp->xrml, resp->root_fp)) != FERRY_OK) {
        char d[512];
        printable(ferry_err_detail(), d, sizeof(d));
        return ferry_errf(r, "RMS response: %s", d);
    }
    for (i = 0; i < FERRY_XRML_CHAIN_LEN; i++)
        if ((r = fill_cert(resp->xrml[i], &resp->chain[i])) != FERRY_OK)
            return r;
    return FERRY_OK;
}

ferry_err ferry_rms_response_parse(const uint8_t *buf, size_t len, struct ferry_rms_response **out)
{
    struct ferry_rms_response *resp = NULL;
    struct ferry_buf text;
    xmlNodePtr root, strings[4];
    xmlDocPtr doc = NULL;
    int utf16 = 0;
    ferry_err r;

    *out = NULL;
    ferry_buf_init(&text, 2 * (size_t)FERRY_RMS_MAX_RESPONSE);
    if (len > FERRY_RMS_MAX_RESPONSE)
        return ferry_errf(FERRY_ERR_TOO_LARGE, "RMS response: %zu bytes, over the %u-byte limit",
                          len, FERRY_RMS_MAX_RESPONSE);
    if ((r = answer_text(buf, len, &text, &utf16)) != FERRY_OK)
        goto out;
    if ((r = ferry_xml_parse(text.data, text.len, "RMS response", &doc)) != FERRY_OK)
        goto out;
    if ((resp = calloc(1, sizeof(*resp))) == NULL) {
        r = FERRY_ERR_NOMEM;
        goto out;
    }
    root = xmlDocGetRootElement(doc);
    if (el_is(root, FERRY_SOAP11_NS, "Envelope") && utf16) {
        r = ferry_errf(FERRY_ERR_FORMAT,
                       "RMS response: a SOAP answer in UTF-16 (or declared utf-16): the "
                       "enrollment service answers UTF-8; only the response document "
                       "(MS-RMPR 3.6.4.2.1.2) is UTF-16");
    } else if (el_is(root, FERRY_SOAP11_NS, "Envelope")) {
        resp->form = FERRY_RMS_ANSWER_SOAP;
        r = soap_chain(root, strings);
    } else if (rms_el(root, "EnrollResponse")) {
        resp->form = FERRY_RMS_ANSWER_DOCUMENT;
        r = document_chain(root, strings);
    } else {
        r = ferry_errf(FERRY_ERR_FORMAT,
                       "not an RMS enrollment answer: the root element is neither a SOAP 1.1 "
                       "Envelope nor EnrollResponse (the response document)");
    }
    if (r != FERRY_OK || (r = response_chain(strings, resp)) != FERRY_OK)
        goto out;
    *out = resp;
    resp = NULL;
out:
    ferry_rms_response_free(resp);
    xmlFreeDoc(doc);
    ferry_buf_free(&text);
    return r;
}

ferry_err ferry_rms_response_document(const struct ferry_rms_response *resp, uint8_t **out,
                                      size_t *outlen)
{
    static const uint8_t bom[2] = {0xFF, 0xFE};
    struct ferry_buf u8, u16;
    size_t i;
    ferry_err r;

    *out = NULL;
    *outlen = 0;
    ferry_buf_init(&u8, FERRY_RMS_MAX_RESPONSE);
    ferry_buf_init(&u16, 2 * (size_t)FERRY_RMS_MAX_RESPONSE + 2);
    r = ferry_buf_printf(&u8,
                         "<?xml version=\"1.0\" encoding=\"utf-16\"?>"
                         "<EnrollResponse xmlns=\"%s\"><LicensorCertificateChain>",
                         FERRY_RMS_NS);
    for (i = 0; i < FERRY_XRML_CHAIN_LEN && r == FERRY_OK; i++) {
        if (resp->xrml[i] == NULL) {
            r = ferry_errf(FERRY_ERR_INTERNAL, "response document: no certificate %zu", i + 1);
            break;
        }
        if ((r = ferry_buf_printf(&u8, "<%s>", DOC_NAMES[i])) == FERRY_OK &&
            (r = put_escaped(&u8, resp->xrml[i]->text)) == FERRY_OK)
            r = ferry_buf_printf(&u8, "</%s>", DOC_NAMES[i]);
    }
    if (r == FERRY_OK)
        r = ferry_buf_puts(&u8, "</LicensorCertificateChain></EnrollResponse>");
    if (r == FERRY_OK && (r = ferry_buf_append(&u16, bom, 2)) == FERRY_OK &&
        (r = utf8_to_utf16le((const char *)u8.data, u8.len, &u16)) == FERRY_OK)
        *out = ferry_buf_steal(&u16, outlen);
    ferry_buf_free(&u8);
    ferry_buf_free(&u16);
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
    if (slc->guid == NULL || strcmp(slc->guid, req->guid) != 0)
        return ferry_errf(FERRY_ERR_MISMATCH,
                          "certificate 1 (SLC): its principal is GUID %s, the request was for "
                          "GUID %s",
                          slc->guid ? slc->guid : "(none)", req->guid);
    if (slc->pubkey == NULL || EVP_PKEY_eq(slc->pubkey, req->pubkey) != 1) {
        ERR_clear_error();
        return ferry_errf(FERRY_ERR_MISMATCH, "certificate 1 (SLC): its principal key is not the "
                                              "request's key");
    }
    if (now < slc->renew_from || now < slc->from) {
        ferry_time_date(slc->renew_from > slc->from ? slc->renew_from : slc->from, d);
        return ferry_errf(FERRY_ERR_EXPIRED, "certificate 1 (SLC) is not valid before %s", d);
    }
    if (now >= slc->renew_by) {
        ferry_time_date(slc->renew_by, d);
        return ferry_errf(FERRY_ERR_EXPIRED,
                          "certificate 1 (SLC): its renewal date (the ISSUE right's RANGETIME) "
                          "passed on %s",
                          d);
    }
    if (now >= slc->until) {
        ferry_time_date(slc->until, d);
        return ferry_errf(FERRY_ERR_EXPIRED, "certificate 1 (SLC): its VALIDITYTIME ended on %s",
                          d);
    }
    return FERRY_OK;
}

ferry_err ferry_rms_check_root(const struct ferry_rms_response *resp, const uint8_t *pin)
{
    char got[FERRY_FP_GROUPS_LEN], want[FERRY_FP_GROUPS_LEN];

    if (pin == NULL || ferry_ct_eq(pin, resp->root_fp, 32))
        return FERRY_OK;
    ferry_hex_groups(resp->root_fp, 32, got);
    ferry_hex_groups(pin, 32, want);
    return ferry_errf(FERRY_ERR_UNTRUSTED,
                      "certificate 4 (CA certificate) is signed by the root key %s, not the "
                      "pinned --drm-root %s: refused",
                      got, want);
}

/* ---- an existing SLC: when must it be renewed? ------------------------------------------------
 */

ferry_err ferry_rms_slc_info(const uint8_t *buf, size_t len, struct ferry_rms_slc_info *out)
{
    struct ferry_rms_response *resp = NULL;
    struct ferry_xrml_cert *x = NULL;
    size_t skip = ferry_xml_has_bom(buf, len) ? 3 : 0, i;
    const char *t = (const char *)buf + skip;
    ferry_err r;

    memset(out, 0, sizeof(*out));
    for (i = skip; i < len && strchr(" \t\r\n", buf[i]) != NULL; i++)
        ;
    if (len - i < 5 || memcmp(buf + i, "<XrML", 5) != 0) { /* a document or an answer */
        if ((r = ferry_rms_response_parse(buf, len, &resp)) != FERRY_OK)
            return r;
        x = resp->xrml[0];
        out->chain_verified = 1;
        memcpy(out->root_fp, resp->root_fp, 32);
    } else if ((r = ferry_xrml_parse(t, len - skip, "SLC", &x)) != FERRY_OK ||
               (r = ferry_xrml_verify(x, "SLC")) != FERRY_OK) {
        ferry_xrml_free(x);
        return r;
    } else if (x->descriptor_type == NULL ||
               strcmp(x->descriptor_type, "Server-Licensor-Certificate") != 0 || !x->has_range) {
        ferry_xrml_free(x);
        return ferry_errf(FERRY_ERR_FORMAT, "SLC: not a server licensor certificate with an ISSUE "
                                            "right RANGETIME (DESCRIPTOR/OBJECT type "
                                            "Server-Licensor-Certificate)");
    }
    out->renew_from = x->range_from;
    out->renew_by = x->range_until;
    out->valid_until = x->has_validity ? x->valid_until : 0;
    if (x->principal.id != NULL && ferry_rms_guid_normalize(x->principal.id, out->guid) != FERRY_OK)
        out->guid[0] = '\0';
    ferry_err_clear();
    if (x->principal.url != NULL)
        printable(x->principal.url, out->url, sizeof(out->url));
    if (resp != NULL)
        ferry_rms_response_free(resp);
    else
        ferry_xrml_free(x);
    return FERRY_OK;
}
