/* ferry — X.509 mode payloads: renewal PKCS#10 out, certificate chain back. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ferry/log.h"
#include "ferry/x509.h"

static int has_pem(const uint8_t *buf, size_t len)
{
    size_t i = 0;

    while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n'))
        i++;
    return len - i >= 11 && memcmp(buf + i, "-----BEGIN ", 11) == 0;
}

/* 1 if a PEM armour line ("-----BEGIN ") starts a line anywhere in @buf: administrators' files
 * carry text before it (`openssl ca -out`, easy-rsa: the certificate dumped as text). */
static int find_pem(const uint8_t *buf, size_t len)
{
    size_t i;

    for (i = 0; i + 11 <= len; i++)
        if ((i == 0 || buf[i - 1] == '\n') && memcmp(buf + i, "-----BEGIN ", 11) == 0)
            return 1;
    return 0;
}

/* 1 if @s occurs in the first 200 bytes of @buf (the armour line). */
static int head_has(const uint8_t *buf, size_t len, const char *s)
{
    size_t n = strlen(s), i, lim = len < 200 ? len : 200;

    for (i = 0; i + n <= lim; i++)
        if (memcmp(buf + i, s, n) == 0)
            return 1;
    return 0;
}

int ferry_x509_looks_like_csr(const uint8_t *buf, size_t len)
{
    if (len >= 2 && buf[0] == 0x30 && (buf[1] == 0x82 || buf[1] == 0x81 || buf[1] < 0x80))
        return 1;
    if (!has_pem(buf, len))
        return 0;
    /* the first armour line names it */
    return head_has(buf, len, "CERTIFICATE REQUEST-----");
}

/* Every certificate of a file, as administrators keep them: PEM blocks anywhere (text before and
 * between them, other blocks such as a key skipped), one DER certificate, or a certs-only PKCS#7
 * (DER or PEM). NULL if none. */
