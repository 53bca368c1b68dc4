/* ferry — the package (.ferry): DER CMS SignedData, attached manifest, signed by a pairing
 * identity.
 *
 * Trust model. Pairing pins each peer's self-signed certificate by its SHA-256 fingerprint,
 * compared by the operators (like an SSH known_hosts entry). Verification therefore:
 *   1. finds the signer's certificate inside the CMS and requires its fingerprint to be one of
 *      the paired peers (constant-time compare) before anything else is trusted;
 *   2. runs CMS_verify() with that peer's own certificate (from our store, not the copy in the
 *      package) as the only candidate signer certificate (CMS_NOINTERN) and
 *      CMS_NO_SIGNER_CERT_VERIFY. No X509 store/chain verification: the certificate was matched
 *      exactly, so a chain would add nothing but notBefore/notAfter checks against the clock of
 *      an air-gapped machine, which is the one clock ferry must not depend on.
 * CMS_BINARY everywhere: the manifest bytes are signed and returned as they are. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/cms.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/objects.h>

#include "ferry/buf.h"
#include "ferry/package.h"

#define MSG_CORRUPT "package is corrupt or truncated (not valid DER CMS)"
#define MSG_CHANGED "signature does not verify: the package was changed after signing"
#define MSG_UNPAIRED                                                                               \
    "package signed by an unpaired identity %s — pair it first or check where it came from"

static void cert_fp(X509 *x, uint8_t fp[FERRY_SHA256_LEN])
{
    unsigned char *der = NULL;
    int n = i2d_X509(x, &der);

    memset(fp, 0, FERRY_SHA256_LEN);
    if (n > 0)
        ferry_sha256(der, (size_t)n, fp);
    OPENSSL_free(der);
}

/* ECDSA signatures are malleable: (r, s) and (r, n - s) both verify. The package's signature
 * is put in the low-s form (s <= n/2, as in BIP 62), so ferry writes one encoding only; replay
 * decisions never rest on the container's bytes anyway (see ferry_manifest.content_sha256).
 * Identity keys are P-256; a signature that is not one is left as it is. */
static ferry_err low_s(CMS_ContentInfo *cms)
{
    static const char p256_n[] = "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551";
    STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(cms);
    CMS_SignerInfo *si =
        sis != NULL && sk_CMS_SignerInfo_num(sis) == 1 ? sk_CMS_SignerInfo_value(sis, 0) : NULL;
    ASN1_OCTET_STRING *sig = si != NULL ? CMS_SignerInfo_get0_signature(si) : NULL;
    const unsigned char *p;
    unsigned char *enc = NULL, *q;
    ECDSA_SIG *es = NULL;
    BIGNUM *n = NULL, *half = NULL, *ns = NULL, *r2 = NULL;
    const BIGNUM *rr, *ss;
    ferry_err r = FERRY_OK;
    int el;

    if (sig == NULL)
        return FERRY_OK;
    p = ASN1_STRING_get0_data(sig);
    if ((es = d2i_ECDSA_SIG(NULL, &p, ASN1_STRING_length(sig))) == NULL) {
        ERR_clear_error();
        return FERRY_OK;
    }
    ECDSA_SIG_get0(es, &rr, &ss);
    r = FERRY_ERR_NOMEM;
    if (BN_hex2bn(&n, p256_n) == 0 || (half = BN_new()) == NULL || !BN_rshift1(half, n))
        goto out;
    if (BN_cmp(ss, half) <= 0) {
        r = FERRY_OK;
        goto out;
    }
    if ((ns = BN_new()) == NULL || !BN_sub(ns, n, ss) || (r2 = BN_dup(rr)) == NULL ||
        !ECDSA_SIG_set0(es, r2, ns))
        goto out;
    r2 = ns = NULL;
    if ((el = i2d_ECDSA_SIG(es, NULL)) <= 0 || (enc = OPENSSL_malloc((size_t)el)) == NULL)
        goto out;
    q = enc;
    if (i2d_ECDSA_SIG(es, &q) != el || !ASN1_OCTET_STRING_set(sig, enc, el))
        goto out;
    r = FERRY_OK;
out:
    if (r != FERRY_OK)
        r = ferry_err_openssl(FERRY_ERR_CRYPTO, "cannot normalise the signature");
    OPENSSL_free(enc);
    BN_free(n);
    BN_free(half);
    BN_free(ns);
    BN_free(r2);
    ECDSA_SIG_free(es);
    return r;
}

