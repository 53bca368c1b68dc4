/* ferry — check-root: is the GTE CyberTrust Global Root (or a pinned anchor) in the trust store
 * that submissions use, and is it still usable? */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "checkroot_int.h"
#include "http_int.h"
#include "ferry/buf.h"
#include "ferry/checkroot.h"
#include "ferry/file.h"
#include "ferry/log.h"
#include "ferry/crypto.h"
#include "ferry/hex.h"

/*
 * The GTE CyberTrust Global Root, public data, built in so that the binary works without the
 * source tree. online-side/data/ holds the same PEM with its source; test_checkroot compares them.
 * Its SHA-256 is checked against FERRY_GTE_ROOT_SHA256 before use.
 */
static const char gte_root_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIICWjCCAcMCAgGlMA0GCSqGSIb3DQEBBAUAMHUxCzAJBgNVBAYTAlVTMRgwFgYD\n"
    "VQQKEw9HVEUgQ29ycG9yYXRpb24xJzAlBgNVBAsTHkdURSBDeWJlclRydXN0IFNv\n"
    "bHV0aW9ucywgSW5jLjEjMCEGA1UEAxMaR1RFIEN5YmVyVHJ1c3QgR2xvYmFsIFJv\n"
    "b3QwHhcNOTgwODEzMDAyOTAwWhcNMTgwODEzMjM1OTAwWjB1MQswCQYDVQQGEwJV\n"
    "UzEYMBYGA1UEChMPR1RFIENvcnBvcmF0aW9uMScwJQYDVQQLEx5HVEUgQ3liZXJU\n"
    "cnVzdCBTb2x1dGlvbnMsIEluYy4xIzAhBgNVBAMTGkdURSBDeWJlclRydXN0IEds\n"
    "b2JhbCBSb290MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQCVD6C28FCc6HrH\n"
    "iM3dFw4usJTQGz0O9pTAipTHBsiQl8i4ZBp6fmw8U+E3KHNgf7KXUwefU/ltWJTS\n"
    "r41tiGeA5u2ylc9yMcqlHHK6XALnZELn+aks1joNrI1CqiQBOeacPwGFVw1Yh0X4\n"
    "04Wqk2kmhXBIgD8SFcd5tB8FLztimQIDAQABMA0GCSqGSIb3DQEBBAUAA4GBAG3r\n"
    "GwnpXtlR22ciYaQqPEh346B8pt5zohQDhT37qw4wxYMWM4ETCJ57NE7fQMh017l9\n"
    "3PR2VX2bY1QY6fDq81yx2YtCHrnAlU66+tXifPVoYb+O7AWXX1uw16OFNMQkpw0P\n"
    "lZPvy5TYnh+dXIVtx6quTx8itc2VrbqnzPmrC3p/\n"
    "-----END CERTIFICATE-----\n";

/* Where to get the anchor the service uses today; shown in the advice. */
#define NEW_ROOT_HOWTO                                                                             \
    "on a connected machine run `openssl s_client -connect activation.drm.microsoft.com:443 "      \
    "-showcerts`, note the root CA named in the last i: line, download that root from its "        \
    "CA's site, check its SHA-256 against the one the CA publishes, save it as PEM"

/* What a scan of the trust store found. */
struct scan {
    X509 *ref; /* borrowed: the certificate looked for */
    uint8_t ref_fp[FERRY_SHA256_LEN];
    X509 *genuine, *lookalike; /* owned: first of each found */
    char genuine_where[512], lookalike_where[512];
    size_t files, certs;
};

const char *ferry_root_verdict_name(enum ferry_root_verdict v)
{
    switch (v) {
    case FERRY_ROOT_PRESENT: return "present";
    case FERRY_ROOT_ABSENT: return "absent";
    case FERRY_ROOT_EXPIRED: return "expired";
    case FERRY_ROOT_LOOKALIKE: return "look-alike";
    }
    return "unknown";
}

/* Writes the advice; an over-long path is cut rather than overflowing (the report's @where
 * field carries the full one). */
static void advise(struct ferry_root_report *rep, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void advise(struct ferry_root_report *rep, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(rep->advice, sizeof(rep->advice), fmt, ap);
    va_end(ap);
}

static void copy_str(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src != NULL ? src : "");
}

/* SHA-256 of the DER encoding. 0 on failure. */
static int cert_sha256(X509 *x, uint8_t out[FERRY_SHA256_LEN])
{
    unsigned char *der = NULL;
    int n = i2d_X509(x, &der);

    if (n <= 0)
        return 0;
    ferry_sha256(der, (size_t)n, out);
    OPENSSL_free(der);
    return 1;
}

