/* ferry — the HTTPS client (libcurl) every enrollment protocol and check-root's GET go through.
 * Verification always on, HTTPS only, no redirects, no decompression, capped answers,
 * bounded retries with back-off, Retry-After honoured within one deadline. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "ferry/buf.h"
#include "ferry/time.h"
#include "ferry/file.h"
#include "ferry/http.h"
#include "ferry/log.h"
#include "ferry/rms.h"
#include "ferry/x509.h"
#include "ferry/xml.h"
#include "http_int.h"

#define SOAP11_NS      "http://schemas.xmlsoap.org/soap/envelope/"
#define SOAP12_NS      "http://www.w3.org/2003/05/soap-envelope"
#define BACKOFF_CAP_MS 60000L
#define POOL_MAX       32     /* idle connections kept */
#define SAYS_MAX       240    /* characters of a server's error text quoted */
#define PENDING_MAX    100000 /* 202/503 answers followed, at most (the deadline ends it first) */

/* What one attempt produced. */
struct attempt {
    struct ferry_buf body;
    int too_large;
    char encoding[64];  /* Content-Encoding, if any: refused */
    long retry_after;   /* Retry-After delta-seconds, -1 if absent or a date */
    time_t retry_date;  /* Retry-After HTTP-date, 0 if absent */
    char www_auth[160]; /* the schemes of WWW-Authenticate, space separated */
    char errbuf[CURL_ERROR_SIZE];
    CURLcode cc;
    long status;
    char content_type[128];
    char location[256];
};

enum outcome { OUT_DONE, OUT_RETRY, OUT_FAIL };

void ferry_http_opts_default(struct ferry_http_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->connect_timeout_ms = 15000;
    o->timeout_ms = 120000;
    o->max_attempts = 4;
    o->backoff_ms = 1000;
    o->max_response = 4u << 20;
    o->low_speed_limit = 64;
    o->low_speed_time_s = 30;
}

struct ferry_http_pool {
    pthread_mutex_t lock;
    CURL *idle[POOL_MAX]; /* each keeps its connection to the service open */
    int n;
};

ferry_err ferry_http_pool_new(struct ferry_http_pool **out)
{
    if ((*out = calloc(1, sizeof(**out))) == NULL)
        return FERRY_ERR_NOMEM;
    pthread_mutex_init(&(*out)->lock, NULL);
    return FERRY_OK;
}

void ferry_http_pool_free(struct ferry_http_pool *p)
{
    if (p == NULL)
        return;
    while (p->n > 0)
        curl_easy_cleanup(p->idle[--p->n]);
    pthread_mutex_destroy(&p->lock);
    free(p);
}

/* A handle from the pool (its connection still open), or a new one. */
static CURL *pool_take(struct ferry_http_pool *p)
{
    CURL *h = NULL;

    if (p != NULL) {
        pthread_mutex_lock(&p->lock);
        if (p->n > 0)
            h = p->idle[--p->n];
        pthread_mutex_unlock(&p->lock);
    }
    if (h != NULL)
        curl_easy_reset(h); /* options cleared; the open connection is kept */
    else
        h = curl_easy_init();
    return h;
}

/* Back to the pool after a clean exchange (else the caller closes it). */
static void pool_give(struct ferry_http_pool *p, CURL *h)
{
    if (p != NULL) {
        pthread_mutex_lock(&p->lock);
        if (p->n < POOL_MAX) {
            p->idle[p->n++] = h;
            h = NULL;
        }
        pthread_mutex_unlock(&p->lock);
    }
    curl_easy_cleanup(h);
}