static STACK_OF(X509) * file_certs(const uint8_t *buf, size_t len)
{
    STACK_OF(X509) *sk = NULL;
    const unsigned char *p = buf;
    BIO *bio = NULL;
    X509 *x;

    if (find_pem(buf, len) && (sk = sk_X509_new_null()) != NULL &&
        (bio = BIO_new_mem_buf(buf, (int)len)) != NULL) {
        while (sk_X509_num(sk) < FERRY_X509_MAX_CERTS &&
               (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
            if (!sk_X509_push(sk, x))
                X509_free(x);
        ERR_clear_error();
    }
    BIO_free(bio);
    if (sk != NULL && sk_X509_num(sk) > 0)
        return sk;
    sk_X509_pop_free(sk, X509_free);
    sk = NULL;
    if (!find_pem(buf, len) && (x = d2i_X509(NULL, &p, (long)len)) != NULL) {
        if (p == buf + len && (sk = sk_X509_new_null()) != NULL && sk_X509_push(sk, x))
            return sk;
        X509_free(x);
        sk_X509_free(sk);
        sk = NULL;
    }
    ERR_clear_error();
    return NULL;
}

static STACK_OF(X509) * p7_certs(const uint8_t *buf, size_t len);

ferry_err ferry_x509_certs_load(const uint8_t *buf, size_t len, STACK_OF(X509) * *out)
{
    STACK_OF(X509) * sk;

    *out = NULL;
    if (len == 0 || len > FERRY_X509_MAX_CERT)
        return ferry_errf(FERRY_ERR_TOO_LARGE,
                          "the certificate file is empty or larger than %u "
                          "bytes",
                          FERRY_X509_MAX_CERT);
    if ((sk = file_certs(buf, len)) == NULL && (sk = p7_certs(buf, len)) == NULL)
        return ferry_err_openssl(FERRY_ERR_FORMAT,
                                 "no X.509 certificate in it (looked for PEM \"BEGIN "
                                 "CERTIFICATE\" blocks, text before them allowed, DER, and "
                                 "PKCS#7): give the certificate file itself");
    if (sk_X509_num(sk) < 1) {
        sk_X509_pop_free(sk, X509_free);
        return ferry_errf(FERRY_ERR_FORMAT, "no X.509 certificate in it");
    }
    *out = sk;
    return FERRY_OK;
}

X509 *ferry_x509_cert_pick(STACK_OF(X509) * certs, EVP_PKEY *key)
{
    int i;

    for (i = 0; key != NULL && i < sk_X509_num(certs); i++)
        if (EVP_PKEY_eq(X509_get0_pubkey(sk_X509_value(certs, i)), key) == 1)
            return sk_X509_value(certs, i);
    ERR_clear_error();
    return sk_X509_num(certs) > 0 ? sk_X509_value(certs, 0) : NULL;
}

ferry_err ferry_x509_cert_parse(const uint8_t *buf, size_t len, X509 **out)
{
    STACK_OF(X509) *sk = NULL;
    ferry_err r;

    *out = NULL;
    if ((r = ferry_x509_certs_load(buf, len, &sk)) != FERRY_OK)
        return r;
    *out = sk_X509_shift(sk); /* the first: the leaf of a bundle */
    sk_X509_pop_free(sk, X509_free);
    return FERRY_OK;
}

ferry_err ferry_x509_key_parse(const uint8_t *buf, size_t len, EVP_PKEY **out)
{
    const unsigned char *p = buf;
    BIO *bio = NULL;
    EVP_PKEY *k = NULL;

    *out = NULL;
    if (len == 0 || len > FERRY_X509_MAX_KEY)
        return ferry_errf(FERRY_ERR_TOO_LARGE, "the key file is empty or larger than %u bytes",
                          FERRY_X509_MAX_KEY);
    if (find_pem(buf, len)) { /* other blocks (EC PARAMETERS, a certificate) are skipped */
        if ((bio = BIO_new_mem_buf(buf, (int)len)) != NULL)
            k = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
        BIO_free(bio);
    } else {
        k = d2i_AutoPrivateKey(NULL, &p, (long)len);
    }
    if (k == NULL)
        return ferry_err_openssl(FERRY_ERR_FORMAT, "not a private key (PEM or DER), or a wrong "
                                                   "passphrase");
    *out = k;
    return FERRY_OK;
}

ferry_err ferry_x509_key_like(EVP_PKEY *like, EVP_PKEY **out)
{
    EVP_PKEY_CTX *ctx = NULL;
    ferry_err r = FERRY_ERR_CRYPTO;

    *out = NULL;
    if (EVP_PKEY_get_base_id(like) == EVP_PKEY_RSA) {
        ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
        if (ctx == NULL || EVP_PKEY_keygen_init(ctx) <= 0 ||
            EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, EVP_PKEY_get_bits(like)) <= 0)
            goto out;
    } else {
        /* EC, Ed25519, Ed448: the parameters (the curve) come from the old key */
        ctx = EVP_PKEY_CTX_new_from_pkey(NULL, like, NULL);
        if (ctx == NULL || EVP_PKEY_keygen_init(ctx) <= 0)
            goto out;
    }
    if (EVP_PKEY_keygen(ctx, out) <= 0)
        goto out;
    r = FERRY_OK;
out:
    if (r != FERRY_OK)
        r = ferry_err_openssl(r, "cannot generate a new key like the certificate's");
    EVP_PKEY_CTX_free(ctx);
    return r;
}

/* SHA-256, except for keys that take no digest (Ed25519, Ed448). */
static const EVP_MD *sign_md(EVP_PKEY *key)
{
    int id = EVP_PKEY_get_base_id(key);

    return (id == EVP_PKEY_ED25519 || id == EVP_PKEY_ED448) ? NULL : EVP_sha256();
}

/* The certificate's subjectAltName, key usage and extended key usage go into the request's
 * extensionRequest: a CA that copies requested extensions keeps them, and submit can tell what
 * a CA dropped. */
static ferry_err copy_exts(X509 *cert, X509_REQ *req)
{
    static const int nids[] = {NID_subject_alt_name, NID_key_usage, NID_ext_key_usage};
    STACK_OF(X509_EXTENSION) *exts = NULL;
    ferry_err r = FERRY_OK;
    size_t k;
    int i;

    if ((exts = sk_X509_EXTENSION_new_null()) == NULL)
        return FERRY_ERR_NOMEM;
    for (k = 0; k < sizeof(nids) / sizeof(nids[0]); k++)
        if ((i = X509_get_ext_by_NID(cert, nids[k], -1)) >= 0 &&
            !sk_X509_EXTENSION_push(exts, X509_get_ext(cert, i)))
            r = FERRY_ERR_NOMEM;
    if (r == FERRY_OK && sk_X509_EXTENSION_num(exts) > 0 && X509_REQ_add_extensions(req, exts) != 1)
        r = ferry_err_openssl(FERRY_ERR_CRYPTO, "cannot copy the certificate's extensions");
    sk_X509_EXTENSION_free(exts); /* the extensions are borrowed from @cert */
    return r;
}

static ferry_err req_pem(X509_REQ *req, char **pem, size_t *len)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *p = NULL;
    long n;

    *pem = NULL;
    if (bio == NULL || PEM_write_bio_X509_REQ(bio, req) != 1 ||
        (n = BIO_get_mem_data(bio, &p)) <= 0 || (*pem = OPENSSL_malloc((size_t)n + 1)) == NULL) {
        BIO_free(bio);
        return ferry_err_openssl(FERRY_ERR_CRYPTO, "cannot write the request as PEM");
    }
    memcpy(*pem, p, (size_t)n);
    (*pem)[n] = '\0';
    *len = (size_t)n;
    BIO_free(bio);
    return FERRY_OK;
}