static void fp_colons(const uint8_t fp[FERRY_SHA256_LEN], char *out, size_t cap)
{
    static const char hx[] = "0123456789ABCDEF";
    size_t i, o = 0;

    for (i = 0; i < FERRY_SHA256_LEN && o + 3 < cap; i++) {
        if (i > 0)
            out[o++] = ':';
        out[o++] = hx[fp[i] >> 4];
        out[o++] = hx[fp[i] & 15];
    }
    out[o] = '\0';
}

static time_t asn1_time_t(const ASN1_TIME *t)
{
    struct tm tm;

    if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
        return 0;
    return timegm(&tm);
}

/* 1 if @x is valid at @now (notBefore <= now <= notAfter). */
static int valid_at(X509 *x, time_t now)
{
    time_t t = now;

    return X509_cmp_time(X509_get0_notBefore(x), &t) < 0 &&
           X509_cmp_time(X509_get0_notAfter(x), &t) > 0;
}

/*
 * Reads a whole regular file of at most @max bytes. Trust stores are made of symbolic links
 * by design (/etc/ssl/certs), so links are followed here, unlike ferry_file_read().
 */
static ferry_err read_store_file(const char *path, size_t max, uint8_t **out, size_t *len)
{
    ferry_err r = FERRY_ERR_INTERNAL;
    struct ferry_buf b;
    struct stat st;
    uint8_t chunk[16384];
    size_t n;
    FILE *f = fopen(path, "rb");

    ferry_buf_init(&b, max);
    if (f == NULL) {
        r = ferry_errf(errno == ENOENT ? FERRY_ERR_NOT_FOUND : FERRY_ERR_IO, "cannot open %s: %s",
                       path, strerror(errno));
        goto out;
    }
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        r = ferry_errf(FERRY_ERR_FORMAT, "%s is not a regular file", path);
        goto out;
    }
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if ((r = ferry_buf_append(&b, chunk, n)) != FERRY_OK) {
            if (r == FERRY_ERR_TOO_LARGE)
                r = ferry_errf(r, "%s is larger than %zu bytes; not read", path, max);
            goto out;
        }
    }
    if (ferror(f)) {
        r = ferry_errf(FERRY_ERR_IO, "cannot read %s", path);
        goto out;
    }
    if (b.data == NULL && (r = ferry_buf_append(&b, "", 0)) != FERRY_OK)
        goto out;
    *out = ferry_buf_steal(&b, len);
    r = FERRY_OK;
out:
    if (f != NULL)
        fclose(f);
    ferry_buf_free(&b);
    return r;
}

/* Files of a certificate directory worth reading: *.pem, *.crt and OpenSSL hash names. */
static int store_name_ok(const char *name)
{
    size_t n = strlen(name), i;

    if (n > 4 && (strcmp(name + n - 4, ".pem") == 0 || strcmp(name + n - 4, ".crt") == 0))
        return 1;
    if (n < 10 || name[8] != '.')
        return 0;
    for (i = 0; i < 8; i++)
        if (strchr("0123456789abcdef", name[i]) == NULL)
            return 0;
    for (i = 9; i < n; i++)
        if (name[i] < '0' || name[i] > '9')
            return 0;
    return 1;
}

static void scan_cert(struct scan *s, X509 *x, const char *where)
{
    uint8_t fp[FERRY_SHA256_LEN];

    s->certs++;
    if (!cert_sha256(x, fp))
        return;
    if (ferry_ct_eq(fp, s->ref_fp, sizeof(fp))) {
        if (s->genuine == NULL && X509_up_ref(x) == 1) {
            s->genuine = x;
            copy_str(s->genuine_where, sizeof(s->genuine_where), where);
        }
    } else if (X509_NAME_cmp(X509_get_subject_name(x), X509_get_subject_name(s->ref)) == 0) {
        if (s->lookalike == NULL && X509_up_ref(x) == 1) {
            s->lookalike = x;
            copy_str(s->lookalike_where, sizeof(s->lookalike_where), where);
        }
    }
}