static double real_now(void *ctx)
{
    struct timespec ts;

    (void)ctx;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void real_sleep(void *ctx, double secs)
{
    struct timespec ts;

    (void)ctx;
    if (secs <= 0)
        return;
    ts.tv_sec = (time_t)secs;
    ts.tv_nsec = (long)((secs - (double)ts.tv_sec) * 1e9);
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static const struct ferry_http_clock real_clock = {real_now, real_sleep, NULL};

static const struct ferry_http_clock *clock_of(const struct ferry_http_opts *o)
{
    return o->clock != NULL ? o->clock : &real_clock;
}

void ferry_http_result_free(struct ferry_http_result *res)
{
    if (res == NULL)
        return;
    FERRY_FREE(res->body);
    res->len = 0;
}

void ferry_http_trust_store(const char *ca_file, const char *ca_path, const char **file_out,
                            const char **dir_out)
{
    const char *e;

    if (ca_file != NULL || ca_path != NULL) {
        *file_out = ca_file;
        *dir_out = ca_path;
        return;
    }
    e = getenv(X509_get_default_cert_file_env());
    *file_out = e != NULL && *e != '\0' ? e : X509_get_default_cert_file();
    e = getenv(X509_get_default_cert_dir_env());
    *dir_out = e != NULL && *e != '\0' ? e : X509_get_default_cert_dir();
}

/* Copies a header value (after "Name:") trimmed of white space. */
static void header_value(const char *v, size_t n, char *out, size_t cap)
{
    while (n > 0 && (*v == ' ' || *v == '\t')) {
        v++;
        n--;
    }
    while (n > 0 && isspace((unsigned char)v[n - 1]))
        n--;
    snprintf(out, cap, "%.*s", (int)(n < cap ? n : cap - 1), v);
}

static int header_is(const char *line, size_t n, const char *name)
{
    size_t k = strlen(name);

    return n > k && line[k] == ':' && strncasecmp(line, name, k) == 0;
}

static size_t header_cb(char *line, size_t size, size_t nitems, void *ud)
{
    struct attempt *a = ud;
    size_t n = size * nitems, k;
    char v[64];

    if (n >= 5 && strncmp(line, "HTTP/", 5) == 0) { /* a new response (after 100, ...) */
        a->encoding[0] = '\0';
        a->www_auth[0] = '\0';
        a->retry_after = -1;
        a->retry_date = 0;
    } else if (header_is(line, n, "Content-Encoding")) {
        k = strlen("Content-Encoding:");
        header_value(line + k, n - k, a->encoding, sizeof(a->encoding));
        if (a->encoding[0] != '\0' && strcasecmp(a->encoding, "identity") != 0)
            return 0; /* refused: never decompress an answer */
        a->encoding[0] = '\0';
    } else if (header_is(line, n, "Retry-After")) { /* RFC 9110 §10.2.3: seconds or a date */
        k = strlen("Retry-After:");
        header_value(line + k, n - k, v, sizeof(v));
        a->retry_after =
            (v[0] >= '0' && v[0] <= '9' && strspn(v, "0123456789") == strlen(v) && strlen(v) < 9)
                ? strtol(v, NULL, 10)
                : -1;
        a->retry_date = 0;
        if (a->retry_after < 0 && v[0] != '\0') {
            time_t t = curl_getdate(v, NULL);
            a->retry_date = t > 0 ? t : 0;
        }
    } else if (header_is(line, n, "WWW-Authenticate")) {
        k = strlen("WWW-Authenticate:");
        header_value(line + k, n - k, v, sizeof(v));
        v[strcspn(v, " ,")] = '\0'; /* the scheme */
        k = strlen(a->www_auth);
        snprintf(a->www_auth + k, sizeof(a->www_auth) - k, "%s%s", k > 0 ? " " : "", v);
    }
    return n;
}

static size_t write_cb(char *p, size_t size, size_t nmemb, void *ud)
{
    struct attempt *a = ud;
    size_t n = size * nmemb;

    if (ferry_buf_append(&a->body, p, n) != FERRY_OK) {
        a->too_large = 1;
        return 0;
    }
    return n;
}

/* Sets every option of one attempt. Returns 0 if libcurl refused one (too old a libcurl). */
static int setup_handle(CURL *h, const struct exchange *ex, const struct ferry_http_opts *o,
                        long timeout_ms, struct attempt *a)
{
    int bad = 0;

    bad |= curl_easy_setopt(h, CURLOPT_URL, ex->url) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https") != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "https") != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2) != CURLE_OK;
    if (ex->ca_blob != NULL)
        bad |= curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, ex->ca_blob) != CURLE_OK;
    else
        bad |= curl_easy_setopt(h, CURLOPT_CAINFO, ex->ca_file) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_CAPATH, ex->ca_path) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, o->low_speed_limit) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, o->low_speed_time_s) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)o->max_response) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_USERAGENT, "ferry/" FERRY_VERSION) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_HTTPHEADER, ex->hdrs) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_cb) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_WRITEDATA, a) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, header_cb) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_HEADERDATA, a) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_ERRORBUFFER, a->errbuf) != CURLE_OK;
    if (ex->body != NULL) {
        bad |= curl_easy_setopt(h, CURLOPT_POST, 1L) != CURLE_OK;
        bad |= curl_easy_setopt(h, CURLOPT_POSTFIELDS, (const char *)ex->body) != CURLE_OK;
        bad |= curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)ex->len) != CURLE_OK;
    }
    if (o->user != NULL) {
        bad |= curl_easy_setopt(h, CURLOPT_USERNAME, o->user) != CURLE_OK;
        bad |= curl_easy_setopt(h, CURLOPT_PASSWORD, o->password != NULL ? o->password : "") !=
               CURLE_OK;
        bad |= curl_easy_setopt(h, CURLOPT_HTTPAUTH, CURLAUTH_BASIC | CURLAUTH_DIGEST) != CURLE_OK;
    }
    return !bad;
}