ferry_err ferry_x509_csr_make(X509 *cert, EVP_PKEY *cert_key, EVP_PKEY *key, char **pem,
                              size_t *len)
{
    X509_REQ *req = NULL;
    ferry_err r = FERRY_ERR_CRYPTO;

    *pem = NULL;
    *len = 0;
    if (X509_check_private_key(cert, cert_key) != 1) {
        ERR_clear_error();
        return ferry_errf(FERRY_ERR_MISMATCH, "the key is not the certificate's key: give the "
                                              "private key that belongs to --cert");
    }
    if ((req = X509_REQ_new()) == NULL || X509_REQ_set_version(req, 0) != 1 ||
        X509_REQ_set_subject_name(req, X509_get_subject_name(cert)) != 1 ||
        X509_REQ_set_pubkey(req, key) != 1) {
        r = ferry_err_openssl(r, "cannot build the request");
        goto out;
    }
    if ((r = copy_exts(cert, req)) != FERRY_OK)
        goto out;
    if (X509_REQ_sign(req, key, sign_md(key)) <= 0) {
        r = ferry_err_openssl(FERRY_ERR_CRYPTO, "cannot sign the request");
        goto out;
    }
    r = req_pem(req, pem, len);
out:
    X509_REQ_free(req);
    return r;
}

static X509_REQ *csr_decode(const uint8_t *buf, size_t len)
{
    const unsigned char *p = buf;
    X509_REQ *req = NULL;
    BIO *bio = NULL;

    if (!has_pem(buf, len)) {
        req = d2i_X509_REQ(NULL, &p, (long)len);
        if (req != NULL && p != buf + len) {
            X509_REQ_free(req);
            req = NULL;
        }
        return req;
    }
    if ((bio = BIO_new_mem_buf(buf, (int)len)) != NULL)
        req = PEM_read_bio_X509_REQ(bio, NULL, NULL, NULL);
    BIO_free(bio);
    return req;
}

ferry_err ferry_x509_csr_parse(const uint8_t *buf, size_t len, X509_REQ **out)
{
    X509_REQ *req = NULL;
    EVP_PKEY *k;

    *out = NULL;
    if (len == 0 || len > FERRY_X509_MAX_CSR)
        return ferry_errf(FERRY_ERR_TOO_LARGE,
                          "the certificate request is empty or larger than %u bytes",
                          FERRY_X509_MAX_CSR);
    if ((req = csr_decode(buf, len)) == NULL)
        return ferry_err_openssl(FERRY_ERR_FORMAT,
                                 "not a PKCS#10 certificate request (PEM or DER)");
    k = X509_REQ_get0_pubkey(req);
    if (k == NULL || X509_REQ_verify(req, k) != 1) {
        X509_REQ_free(req);
        return ferry_err_openssl(FERRY_ERR_SIG_INVALID,
                                 "the certificate request's signature does not verify");
    }
    *out = req;
    return FERRY_OK;
}