ferry_err ferry_package_sign(struct ferry_manifest *m, const struct ferry_identity *signer,
                             uint8_t **der, size_t *len)
{
    const int flags = CMS_BINARY | CMS_NOSMIMECAP;
    CMS_ContentInfo *cms = NULL;
    BIO *in = NULL;
    uint8_t *xml = NULL;
    unsigned char *p;
    size_t xl;
    int n;
    ferry_err r;

    *der = NULL;
    *len = 0;
    if (!ferry_identity_has_key(signer))
        return ferry_errf(FERRY_ERR_USAGE, "identity '%s' has no private key: cannot sign",
                          ferry_identity_name(signer));
    ferry_identity_fingerprint(signer, m->sender_fp);
    if ((r = ferry_manifest_serialize(m, &xml, &xl)) != FERRY_OK)
        goto out;
    r = FERRY_ERR_NOMEM;
    if ((in = BIO_new_mem_buf(xml, (int)xl)) == NULL)
        goto out;
    if ((cms = CMS_sign(NULL, NULL, NULL, NULL, flags | CMS_PARTIAL)) == NULL ||
        CMS_add1_signer(cms, ferry_identity_x509(signer), ferry_identity_pkey(signer), EVP_sha256(),
                        flags) == NULL ||
        !CMS_final(cms, in, NULL, flags)) {
        r = ferry_err_openssl(FERRY_ERR_CRYPTO, "cannot sign the package");
        goto out;
    }
    if ((r = low_s(cms)) != FERRY_OK)
        goto out;
    if ((n = i2d_CMS_ContentInfo(cms, NULL)) <= 0) {
        r = ferry_err_openssl(FERRY_ERR_CRYPTO, "cannot encode the package");
        goto out;
    }
    if ((size_t)n > FERRY_MAX_PACKAGE_BYTES) {
        r = ferry_errf(FERRY_ERR_TOO_LARGE, "package would be %d bytes, over the %u-byte limit", n,
                       FERRY_MAX_PACKAGE_BYTES);
        goto out;
    }
    r = FERRY_ERR_NOMEM;
    if ((*der = malloc((size_t)n)) == NULL)
        goto out;
    p = *der;
    if (i2d_CMS_ContentInfo(cms, &p) != n) {
        FERRY_FREE(*der);
        r = ferry_err_openssl(FERRY_ERR_CRYPTO, "cannot encode the package");
        goto out;
    }
    *len = (size_t)n;
    r = FERRY_OK;
out:
    CMS_ContentInfo_free(cms);
    BIO_free(in);
    free(xml);
    return r;
}

/* Steps into a DER TLV of @tag/@cls (constructed if @cons): *p moves past the header (or past
 * the whole TLV when @skip). Definite lengths only. */
static int der_step(const unsigned char **p, const unsigned char *end, int tag, int cls, int cons,
                    int skip)
{
    const unsigned char *q = *p;
    long l;
    int t, c, ret;

    if (q >= end)
        return 0;
    ret = ASN1_get_object(&q, &l, &t, &c, end - q);
    if ((ret & 0x80) || ret == 0x21 || t != tag || c != cls ||
        ((ret & V_ASN1_CONSTRUCTED) != 0) != cons)
        return 0;
    *p = skip ? q + l : q;
    return 1;
}

/* Reads a one-byte DER INTEGER. */
static int der_small_int(const unsigned char **p, const unsigned char *end, int *v)
{
    const unsigned char *q = *p;

    if (!der_step(&q, end, V_ASN1_INTEGER, V_ASN1_UNIVERSAL, 0, 0) || end - q < 1 || q - *p != 2 ||
        (*p)[1] != 1)
        return 0;
    *v = q[0];
    *p = q + 1;
    return 1;
}

/* The fields no signature covers and OpenSSL does not check: SignedData and SignerInfo
 * versions (RFC 5652 5.1, 5.3). Walks the DER to them and requires consistent values. */
