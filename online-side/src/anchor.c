/* ferry — the trust anchor check-root stores for submit (HOME/anchor.pem). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "checkroot_int.h"
#include "ferry/anchor.h"
#include "ferry/checkroot.h"
#include "ferry/time.h"
#include "ferry/file.h"

#define ANCHOR_MAX (FERRY_SVC_MAX_PEM + 4096)

/* The text before the certificate: path, service, stored, from, subject, SHA-256. */
#define ANCHOR_HEADER                                                                              \
    "ferry trust anchor, stored by `ferry-online check-root --service`; submit uses it as "        \
    "--root %s\nservice: %s\nstored: %s\nfrom: %s\nsubject: %s\nSHA-256: %s\n"                     \
    "replace: ferry-online check-root --service URL --root FILE (or --pin SHA-256)\n"              \
    "undo: ferry-online check-root --forget\n"

/* Copies @src into @dst, control characters (a line break in a URL or a file name) as '?'. */
static void one_line(char *dst, size_t cap, const char *src)
{
    size_t i;

    snprintf(dst, cap, "%s", src != NULL ? src : "");
    for (i = 0; dst[i] != '\0'; i++)
        if ((unsigned char)dst[i] < 0x20 || dst[i] == 0x7f)
            dst[i] = '?';
}

/* The value of the header line "@key: ..." in @text (before the PEM block), or "". */
static void header_value(const char *text, const char *key, char *out, size_t cap)
{
    const char *end = strstr(text, "-----BEGIN "), *p = text, *nl;
    size_t k = strlen(key);

    out[0] = '\0';
    while (p != NULL && *p != '\0' && (end == NULL || p < end)) {
        nl = strchr(p, '\n');
        if (strncmp(p, key, k) == 0 && p[k] == ':' && p[k + 1] == ' ') {
            snprintf(out, cap, "%.*s", (int)((nl != NULL ? nl : p + strlen(p)) - (p + k + 2)),
                     p + k + 2);
            return;
        }
        p = nl != NULL ? nl + 1 : NULL;
    }
}

ferry_err ferry_anchor_load(const char *home, struct ferry_anchor *out)
{
    ferry_err r;
    uint8_t *buf = NULL;
    size_t len = 0;
    char *path = ferry_path_join(home, FERRY_ANCHOR_FILE), *text = NULL;
    BIO *b = NULL;
    X509 *x = NULL;

    memset(out, 0, sizeof(*out));
    if (path == NULL)
        return FERRY_ERR_NOMEM;
    snprintf(out->path, sizeof(out->path), "%s", path);
    if ((r = ferry_file_read(path, ANCHOR_MAX, &buf, &len)) != FERRY_OK) {
        if (r == FERRY_ERR_NOT_FOUND)
            r = ferry_errf(r, "no trust anchor stored in %s", home);
        goto out;
    }
    r = FERRY_ERR_NOMEM;
    if ((text = strndup((const char *)buf, len)) == NULL)
        goto out;
    if ((b = BIO_new_mem_buf(buf, (int)len)) == NULL)
        goto out;
    if ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) == NULL) {
        ERR_clear_error();
        r = ferry_errf(FERRY_ERR_FORMAT,
                       "%s holds no certificate: remove it with `ferry-online check-root --forget` "
                       "and store the anchor again with `ferry-online check-root --service URL`",
                       path);
        goto out;
    }
    ferry_svc_cert_info(x, &out->cert);
    header_value(text, "service", out->service, sizeof(out->service));
    header_value(text, "stored", out->stored, sizeof(out->stored));
    header_value(text, "from", out->from, sizeof(out->from));
    r = FERRY_OK;
out:
    X509_free(x);
    BIO_free(b);
    free(text);
    free(buf);
    free(path);
    return r;
}

/* The certificate of @pem, described; FERRY_ERR_FORMAT if there is none. */
static ferry_err describe(const char *pem, struct ferry_svc_cert *c)
{
    BIO *b = BIO_new_mem_buf(pem, -1);
    X509 *x = b != NULL ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;

    BIO_free(b);
    if (x == NULL) {
        ERR_clear_error();
        return ferry_errf(FERRY_ERR_FORMAT, "the anchor to store is not a PEM certificate");
    }
    ferry_svc_cert_info(x, c);
    X509_free(x);
    return FERRY_OK;
}

ferry_err ferry_anchor_save(struct ferry_store *s, const char *service, const char *pem,
                            const char *from, const struct ferry_anchor *old,
                            struct ferry_anchor *out)
{
    const char *home = ferry_store_home(s);
    char *path = ferry_path_join(home, FERRY_ANCHOR_FILE), *text = NULL, audit[1024];
    ferry_err r;
    int n;