/* Every certificate in @buf: a PEM bundle (CERTIFICATE or TRUSTED CERTIFICATE), else one DER. */
static void scan_bytes(struct scan *s, const uint8_t *buf, size_t len, const char *where)
{
    BIO *bio = BIO_new_mem_buf(buf, (int)len);
    const unsigned char *p = buf;
    X509 *x;
    size_t found = 0;

    if (bio == NULL || len > INT32_MAX)
        goto out;
    while ((x = PEM_read_bio_X509_AUX(bio, NULL, NULL, NULL)) != NULL) {
        scan_cert(s, x, where);
        X509_free(x);
        found++;
    }
    if (found == 0 && (x = d2i_X509(NULL, &p, (long)len)) != NULL) {
        scan_cert(s, x, where);
        X509_free(x);
    }
out:
    ERR_clear_error(); /* the end of a bundle reads as an error */
    BIO_free(bio);
}

static ferry_err scan_file(struct scan *s, const char *path, size_t max, int must_exist)
{
    ferry_err r;
    uint8_t *buf = NULL;
    size_t len = 0;

    r = read_store_file(path, max, &buf, &len);
    if (r == FERRY_OK) {
        s->files++;
        scan_bytes(s, buf, len, path);
    } else if (!must_exist) {
        ferry_log(FERRY_LOG_DEBUG, "trust store: skipped %s: %s", path, ferry_err_detail());
        ferry_err_clear();
        r = FERRY_OK;
    }
    free(buf);
    return r;
}

/* One directory of the store; a missing default directory is not an error. */
static ferry_err scan_one_dir(struct scan *s, const char *dir, int must_exist)
{
    ferry_err r = FERRY_OK;
    DIR *d = opendir(dir);
    struct dirent *e;
    size_t seen = 0;
    char *path;

    if (d == NULL) {
        if (must_exist)
            return ferry_errf(errno == ENOENT ? FERRY_ERR_NOT_FOUND : FERRY_ERR_IO,
                              "cannot open the CA directory %s: %s", dir, strerror(errno));
        return FERRY_OK;
    }
    while ((e = readdir(d)) != NULL && r == FERRY_OK) {
        if (!store_name_ok(e->d_name))
            continue;
        if (++seen > FERRY_TRUST_MAX_DIRENTS) {
            ferry_log(FERRY_LOG_WARN, "%s: more than %u certificate files; the rest not read", dir,
                      FERRY_TRUST_MAX_DIRENTS);
            break;
        }
        if ((path = ferry_path_join(dir, e->d_name)) == NULL) {
            r = FERRY_ERR_NOMEM;
            break;
        }
        r = scan_file(s, path, FERRY_TRUST_MAX_FILE, 0);
        free(path);
    }
    closedir(d);
    return r;
}

/* @dirs may be a ':'-separated list, as $SSL_CERT_DIR is. */
static ferry_err scan_dirs(struct scan *s, const char *dirs, int must_exist)
{
    ferry_err r = FERRY_OK;
    char *copy = strdup(dirs), *p, *colon;

    if (copy == NULL)
        return FERRY_ERR_NOMEM;
    for (p = copy; p != NULL && r == FERRY_OK; p = colon != NULL ? colon + 1 : NULL) {
        colon = strchr(p, ':');
        if (colon != NULL)
            *colon = '\0';
        if (*p != '\0')
            r = scan_one_dir(s, p, must_exist);
    }
    free(copy);
    return r;
}

/* The certificate looked for: @path (PEM or DER), else the built-in GTE root. */
static ferry_err load_reference(const char *path, X509 **out)
{
    ferry_err r = FERRY_ERR_INTERNAL;
    uint8_t *buf = NULL, fp[FERRY_SHA256_LEN], want[FERRY_SHA256_LEN];
    size_t len = 0;
    char hex[2 * FERRY_SHA256_LEN + 1];
    size_t o = 0;
    const char *c;
    BIO *bio = NULL;

    *out = NULL;
    if (path != NULL) {
        if ((r = read_store_file(path, FERRY_TRUST_MAX_FILE, &buf, &len)) != FERRY_OK)
            goto out;
        bio = BIO_new_mem_buf(buf, (int)len);
    } else {
        bio = BIO_new_mem_buf(gte_root_pem, (int)sizeof(gte_root_pem) - 1);
    }
    if (bio == NULL || (*out = PEM_read_bio_X509(bio, NULL, NULL, NULL)) == NULL) {
        r = ferry_err_openssl(FERRY_ERR_FORMAT, path != NULL ? path : "built-in GTE root");
        goto out;
    }
    if (path == NULL) { /* the built-in copy must be the one the header names */
        for (c = FERRY_GTE_ROOT_SHA256; *c != '\0' && o + 1 < sizeof(hex); c++)
            if (*c != ':')
                hex[o++] = *c;
        hex[o] = '\0';
        if (ferry_hex_decode(hex, want, sizeof(want)) != FERRY_OK || !cert_sha256(*out, fp) ||
            !ferry_ct_eq(fp, want, sizeof(fp))) {
            r = ferry_errf(FERRY_ERR_INTERNAL, "built-in GTE root does not match its fingerprint");
            goto out;
        }
    }
    r = FERRY_OK;
out:
    if (r != FERRY_OK) {
        X509_free(*out);
        *out = NULL;
    }
    BIO_free(bio);
    free(buf);
    return r;
}