static int versions_ok(const unsigned char *der, size_t len, int keyid_sid)
{
    const unsigned char *p = der, *end = der + len, *q;
    int sdv = 0, siv = 0;

    if (!der_step(&p, end, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL, 1, 0) ||
        !der_step(&p, end, V_ASN1_OBJECT, V_ASN1_UNIVERSAL, 0, 1) ||
        !der_step(&p, end, 0, V_ASN1_CONTEXT_SPECIFIC, 1, 0) ||
        !der_step(&p, end, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL, 1, 0) ||
        !der_small_int(&p, end, &sdv) || !der_step(&p, end, V_ASN1_SET, V_ASN1_UNIVERSAL, 1, 1) ||
        !der_step(&p, end, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL, 1, 1))
        return 0;
    q = p; /* optional certificates [0] and CRLs [1] */
    if (der_step(&q, end, 0, V_ASN1_CONTEXT_SPECIFIC, 1, 1))
        p = q;
    q = p;
    if (der_step(&q, end, 1, V_ASN1_CONTEXT_SPECIFIC, 1, 1))
        p = q;
    if (!der_step(&p, end, V_ASN1_SET, V_ASN1_UNIVERSAL, 1, 0) ||
        !der_step(&p, end, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL, 1, 0) ||
        !der_small_int(&p, end, &siv))
        return 0;
    return siv == (keyid_sid ? 3 : 1) && sdv == siv;
}

/* Checks the parts of the SignerInfo no signature covers: digest and signature algorithms. */
static int algs_ok(CMS_SignerInfo *si)
{
    X509_ALGOR *dig = NULL, *sig = NULL;
    const ASN1_OBJECT *o;
    int nid;

    CMS_SignerInfo_get0_algs(si, NULL, NULL, &dig, &sig);
    if (dig == NULL || sig == NULL)
        return 0;
    X509_ALGOR_get0(&o, NULL, NULL, dig);
    if (OBJ_obj2nid(o) != NID_sha256)
        return 0;
    X509_ALGOR_get0(&o, NULL, NULL, sig);
    nid = OBJ_obj2nid(o);
    return nid == NID_ecdsa_with_SHA256 || nid == NID_X9_62_id_ecPublicKey ||
           nid == NID_sha256WithRSAEncryption || nid == NID_rsaEncryption;
}

/* Size cap, DER parse, shape: signedData of id-data, content attached, exactly one signer. */
static ferry_err cms_load(const uint8_t *der, size_t len, CMS_ContentInfo **out,
                          CMS_SignerInfo **si)
{
    const unsigned char *p = der;
    CMS_ContentInfo *cms = NULL;
    STACK_OF(CMS_SignerInfo) * sis;
    ASN1_OCTET_STRING **content;
    ASN1_OCTET_STRING *keyid = NULL;

    *out = NULL;
    if (len > FERRY_MAX_PACKAGE_BYTES)
        return ferry_errf(FERRY_ERR_TOO_LARGE, "package is %zu bytes, over the %u-byte limit", len,
                          FERRY_MAX_PACKAGE_BYTES);
    if (len == 0 || (cms = d2i_CMS_ContentInfo(NULL, &p, (long)len)) == NULL || p != der + len)
        goto bad;
    if (OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed ||
        OBJ_obj2nid(CMS_get0_eContentType(cms)) != NID_pkcs7_data ||
        (content = CMS_get0_content(cms)) == NULL || *content == NULL)
        goto bad;
    sis = CMS_get0_SignerInfos(cms);
    if (sk_CMS_SignerInfo_num(sis) != 1)
        goto bad;
    *si = sk_CMS_SignerInfo_value(sis, 0);
    if (!CMS_SignerInfo_get0_signer_id(*si, &keyid, NULL, NULL) ||
        !versions_ok(der, len, keyid != NULL) || !algs_ok(*si))
        goto bad;
    *out = cms;
    return FERRY_OK;
bad:
    CMS_ContentInfo_free(cms);
    ERR_clear_error();
    return ferry_errf(FERRY_ERR_FORMAT, MSG_CORRUPT);
}

/* The certificate inside the package that the SignerInfo names (*sid_ok = 1), else the only
 * certificate the package carries (*sid_ok = 0), else NULL. Up-referenced. */