static void attempt_reset(struct attempt *a, size_t max)
{
    ferry_buf_free(&a->body);
    memset(a, 0, sizeof(*a));
    ferry_buf_init(&a->body, max);
    a->retry_after = -1;
}

/* After curl_easy_perform: what the handle knows. */
static void attempt_collect(CURL *h, struct attempt *a)
{
    char *s = NULL;

    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &a->status);
    if (curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &s) == CURLE_OK && s != NULL)
        snprintf(a->content_type, sizeof(a->content_type), "%s", s);
    s = NULL;
    if (curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &s) == CURLE_OK && s != NULL)
        snprintf(a->location, sizeof(a->location), "%s", s);
    if (a->errbuf[0] == '\0')
        snprintf(a->errbuf, sizeof(a->errbuf), "%s", curl_easy_strerror(a->cc));
}

/* One attempt, on a pooled connection when there is one (a failed one is closed: the next
 * attempt connects anew). */
static ferry_err attempt_run(const struct exchange *ex, const struct ferry_http_opts *o,
                             long timeout_ms, struct attempt *a)
{
    CURL *h = pool_take(o->pool);
    ferry_err r = FERRY_OK;

    if (h == NULL)
        return ferry_errf(FERRY_ERR_NOMEM, "cannot start an HTTPS client (curl_easy_init)");
    if (!setup_handle(h, ex, o, timeout_ms, a)) {
        r = ferry_errf(FERRY_ERR_INTERNAL,
                       "this libcurl lacks an option ferry needs (%s); "
                       "libcurl 7.85 or later is required",
                       curl_version());
        goto out;
    }
    a->cc = curl_easy_perform(h);
    attempt_collect(h, a);
out:
    if (r == FERRY_OK && a->cc == CURLE_OK)
        pool_give(o->pool, h);
    else
        curl_easy_cleanup(h);
    return r;
}

/* 1 if @a's body is a SOAP Envelope whose Body holds a Fault. */
static int is_soap_fault(const struct attempt *a)
{
    xmlDocPtr doc = NULL;
    xmlNodePtr env, body = NULL;
    int fault = 0;

    if (a->body.len == 0 || ferry_xml_parse(a->body.data, a->body.len, "answer", &doc) != FERRY_OK)
        goto out;
    env = xmlDocGetRootElement(doc);
    if (ferry_xml_is(env, SOAP11_NS, "Envelope"))
        body = ferry_xml_child(env, SOAP11_NS, "Body");
    else if (ferry_xml_is(env, SOAP12_NS, "Envelope"))
        body = ferry_xml_child(env, SOAP12_NS, "Body");
    fault = body != NULL && ferry_xml_child(body, NULL, "Fault") != NULL;
out:
    xmlFreeDoc(doc);
    ferry_err_clear();
    return fault;
}

/* TLS verification failed: say which way, from curl's message. */
static ferry_err untrusted(const struct exchange *ex, const struct attempt *a)
{
    if (strstr(a->errbuf, "host name") != NULL || strstr(a->errbuf, "subject name") != NULL)
        return ferry_errf(FERRY_ERR_UNTRUSTED,
                          "%s at %s: the service's certificate is not "
                          "issued for this host name: wrong URL, or someone in between (%s)",
                          ex->what, ex->url, a->errbuf);
    if (strstr(a->errbuf, "expired") != NULL || strstr(a->errbuf, "not yet valid") != NULL)
        return ferry_errf(FERRY_ERR_UNTRUSTED,
                          "%s at %s: the service's certificate is outside "
                          "its validity (check this machine's clock) (%s)",
                          ex->what, ex->url, a->errbuf);
    return ferry_errf(FERRY_ERR_UNTRUSTED,
                      "%s at %s: the service's certificate does not chain "
                      "to the pinned root %s (%s)",
                      ex->what, ex->url, ex->anchor, a->errbuf);
}