static void fill_cert(struct ferry_root_report *rep, X509 *x, const char *where)
{
    uint8_t fp[FERRY_SHA256_LEN];
    char *subj = X509_NAME_oneline(X509_get_subject_name(x), NULL, 0);

    copy_str(rep->where, sizeof(rep->where), where);
    copy_str(rep->subject, sizeof(rep->subject), subj);
    OPENSSL_free(subj);
    if (cert_sha256(x, fp))
        fp_colons(fp, rep->fingerprint, sizeof(rep->fingerprint));
    rep->not_after = asn1_time_t(X509_get0_notAfter(x));
}

static void advise_found(const struct scan *s, time_t now, struct ferry_root_report *rep)
{
    char until[11], from[11];

    if (s->lookalike != NULL) {
        fill_cert(rep, s->lookalike, s->lookalike_where);
        rep->verdict = FERRY_ROOT_LOOKALIKE;
        advise(rep,
               "%s holds a certificate named like the GTE CyberTrust Global Root but with "
               "SHA-256 %.23s..., not A5:31:25:18:...: it is NOT the real root. Remove it "
               "from the trust store, find out who installed it, and submit nothing until "
               "it is gone.",
               s->lookalike_where, rep->fingerprint);
        return;
    }
    fill_cert(rep, s->genuine, s->genuine_where);
    ferry_time_date(rep->not_after, until);
    ferry_time_date(asn1_time_t(X509_get0_notBefore(s->genuine)), from);
    if (valid_at(s->genuine, now)) {
        rep->verdict = FERRY_ROOT_PRESENT;
        rep->usable = 1;
        advise(rep,
               "the GTE CyberTrust Global Root is in %s and valid until %s: submissions can "
               "use it. After that date pin the service's new root with --root FILE.",
               s->genuine_where, until);
    } else if (asn1_time_t(X509_get0_notBefore(s->genuine)) > now) {
        rep->verdict = FERRY_ROOT_EXPIRED;
        advise(rep,
               "the GTE CyberTrust Global Root in %s is not valid before %s: this machine's "
               "clock is wrong; set it (check with `date -u`) and run check-root again.",
               s->genuine_where, from);
    } else {
        rep->verdict = FERRY_ROOT_EXPIRED;
        advise(rep,
               "the GTE CyberTrust Global Root expired on %s; the enrollment service now "
               "chains to another root. Pin it with --root FILE: " NEW_ROOT_HOWTO ".",
               until);
    }
}

/* Scans the store submissions use and fills @rep. */
static ferry_err check_store(const struct ferry_root_query *q, X509 *ref,
                             struct ferry_root_report *rep)
{
    ferry_err r = FERRY_ERR_INTERNAL;
    struct scan s;
    const char *file = NULL, *dir = NULL;

    memset(&s, 0, sizeof(s));
    s.ref = ref;
    if (!cert_sha256(ref, s.ref_fp))
        return ferry_err_openssl(FERRY_ERR_CRYPTO, "fingerprint of the reference root");
    ferry_http_trust_store(q->ca_file, q->ca_path, &file, &dir);
    if (file != NULL &&
        (r = scan_file(&s, file, FERRY_TRUST_MAX_BUNDLE, q->ca_file != NULL)) != FERRY_OK)
        goto out;
    if (dir != NULL && (r = scan_dirs(&s, dir, q->ca_path != NULL)) != FERRY_OK)
        goto out;
    ferry_log(FERRY_LOG_DEBUG, "trust store: %zu files, %zu certificates read", s.files, s.certs);
    if (s.genuine != NULL || s.lookalike != NULL) {
        advise_found(&s, q->now, rep);
    } else {
        rep->verdict = FERRY_ROOT_ABSENT;
        snprintf(rep->where, sizeof(rep->where), "%s%s%s", file != NULL ? file : "",
                 file != NULL && dir != NULL ? " and " : "", dir != NULL ? dir : "");
        advise(rep,
               "the GTE CyberTrust Global Root is not among the %zu certificates of %s. Do "
               "not install it: it expired on 2018-08-13. Pin the root the service uses now "
               "with --root FILE: " NEW_ROOT_HOWTO ".",
               s.certs, rep->where);
    }
    r = FERRY_OK;
out:
    X509_free(s.genuine);
    X509_free(s.lookalike);
    return r;
}