static X509 *signer_cert(CMS_ContentInfo *cms, CMS_SignerInfo *si, int *sid_ok)
{
    STACK_OF(X509) *certs = CMS_get1_certs(cms);
    X509 *x = NULL;
    int i;

    *sid_ok = 0;
    for (i = 0; i < sk_X509_num(certs) && x == NULL; i++)
        if (CMS_SignerInfo_cert_cmp(si, sk_X509_value(certs, i)) == 0) {
            x = sk_X509_value(certs, i);
            *sid_ok = 1;
        }
    if (x == NULL && sk_X509_num(certs) == 1)
        x = sk_X509_value(certs, 0);
    if (x != NULL)
        X509_up_ref(x);
    sk_X509_pop_free(certs, X509_free);
    return x;
}

/* Step 1 of the trust model: which paired peer signed, by certificate fingerprint. */
static ferry_err match_peer(CMS_ContentInfo *cms, CMS_SignerInfo *si,
                            struct ferry_identity *const *peers, size_t npeers, size_t *idx)
{
    uint8_t fp[FERRY_SHA256_LEN], pfp[FERRY_SHA256_LEN];
    char groups[FERRY_FP_GROUPS_LEN];
    int sid_ok, found = 0;
    size_t i;
    X509 *x = signer_cert(cms, si, &sid_ok);
    ferry_err r;

    if (x == NULL)
        return ferry_errf(FERRY_ERR_FORMAT, "package does not carry its signer's certificate "
                                            "(not made by ferry?)");
    cert_fp(x, fp);
    for (i = 0; i < npeers; i++) {
        ferry_identity_fingerprint(peers[i], pfp);
        if (ferry_ct_eq(fp, pfp, sizeof(fp)) && !found) {
            found = 1;
            *idx = i;
        }
    }
    if (found && sid_ok)
        r = FERRY_OK;
    else if (found)
        r = ferry_errf(FERRY_ERR_SIG_INVALID, MSG_CHANGED " (signer information altered)");
    else
        r = FERRY_ERR_UNTRUSTED;
    /* A certificate that names or holds the key of a paired peer but is not its certificate
     * is a paired peer's package altered in transit, not a stranger's. */
    for (i = 0; i < npeers && r == FERRY_ERR_UNTRUSTED; i++)
        if (CMS_SignerInfo_cert_cmp(si, ferry_identity_x509(peers[i])) == 0 ||
            (X509_get0_pubkey(x) != NULL &&
             EVP_PKEY_eq(X509_get0_pubkey(x), X509_get0_pubkey(ferry_identity_x509(peers[i]))) ==
                 1))
            r = ferry_errf(FERRY_ERR_SIG_INVALID, MSG_CHANGED " (signer certificate altered)");
    if (r == FERRY_ERR_UNTRUSTED) {
        ferry_hex_groups(fp, sizeof(fp), groups);
        r = ferry_errf(FERRY_ERR_UNTRUSTED, MSG_UNPAIRED, groups);
    }
    X509_free(x);
    ERR_clear_error();
    return r;
}

/* Step 2: the CMS signature with @cert as the one signer certificate; returns the content. */
static ferry_err cms_check(CMS_ContentInfo *cms, X509 *cert, uint8_t **content, size_t *clen)
{
    const unsigned int flags = CMS_BINARY | CMS_NOINTERN | CMS_NO_SIGNER_CERT_VERIFY;
    STACK_OF(X509) *certs = sk_X509_new_null();
    BIO *out = BIO_new(BIO_s_mem());
    char *data;
    long n;
    ferry_err r = FERRY_ERR_NOMEM;

    *content = NULL;
    *clen = 0;
    if (certs == NULL || out == NULL || !sk_X509_push(certs, cert))
        goto out;
    if (CMS_verify(cms, certs, NULL, NULL, out, flags) != 1) {
        r = ferry_err_openssl(FERRY_ERR_SIG_INVALID, MSG_CHANGED);
        goto out;
    }
    n = BIO_get_mem_data(out, &data);
    if (n < 0 || (*content = malloc((size_t)n + 1)) == NULL)
        goto out;
    memcpy(*content, data, (size_t)n);
    (*content)[n] = 0;
    *clen = (size_t)n;
    r = FERRY_OK;
out:
    sk_X509_free(certs); /* @cert is borrowed */
    BIO_free(out);
    return r;
}