/* Certificates of a certs-only PKCS#7 (DER or PEM). */
static STACK_OF(X509) * p7_certs(const uint8_t *buf, size_t len)
{
    const unsigned char *p = buf;
    STACK_OF(X509) *sk = NULL, *in;
    PKCS7 *p7 = NULL;
    BIO *bio = NULL;
    int i;

    if (has_pem(buf, len)) {
        if ((bio = BIO_new_mem_buf(buf, (int)len)) != NULL)
            p7 = PEM_read_bio_PKCS7(bio, NULL, NULL, NULL);
        BIO_free(bio);
    } else if ((p7 = d2i_PKCS7(NULL, &p, (long)len)) != NULL && p != buf + len) {
        PKCS7_free(p7);
        p7 = NULL;
    }
    if (p7 == NULL || !PKCS7_type_is_signed(p7) || p7->d.sign == NULL ||
        (in = p7->d.sign->cert) == NULL)
        goto out;
    if ((sk = sk_X509_new_null()) == NULL)
        goto out;
    for (i = 0; i < sk_X509_num(in); i++) {
        X509 *x = sk_X509_value(in, i);
        if (!X509_up_ref(x) || !sk_X509_push(sk, x)) {
            X509_free(x);
            sk_X509_pop_free(sk, X509_free);
            sk = NULL;
            goto out;
        }
    }
out:
    PKCS7_free(p7);
    return sk;
}

/* Every "CERTIFICATE" of a PEM text (other blocks refused). */
static STACK_OF(X509) * pem_certs(const uint8_t *buf, size_t len)
{
    STACK_OF(X509) *sk = sk_X509_new_null();
    BIO *bio = BIO_new_mem_buf(buf, (int)len);
    X509 *x;

    if (sk == NULL || bio == NULL)
        goto fail;
    while (sk_X509_num(sk) <= FERRY_X509_MAX_CERTS &&
           (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
        if (!sk_X509_push(sk, x)) {
            X509_free(x);
            goto fail;
        }
    }
    /* stopped at the end of the text, not at a bad block */
    if (ERR_GET_REASON(ERR_peek_last_error()) != PEM_R_NO_START_LINE)
        goto fail;
    ERR_clear_error();
    BIO_free(bio);
    return sk;
fail:
    BIO_free(bio);
    sk_X509_pop_free(sk, X509_free);
    return NULL;
}

ferry_err ferry_x509_certs_parse(const uint8_t *buf, size_t len, STACK_OF(X509) * *out)
{
    STACK_OF(X509) *sk = NULL;

    *out = NULL;
    if (len == 0 || len > FERRY_X509_MAX_CHAIN)
        return ferry_errf(FERRY_ERR_TOO_LARGE,
                          "the certificate chain is empty or larger than %u bytes",
                          FERRY_X509_MAX_CHAIN);
    if (has_pem(buf, len) && head_has(buf, len, "-----BEGIN CERTIFICATE-----"))
        sk = pem_certs(buf, len);
    else
        sk = p7_certs(buf, len);
    if (sk == NULL)
        return ferry_err_openssl(FERRY_ERR_FORMAT, "not a certs-only PKCS#7 or a PEM chain of "
                                                   "certificates");
    if (sk_X509_num(sk) < 1 || sk_X509_num(sk) > FERRY_X509_MAX_CERTS) {
        sk_X509_pop_free(sk, X509_free);
        return ferry_errf(FERRY_ERR_FORMAT, "the chain holds no certificate, or more than %d",
                          FERRY_X509_MAX_CERTS);
    }
    *out = sk;
    return FERRY_OK;
}

int ferry_x509_key_match(X509 *cert, X509_REQ *req)
{
    EVP_PKEY *a = X509_get0_pubkey(cert), *b = X509_REQ_get0_pubkey(req);

    return a != NULL && b != NULL && EVP_PKEY_eq(a, b) == 1;
}

static ferry_err verify_error(X509_STORE_CTX *ctx)
{
    int e = X509_STORE_CTX_get_error(ctx);
    X509 *at = X509_STORE_CTX_get_current_cert(ctx);
    char name[256] = "?";

    if (at != NULL)
        X509_NAME_oneline(X509_get_subject_name(at), name, sizeof(name));
    if (e == X509_V_ERR_CERT_HAS_EXPIRED || e == X509_V_ERR_CERT_NOT_YET_VALID)
        return ferry_errf(FERRY_ERR_EXPIRED, "the certificate %s %s", name,
                          e == X509_V_ERR_CERT_HAS_EXPIRED ? "has expired" : "is not valid yet");
    return ferry_errf(FERRY_ERR_UNTRUSTED,
                      "the certificate does not chain to the CA certificates carried back "
                      "(%s at %s)",
                      X509_verify_cert_error_string(e), name);
}

ferry_err ferry_x509_chain_check(X509 *leaf, STACK_OF(X509) * untrusted, STACK_OF(X509) * anchors,
                                 time_t now)
{
    X509_STORE *st = X509_STORE_new();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    X509_VERIFY_PARAM *vp;
    ferry_err r = FERRY_ERR_CRYPTO;
    int i;

    if (st == NULL || ctx == NULL)
        goto out;
    for (i = 0; i < sk_X509_num(anchors); i++)
        if (X509_STORE_add_cert(st, sk_X509_value(anchors, i)) != 1)
            goto out;
    if (X509_STORE_CTX_init(ctx, st, leaf, untrusted) != 1)
        goto out;
    vp = X509_STORE_CTX_get0_param(ctx);
    X509_VERIFY_PARAM_set_time(vp, now);
    X509_VERIFY_PARAM_set_flags(vp, X509_V_FLAG_PARTIAL_CHAIN);
    X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_ANY);
    r = X509_verify_cert(ctx) == 1 ? FERRY_OK : verify_error(ctx);
    ERR_clear_error();
out:
    if (r == FERRY_ERR_CRYPTO)
        r = ferry_err_openssl(r, "cannot set up the chain check");
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(st);
    return r;
}