/* A curl failure: retry (transient), or the final error. */
static enum outcome classify_curl(const struct exchange *ex, const struct ferry_http_opts *o,
                                  const struct attempt *a, ferry_err *err)
{
    switch (a->cc) {
    case CURLE_WRITE_ERROR:
    case CURLE_FILESIZE_EXCEEDED:
        if (a->too_large || a->cc == CURLE_FILESIZE_EXCEEDED) {
            *err = ferry_errf(FERRY_ERR_TOO_LARGE,
                              "%s at %s: answer larger than %zu bytes; "
                              "refused after reading at most that much (an enrollment answer is "
                              "a few kilobytes: check the service URL)",
                              ex->what, ex->url, o->max_response);
            return OUT_FAIL;
        }
        if (a->encoding[0] != '\0') {
            *err = ferry_errf(FERRY_ERR_FORMAT,
                              "%s at %s: the answer came with "
                              "Content-Encoding: %s; ferry never decompresses answers (a "
                              "compressed answer could expand without bound): ask the "
                              "service's administrator to answer uncompressed",
                              ex->what, ex->url, a->encoding);
            return OUT_FAIL;
        }
        break;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH: *err = untrusted(ex, a); return OUT_FAIL;
    case CURLE_SSL_CACERT_BADFILE:
        *err = ferry_errf(FERRY_ERR_IO, "%s: cannot load the trust anchor %s (%s)", ex->what,
                          ex->anchor, a->errbuf);
        return OUT_FAIL;
    case CURLE_UNSUPPORTED_PROTOCOL:
        *err = ferry_errf(FERRY_ERR_USAGE, "%s: %s is not an https:// URL", ex->what, ex->url);
        return OUT_FAIL;
    case CURLE_SSL_CONNECT_ERROR:
        if (strstr(a->errbuf, "unsupported protocol") != NULL ||
            strstr(a->errbuf, "protocol version") != NULL ||
            strstr(a->errbuf, "version too low") != NULL) {
            *err = ferry_errf(FERRY_ERR_UNTRUSTED,
                              "%s at %s: the service offers only a TLS "
                              "version older than 1.2, which ferry refuses; the service must "
                              "be upgraded (%s)",
                              ex->what, ex->url, a->errbuf);
            return OUT_FAIL;
        }
        /* fall through - another handshake failure may be transient */
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        *err = ferry_errf(FERRY_ERR_NET, "%s at %s failed: %s%s", ex->what, ex->url, a->errbuf,
                          a->cc == CURLE_OPERATION_TIMEDOUT
                              ? " (the service did not answer in time, or answered too slowly); "
                                "nothing was received in full: submit again later (a slow "
                                "but working service needs a longer --timeout)"
                              : "; nothing was received in full: check the network and submit "
                                "again later");
        return OUT_RETRY;
    default: break;
    }
    *err = ferry_errf(FERRY_ERR_NET, "%s at %s failed: %s", ex->what, ex->url, a->errbuf);
    return OUT_FAIL;
}