/* Signature with @cert, manifest parse, and the manifest's sender must be @cert. */
static ferry_err open_with(CMS_ContentInfo *cms, X509 *cert, struct ferry_manifest **out)
{
    uint8_t fp[FERRY_SHA256_LEN], *content = NULL;
    char claimed[FERRY_FP_GROUPS_LEN];
    size_t clen;
    struct ferry_manifest *m = NULL;
    ferry_err r;

    if ((r = cms_check(cms, cert, &content, &clen)) != FERRY_OK ||
        (r = ferry_manifest_parse(content, clen, &m)) != FERRY_OK)
        goto out;
    ferry_sha256(content, clen, m->content_sha256);
    cert_fp(cert, fp);
    if (!ferry_ct_eq(fp, m->sender_fp, sizeof(fp))) {
        ferry_hex_groups(m->sender_fp, sizeof(fp), claimed);
        r = ferry_errf(FERRY_ERR_SIG_INVALID,
                       "manifest names sender %s but the package is "
                       "signed by another identity: refused",
                       claimed);
        goto out;
    }
    *out = m;
    m = NULL;
out:
    ferry_manifest_free(m);
    free(content);
    return r;
}

ferry_err ferry_package_verify(const uint8_t *der, size_t len, struct ferry_identity *const *peers,
                               size_t npeers, struct ferry_manifest **out, size_t *signer)
{
    CMS_ContentInfo *cms = NULL;
    CMS_SignerInfo *si = NULL;
    size_t idx = 0;
    ferry_err r;

    *out = NULL;
    if ((r = cms_load(der, len, &cms, &si)) != FERRY_OK ||
        (r = match_peer(cms, si, peers, npeers, &idx)) != FERRY_OK ||
        (r = open_with(cms, ferry_identity_x509(peers[idx]), out)) != FERRY_OK)
        goto out;
    if (signer != NULL)
        *signer = idx;
out:
    CMS_ContentInfo_free(cms);
    return r;
}

/* The identity a pairing manifest carries: exactly one identity item, self-signed, and the
 * certificate that signed the package. */
static ferry_err carried_identity(const struct ferry_manifest *m, X509 *signer,
                                  struct ferry_identity **peer)
{
    const struct ferry_item *it = NULL;
    struct ferry_identity *id = NULL;
    uint8_t fp[FERRY_SHA256_LEN], sfp[FERRY_SHA256_LEN];
    size_t i, n = 0;
    ferry_err r;

    *peer = NULL;
    for (i = 0; i < m->nitems; i++)
        if (m->items[i].kind == FERRY_ITEM_IDENTITY && n++ == 0)
            it = &m->items[i];
    if (n != 1)
        return ferry_errf(FERRY_ERR_FORMAT,
                          "not a pairing package: it carries %zu identity "
                          "items, not one",
                          n);
    if ((r = ferry_identity_from_cert(it->data, it->len, &id)) != FERRY_OK)
        return r;
    ferry_identity_fingerprint(id, fp);
    cert_fp(signer, sfp);
    if (!ferry_ct_eq(fp, sfp, sizeof(fp))) {
        ferry_identity_free(id);
        return ferry_errf(FERRY_ERR_SIG_INVALID, "pairing package is signed by another "
                                                 "certificate than the identity it carries");
    }
    if (X509_verify(ferry_identity_x509(id), X509_get0_pubkey(ferry_identity_x509(id))) != 1) {
        r = ferry_errf(FERRY_ERR_FORMAT, "identity certificate '%s' is not self-signed",
                       ferry_identity_name(id));
        ferry_identity_free(id);
        ERR_clear_error();
        return r;
    }
    *peer = id;
    return FERRY_OK;
}

ferry_err ferry_package_open_identity(const uint8_t *der, size_t len, struct ferry_identity **peer,
                                      struct ferry_manifest **out)
{
    CMS_ContentInfo *cms = NULL;
    CMS_SignerInfo *si = NULL;
    struct ferry_manifest *m = NULL;
    X509 *x = NULL;
    int sid_ok = 0;
    ferry_err r;