static time_t asn1_time(const ASN1_TIME *t)
{
    struct tm tm;

    memset(&tm, 0, sizeof(tm));
    if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
        return 0;
    return timegm(&tm);
}

ferry_err ferry_x509_info_get(X509 *cert, struct ferry_x509_info *info)
{
    BIO *bio = BIO_new(BIO_s_mem());
    int n;

    memset(info, 0, sizeof(*info));
    if (bio == NULL)
        return FERRY_ERR_NOMEM;
    X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
    n = BIO_read(bio, info->subject, (int)sizeof(info->subject) - 1);
    info->subject[n > 0 ? n : 0] = '\0';
    BIO_free(bio);
    info->not_before = asn1_time(X509_get0_notBefore(cert));
    info->not_after = asn1_time(X509_get0_notAfter(cert));
    return FERRY_OK;
}

void ferry_x509_req_subject(X509_REQ *req, char *out, size_t n)
{
    BIO *bio = BIO_new(BIO_s_mem());
    int k = 0;

    if (n == 0)
        return;
    if (bio != NULL) {
        X509_NAME_print_ex(bio, X509_REQ_get_subject_name(req), 0, XN_FLAG_RFC2253);
        k = BIO_read(bio, out, (int)(n - 1));
    }
    out[k > 0 ? k : 0] = '\0';
    BIO_free(bio);
}

ferry_err ferry_x509_check_issued(X509_REQ *req, STACK_OF(X509) * issued, STACK_OF(X509) * cas,
                                  time_t now, X509 **leaf, struct ferry_x509_info *info)
{
    X509 *x = NULL;
    ferry_err r;
    int i;

    *leaf = NULL;
    for (i = 0; i < sk_X509_num(issued) && x == NULL; i++)
        if (ferry_x509_key_match(sk_X509_value(issued, i), req))
            x = sk_X509_value(issued, i);
    if (x == NULL)
        return ferry_errf(FERRY_ERR_MISMATCH, "no certificate in the answer carries the "
                                              "request's public key");
    if (X509_NAME_cmp(X509_get_subject_name(x), X509_REQ_get_subject_name(req)) != 0)
        return ferry_errf(FERRY_ERR_MISMATCH, "the issued certificate's subject is not the "
                                              "subject requested");
    if ((r = ferry_x509_chain_check(x, issued, cas, now)) != FERRY_OK)
        return r;
    if (info != NULL && (r = ferry_x509_info_get(x, info)) != FERRY_OK)
        return r;
    *leaf = x;
    return FERRY_OK;
}

static int seen(STACK_OF(X509) * done, X509 *x)
{
    int i;

    for (i = 0; i < sk_X509_num(done); i++)
        if (X509_cmp(sk_X509_value(done, i), x) == 0)
            return 1;
    return 0;
}