    memset(out, 0, sizeof(*out));
    if (path == NULL)
        return FERRY_ERR_NOMEM;
    if ((r = describe(pem, &out->cert)) != FERRY_OK)
        goto out;
    snprintf(out->path, sizeof(out->path), "%s", path);
    one_line(out->service, sizeof(out->service), service);
    one_line(out->from, sizeof(out->from), from);
    ferry_time_iso(ferry_time_now(), out->stored);
    n = snprintf(NULL, 0, ANCHOR_HEADER "%s", path, out->service, out->stored, out->from,
                 out->cert.subject, out->cert.sha256, pem);
    r = FERRY_ERR_NOMEM;
    if (n < 0 || (text = malloc((size_t)n + 1)) == NULL)
        goto out;
    snprintf(text, (size_t)n + 1, ANCHOR_HEADER "%s", path, out->service, out->stored, out->from,
             out->cert.subject, out->cert.sha256, pem);
    if ((r = ferry_file_write_atomic(path, text, (size_t)n, 0644)) != FERRY_OK)
        goto out;
    snprintf(audit, sizeof(audit), "%s %s for %.300s (from %.200s)%s%s",
             old != NULL && strcmp(old->cert.sha256, out->cert.sha256) == 0 ? "kept" : "stored",
             out->cert.sha256, out->service, out->from,
             old != NULL && strcmp(old->cert.sha256, out->cert.sha256) != 0 ? "; replaced " : "",
             old != NULL && strcmp(old->cert.sha256, out->cert.sha256) != 0 ? old->cert.sha256
                                                                            : "");
    r = ferry_store_audit(s, "anchor", audit);
out:
    free(text);
    free(path);
    return r;
}

ferry_err ferry_anchor_forget(struct ferry_store *s, const struct ferry_anchor *old)
{
    char audit[512];

    if (unlink(old->path) != 0)
        return ferry_errf(FERRY_ERR_IO, "cannot remove %s: %s", old->path, strerror(errno));
    snprintf(audit, sizeof(audit), "removed %s (was for %.300s)", old->cert.sha256,
             old->service[0] ? old->service : "?");
    return ferry_store_audit(s, "anchor", audit);
}

/* scheme://host:port of @url, lower-case, into @out; 0 if it is not a URL. */
static int origin(const char *url, char *out, size_t cap)
{
    CURLU *u = curl_url();
    char *sc = NULL, *host = NULL, *port = NULL;
    int ok = 0;

    if (u != NULL && url != NULL && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_SCHEME, &sc, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK)
        ok = snprintf(out, cap, "%s://%s:%s", sc, host, port) < (int)cap;
    curl_free(sc);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    return ok;
}

int ferry_anchor_same_origin(const char *a, const char *b)
{
    char oa[1100], ob[1100];

    return origin(a, oa, sizeof(oa)) && origin(b, ob, sizeof(ob)) && strcasecmp(oa, ob) == 0;
}

/* No stored anchor for @url: the system store, for RMS only when check-root calls it usable. */
static ferry_err system_store(const char *home, const char *url, int rms)
{
    struct ferry_root_query q;
    struct ferry_root_report rep;
    ferry_err r;

    if (!rms)
        return FERRY_OK;
    memset(&q, 0, sizeof(q));
    q.now = ferry_time_now();
    if ((r = ferry_checkroot(&q, &rep)) != FERRY_OK)
        return r;
    if (rep.usable)
        return FERRY_OK;
    return ferry_errf(FERRY_ERR_UNTRUSTED,
                      "no trust anchor for %s: none is stored in %s, and check-root calls the "
                      "system trust store unusable (the GTE CyberTrust Global Root is %s in %s). "
                      "Run `ferry-online check-root --service %s` (add --root FILE or --pin "
                      "SHA-256 when the store lacks the service's root): it stores the anchor "
                      "submit then uses; or give --root FILE. Nothing was sent",
                      url, home, ferry_root_verdict_name(rep.verdict), rep.where, url);
}

ferry_err ferry_anchor_for_submit(const char *home, const char *url, int rms,
                                  struct ferry_anchor *an, const char **root_out, int *stored)
{
    ferry_err r;
    char day[11];

    *root_out = NULL;
    *stored = 0;
    r = ferry_anchor_load(home, an);
    if (r == FERRY_ERR_NOT_FOUND) {
        ferry_err_clear();
        return system_store(home, url, rms);
    }
    if (r != FERRY_OK)
        return r;
    if (!ferry_anchor_same_origin(an->service, url)) {
        if (!rms) /* EST to another CA: the stored anchor is not for it */
            return FERRY_OK;
        return ferry_errf(FERRY_ERR_UNTRUSTED,
                          "the trust anchor stored in %s is for %s, not %s: run `ferry-online "
                          "check-root --service %s` to check and store this service's anchor, "
                          "or give --root FILE. Nothing was sent",
                          an->path, an->service[0] ? an->service : "(no service named)", url, url);
    }
    if (an->cert.not_after != 0 && an->cert.not_after < ferry_time_now()) {
        ferry_time_date(an->cert.not_after, day);
        return ferry_errf(FERRY_ERR_EXPIRED,
                          "the trust anchor stored in %s (SHA-256 %s) expired on %s: run "
                          "`ferry-online check-root --service %s --root FILE` (or --pin SHA-256) "
                          "with the root the service uses now. Nothing was sent",
                          an->path, an->cert.sha256, day, url);
    }
    *root_out = an->path;
    *stored = 1;
    return FERRY_OK;
}