/* 1 if the media type of @ct (before any ';' parameters) is one of @types. */
static int media_type_in(const char *ct, const char *const *types)
{
    size_t n;

    while (*ct == ' ' || *ct == '\t')
        ct++;
    n = strcspn(ct, ";");
    while (n > 0 && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
        n--;
    for (; *types != NULL; types++)
        if (strlen(*types) == n && strncasecmp(ct, *types, n) == 0)
            return 1;
    return 0;
}

/* A success is only an answer if it says it is one: SOAP is XML, EST is PKCS#7. Anything else
 * (an HTML login page, a proxy's notice) is refused before it is read as an answer. */
static enum outcome answer_type(const struct exchange *ex, const struct attempt *a, ferry_err *err)
{
    static const char *const soap[] = {"text/xml", "application/soap+xml", NULL};
    static const char *const est[] = {"application/pkcs7-mime", "application/x-pkcs7-mime", NULL};
    const char *const *want = ex->soap ? soap : ex->est ? est : NULL;

    if (want == NULL || media_type_in(a->content_type, want))
        return OUT_DONE;
    *err = ferry_errf(FERRY_ERR_FORMAT,
                      "%s at %s: the answer's Content-Type is %s%s%s, not %s: "
                      "not an answer from the enrollment service; check that the URL is the "
                      "service itself (not a proxy, portal or login page)",
                      ex->what, ex->url, a->content_type[0] != '\0' ? "\"" : "(none)",
                      a->content_type, a->content_type[0] != '\0' ? "\"" : "",
                      ex->soap ? "text/xml (SOAP)" : "application/pkcs7-mime (RFC 7030)");
    return OUT_FAIL;
}

/* The start of a server's error text, printable: other bytes and runs of white space become one
 * space, HTML tags are dropped, at most SAYS_MAX characters. Empty if there is nothing to say. */
static void server_says(const struct attempt *a, char *out, size_t cap)
{
    size_t i, k = 0;
    int tag = 0, space = 1;
    const uint8_t *p = a->body.data;

    out[0] = '\0';
    for (i = 0; p != NULL && i < a->body.len && k + 4 < cap && k < SAYS_MAX; i++) {
        unsigned char c = p[i];
        if (c == '<')
            tag = 1;
        if (tag) {
            tag = c != '>';
            continue;
        }
        if (c < 0x21 || c > 0x7e) {
            if (!space)
                out[k++] = ' ';
            space = 1;
            continue;
        }
        out[k++] = (char)c;
        space = 0;
    }
    while (k > 0 && out[k - 1] == ' ')
        k--;
    if (k > 0 && i < a->body.len)
        out[k++] = '.', out[k++] = '.', out[k++] = '.';
    out[k] = '\0';
}

/* 1 if @schemes (space separated) holds @s. */
static int has_scheme(const char *schemes, const char *s)
{
    size_t n = strlen(s);
    const char *p = schemes;

    for (; *p != '\0'; p += strcspn(p, " "), p += *p == ' ') {
        if (strncasecmp(p, s, n) == 0 && (p[n] == ' ' || p[n] == '\0'))
            return 1;
    }
    return 0;
}

/* What an HTTP refusal from an EST CA means, and what to do next (RFC 7030 §3.2.3, §3.3, §4.2.3).
 */
static const char *est_meaning(const struct attempt *a, const struct ferry_http_opts *o)
{
    int http_auth = has_scheme(a->www_auth, "Basic") || has_scheme(a->www_auth, "Digest");

    switch (a->status) {
    case 400:
        return "the CA could not read or does not accept the request (a malformed PKCS#10, its "
               "encoding, or a proof-of-possession the CA wants and the request lacks): read "
               "the CA's text above; make the request again with `ferry-offline request` if "
               "it names the request";
    case 401:
        if (http_auth && o->user == NULL)
            return "the CA asks for HTTP authentication: give --est-user USER (the password "
                   "from $FERRY_EST_PASSWORD or the terminal)";
        if (http_auth)
            return "the CA did not accept the user name and password: check --est-user and "
                   "the password with the CA's administrator";
        return "the CA asks for an authentication ferry cannot give: it wants a TLS client "
               "certificate (RFC 7030 §3.3.2) or a request bound to the TLS session "
               "(tls-unique, §3.5). The key of the certificate being renewed is on the "
               "offline machine and never comes here, so this machine cannot authenticate "
               "with it: the CA must allow HTTP Basic or Digest authentication (a user for "
               "--est-user) for /simplereenroll, or /simpleenroll with --est-enroll, "
               "without tls-unique in the request";
    case 403:
        return "the CA refused by policy (this account, subject or profile may not enroll "
               "here; a CA that needs a TLS client certificate also answers so: the key is "
               "offline, so the CA must allow HTTP authentication for this account)";
    case 404:
        return "no EST service at this URL: check --service (the EST base URL; with a CA "
               "label, https://HOST/.well-known/est/LABEL)";
    case 405:
    case 501: return "the CA does not offer this operation: try with (or without) --est-enroll";
    case 413: return "the CA refuses a request this large";
    case 415: return "the CA does not take application/pkcs10 here: check --service";
    default: return "the CA refused the request: read its text above";
    }
}

/* The path MS-RMPR's WSDL (6.6, soap:address) gives the enrollment service. */
#define RMS_ENROLL_PATH "/enrollment/enrollservice.asmx"

/* RMS: what to do after a 404 (no service at this path) or 405 (a page, not the service). */
static const char *rms_meaning(const struct exchange *ex, long status, char *buf, size_t cap)
{
    size_t ul = strlen(ex->url), pl = strlen(RMS_ENROLL_PATH);
    int ends = ul >= pl && strcasecmp(ex->url + ul - pl, RMS_ENROLL_PATH) == 0;

    if (status != 404 && status != 405)
        return "";
    snprintf(buf, cap,
             ": no enrollment service at this URL; check --service: %s (MS-RMPR's WSDL, 6.6), "
             "as in the default " FERRY_DEFAULT_RMS_URL,
             ends ? "its path ends in " RMS_ENROLL_PATH " as it must, so check the host"
                  : "the path must end in " RMS_ENROLL_PATH);
    return buf;
}

/* The refusal of a 4xx: status, the server's text, what it means. */
static ferry_err refused(const struct exchange *ex, const struct ferry_http_opts *o,
                         const struct attempt *a)
{
    char says[SAYS_MAX + 8], meaning[400];

    server_says(a, says, sizeof(says));
    if (ex->est)
        return ferry_errf(FERRY_ERR_REJECTED, "%s at %s: HTTP %ld%s%s%s%s%s: %s", ex->what, ex->url,
                          a->status, says[0] != '\0' ? ", the CA says \"" : "", says,
                          says[0] != '\0' ? "\"" : "",
                          a->www_auth[0] != '\0' ? "; it offers authentication " : "", a->www_auth,
                          est_meaning(a, o));
    if (a->status == 401 || a->status == 407)
        return ferry_errf(FERRY_ERR_REJECTED,
                          "%s at %s: HTTP %ld%s%s%s: the service asks for authentication; give "
                          "the user name and password it expects",
                          ex->what, ex->url, a->status,
                          says[0] != '\0' ? ", the service says \"" : "", says,
                          says[0] != '\0' ? "\"" : "");
    return ferry_errf(
        FERRY_ERR_REJECTED, "%s at %s: the service refused the request with HTTP %ld%s%s%s%s",
        ex->what, ex->url, a->status, says[0] != '\0' ? ", saying \"" : " (no text)", says,
        says[0] != '\0' ? "\"" : "", rms_meaning(ex, a->status, meaning, sizeof(meaning)));
}

/* An HTTP answer: done, retry, or the final error. */
static enum outcome classify_http(const struct exchange *ex, const struct ferry_http_opts *o,
                                  const struct attempt *a, ferry_err *err)
{
    long s = a->status;
    char says[SAYS_MAX + 8];

    *err = FERRY_OK;
    if (s == 202 && ex->est) {
        *err = ferry_errf(FERRY_ERR_INCOMPLETE,
                          "%s at %s: the CA has not issued the certificate yet (HTTP 202)",
                          ex->what, ex->url);
        return OUT_RETRY;
    }
    if (s >= 200 && s < 300)
        return answer_type(ex, a, err);
    if (s >= 300 && s < 400) {
        *err = ferry_errf(FERRY_ERR_NET,
                          "%s at %s: the service redirects (HTTP %ld) to %s; "
                          "ferry does not follow redirects: check the service URL",
                          ex->what, ex->url, s,
                          a->location[0] != '\0' ? a->location : "(no Location)");
        return OUT_FAIL;
    }
    if (s == 429 && (a->retry_after >= 0 || a->retry_date > 0)) {
        *err = ferry_errf(FERRY_ERR_NET, "%s at %s: the service is rate-limiting (HTTP 429)",
                          ex->what, ex->url);
        return OUT_RETRY;
    }
    if (s >= 400 && s < 500) {
        *err = refused(ex, o, a);
        return OUT_FAIL;
    }
    if (s == 500 && ex->soap && is_soap_fault(a))
        return answer_type(ex, a, err); /* a SOAP Fault is an answer: the caller shows it */
    server_says(a, says, sizeof(says));
    *err = ferry_errf(FERRY_ERR_NET, "%s at %s: the service failed with HTTP %ld%s%s%s", ex->what,
                      ex->url, s, says[0] != '\0' ? ", saying \"" : "", says,
                      says[0] != '\0' ? "\"" : "");
    return s >= 500 ? OUT_RETRY : OUT_FAIL;
}

/* The wait the service asked for (Retry-After on 202, 503 or 429), in seconds; -1 if none. */
static double asked_wait(const struct attempt *a, double now)
{
    if (a->status != 503 && a->status != 202 && a->status != 429)
        return -1;
    if (a->retry_after >= 0)
        return (double)a->retry_after;
    if (a->retry_date > 0)
        return (double)a->retry_date > now ? (double)a->retry_date - now : 0;
    return -1;
}

/* Back-off before failed try @i+1, in seconds: backoff_ms doubled each time, capped. */
static double backoff_s(const struct ferry_http_opts *o, int i)
{
    long d = o->backoff_ms > 0 ? o->backoff_ms : 0;
    int k;

    for (k = 1; k < i && d < BACKOFF_CAP_MS; k++)
        d *= 2;
    return (double)(d < BACKOFF_CAP_MS ? d : BACKOFF_CAP_MS) / 1000.0;
}

/* Hands the answer of @a to @res. */
static void result_take(struct ferry_http_result *res, struct attempt *a)
{
    FERRY_FREE(res->body);
    res->status = a->status;
    snprintf(res->content_type, sizeof(res->content_type), "%s", a->content_type);
    if (a->body.data == NULL)
        ferry_buf_append(&a->body, "", 0);
    res->body = ferry_buf_steal(&a->body, &res->len);
}

/* The wait would end after the deadline: stop now, and say when to come back. */
static ferry_err past_deadline(const struct exchange *ex, const struct ferry_http_opts *o,
                               ferry_err why, double now, double wait, int asked,
                               struct ferry_http_result *res)
{
    char at[21], dl[21], detail[600];

    res->retry_at = (time_t)ceil(now + wait);
    ferry_time_iso(res->retry_at, at);
    ferry_time_iso(o->deadline, dl);
    snprintf(detail, sizeof(detail), "%s", ferry_err_detail());
    if (asked)
        return ferry_errf(FERRY_ERR_INCOMPLETE,
                          "%s; the service asks to wait %.0f s, past the deadline %s "
                          "(--deadline): nothing was recorded, the request stays submittable: "
                          "submit again after %s",
                          detail, wait, dl, at);
    return ferry_errf(why,
                      "%s; the deadline %s (--deadline) leaves no time for another try: submit "
                      "again later, with a longer --deadline if the service is slow",
                      detail, dl);
}

/* A pinned anchor that is not PEM (DER, PKCS#7): its certificates as PEM in *@pem, for
 * CURLOPT_CAINFO_BLOB; *@pem stays NULL for a PEM file (curl reads it, text and all). */
static ferry_err anchor_pem(const char *file, char **pem)
{
    STACK_OF(X509) *sk = NULL;
    uint8_t *d = NULL;
    BIO *bio = NULL;
    char *p = NULL;
    size_t n = 0;
    long k;
    ferry_err r;
    int i;

    *pem = NULL;
    if ((r = ferry_file_read(file, FERRY_X509_MAX_CERT, &d, &n)) != FERRY_OK)
        return ferry_errf(r, "the pinned root %s cannot be read: %s", file, ferry_err_detail());
    for (i = 0; (size_t)i + 11 <= n; i++)
        if (memcmp(d + i, "-----BEGIN ", 11) == 0)
            goto out; /* PEM: curl reads it */
    if ((r = ferry_x509_certs_load(d, n, &sk)) != FERRY_OK) {
        r = ferry_errf(r, "the pinned root %s: %s", file, ferry_err_detail());
        goto out;
    }
    r = FERRY_ERR_NOMEM;
    if ((bio = BIO_new(BIO_s_mem())) == NULL)
        goto out;
    for (i = 0; i < sk_X509_num(sk); i++)
        if (PEM_write_bio_X509(bio, sk_X509_value(sk, i)) != 1)
            goto out;
    if ((k = BIO_get_mem_data(bio, &p)) <= 0 || (*pem = strndup(p, (size_t)k)) == NULL)
        goto out;
    r = FERRY_OK;
out:
    BIO_free(bio);
    sk_X509_pop_free(sk, X509_free);
    free(d);
    return r;
}

/* Runs @ex with retries; @res gets status, attempts and (on success or 4xx) the body. Failed
 * tries (connection errors, 5xx) count against max_attempts; a pending answer (202 or 503/429
 * with Retry-After) is followed as long as the deadline allows. */
ferry_err ferry_http_exchange_run(const struct exchange *ex0, const struct ferry_http_opts *o,
                                  struct ferry_http_result *res)
{
    struct exchange e = *ex0, *ex = &e;
    struct curl_blob blob;
    char *ca_pem = NULL;
    const struct ferry_http_clock *ck = clock_of(o);
    ferry_err r = FERRY_ERR_INTERNAL;
    struct attempt a;
    enum outcome oc = OUT_FAIL;
    int fails = 0, n = o->max_attempts > 0 ? o->max_attempts : 1, i;
    double now, wait, left, asked;
    long tmo;

    memset(&a, 0, sizeof(a));
    if (o->ca_pem == NULL && o->ca_file != NULL &&
        (r = anchor_pem(o->ca_file, &ca_pem)) != FERRY_OK)
        goto out;
    if (ca_pem != NULL || o->ca_pem != NULL) {
        blob.data = ca_pem != NULL ? ca_pem : (char *)o->ca_pem;
        blob.len = strlen(blob.data);
        blob.flags = CURL_BLOB_NOCOPY;
        e.ca_blob = &blob;
    }
    for (i = 1; i <= PENDING_MAX; i++) {
        attempt_reset(&a, o->max_response);
        now = ck->now(ck->ctx);
        tmo = o->timeout_ms;
        if (o->deadline > 0) {
            left = (double)o->deadline - now;
            if (left < 1) {
                char dl[21], last[600];
                ferry_time_iso(o->deadline, dl);
                snprintf(last, sizeof(last), "%s", i > 1 ? ferry_err_detail() : "");
                r = ferry_errf(FERRY_ERR_NET,
                               "%s at %s: the deadline %s (--deadline) has passed%s%s: "
                               "submit again later, with a longer --deadline if the service is "
                               "slow",
                               ex->what, ex->url, dl, i > 1 ? " after: " : "", last);
                goto out;
            }
            if (left * 1000 < (double)tmo)
                tmo = (long)(left * 1000);
        }
        ferry_log(FERRY_LOG_INFO, "%s %s (attempt %d)",
                  ex->body != NULL ? "submitting to" : "fetching", ex->url, i);
        res->attempts = i;
        if ((r = attempt_run(ex, o, tmo, &a)) != FERRY_OK)
            goto out;
        res->status = a.status;
        oc = a.cc == CURLE_OK ? classify_http(ex, o, &a, &r) : classify_curl(ex, o, &a, &r);
        if (oc != OUT_RETRY)
            break;
        now = ck->now(ck->ctx);
        asked = asked_wait(&a, now);
        /* a pending 202 with Retry-After is followed until the deadline; every other retry
         * (503/429 too, at the wait they ask) counts against max_attempts */
        if ((a.status != 202 || asked < 0) && ++fails >= n)
            break;
        wait = asked >= 0 ? (asked < 1 ? 1 : asked) : backoff_s(o, fails);
        if (o->deadline > 0 && now + wait > (double)o->deadline) {
            r = past_deadline(ex, o, r, now, wait, asked >= 0, res);
            goto out;
        }
        ferry_log(FERRY_LOG_INFO, "%s; trying again in %.1f s", ferry_err_detail(), wait);
        ck->sleep(ck->ctx, wait);
    }
    if (oc == OUT_DONE || (a.cc == CURLE_OK && a.status >= 400 && a.status < 500))
        result_take(res, &a);
out:
    ferry_buf_free(&a.body);
    free(ca_pem);
    return r;
}

/* Common set-up: https only, the trust anchors (pinned ones must exist). */
ferry_err ferry_http_exchange_init(struct exchange *ex, const char *url, const char *what,
                                   const struct ferry_http_opts *o, char *anchor, size_t cap)
{
    struct stat st;
    const char *f = NULL, *d = NULL;

    memset(ex, 0, sizeof(*ex));
    ex->url = url;
    ex->what = what;
    if (url == NULL || strncasecmp(url, "https://", 8) != 0)
        return ferry_errf(FERRY_ERR_USAGE, "%s: the service URL must start with https:// (got %s)",
                          what, url != NULL ? url : "nothing");
    if (o->ca_pem != NULL) { /* a pinned certificate given as text: it alone */
        snprintf(anchor, cap, "the pinned certificate");
        ex->anchor = anchor;
        return FERRY_OK;
    }
    ferry_http_trust_store(o->ca_file, o->ca_path, &f, &d);
    if (o->ca_file != NULL && stat(o->ca_file, &st) != 0)
        return ferry_errf(FERRY_ERR_NOT_FOUND, "the pinned root %s cannot be read: %s", o->ca_file,
                          strerror(errno));
    if (o->ca_file == NULL && o->ca_path == NULL) { /* defaults: only what exists */
        if (f != NULL && stat(f, &st) != 0)
            f = NULL;
        if (d != NULL && stat(d, &st) != 0)
            d = NULL;
    }
    ex->ca_file = f;
    ex->ca_path = d;
    if (o->ca_file != NULL || o->ca_path != NULL)
        snprintf(anchor, cap, "%s", o->ca_file != NULL ? o->ca_file : o->ca_path);
    else
        snprintf(anchor, cap, "of the system trust store (%s%s%s)", f != NULL ? f : "",
                 f != NULL && d != NULL ? ", " : "", d != NULL ? d : "");
    ex->anchor = anchor;
    return FERRY_OK;
}

/* Appends @h to @list; 0 on failure (the list is kept). */
int ferry_http_add_header(struct curl_slist **list, const char *h)
{
    struct curl_slist *n = curl_slist_append(*list, h);

    if (n == NULL)
        return 0;
    *list = n;
    return 1;
}

ferry_err ferry_http_get(const char *url, const char *what, const struct ferry_http_opts *o,
                         struct ferry_http_result *res)
{
    ferry_err r = FERRY_ERR_INTERNAL;
    struct exchange ex;
    char anchor[600];

    memset(res, 0, sizeof(*res));
    if ((r = ferry_http_exchange_init(&ex, url, what, o, anchor, sizeof(anchor))) != FERRY_OK)
        goto out;
    if (!ferry_http_add_header(&ex.hdrs, "Accept-Encoding: identity")) {
        r = FERRY_ERR_NOMEM;
        goto out;
    }
    r = ferry_http_exchange_run(&ex, o, res);
out:
    curl_slist_free_all(ex.hdrs);
    return r;
}