static int add_pem(BIO *bio, STACK_OF(X509) * done, X509 *x)
{
    if (seen(done, x))
        return 1;
    return sk_X509_push(done, x) > 0 && PEM_write_bio_X509(bio, x) == 1;
}

ferry_err ferry_x509_chain_pem(X509 *leaf, STACK_OF(X509) * extra, STACK_OF(X509) * cas, char **pem,
                               size_t *len)
{
    STACK_OF(X509) *done = sk_X509_new_null(); /* borrowed pointers */
    BIO *bio = BIO_new(BIO_s_mem());
    ferry_err r = FERRY_ERR_CRYPTO;
    char *p = NULL;
    long n;
    int i, ok;

    *pem = NULL;
    if (done == NULL || bio == NULL)
        goto out;
    ok = add_pem(bio, done, leaf);
    for (i = 0; ok && i < sk_X509_num(extra); i++)
        ok = add_pem(bio, done, sk_X509_value(extra, i));
    for (i = 0; ok && i < sk_X509_num(cas); i++)
        ok = add_pem(bio, done, sk_X509_value(cas, i));
    if (!ok || (n = BIO_get_mem_data(bio, &p)) <= 0 ||
        (*pem = OPENSSL_malloc((size_t)n + 1)) == NULL)
        goto out;
    memcpy(*pem, p, (size_t)n);
    (*pem)[n] = '\0';
    *len = (size_t)n;
    r = FERRY_OK;
out:
    if (r != FERRY_OK)
        r = ferry_err_openssl(r, "cannot write the certificate chain");
    sk_X509_free(done);
    BIO_free(bio);
    return r;
}

ferry_err ferry_x509_key_pem(EVP_PKEY *key, char **pem, size_t *len)
{
    BIO *bio = BIO_new(BIO_s_secmem());
    char *p = NULL;
    long n;
    ferry_err r = FERRY_ERR_CRYPTO;

    *pem = NULL;
    if (bio == NULL || PEM_write_bio_PKCS8PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL) != 1 ||
        (n = BIO_get_mem_data(bio, &p)) <= 0 || (*pem = OPENSSL_malloc((size_t)n + 1)) == NULL)
        goto out;
    memcpy(*pem, p, (size_t)n);
    (*pem)[n] = '\0';
    *len = (size_t)n;
    r = FERRY_OK;
out:
    if (r != FERRY_OK)
        r = ferry_err_openssl(r, "cannot write the new key");
    BIO_free(bio); /* secure memory BIO: cleared on free */
    return r;
}

/* ---- what a CA changed ---- */

/* The extension @nid of @exts printed as OpenSSL prints it ("DNS:a, DNS:b"), into @out; "" if
 * absent; 0 if present but unprintable. */
static int ext_text(const STACK_OF(X509_EXTENSION) * exts, int nid, char *out, size_t cap)
{
    int i = X509v3_get_ext_by_NID(exts, nid, -1);
    BIO *bio;
    int n, ok;

    out[0] = '\0';
    if (i < 0)
        return 1;
    if ((bio = BIO_new(BIO_s_mem())) == NULL)
        return 0;
    ok = X509V3_EXT_print(bio, X509v3_get_ext(exts, i), 0, 0) == 1;
    n = BIO_read(bio, out, (int)cap - 1);
    out[n > 0 ? n : 0] = '\0';
    BIO_free(bio);
    ERR_clear_error();
    return ok;
}

/* 1 if the ", "-separated list @list holds @item (@n bytes). */
static int list_has(const char *list, const char *item, size_t n)
{
    const char *p = list;

    while (*p != '\0') {
        size_t k = strcspn(p, ",");
        if (k == n && strncmp(p, item, n) == 0)
            return 1;
        p += k;
        while (*p == ',' || *p == ' ')
            p++;
    }
    return 0;
}

