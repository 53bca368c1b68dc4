/* ferry-offline request: a renewal PKCS#10 from the current certificate and key (X.509 mode). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <openssl/crypto.h>

#include "ferry/buf.h"
#include "ferry/file.h"
#include "ferry/log.h"
#include "ferry/offline.h"
#include "ferry/statefile.h"
#include "ferry/x509.h"

/* The key, then the certificate that holds it from the --cert file (a bundle in any order, PEM
 * with text, DER, PKCS#7; none holds it: the first, and csr_make says the key is not its). */
static ferry_err load_pair(const char *cert_path, const char *key_path, X509 **cert, EVP_PKEY **key)
{
    STACK_OF(X509) *certs = NULL;
    uint8_t *d = NULL;
    size_t n = 0;
    struct stat st;
    ferry_err r;

    if ((r = ferry_file_read(cert_path, FERRY_X509_MAX_CERT, &d, &n)) != FERRY_OK ||
        (r = ferry_x509_certs_load(d, n, &certs)) != FERRY_OK) {
        r = ferry_errf(r, "--cert %s: %s", cert_path, ferry_err_detail());
        goto out;
    }
    free(d);
    d = NULL;
    /* Group-readable is the Debian ssl-cert habit (0640 root:ssl-cert); anyone at all is not. */
    if (stat(key_path, &st) == 0 && (st.st_mode & (S_IROTH | S_IWOTH)) != 0) {
        r = ferry_errf(FERRY_ERR_UNTRUSTED,
                       "--key %s: readable or writable by any user (mode %04o); a private key "
                       "must not be: chmod o-rwx %s, and consider it disclosed",
                       key_path, (unsigned)(st.st_mode & 07777), key_path);
        goto out;
    }
    if ((r = ferry_file_read(key_path, FERRY_X509_MAX_KEY, &d, &n)) != FERRY_OK ||
        (r = ferry_x509_key_parse(d, n, key)) != FERRY_OK) {
        r = ferry_errf(r, "--key %s: %s", key_path, ferry_err_detail());
        goto out;
    }
    if ((*cert = ferry_x509_cert_pick(certs, *key)) == NULL || !X509_up_ref(*cert)) {
        *cert = NULL;
        r = ferry_errf(FERRY_ERR_FORMAT, "--cert %s: no certificate in it", cert_path);
    }
out:
    if (d != NULL)
        OPENSSL_cleanse(d, n);
    free(d);
    sk_X509_pop_free(certs, X509_free);
    return r;
}

static ferry_err write_new_key(EVP_PKEY *key, const char *out, char **key_path)
{
    char *pem = NULL;
    size_t len = 0;
    struct ferry_buf b;
    ferry_err r;

    *key_path = NULL;
    ferry_buf_init(&b, PATH_MAX);
    if ((r = ferry_buf_printf(&b, "%s.key", out)) != FERRY_OK)
        goto out;
    if ((r = ferry_x509_key_pem(key, &pem, &len)) != FERRY_OK)
        goto out;
    r = ferry_file_write_secret((const char *)b.data, pem, len);
    if (r == FERRY_ERR_EXISTS)
        r = ferry_errf(r,
                       "%s exists: a key is never overwritten; move it away or give another "
                       "--out",
                       (const char *)b.data);
    if (r != FERRY_OK)
        goto out;
    *key_path = (char *)ferry_buf_steal(&b, NULL);
out:
    OPENSSL_clear_free(pem, len);
    ferry_buf_free(&b);
    return r;
}

/* Records "cert=PATH\nkey=PATH\n" (ferry_state_cert_record) under the request's digest: no
 * transfer exists yet; export copies the paths into the ledger's, where import reads them. */
static ferry_err record(struct ferry_store *s, const char *cert_path,
                        struct ferry_request_result *res)
{
    char cp[PATH_MAX], kp[PATH_MAX];
    struct ferry_buf b;
    ferry_err r;

    if (realpath(cert_path, cp) == NULL)
        return ferry_errf(FERRY_ERR_IO, "%s: cannot resolve its path", cert_path);
    ferry_buf_init(&b, 3 * PATH_MAX);
    r = ferry_buf_printf(&b, "cert=%s\n", cp);
    if (r == FERRY_OK && res->key_path != NULL)
        r = ferry_buf_printf(&b, "key=%s\n", realpath(res->key_path, kp) ? kp : res->key_path);
    if (r == FERRY_OK)
        r = ferry_state_save(ferry_store_home(s), "requests", res->csr_sha256,
                             FERRY_STATE_CSR_RECORD, b.data, b.len);
    ferry_buf_free(&b);
    if (r == FERRY_OK)
        res->recorded = 1;
    return r;
}

static ferry_err make_csr(X509 *cert, EVP_PKEY *key, int rekey, const char *out,
                          struct ferry_request_result *res, char **pem, size_t *len)
{
    EVP_PKEY *nk = NULL;
    ferry_err r;

    if (rekey) {
        if ((r = ferry_x509_key_like(key, &nk)) != FERRY_OK)
            goto out;
        /* check the pair before creating anything */
        if ((r = ferry_x509_csr_make(cert, key, nk, pem, len)) != FERRY_OK)
            goto out;
        r = write_new_key(nk, out, &res->key_path);
    } else {
        r = ferry_x509_csr_make(cert, key, key, pem, len);
    }
out:
    EVP_PKEY_free(nk);
    return r;
}

ferry_err ferry_offline_request(struct ferry_store *s, const char *cert_path, const char *key_path,
                                int rekey, const char *out, struct ferry_request_result *res)
{
    struct ferry_x509_info info;
    X509 *cert = NULL;
    EVP_PKEY *key = NULL;
    char *pem = NULL;
    size_t len = 0;
    ferry_err r;

    memset(res, 0, sizeof(*res));
    if ((r = load_pair(cert_path, key_path, &cert, &key)) != FERRY_OK)
        goto out;
    if ((r = ferry_x509_info_get(cert, &info)) != FERRY_OK)
        goto out;
    if ((r = make_csr(cert, key, rekey, out, res, &pem, &len)) != FERRY_OK)
        goto out;
    if ((r = ferry_file_write_atomic(out, pem, len, 0644)) != FERRY_OK) {
        if (res->key_path != NULL)
            unlink(res->key_path); /* no key without its request */
        goto out;
    }
    ferry_sha256(pem, len, res->csr_sha256);
    memcpy(res->subject, info.subject, sizeof(res->subject));
    res->old_not_after = info.not_after;
    if ((res->csr_path = strdup(out)) == NULL) {
        r = FERRY_ERR_NOMEM;
        goto out;
    }
    if (s != NULL && (r = record(s, cert_path, res)) != FERRY_OK)
        goto out;
    if (s != NULL)
        ferry_store_audit(s, "request", res->subject);
out:
    OPENSSL_free(pem);
    X509_free(cert);
    EVP_PKEY_free(key);
    if (r != FERRY_OK)
        ferry_request_result_clear(res);
    return r;
}

void ferry_request_result_clear(struct ferry_request_result *res)
{
    FERRY_FREE(res->csr_path);
    FERRY_FREE(res->key_path);
}
