/* ferry-enrolld — the local CA in STATE/ca/: TLS root, TLS server certificate, the four
 * XrML keys, EST CA. Created once (in a temporary directory renamed into place), reused after. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "enrolld_int.h"
#include "ferry/buf.h"
#include "ferry/crypto.h"
#include "ferry/hex.h"
#include "ferry/time.h"
#include "ferry/file.h"
#include "ferry/log.h"

#define DAY         86400L
#define CA_MAX_FILE (64u << 10)

static char *bio_string(BIO *b)
{
    char *p = NULL, *s;
    long n = BIO_get_mem_data(b, &p);

    if (n < 0 || (s = malloc((size_t)n + 1)) == NULL)
        return NULL;
    memcpy(s, p, (size_t)n);
    s[n] = '\0';
    return s;
}

char *enrolld_pem_key(EVP_PKEY *k)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *s = NULL;

    if (b != NULL && PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL) == 1)
        s = bio_string(b);
    BIO_free(b);
    return s;
}

char *enrolld_pem_cert(X509 *x)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *s = NULL;

    if (b != NULL && PEM_write_bio_X509(b, x) == 1)
        s = bio_string(b);
    BIO_free(b);
    return s;
}

static int add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509_EXTENSION *e;
    int ok;

    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer != NULL ? issuer : x, x, NULL, NULL, 0);
    if ((e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)) == NULL)
        return 0;
    ok = X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
    return ok;
}

static int add_exts(X509 *x, X509 *issuer, int is_ca, const char *san)
{
    int ok = add_ext(x, issuer, NID_subject_key_identifier, "hash") &&
             add_ext(x, issuer, NID_authority_key_identifier, "keyid:always");

    if (is_ca)
        return ok && add_ext(x, issuer, NID_basic_constraints, "critical,CA:TRUE") &&
               add_ext(x, issuer, NID_key_usage, "critical,keyCertSign,cRLSign");
    ok = ok && add_ext(x, issuer, NID_basic_constraints, "critical,CA:FALSE") &&
         add_ext(x, issuer, NID_key_usage, "critical,digitalSignature,keyEncipherment") &&
         add_ext(x, issuer, NID_ext_key_usage, "serverAuth,clientAuth");
    return ok && (san == NULL || add_ext(x, issuer, NID_subject_alt_name, san));
}

static int set_serial(X509 *x)
{
    BIGNUM *bn = BN_new();
    int ok = bn != NULL && BN_rand(bn, 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1 &&
             BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL;

    BN_free(bn);
    return ok;
}

ferry_err enrolld_ca_issue(EVP_PKEY *subject_key, const X509_NAME *subject, X509 *issuer,
                           EVP_PKEY *issuer_key, int is_ca, const char *san, time_t nb, time_t na,
                           X509 **out)
{
    X509 *x = X509_new();
    ferry_err r = FERRY_ERR_CRYPTO;

    *out = NULL;
    if (x == NULL || X509_set_version(x, 2) != 1 || !set_serial(x) ||
        X509_set_subject_name(x, subject) != 1 ||
        X509_set_issuer_name(x, issuer != NULL ? X509_get_subject_name(issuer) : subject) != 1 ||
        X509_set_pubkey(x, subject_key) != 1 ||
        X509_time_adj_ex(X509_getm_notBefore(x), 0, 0, &nb) == NULL ||
        X509_time_adj_ex(X509_getm_notAfter(x), 0, 0, &na) == NULL)
        goto out;
    if (!add_exts(x, issuer, is_ca, san) || X509_sign(x, issuer_key, EVP_sha256()) <= 0)
        goto out;
    *out = x;
    x = NULL;
    r = FERRY_OK;
out:
    if (r != FERRY_OK)
        r = ferry_err_openssl(r, "cannot issue a certificate");
    X509_free(x);
    return r;
}

static ferry_err issue_cn(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key,
                          int is_ca, const char *san, time_t nb, time_t na, X509 **out)
{
    X509_NAME *n = X509_NAME_new();
    ferry_err r = FERRY_ERR_CRYPTO;

    if (n == NULL ||
        X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8,
                                   (const unsigned char *)"ferry-enrolld (test only)", -1, -1,
                                   0) != 1 ||
        X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0) !=
            1) {
        r = ferry_err_openssl(r, "cannot build a certificate name");
        goto out;
    }
    r = enrolld_ca_issue(key, n, issuer, issuer_key, is_ca, san, nb, na, out);
out:
    X509_NAME_free(n);
    return r;
}

static ferry_err gen_ec(EVP_PKEY **k)
{
    if ((*k = EVP_EC_gen("P-256")) == NULL)
        return ferry_err_openssl(FERRY_ERR_CRYPTO, "cannot generate a P-256 key");
    return FERRY_OK;
}

ferry_err enrolld_ca_fault_tls(struct enrolld_ca *ca, int expired, EVP_PKEY **key, X509 **cert)
{
    time_t now = time(NULL);
    ferry_err r;

    *cert = NULL;
    if ((r = gen_ec(key)) != FERRY_OK)
        return r;
    if (expired)
        r = issue_cn(*key, "127.0.0.1", ca->root, ca->root_key, 0, "IP:127.0.0.1,DNS:localhost",
                     now - 30 * DAY, now - DAY, cert);
    else
        r = issue_cn(*key, "wrong.example", ca->root, ca->root_key, 0, "DNS:wrong.example",
                     now - DAY, now + 3650 * DAY, cert);
    return r;
}

/* Names of the files in STATE/ca/, in struct order. */
enum {
    F_ROOT_KEY,
    F_ROOT,
    F_TLS_KEY,
    F_TLS,
    F_SVC_KEY,
    F_ECA_KEY,
    F_CA_KEY,
    F_DRM_ROOT_KEY,
    F_EST_KEY,
    F_EST,
    F_COUNT
};
static const char *const ca_files[F_COUNT] = {
    "root.key",           "root.pem",    "tls.key",           "tls.pem", "xrml-service.key",
    "xrml-enroll-ca.key", "xrml-ca.key", "xrml-drm-root.key", "est.key", "est-ca.pem"};

