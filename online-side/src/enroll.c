/* ferry — enrollment clients over HTTPS (libcurl): RMS SOAP Enroll and EST (RFC 7030).
 * Verification always on, HTTPS only, no redirects, no decompression, capped answers,
 * bounded retries with back-off. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include "enroll_int.h"
#include "ferry/buf.h"
#include "ferry/codec.h"
#include "ferry/enroll.h"
#include "ferry/log.h"
#include "ferry/xml.h"

#define SOAP11_NS       "http://schemas.xmlsoap.org/soap/envelope/"
#define SOAP12_NS       "http://www.w3.org/2003/05/soap-envelope"
#define RMS_SOAP_ACTION "SOAPAction: \"http://microsoft.com/DRM/EnrollmentService/Enroll\""
#define BACKOFF_CAP_MS  60000L
#define EST_MAX_CSR     (64u << 10)

/* One logical request, retried as a whole. */
struct exchange {
    const char *url;
    const char *what;    /* "RMS Enroll", "EST cacerts", ... for messages */
    const uint8_t *body; /* POST body, NULL for GET */
    size_t len;
    struct curl_slist *hdrs;
    int soap;           /* 500 with a SOAP Fault is an answer */
    int est;            /* 202 + Retry-After means pending */
    const char *anchor; /* how the trust anchor is named in messages */
    const char *ca_file, *ca_path;
};

/* What one attempt produced. */
struct attempt {
    struct ferry_buf body;
    int too_large;
    char encoding[64]; /* Content-Encoding, if any: refused */
    long retry_after;  /* seconds, -1 if absent or not delta-seconds */
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
    o->retry_after_max_s = 60;
}

void ferry_http_result_free(struct ferry_http_result *res)
{
    if (res == NULL)
        return;
    FERRY_FREE(res->body);
    res->len = 0;
}

void ferry_enroll_trust_store(const char *ca_file, const char *ca_path, const char **file_out,
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

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
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
        a->retry_after = -1;
    } else if (header_is(line, n, "Content-Encoding")) {
        k = strlen("Content-Encoding:");
        header_value(line + k, n - k, a->encoding, sizeof(a->encoding));
        if (a->encoding[0] != '\0' && strcasecmp(a->encoding, "identity") != 0)
            return 0; /* refused: never decompress an answer */
        a->encoding[0] = '\0';
    } else if (header_is(line, n, "Retry-After")) {
        k = strlen("Retry-After:");
        header_value(line + k, n - k, v, sizeof(v));
        a->retry_after =
            (v[0] >= '0' && v[0] <= '9' && strspn(v, "0123456789") == strlen(v) && strlen(v) < 9)
                ? strtol(v, NULL, 10)
                : -1;
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
                        struct attempt *a)
{
    int bad = 0;

    bad |= curl_easy_setopt(h, CURLOPT_URL, ex->url) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https") != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "https") != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_CAINFO, ex->ca_file) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_CAPATH, ex->ca_path) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, o->timeout_ms) != CURLE_OK;
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

/* One attempt with a fresh handle (no connection reuse across retries: a failed peer is new). */
static ferry_err attempt_run(const struct exchange *ex, const struct ferry_http_opts *o,
                             struct attempt *a)
{
    CURL *h = curl_easy_init();
    ferry_err r = FERRY_OK;