/* --root FILE: the first certificate of the file (PEM or DER), or NULL. */
static X509 *parse_anchor(const uint8_t *buf, size_t len)
{
    BIO *bio = BIO_new_mem_buf(buf, (int)len);
    const unsigned char *p = buf;
    X509 *x = NULL;

    if (bio != NULL)
        x = PEM_read_bio_X509_AUX(bio, NULL, NULL, NULL);
    if (x == NULL)
        x = d2i_X509(NULL, &p, (long)len);
    ERR_clear_error();
    BIO_free(bio);
    return x;
}

/* --root FILE: report on that anchor. */
static ferry_err check_pinned(const struct ferry_root_query *q, X509 *ref,
                              struct ferry_root_report *rep)
{
    ferry_err r = FERRY_ERR_INTERNAL;
    uint8_t *buf = NULL, fp[FERRY_SHA256_LEN], ref_fp[FERRY_SHA256_LEN];
    size_t len = 0;
    X509 *x = NULL;
    char day[11];

    if ((r = read_store_file(q->root, FERRY_TRUST_MAX_FILE, &buf, &len)) != FERRY_OK)
        goto out;
    copy_str(rep->where, sizeof(rep->where), q->root);
    if ((x = parse_anchor(buf, len)) == NULL) {
        rep->verdict = FERRY_ROOT_ABSENT;
        advise(rep,
               "%s holds no certificate (PEM or DER): give --root the CA certificate the "
               "service chains to, saved as PEM.",
               q->root);
        r = FERRY_OK;
        goto out;
    }
    fill_cert(rep, x, q->root);
    if (cert_sha256(x, fp) && cert_sha256(ref, ref_fp) && !ferry_ct_eq(fp, ref_fp, sizeof(fp)) &&
        X509_NAME_cmp(X509_get_subject_name(x), X509_get_subject_name(ref)) == 0) {
        rep->verdict = FERRY_ROOT_LOOKALIKE;
        advise(rep,
               "%s is named like the GTE CyberTrust Global Root but is not it (SHA-256 %.23s..."
               "): do not pin it. Find out where it came from.",
               q->root, rep->fingerprint);
    } else if (valid_at(x, q->now)) {
        rep->verdict = FERRY_ROOT_PRESENT;
        rep->usable = 1;
        ferry_time_date(rep->not_after, day);
        advise(rep,
               "submissions will trust only %s (valid until %s). Before relying on it, compare "
               "its SHA-256 %s with the one its CA publishes.",
               q->root, day, rep->fingerprint);
    } else if (asn1_time_t(X509_get0_notBefore(x)) > q->now) {
        rep->verdict = FERRY_ROOT_EXPIRED;
        ferry_time_date(asn1_time_t(X509_get0_notBefore(x)), day);
        advise(rep,
               "%s is not valid before %s: check this machine's clock (`date -u`) and the file.",
               q->root, day);
    } else {
        rep->verdict = FERRY_ROOT_EXPIRED;
        ferry_time_date(rep->not_after, day);
        advise(rep,
               "%s expired on %s and cannot anchor a submission. Get the root the service "
               "uses now: " NEW_ROOT_HOWTO ".",
               q->root, day);
    }
    r = FERRY_OK;
out:
    X509_free(x);
    free(buf);
    return r;
}

ferry_err ferry_checkroot(const struct ferry_root_query *q, struct ferry_root_report *rep)
{
    ferry_err r = FERRY_ERR_INTERNAL;
    X509 *ref = NULL;

    memset(rep, 0, sizeof(*rep));
    rep->verdict = FERRY_ROOT_ABSENT;
    if ((r = load_reference(q->expect_pem, &ref)) != FERRY_OK)
        goto out;
    if (q->root != NULL)
        r = check_pinned(q, ref, rep);
    else
        r = check_store(q, ref, rep);
out:
    X509_free(ref);
    return r;
}