/* The four RSA 2048 keys of the XrML hierarchy, in struct order. */
static EVP_PKEY **xrml_key(struct enrolld_ca *ca, int i)
{
    EVP_PKEY **k[4] = {&ca->svc_key, &ca->eca_key, &ca->ca_key, &ca->drm_root_key};

    return k[i];
}

static ferry_err ca_generate(struct enrolld_ca *ca)
{
    time_t now = time(NULL), ca_nb = now - 365 * DAY, ca_na = now + 30 * 365 * DAY;
    ferry_err r;

    int i;

    ferry_log(FERRY_LOG_INFO, "creating a new local CA (four RSA 2048 XrML keys: a moment)");
    if ((r = gen_ec(&ca->root_key)) != FERRY_OK || (r = gen_ec(&ca->tls_key)) != FERRY_OK ||
        (r = gen_ec(&ca->est_key)) != FERRY_OK)
        return r;
    for (i = 0; i < 4; i++)
        if ((*xrml_key(ca, i) = EVP_RSA_gen(2048)) == NULL)
            return ferry_err_openssl(FERRY_ERR_CRYPTO, "cannot generate an RSA 2048 XrML key");
    if ((r = issue_cn(ca->root_key, "ferry-enrolld TLS root", NULL, ca->root_key, 1, NULL, ca_nb,
                      ca_na, &ca->root)) != FERRY_OK)
        return r;
    if ((r = issue_cn(ca->tls_key, "127.0.0.1", ca->root, ca->root_key, 0,
                      "IP:127.0.0.1,DNS:localhost", now - DAY, now + 3650 * DAY, &ca->tls)) !=
        FERRY_OK)
        return r;
    return issue_cn(ca->est_key, "ferry-enrolld EST CA", NULL, ca->est_key, 1, NULL, ca_nb, ca_na,
                    &ca->est);
}

static ferry_err write_pem(const char *dir, const char *name, char *pem, int secret)
{
    char *path = ferry_path_join(dir, name);
    ferry_err r = FERRY_ERR_NOMEM;

    if (path != NULL && pem != NULL)
        r = secret ? ferry_file_write_secret(path, pem, strlen(pem))
                   : ferry_file_write_atomic(path, pem, strlen(pem), 0644);
    if (pem != NULL)
        OPENSSL_cleanse(pem, strlen(pem));
    free(pem);
    free(path);
    return r;
}

static ferry_err ca_save(struct enrolld_ca *ca, const char *dir)
{
    ferry_err r;
    int i;

    if ((r = write_pem(dir, ca_files[F_ROOT_KEY], enrolld_pem_key(ca->root_key), 1)) != FERRY_OK ||
        (r = write_pem(dir, ca_files[F_ROOT], enrolld_pem_cert(ca->root), 0)) != FERRY_OK ||
        (r = write_pem(dir, ca_files[F_TLS_KEY], enrolld_pem_key(ca->tls_key), 1)) != FERRY_OK ||
        (r = write_pem(dir, ca_files[F_TLS], enrolld_pem_cert(ca->tls), 0)) != FERRY_OK ||
        (r = write_pem(dir, ca_files[F_EST_KEY], enrolld_pem_key(ca->est_key), 1)) != FERRY_OK ||
        (r = write_pem(dir, ca_files[F_EST], enrolld_pem_cert(ca->est), 0)) != FERRY_OK)
        return r;
    for (i = 0; i < 4; i++)
        if ((r = write_pem(dir, ca_files[F_SVC_KEY + i], enrolld_pem_key(*xrml_key(ca, i)), 1)) !=
            FERRY_OK)
            return r;
    return ferry_fsync_dir(dir);
}