    if (h == NULL)
        return ferry_errf(FERRY_ERR_NOMEM, "cannot start an HTTPS client (curl_easy_init)");
    if (!setup_handle(h, ex, o, a)) {
        r = ferry_errf(FERRY_ERR_INTERNAL,
                       "this libcurl lacks an option ferry needs (%s); "
                       "libcurl 7.85 or later is required",
                       curl_version());
        goto out;
    }
    a->cc = curl_easy_perform(h);
    attempt_collect(h, a);
out:
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

/* An HTTP answer: done, retry, or the final error. */
static enum outcome classify_http(const struct exchange *ex, const struct attempt *a,
                                  ferry_err *err)
{
    long s = a->status;

    *err = FERRY_OK;
    if (s == 202 && ex->est) {
        *err = ferry_errf(FERRY_ERR_INCOMPLETE,
                          "%s at %s: the CA has not issued the certificate "
                          "yet (HTTP 202); submit again later",
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
    if (s == 401 || s == 407) {
        *err = ferry_errf(FERRY_ERR_REJECTED,
                          "%s at %s: HTTP %ld: the service asks for "
                          "authentication; give the user name and password it expects",
                          ex->what, ex->url, s);
        return OUT_FAIL;
    }
    if (s >= 400 && s < 500) {
        *err = ferry_errf(FERRY_ERR_REJECTED,
                          "%s at %s: the service refused the request with "
                          "HTTP %ld",
                          ex->what, ex->url, s);
        return OUT_FAIL;
    }
    if (s == 500 && ex->soap && is_soap_fault(a))
        return answer_type(ex, a, err); /* a SOAP Fault is an answer: the caller shows it */
    *err = ferry_errf(FERRY_ERR_NET, "%s at %s: the service failed with HTTP %ld", ex->what,
                      ex->url, s);
    return s >= 500 ? OUT_RETRY : OUT_FAIL;
}

/* How long to wait before attempt @i+1. */
static long retry_delay_ms(const struct ferry_http_opts *o, const struct attempt *a, int i)
{
    long d = o->backoff_ms > 0 ? o->backoff_ms : 0;
    int k;

    if (a->retry_after >= 0 && a->retry_after <= o->retry_after_max_s &&
        (a->status == 503 || a->status == 202 || a->status == 429))
        return a->retry_after * 1000L;
    for (k = 1; k < i && d < BACKOFF_CAP_MS; k++)
        d *= 2;
    return d < BACKOFF_CAP_MS ? d : BACKOFF_CAP_MS;
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

/* Runs @ex with retries; @res gets status, attempts and (on success or 4xx) the body. */
static ferry_err exchange_run(const struct exchange *ex, const struct ferry_http_opts *o,
                              struct ferry_http_result *res)
{
    ferry_err r = FERRY_ERR_INTERNAL;
    struct attempt a;
    enum outcome oc = OUT_FAIL;
    int i, n = o->max_attempts > 0 ? o->max_attempts : 1;
    long d;

    memset(&a, 0, sizeof(a));
    for (i = 1; i <= n; i++) {
        attempt_reset(&a, o->max_response);
        ferry_log(FERRY_LOG_INFO, "%s %s (attempt %d of %d)",
                  ex->body != NULL ? "submitting to" : "fetching", ex->url, i, n);
        res->attempts = i;
        if ((r = attempt_run(ex, o, &a)) != FERRY_OK)
            goto out;
        res->status = a.status;
        oc = a.cc == CURLE_OK ? classify_http(ex, &a, &r) : classify_curl(ex, o, &a, &r);
        if (oc != OUT_RETRY || i == n)
            break;
        d = retry_delay_ms(o, &a, i);
        ferry_log(FERRY_LOG_INFO, "%s; trying again in %ld ms", ferry_err_detail(), d);
        sleep_ms(d);
    }
    if (oc == OUT_DONE || (a.cc == CURLE_OK && a.status >= 400 && a.status < 500))
        result_take(res, &a);
out:
    ferry_buf_free(&a.body);
    return r;
}

/* Common set-up: https only, the trust anchors (pinned ones must exist). */
static ferry_err exchange_init(struct exchange *ex, const char *url, const char *what,
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
    ferry_enroll_trust_store(o->ca_file, o->ca_path, &f, &d);
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
static int add_header(struct curl_slist **list, const char *h)
{
    struct curl_slist *n = curl_slist_append(*list, h);

    if (n == NULL)
        return 0;
    *list = n;
    return 1;
}

ferry_err ferry_enroll_rms(const char *url, const uint8_t *req, size_t len,
                           const struct ferry_http_opts *o, struct ferry_http_result *res)
{
    ferry_err r = FERRY_ERR_INTERNAL;
    struct exchange ex;
    char anchor[600];

    memset(res, 0, sizeof(*res));
    if ((r = exchange_init(&ex, url, "RMS Enroll", o, anchor, sizeof(anchor))) != FERRY_OK)
        goto out;
    ex.body = req;
    ex.len = len;
    ex.soap = 1;
    if (!add_header(&ex.hdrs, "Content-Type: text/xml; charset=utf-8") ||
        !add_header(&ex.hdrs, RMS_SOAP_ACTION) || !add_header(&ex.hdrs, "Expect:") ||
        !add_header(&ex.hdrs, "Accept-Encoding: identity")) {
        r = FERRY_ERR_NOMEM;
        goto out;
    }
    r = exchange_run(&ex, o, res);
out:
    curl_slist_free_all(ex.hdrs);
    return r;
}

ferry_err ferry_enroll_get(const char *url, const char *what, const struct ferry_http_opts *o,
                           struct ferry_http_result *res)
{
    ferry_err r = FERRY_ERR_INTERNAL;
    struct exchange ex;
    char anchor[600];

    memset(res, 0, sizeof(*res));
    if ((r = exchange_init(&ex, url, what, o, anchor, sizeof(anchor))) != FERRY_OK)
        goto out;
    if (!add_header(&ex.hdrs, "Accept-Encoding: identity")) {
        r = FERRY_ERR_NOMEM;
        goto out;
    }
    r = exchange_run(&ex, o, res);
out:
    curl_slist_free_all(ex.hdrs);
    return r;
}

/* @base + "/" + @op, inserting "/.well-known/est" when @base lacks it. Caller frees. */
static char *est_url(const char *base, const char *op)
{
    struct ferry_buf b;
    size_t n = strlen(base);

    while (n > 0 && base[n - 1] == '/')
        n--;
    ferry_buf_init(&b, 4096);
    if (ferry_buf_printf(&b, "%.*s%s/%s", (int)n, base,
                         strstr(base, "/.well-known/est") != NULL ? "" : "/.well-known/est",
                         op) != FERRY_OK) {
        ferry_buf_free(&b);
        return NULL;
    }
    return (char *)ferry_buf_steal(&b, &n);
}

/* The EST answer body is base64 of a DER PKCS#7: decode and check it, in place in @res. */
static ferry_err est_decode_answer(const char *what, const char *url, struct ferry_http_result *res,
                                   size_t max)
{
    ferry_err r;
    uint8_t *der = NULL;
    size_t len = 0;
    const unsigned char *p;
    PKCS7 *p7 = NULL;

    r = ferry_b64_decode((const char *)res->body, res->len, max, &der, &len);
    if (r != FERRY_OK) {
        r = ferry_errf(FERRY_ERR_FORMAT,
                       "%s at %s: the answer (%s, %zu bytes) is not base64 as "
                       "RFC 7030 requires",
                       what, url, res->content_type, res->len);
        goto out;
    }
    p = der;
    if ((p7 = d2i_PKCS7(NULL, &p, (long)len)) == NULL || p != der + len) {
        r = ferry_err_openssl(FERRY_ERR_FORMAT, "the EST answer is not a DER PKCS#7");
        goto out;
    }
    free(res->body);
    res->body = der;
    res->len = len;
    der = NULL;
    r = FERRY_OK;
out:
    PKCS7_free(p7);
    free(der);
    return r;
}

static ferry_err est_exchange(struct exchange *ex, const struct ferry_http_opts *o,
                              struct ferry_http_result *res)
{
    ferry_err r;

    ex->est = 1;
    if (!add_header(&ex->hdrs, "Accept-Encoding: identity") || !add_header(&ex->hdrs, "Expect:"))
        return FERRY_ERR_NOMEM;
    if ((r = exchange_run(ex, o, res)) != FERRY_OK)
        return r;
    return est_decode_answer(ex->what, ex->url, res, o->max_response);
}

ferry_err ferry_enroll_est_cacerts(const char *base, const struct ferry_http_opts *o,
                                   struct ferry_http_result *res)
{
    ferry_err r = FERRY_ERR_INTERNAL;
    struct exchange ex;
    char anchor[600];
    char *url = NULL;

    memset(res, 0, sizeof(*res));
    memset(&ex, 0, sizeof(ex));
    if (base == NULL || (url = est_url(base, "cacerts")) == NULL) {
        r = base == NULL ? ferry_errf(FERRY_ERR_USAGE, "EST cacerts: no service URL")
                         : FERRY_ERR_NOMEM;
        goto out;
    }
    if ((r = exchange_init(&ex, url, "EST cacerts", o, anchor, sizeof(anchor))) != FERRY_OK)
        goto out;
    r = est_exchange(&ex, o, res);
out:
    curl_slist_free_all(ex.hdrs);
    free(url);
    return r;
}

/* The base64 text of a PKCS#10 given as DER or PEM, checked to parse. Caller frees *out. */
static ferry_err csr_base64(const uint8_t *csr, size_t len, char **out)
{
    ferry_err r = FERRY_ERR_INTERNAL;
    BIO *bio = NULL;
    X509_REQ *req = NULL;
    unsigned char *der = NULL;
    const unsigned char *p = csr;
    int n;

    *out = NULL;
    if (len == 0 || len > EST_MAX_CSR)
        return ferry_errf(FERRY_ERR_TOO_LARGE,
                          "the PKCS#10 request is empty or larger than %u "
                          "bytes",
                          EST_MAX_CSR);
    if (len > 10 && memcmp(csr, "-----BEGIN", 10) == 0) {
        if ((bio = BIO_new_mem_buf(csr, (int)len)) != NULL)
            req = PEM_read_bio_X509_REQ(bio, NULL, NULL, NULL);
    } else if ((req = d2i_X509_REQ(NULL, &p, (long)len)) != NULL && p != csr + len) {
        X509_REQ_free(req);
        req = NULL;
    }
    if (req == NULL || (n = i2d_X509_REQ(req, &der)) <= 0) {
        r = ferry_err_openssl(FERRY_ERR_FORMAT, "the request is not a PKCS#10 (DER or PEM)");
        goto out;
    }
    r = ferry_b64_encode(der, (size_t)n, out);
out:
    OPENSSL_free(der);
    X509_REQ_free(req);
    BIO_free(bio);
    return r;
}

ferry_err ferry_enroll_est_simpleenroll(const char *base, const uint8_t *csr, size_t len,
                                        int reenroll, const struct ferry_http_opts *o,
                                        struct ferry_http_result *res)
{
    ferry_err r = FERRY_ERR_INTERNAL;
    struct exchange ex;
    char anchor[600];
    const char *op = reenroll ? "simplereenroll" : "simpleenroll";
    char *url = NULL, *b64 = NULL;

    memset(res, 0, sizeof(*res));
    memset(&ex, 0, sizeof(ex));
    if (base == NULL || (url = est_url(base, op)) == NULL) {
        r = base == NULL ? ferry_errf(FERRY_ERR_USAGE, "EST %s: no service URL", op)
                         : FERRY_ERR_NOMEM;
        goto out;
    }
    if ((r = csr_base64(csr, len, &b64)) != FERRY_OK)
        goto out;
    if ((r = exchange_init(&ex, url, reenroll ? "EST simplereenroll" : "EST simpleenroll", o,
                           anchor, sizeof(anchor))) != FERRY_OK)
        goto out;
    ex.body = (const uint8_t *)b64;
    ex.len = strlen(b64);
    if (!add_header(&ex.hdrs, "Content-Type: application/pkcs10") ||
        !add_header(&ex.hdrs, "Content-Transfer-Encoding: base64")) {
        r = FERRY_ERR_NOMEM;
        goto out;
    }
    r = est_exchange(&ex, o, res);
out:
    curl_slist_free_all(ex.hdrs);
    free(b64);
    free(url);
    return r;
}

/* ---- many requests at once (curl multi) ---- */

struct job_state {
    struct ferry_rms_job *job;
    struct attempt a;
    CURL *h;    /* while in flight */
    double due; /* monotonic seconds: when the next attempt may start */
    int done;
    size_t index, count; /* for progress lines */
};

static double mono_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Starts the next attempt of @js on @m. */
static ferry_err job_start(CURLM *m, const struct exchange *ex, const struct ferry_http_opts *o,
                           struct job_state *js, int n)
{
    struct exchange e = *ex; /* the same request, with this job's bytes */

    e.body = js->job->req;
    e.len = js->job->len;
    attempt_reset(&js->a, o->max_response);
    js->job->res.attempts++;
    ferry_log(FERRY_LOG_INFO, "submitting request %zu of %zu to %s (attempt %d of %d)",
              js->index + 1, js->count, ex->url, js->job->res.attempts, n);
    if ((js->h = curl_easy_init()) == NULL)
        return ferry_errf(FERRY_ERR_NOMEM, "cannot start an HTTPS client (curl_easy_init)");
    if (!setup_handle(js->h, &e, o, &js->a) || curl_easy_setopt(js->h, CURLOPT_PRIVATE, js) ||
        curl_multi_add_handle(m, js->h) != CURLM_OK) {
        curl_easy_cleanup(js->h);
        js->h = NULL;
        return ferry_errf(FERRY_ERR_INTERNAL, "libcurl refused a transfer (%s)", curl_version());
    }
    return FERRY_OK;
}

/* One transfer of @js ended with @cc: classify, then finish it or schedule a retry. */
static void job_finish(CURLM *m, struct exchange *ex, const struct ferry_http_opts *o,
                       struct job_state *js, CURLcode cc, int n)
{
    struct ferry_rms_job *j = js->job;
    enum outcome oc;
    ferry_err r = FERRY_OK;

    js->a.cc = cc;
    attempt_collect(js->h, &js->a);
    curl_multi_remove_handle(m, js->h);
    curl_easy_cleanup(js->h);
    js->h = NULL;
    j->res.status = js->a.status;
    oc = cc == CURLE_OK ? classify_http(ex, &js->a, &r) : classify_curl(ex, o, &js->a, &r);
    if (oc == OUT_RETRY && j->res.attempts < n) {
        js->due = mono_s() + (double)retry_delay_ms(o, &js->a, j->res.attempts) / 1000.0;
        ferry_log(FERRY_LOG_INFO, "%s; trying again later", ferry_err_detail());
        return;
    }
    if (oc == OUT_DONE || (cc == CURLE_OK && js->a.status >= 400 && js->a.status < 500))
        result_take(&j->res, &js->a);
    j->err = r;
    snprintf(j->detail, sizeof(j->detail), "%s", r != FERRY_OK ? ferry_err_detail() : "");
    js->done = 1;
}

/* Starts what is due within the parallel limit; returns how many are in flight. */
static ferry_err jobs_launch(CURLM *m, const struct exchange *ex, const struct ferry_http_opts *o,
                             struct job_state *js, size_t n, int par, int *running)
{
    ferry_err r;
    double now = mono_s();
    size_t i;
    int busy = 0, tries = o->max_attempts > 0 ? o->max_attempts : 1;

    for (i = 0; i < n; i++)
        busy += js[i].h != NULL;
    for (i = 0; i < n && busy < par; i++) {
        if (js[i].done || js[i].h != NULL || js[i].due > now)
            continue;
        if ((r = job_start(m, ex, o, &js[i], tries)) != FERRY_OK)
            return r;
        busy++;
    }
    *running = busy;
    return FERRY_OK;
}

/* Drives the multi handle until every job is done. */
static ferry_err jobs_run(CURLM *m, struct exchange *ex, const struct ferry_http_opts *o,
                          struct job_state *js, size_t n, int par)
{
    ferry_err r;
    CURLMsg *msg;
    struct job_state *s;
    int still, left, busy, tries = o->max_attempts > 0 ? o->max_attempts : 1;
    size_t i, pending = n;

    while (pending > 0) {
        if ((r = jobs_launch(m, ex, o, js, n, par, &busy)) != FERRY_OK)
            return r;
        if (curl_multi_perform(m, &still) != CURLM_OK ||
            curl_multi_poll(m, NULL, 0, busy > 0 ? 200 : 20, NULL) != CURLM_OK)
            return ferry_errf(FERRY_ERR_INTERNAL, "curl multi failed");
        while ((msg = curl_multi_info_read(m, &left)) != NULL) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            s = NULL;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&s);
            if (s != NULL)
                job_finish(m, ex, o, s, msg->data.result, tries);
        }
        for (pending = 0, i = 0; i < n; i++)
            pending += !js[i].done;
    }
    return FERRY_OK;
}

ferry_err ferry_enroll_rms_many(const char *url, struct ferry_rms_job *jobs, size_t n,
                                int max_parallel, const struct ferry_http_opts *o)
{
    ferry_err r = FERRY_ERR_INTERNAL;
    struct exchange ex;
    struct job_state *js = NULL;
    CURLM *m = NULL;
    char anchor[600];
    size_t i;

    memset(&ex, 0, sizeof(ex));
    for (i = 0; i < n; i++) {
        memset(&jobs[i].res, 0, sizeof(jobs[i].res));
        jobs[i].err = FERRY_ERR_INTERNAL;
        jobs[i].detail[0] = '\0';
    }
    if ((r = exchange_init(&ex, url, "RMS Enroll", o, anchor, sizeof(anchor))) != FERRY_OK)
        goto out;
    ex.soap = 1;
    if (!add_header(&ex.hdrs, "Content-Type: text/xml; charset=utf-8") ||
        !add_header(&ex.hdrs, RMS_SOAP_ACTION) || !add_header(&ex.hdrs, "Expect:") ||
        !add_header(&ex.hdrs, "Accept-Encoding: identity") ||
        (js = calloc(n > 0 ? n : 1, sizeof(*js))) == NULL || (m = curl_multi_init()) == NULL) {
        r = FERRY_ERR_NOMEM;
        goto out;
    }
    for (i = 0; i < n; i++) {
        js[i].job = &jobs[i];
        js[i].index = i;
        js[i].count = n;
    }
    if ((r = jobs_run(m, &ex, o, js, n, max_parallel > 0 ? max_parallel : 4)) != FERRY_OK)
        goto out;
    for (i = 0; i < n && r == FERRY_OK; i++)
        if (jobs[i].err != FERRY_OK)
            r = ferry_errf(jobs[i].err, "%s", jobs[i].detail);
out:
    for (i = 0; js != NULL && i < n; i++) {
        if (js[i].h != NULL) {
            curl_multi_remove_handle(m, js[i].h);
            curl_easy_cleanup(js[i].h);
        }
        ferry_buf_free(&js[i].a.body);
    }
    curl_multi_cleanup(m);
    free(js);
    curl_slist_free_all(ex.hdrs);
    return r;
}
