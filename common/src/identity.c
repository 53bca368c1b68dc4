/* ferry — pairing identities: an ECDSA P-256 key and its self-signed certificate. */
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "ferry/buf.h"
#include "ferry/identity.h"
#include "ferry/time.h"

#define NAME_MAX_BYTES 64
#define LIFETIME_DAYS  (20 * 365 + 5) /* 20 years, leap days included */

struct ferry_identity {
    X509 *cert;
    EVP_PKEY *pkey; /* NULL for a peer */
    char *name;     /* CN as UTF-8, "" if none */
    uint8_t fp[FERRY_SHA256_LEN];
};

void ferry_identity_free(struct ferry_identity *id)
{
    if (id == NULL)
        return;
    X509_free(id->cert);
    EVP_PKEY_free(id->pkey);
    free(id->name);
    free(id);
}

/* CN of @x as a new UTF-8 string ("" if the certificate has none). */
static char *cert_cn(X509 *x)
{
    X509_NAME *n = X509_get_subject_name(x);
    X509_NAME_ENTRY *e;
    unsigned char *u = NULL;
    char *s = NULL;
    int i, ul;

    i = n != NULL ? X509_NAME_get_index_by_NID(n, NID_commonName, -1) : -1;
    if (i < 0)
        return strdup("");
    e = X509_NAME_get_entry(n, i);
    if ((ul = ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(e))) < 0)
        return NULL;
    if (memchr(u, '\0', (size_t)ul) == NULL)
        s = strndup((const char *)u, (size_t)ul);
    else
        s = strdup(""); /* an embedded NUL is not a name anyone can compare */
    OPENSSL_free(u);
    for (i = 0; s != NULL && s[i] != '\0'; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            s[i] = '?'; /* a peer's name reaches terminals: no escape sequences */
    return s;
}

/* Takes ownership of @cert and @pkey (also on failure). */
static ferry_err identity_wrap(X509 *cert, EVP_PKEY *pkey, struct ferry_identity **out)
{
    struct ferry_identity *id = NULL;
    unsigned char *der = NULL;
    int dl;
    ferry_err r = FERRY_ERR_NOMEM;

    *out = NULL;
    if ((id = calloc(1, sizeof(*id))) == NULL)
        goto out;
    id->cert = cert;
    id->pkey = pkey;
    cert = NULL;
    pkey = NULL;
    if ((id->name = cert_cn(id->cert)) == NULL)
        goto out;
    if ((dl = i2d_X509(id->cert, &der)) <= 0) {
        r = ferry_err_openssl(FERRY_ERR_FORMAT, "certificate cannot be encoded");
        goto out;
    }
    ferry_sha256(der, (size_t)dl, id->fp);
    *out = id;
    id = NULL;
    r = FERRY_OK;
out:
    OPENSSL_free(der);
    X509_free(cert);
    EVP_PKEY_free(pkey);
    ferry_identity_free(id);
    return r;
}

static int add_ext(X509 *x, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509_EXTENSION *ext;
    int ok;

    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
    if ((ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)) == NULL)
        return 0;
    ok = X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    return ok;
}

static int set_serial(X509 *x)
{
    uint8_t rnd[16];
    BIGNUM *bn;
    int ok;

    if (ferry_random(rnd, sizeof(rnd)) != FERRY_OK)
        return 0;
    rnd[0] &= 0x7f; /* positive */
    rnd[0] |= 0x40; /* and 16 bytes long */
    if ((bn = BN_bin2bn(rnd, sizeof(rnd), NULL)) == NULL)
        return 0;
    ok = BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL;
    BN_free(bn);
    return ok;
}

/* Fills @x as a self-signed v3 certificate for @pkey named @name, and signs it. */
static int build_cert(X509 *x, EVP_PKEY *pkey, const char *name)
{
    X509_NAME *n = X509_get_subject_name(x);
    time_t now = ferry_time_now();

    if (!X509_set_version(x, X509_VERSION_3) || !set_serial(x))
        return 0;
    if (!X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)name, -1, -1,
                                    0) ||
        !X509_set_issuer_name(x, n))
        return 0;
    if (X509_time_adj_ex(X509_getm_notBefore(x), -1, 0, &now) == NULL ||
        X509_time_adj_ex(X509_getm_notAfter(x), LIFETIME_DAYS, 0, &now) == NULL)
        return 0;
    if (!X509_set_pubkey(x, pkey))
        return 0;
    if (!add_ext(x, NID_key_usage, "critical,digitalSignature") ||
        !add_ext(x, NID_subject_key_identifier, "hash"))
        return 0;
    return X509_sign(x, pkey, EVP_sha256()) > 0;
}