static ferry_err load_one(const char *dir, int which, EVP_PKEY **key, X509 **cert)
{
    char *path = ferry_path_join(dir, ca_files[which]);
    uint8_t *buf = NULL;
    size_t len = 0;
    BIO *b = NULL;
    ferry_err r = FERRY_ERR_NOMEM;

    if (path == NULL || (r = ferry_file_read(path, CA_MAX_FILE, &buf, &len)) != FERRY_OK)
        goto out;
    r = FERRY_ERR_FORMAT;
    if ((b = BIO_new_mem_buf(buf, (int)len)) == NULL)
        goto out;
    if (key != NULL)
        *key = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
    else
        *cert = PEM_read_bio_X509(b, NULL, NULL, NULL);
    if ((key != NULL && *key == NULL) || (key == NULL && *cert == NULL)) {
        r = ferry_err_openssl(FERRY_ERR_FORMAT, path);
        goto out;
    }
    r = FERRY_OK;
out:
    if (buf != NULL)
        OPENSSL_cleanse(buf, len);
    free(buf);
    BIO_free(b);
    free(path);
    return r;
}

static ferry_err ca_load(struct enrolld_ca *ca, const char *dir)
{
    ferry_err r;
    int i;

    if ((r = load_one(dir, F_ROOT_KEY, &ca->root_key, NULL)) != FERRY_OK ||
        (r = load_one(dir, F_ROOT, NULL, &ca->root)) != FERRY_OK ||
        (r = load_one(dir, F_TLS_KEY, &ca->tls_key, NULL)) != FERRY_OK ||
        (r = load_one(dir, F_TLS, NULL, &ca->tls)) != FERRY_OK ||
        (r = load_one(dir, F_EST_KEY, &ca->est_key, NULL)) != FERRY_OK ||
        (r = load_one(dir, F_EST, NULL, &ca->est)) != FERRY_OK)
        return r;
    for (i = 0; i < 4; i++) {
        if ((r = load_one(dir, F_SVC_KEY + i, xrml_key(ca, i), NULL)) != FERRY_OK)
            return r;
        if (EVP_PKEY_get_base_id(*xrml_key(ca, i)) != EVP_PKEY_RSA ||
            EVP_PKEY_get_bits(*xrml_key(ca, i)) != 2048)
            return ferry_errf(FERRY_ERR_FORMAT,
                              "%s/%s: not an RSA 2048 key (remove %s to make a new local CA)", dir,
                              ca_files[F_SVC_KEY + i], dir);
    }
    return FERRY_OK;
}

static ferry_err ca_create(struct enrolld_ca *ca, const char *cadir)
{
    char *tmp = NULL;
    size_t tl = strlen(cadir) + 32;
    uint8_t rnd[6];
    char rhex[13];
    ferry_err r;

    if ((r = ca_generate(ca)) != FERRY_OK || (r = ferry_random(rnd, sizeof(rnd))) != FERRY_OK)
        return r;
    if ((tmp = malloc(tl)) == NULL)
        return FERRY_ERR_NOMEM;
    ferry_hex(rnd, sizeof(rnd), rhex);
    snprintf(tmp, tl, "%s.tmp-%s", cadir, rhex);
    if (mkdir(tmp, 0700) != 0) {
        r = ferry_errf(FERRY_ERR_IO, "%s: cannot create: %s", tmp, strerror(errno));
        goto out;
    }
    if ((r = ca_save(ca, tmp)) != FERRY_OK)
        goto out;
    if (rename(tmp, cadir) != 0) {
        r = ferry_errf(FERRY_ERR_IO, "%s: rename failed: %s", cadir, strerror(errno));
        goto out;
    }
    r = FERRY_OK;
out:
    if (r != FERRY_OK)
        ferry_log(FERRY_LOG_ERROR, "left %s behind", tmp);
    free(tmp);
    return r;
}

ferry_err enrolld_ca_open(const char *state_dir, struct enrolld_ca *ca)
{
    char *cadir = ferry_path_join(state_dir, "ca");
    ferry_err r = FERRY_ERR_NOMEM;

    memset(ca, 0, sizeof(*ca));
    if (cadir == NULL)
        goto out;
    if (ferry_path_exists(cadir))
        r = ca_load(ca, cadir);
    else
        r = ca_create(ca, cadir);
    if (r != FERRY_OK || (r = ferry_fsync_dir(state_dir)) != FERRY_OK)
        goto out;
    if ((r = write_pem(state_dir, "root.pem", enrolld_pem_cert(ca->root), 0)) != FERRY_OK ||
        (r = write_pem(state_dir, "est-ca.pem", enrolld_pem_cert(ca->est), 0)) != FERRY_OK)
        goto out;
    r = FERRY_OK;
out:
    free(cadir);
    return r;
}

void enrolld_ca_close(struct enrolld_ca *ca)
{
    EVP_PKEY_free(ca->root_key);
    X509_free(ca->root);
    EVP_PKEY_free(ca->tls_key);
    X509_free(ca->tls);
    EVP_PKEY_free(ca->svc_key);
    EVP_PKEY_free(ca->eca_key);
    EVP_PKEY_free(ca->ca_key);
    EVP_PKEY_free(ca->drm_root_key);
    EVP_PKEY_free(ca->est_key);
    X509_free(ca->est);
    memset(ca, 0, sizeof(*ca));
}