    *peer = NULL;
    *out = NULL;
    if ((r = cms_load(der, len, &cms, &si)) != FERRY_OK)
        goto out;
    if ((x = signer_cert(cms, si, &sid_ok)) == NULL || !sid_ok) {
        r = ferry_errf(FERRY_ERR_FORMAT, "pairing package does not carry its signer's "
                                         "certificate");
        goto out;
    }
    if ((r = open_with(cms, x, &m)) != FERRY_OK || (r = carried_identity(m, x, peer)) != FERRY_OK)
        goto out;
    *out = m;
    m = NULL;
out:
    ferry_manifest_free(m);
    X509_free(x);
    CMS_ContentInfo_free(cms);
    return r;
}

/* Reads the DER header at @off (< @end): tag and content length; returns the header's length,
 * or -1 when it does not parse or its content runs past @end. */
static int peek_hdr(int fd, uint64_t off, uint64_t end, int *tag, uint64_t *len)
{
    unsigned char b[6];
    ssize_t got = off < end ? pread(fd, b, sizeof(b), (off_t)off) : 0;
    int k, i, hl;

    if (got < 2)
        return -1;
    *tag = b[0];
    if (b[1] < 0x80) {
        *len = b[1];
        hl = 2;
    } else {
        k = b[1] & 0x7f;
        if (k < 1 || k > 4 || got < 2 + k)
            return -1;
        for (*len = 0, i = 0; i < k; i++)
            *len = (*len << 8) | b[2 + i];
        hl = 2 + k;
    }
    return off + (uint64_t)hl + *len <= end ? hl : -1;
}

ferry_err ferry_package_peek(int fd, uint64_t size, struct ferry_identity *const *known,
                             size_t nknown)
{
    /* ContentInfo SEQ > [0] > SignedData SEQ > version, digestAlgorithms, encapContentInfo
     * (skipped: the body), then [0] certificates: the signer's comes first in ferry's packages */
    static const int walk[][2] = {{0x30, 1}, {0x06, 0}, {0xa0, 1}, {0x30, 1},
                                  {0x02, 0}, {0x31, 0}, {0x30, 0}, {0xa0, 1}};
    uint64_t off = 0, end = size, len = 0;
    uint8_t fp[FERRY_SHA256_LEN], kfp[FERRY_SHA256_LEN];
    char groups[FERRY_FP_GROUPS_LEN];
    unsigned char *certs = NULL;
    const unsigned char *p;
    X509 *x = NULL;
    size_t i, w;
    int tag, hl;
    ferry_err r = FERRY_OK;

    for (w = 0; w < sizeof(walk) / sizeof(walk[0]); w++) {
        if ((hl = peek_hdr(fd, off, end, &tag, &len)) < 0 || tag != walk[w][0]) {
            if (w == 0 || (w == 1 && hl < 0))
                return ferry_errf(FERRY_ERR_FORMAT, MSG_CORRUPT);
            return FERRY_OK; /* not the usual shape: the full verification decides */
        }
        if (w == 0 && (uint64_t)hl + len != size)
            return ferry_errf(FERRY_ERR_FORMAT, MSG_CORRUPT);
        if (walk[w][1]) {
            off += (uint64_t)hl;
            end = off + len;
        } else {
            off += (uint64_t)hl + len;
        }
    }
    if (len == 0 || len > 64 * 1024 || (certs = malloc((size_t)len)) == NULL ||
        pread(fd, certs, (size_t)len, (off_t)off) != (ssize_t)len)
        goto out;
    p = certs;
    if ((x = d2i_X509(NULL, &p, (long)len)) == NULL) {
        ERR_clear_error();
        goto out;
    }
    cert_fp(x, fp);
    for (i = 0; i < nknown; i++) {
        ferry_identity_fingerprint(known[i], kfp);
        if (ferry_ct_eq(fp, kfp, sizeof(fp)))
            goto out;
    }
    /* a paired identity's certificate altered in transit is a changed package, not a stranger's */
    for (i = 0; i < nknown; i++)
        if (X509_issuer_and_serial_cmp(x, ferry_identity_x509(known[i])) == 0 ||
            (X509_get0_pubkey(x) != NULL &&
             EVP_PKEY_eq(X509_get0_pubkey(x), X509_get0_pubkey(ferry_identity_x509(known[i]))) ==
                 1))
            goto out;
    ferry_hex_groups(fp, sizeof(fp), groups);
    r = ferry_errf(FERRY_ERR_UNTRUSTED, MSG_UNPAIRED, groups);
out:
    X509_free(x);
    free(certs);
    return r;
}