/* 1 if @s is UTF-8 without control characters. */
static int name_ok(const char *s, size_t n)
{
    unsigned long c;
    int k;

    while (n > 0) {
        if ((k = UTF8_getc((const unsigned char *)s, (int)n, &c)) <= 0 || c < 0x20 || c == 0x7f)
            return 0;
        s += k;
        n -= (size_t)k;
    }
    return 1;
}

ferry_err ferry_identity_generate(const char *name, struct ferry_identity **out)
{
    EVP_PKEY *pkey = NULL;
    X509 *x = NULL;
    size_t nl = name != NULL ? strlen(name) : 0;

    *out = NULL;
    if (nl == 0 || nl > NAME_MAX_BYTES || !name_ok(name, nl))
        return ferry_errf(FERRY_ERR_USAGE,
                          "identity name must be 1 to %d bytes of UTF-8 "
                          "without control characters",
                          NAME_MAX_BYTES);
    if ((pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")) == NULL)
        return ferry_err_openssl(FERRY_ERR_CRYPTO, "cannot generate the P-256 identity key");
    if ((x = X509_new()) == NULL || !build_cert(x, pkey, name)) {
        X509_free(x);
        EVP_PKEY_free(pkey);
        return ferry_err_openssl(FERRY_ERR_CRYPTO, "cannot make the identity certificate");
    }
    return identity_wrap(x, pkey, out);
}

static int has_pem_header(const uint8_t *buf, size_t len)
{
    static const char tag[] = "-----BEGIN ";
    size_t i;

    for (i = 0; i + sizeof(tag) - 1 <= len; i++)
        if (buf[i] == '-' && memcmp(buf + i, tag, sizeof(tag) - 1) == 0)
            return 1;
    return 0;
}

/* Parses one certificate, PEM or DER; FERRY_ERR_FORMAT with @what in the message. */
static ferry_err parse_cert(const uint8_t *buf, size_t len, const char *what, X509 **out)
{
    const unsigned char *p = buf;
    BIO *b = NULL;

    *out = NULL;
    if (len > FERRY_IDENTITY_MAX_PEM)
        return ferry_errf(FERRY_ERR_TOO_LARGE, "%s: %zu bytes, over the %u-byte limit", what, len,
                          FERRY_IDENTITY_MAX_PEM);
    if (has_pem_header(buf, len)) {
        if ((b = BIO_new_mem_buf(buf, (int)len)) == NULL)
            return FERRY_ERR_NOMEM;
        *out = PEM_read_bio_X509(b, NULL, NULL, NULL);
        BIO_free(b);
    } else if (len > 0) {
        *out = d2i_X509(NULL, &p, (long)len);
        if (*out != NULL && p != buf + len) {
            X509_free(*out);
            *out = NULL;
        }
    }
    if (*out == NULL)
        return ferry_err_openssl(FERRY_ERR_FORMAT, what);
    return FERRY_OK;
}

ferry_err ferry_identity_from_cert(const uint8_t *buf, size_t len, struct ferry_identity **out)
{
    X509 *x = NULL;
    ferry_err r;

    *out = NULL;
    if ((r = parse_cert(buf, len, "identity certificate is not a valid PEM or DER certificate",
                        &x)) != FERRY_OK)
        return r;
    return identity_wrap(x, NULL, out);
}

/* Never prompts: an encrypted key is refused instead of asking on the terminal. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf, (void)size, (void)rwflag, (void)u;
    return -1;
}

ferry_err ferry_identity_from_pem(const uint8_t *cert, size_t certlen, const uint8_t *key,
                                  size_t keylen, struct ferry_identity **out)
{
    X509 *x = NULL;
    EVP_PKEY *pkey = NULL;
    BIO *b = NULL;
    ferry_err r;

    *out = NULL;
    if ((r = parse_cert(cert, certlen, "identity certificate is not a valid certificate", &x)) !=
        FERRY_OK)
        goto out;
    if (keylen > FERRY_IDENTITY_MAX_PEM) {
        r = ferry_errf(FERRY_ERR_TOO_LARGE, "identity key: %zu bytes, over the %u-byte limit",
                       keylen, FERRY_IDENTITY_MAX_PEM);
        goto out;
    }
    r = FERRY_ERR_NOMEM;
    if ((b = BIO_new_mem_buf(key, (int)keylen)) == NULL)
        goto out;
    if ((pkey = PEM_read_bio_PrivateKey(b, NULL, no_passphrase, NULL)) == NULL) {
        r = ferry_err_openssl(FERRY_ERR_FORMAT, "identity key is not an unencrypted PEM "
                                                "private key");
        goto out;
    }
    if (EVP_PKEY_eq(X509_get0_pubkey(x), pkey) != 1) {
        r = ferry_errf(FERRY_ERR_MISMATCH, "identity key does not belong to the identity "
                                           "certificate: the key or certificate file was "
                                           "replaced");
        goto out;
    }
    r = identity_wrap(x, pkey, out);
    x = NULL;
    pkey = NULL;
out:
    BIO_free(b);
    X509_free(x);
    EVP_PKEY_free(pkey);
    return r;
}

ferry_err ferry_identity_cert_pem(const struct ferry_identity *id, char **pem, size_t *len)
{
    BIO *b = NULL;
    char *data;
    long n;
    ferry_err r = FERRY_ERR_NOMEM;

    *pem = NULL;
    *len = 0;
    if ((b = BIO_new(BIO_s_mem())) == NULL)
        goto out;
    if (!PEM_write_bio_X509(b, id->cert)) {
        r = ferry_err_openssl(FERRY_ERR_CRYPTO, "cannot write the certificate as PEM");
        goto out;
    }
    n = BIO_get_mem_data(b, &data);
    if (n <= 0 || (*pem = malloc((size_t)n + 1)) == NULL)
        goto out;
    memcpy(*pem, data, (size_t)n);
    (*pem)[n] = '\0';
    *len = (size_t)n;
    r = FERRY_OK;
out:
    BIO_free(b);
    return r;
}

ferry_err ferry_identity_cert_der(const struct ferry_identity *id, uint8_t **der, size_t *len)
{
    unsigned char *p = NULL;
    int n;

    *der = NULL;
    *len = 0;
    if ((n = i2d_X509(id->cert, NULL)) <= 0)
        return ferry_err_openssl(FERRY_ERR_CRYPTO, "cannot encode the certificate");
    if ((*der = malloc((size_t)n)) == NULL)
        return FERRY_ERR_NOMEM;
    p = *der;
    if (i2d_X509(id->cert, &p) != n) {
        FERRY_FREE(*der);
        return ferry_err_openssl(FERRY_ERR_CRYPTO, "cannot encode the certificate");
    }
    *len = (size_t)n;
    return FERRY_OK;
}

ferry_err ferry_identity_key_pem(const struct ferry_identity *id, char **pem, size_t *len)
{
    BIO *b = NULL;
    char *data;
    long n;
    ferry_err r = FERRY_ERR_NOMEM;

    *pem = NULL;
    *len = 0;
    if (id->pkey == NULL)
        return ferry_errf(FERRY_ERR_NOT_FOUND, "identity '%s' has no private key", id->name);
    /* A secure-memory BIO: its buffer is cleansed when freed, and so is our copy. */
    if ((b = BIO_new(BIO_s_secmem())) == NULL)
        goto out;
    if (!PEM_write_bio_PKCS8PrivateKey(b, id->pkey, NULL, NULL, 0, NULL, NULL)) {
        r = ferry_err_openssl(FERRY_ERR_CRYPTO, "cannot write the identity key");
        goto out;
    }
    n = BIO_get_mem_data(b, &data);
    if (n <= 0 || (*pem = OPENSSL_secure_malloc((size_t)n + 1)) == NULL)
        goto out;
    memcpy(*pem, data, (size_t)n);
    (*pem)[n] = '\0';
    *len = (size_t)n;
    r = FERRY_OK;
out:
    BIO_free(b);
    return r;
}

void ferry_identity_fingerprint(const struct ferry_identity *id, uint8_t fp[FERRY_SHA256_LEN])
{
    memcpy(fp, id->fp, FERRY_SHA256_LEN);
}

void ferry_identity_fingerprint_groups(const struct ferry_identity *id,
                                       char out[FERRY_FP_GROUPS_LEN])
{
    ferry_hex_groups(id->fp, FERRY_SHA256_LEN, out);
}

const char *ferry_identity_name(const struct ferry_identity *id)
{
    return id->name;
}

int ferry_identity_has_key(const struct ferry_identity *id)
{
    return id->pkey != NULL;
}

X509 *ferry_identity_x509(const struct ferry_identity *id)
{
    return id->cert;
}

EVP_PKEY *ferry_identity_pkey(const struct ferry_identity *id)
{
    return id->pkey;
}

int ferry_identity_equal(const struct ferry_identity *a, const struct ferry_identity *b)
{
    if (a == NULL || b == NULL)
        return 0;
    return ferry_ct_eq(a->fp, b->fp, FERRY_SHA256_LEN);
}