static void diff_line(struct ferry_x509_diff *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void diff_line(struct ferry_x509_diff *d, const char *fmt, ...)
{
    size_t k = strlen(d->text);
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(d->text + k, sizeof(d->text) - k, fmt, ap);
    va_end(ap);
    k = strlen(d->text);
    if (k + 1 < sizeof(d->text)) {
        d->text[k] = '\n';
        d->text[k + 1] = '\0';
    }
    d->n++;
}

/* Entries of @want missing from @got, and added to it, for one extension called @what. */
static void diff_list(struct ferry_x509_diff *d, const char *what, const char *want,
                      const char *got, int severe)
{
    char miss[600] = "", add[600] = "";
    const char *p;
    size_t k, m;

    for (p = want; *p != '\0';) {
        k = strcspn(p, ",");
        if (!list_has(got, p, k) && (m = strlen(miss)) + k + 3 < sizeof(miss))
            snprintf(miss + m, sizeof(miss) - m, "%s%.*s", m > 0 ? ", " : "", (int)k, p);
        for (p += k; *p == ',' || *p == ' ';)
            p++;
    }
    for (p = got; *p != '\0';) {
        k = strcspn(p, ",");
        if (!list_has(want, p, k) && (m = strlen(add)) + k + 3 < sizeof(add))
            snprintf(add + m, sizeof(add) - m, "%s%.*s", m > 0 ? ", " : "", (int)k, p);
        for (p += k; *p == ',' || *p == ' ';)
            p++;
    }
    if (miss[0] != '\0') {
        diff_line(d, "%s: lacks %s", what, miss);
        d->missing |= severe;
    }
    if (add[0] != '\0')
        diff_line(d, "%s: adds %s", what, add);
}

static const char *key_kind(EVP_PKEY *k, char *out, size_t cap)
{
    char grp[64] = "";
    size_t gl = 0;

    if (k == NULL)
        return "?";
    if (EVP_PKEY_get_base_id(k) == EVP_PKEY_RSA)
        snprintf(out, cap, "RSA %d", EVP_PKEY_get_bits(k));
    else if (EVP_PKEY_get_utf8_string_param(k, "group", grp, sizeof(grp), &gl) == 1)
        snprintf(out, cap, "%s %s", EVP_PKEY_get0_type_name(k), grp);
    else
        snprintf(out, cap, "%s", EVP_PKEY_get0_type_name(k));
    ERR_clear_error();
    return out;
}

ferry_err ferry_x509_compare(X509_REQ *req, X509 *old, X509 *issued, struct ferry_x509_diff *d)
{
    static const struct {
        int nid;
        const char *what;
    } ext[] = {{NID_subject_alt_name, "subjectAltName"},
               {NID_ext_key_usage, "extended key usage"},
               {NID_key_usage, "key usage"}};
    STACK_OF(X509_EXTENSION) *want = X509_REQ_get_extensions(req);
    const STACK_OF(X509_EXTENSION) *got = X509_get0_extensions(issued);
    char a[1024], b[1024];
    size_t i;
    long od, nd;

    memset(d, 0, sizeof(*d));
    if (X509_NAME_cmp(X509_REQ_get_subject_name(req), X509_get_subject_name(issued)) != 0) {
        X509_NAME_oneline(X509_REQ_get_subject_name(req), a, sizeof(a));
        X509_NAME_oneline(X509_get_subject_name(issued), b, sizeof(b));
        diff_line(d, "subject: asked for %s, issued %s", a, b);
        d->subject = 1;
    }
    for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
        if (!ext_text(want, ext[i].nid, a, sizeof(a)) || !ext_text(got, ext[i].nid, b, sizeof(b)))
            continue;
        /* a key usage extension left out restricts nothing; bits missing from one do */
        diff_list(d, ext[i].what, a, b, ext[i].nid != NID_key_usage || b[0] != '\0');
    }
    if (old != NULL) {
        key_kind(X509_get0_pubkey(old), a, sizeof(a));
        key_kind(X509_get0_pubkey(issued), b, sizeof(b));
        if (strcmp(a, b) != 0)
            diff_line(d, "key: was %s, now %s", a, b);
        od = (long)((asn1_time(X509_get0_notAfter(old)) - asn1_time(X509_get0_notBefore(old))) /
                    86400);
        nd = (long)((asn1_time(X509_get0_notAfter(issued)) -
                     asn1_time(X509_get0_notBefore(issued))) /
                    86400);
        if (od != nd)
            diff_line(d, "validity: was %ld days, now %ld days", od, nd);
    }
    sk_X509_EXTENSION_pop_free(want, X509_EXTENSION_free);
    return FERRY_OK;
}
