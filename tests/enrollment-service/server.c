/* ferry-enrolld — the HTTPS server (libmicrohttpd, one thread per connection): request bodies,
 * received.log, dispatch to the RMS and EST endpoints, and the injected faults. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>
#include <zlib.h>

#include "enrolld_int.h"
#include "ferry/buf.h"
#include "ferry/crypto.h"
#include "ferry/hex.h"
#include "ferry/time.h"
#include "ferry/log.h"

#define STREAM_BLOCK    (32u << 10)
#define DRIP_BYTES      8
#define OVERSIZE_PREFIX 1024

struct req_ctx {
    struct ferry_buf body;
    EVP_MD_CTX *sha;
    uint64_t received;
    int too_large;
};

/* Appends "<UTC time> <path> <sha256> <status>[ <note>]" to received.log (O_APPEND, fsync); the
 * note tells what an Enroll POST held ("shape=Envelope+VersionData+oInput"). */
static void log_request(struct enrolld *d, const char *url, const uint8_t h[FERRY_SHA256_LEN],
                        int status, const char *note)
{
    char t[21], hex[2 * FERRY_SHA256_LEN + 1], path[256],
        line[400 + sizeof(((struct enrolld_reply *)0)->note)];
    size_t i;
    int fd, n;

    for (i = 0; url[i] != '\0' && i < sizeof(path) - 1; i++)
        path[i] = (url[i] > ' ' && url[i] < 0x7f) ? url[i] : '?';
    path[i] = '\0';
    ferry_time_iso(ferry_time_now(), t);
    ferry_hex(h, FERRY_SHA256_LEN, hex);
    n = snprintf(line, sizeof(line), "%s %s %s %d%s%s\n", t, path, hex, status,
                 note[0] != '\0' ? " " : "", note);
    pthread_mutex_lock(&d->lock);
    fd = open(d->log_path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0 || write(fd, line, (size_t)n) != n || fsync(fd) != 0)
        ferry_log(FERRY_LOG_ERROR, "%s: cannot append the request line", d->log_path);
    if (fd >= 0)
        close(fd);
    pthread_mutex_unlock(&d->lock);
    ferry_log(FERRY_LOG_DEBUG, "%s", line);
}

static ferry_err reply_text(struct enrolld_reply *out, int status, const char *msg)
{
    out->status = status;
    out->ctype = "text/plain; charset=utf-8";
    out->len = strlen(msg);
    out->body = (uint8_t *)strdup(msg);
    return out->body != NULL ? FERRY_OK : FERRY_ERR_NOMEM;
}

static int est_auth_ok(struct enrolld *d, struct MHD_Connection *c)
{
    char *pass = NULL, *user, both[512];
    size_t want = strlen(d->est_user);
    int n, ok = 0;

    if ((user = MHD_basic_auth_get_username_password(c, &pass)) == NULL)
        goto out;
    n = snprintf(both, sizeof(both), "%s:%s", user, pass != NULL ? pass : "");
    ok = n > 0 && (size_t)n == want && ferry_ct_eq(both, d->est_user, want);
    OPENSSL_cleanse(both, sizeof(both));
out:
    MHD_free(user);
    MHD_free(pass);
    return ok;
}

/* 1 if the query string is "?WSDL" (any case, as ASP.NET takes it). */
static enum MHD_Result wsdl_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *value)
{
    int *found = cls;

    (void)kind;
    if (strcasecmp(key, "wsdl") == 0 && (value == NULL || value[0] == '\0'))
        *found = 1;
    return MHD_YES;
}

static int wants_wsdl(struct MHD_Connection *c)
{
    int found = 0;

    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, wsdl_arg, &found);
    return found;
}

static ferry_err dispatch(struct enrolld *d, struct MHD_Connection *c, const char *url,
                          const char *method, struct req_ctx *rc, struct enrolld_reply *rep)
{
    size_t pl = strlen(ENROLLD_EST_PREFIX);
    ferry_err r;

    if (rc->too_large)
        return reply_text(rep, 413, "request body over the 1 MiB limit\n");
    if (strcmp(url, ENROLLD_RMS_PATH) == 0) {
        if (strcmp(method, "GET") == 0 && wants_wsdl(c))
            return enrolld_rms_wsdl(rep);
        if (strcmp(method, "POST") != 0)
            return reply_text(rep, 405,
                              "the enrollment service takes POST (GET ?WSDL for its "
                              "WSDL)\n");
        if ((r = enrolld_rms_answer(
                 d, MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE),
                 MHD_lookup_connection_value(c, MHD_HEADER_KIND, "SOAPAction"), rc->body.data,
                 rc->body.len, rep)) != FERRY_OK ||
            d->f.body == NULL || rep->status != 200)
            return r;
        /* --fault body:FILE: a request the service takes is answered with FILE's bytes */
        FERRY_FREE(rep->body);
        rep->len = d->f.body_len;
        if ((rep->body = malloc(d->f.body_len > 0 ? d->f.body_len : 1)) == NULL)
            return FERRY_ERR_NOMEM;
        memcpy(rep->body, d->f.body, d->f.body_len);
        return FERRY_OK;
    }
    if (strncmp(url, ENROLLD_EST_PREFIX, pl) == 0) {
        if (d->est_user != NULL && !est_auth_ok(d, c))
            return reply_text(rep, 401, "EST needs HTTP Basic authentication\n");
        return enrolld_est_answer(d, method, url + pl, rc->body.data, rc->body.len, rep);
    }
    return reply_text(rep, 404, "not found\n");
}

/* Faults that replace the answer: retry-after, http500, redirects. 1 if @rep was made. */
static int early_fault(struct enrolld *d, long n, const char *url, struct enrolld_reply *rep,
                       char *location, size_t loclen)
{
    char msg[128];

    if (d->f.retry_after > 0 && n == 1) {
        reply_text(rep, 503, "injected fault: busy, retry later\n");
        return 1;
    }
    if (n <= d->f.http500) {
        snprintf(msg, sizeof(msg), "injected fault: HTTP 500 (%ld of %ld)\n", n, d->f.http500);
        reply_text(rep, 500, msg);
        return 1;
    }
    if (d->f.redirect_http || d->f.redirect_loop) {
        snprintf(location, loclen, "%s://127.0.0.1:%u%s", d->f.redirect_http ? "http" : "https",
                 (unsigned)d->port, url);
        reply_text(rep, 302, "injected fault: redirect\n");
        return 1;
    }
    return 0;
}

/* soap-fault and malformed: change the body of an RMS or EST answer. */
static void content_fault(struct enrolld *d, const char *url, struct enrolld_reply *rep)
{
    if (d->f.soap_fault && strcmp(url, ENROLLD_RMS_PATH) == 0) {
        FERRY_FREE(rep->body);
        if (enrolld_rms_fault("soap:Server",
                              "injected fault: the enrollment service refused "
                              "(ferry-enrolld --fault soap-fault)",
                              rep) != FERRY_OK)
            reply_text(rep, 500, "injected fault\n");
    }
    if (d->f.malformed && rep->body != NULL) {
        rep->status = 200;
        rep->len = rep->len > 2 ? rep->len / 2 : rep->len;
    }
}

enum stream_kind { S_OVERSIZE, S_DRIP, S_RESET, S_GZIP };

struct stream {
    enum stream_kind kind;
    uint8_t *body; /* owned */
    size_t len;
    uint64_t total; /* S_OVERSIZE: bytes sent; S_GZIP: zeros compressed */
    uint64_t fed;
    long ms;
    z_stream z;
    int zinit, zdone;
};

static void stream_free(void *cls)
{
    struct stream *s = cls;

    if (s->zinit)
        deflateEnd(&s->z);
    free(s->body);
    free(s);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) != 0)
        ;
}

static ssize_t read_oversize(struct stream *s, uint64_t pos, char *buf, size_t max)
{
    static const char line[] =
        "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB\n";
    size_t prefix = s->len / 2 < OVERSIZE_PREFIX ? s->len / 2 : OVERSIZE_PREFIX;
    size_t i, ll = sizeof(line) - 1;

    if (pos >= s->total)
        return MHD_CONTENT_READER_END_OF_STREAM;
    if (max > s->total - pos)
        max = (size_t)(s->total - pos);
    for (i = 0; i < max; i++, pos++)
        buf[i] = pos < prefix ? (char)s->body[pos] : line[(pos - prefix) % ll];
    return (ssize_t)max;
}

static ssize_t read_gzip(struct stream *s, char *buf, size_t max)
{
    static uint8_t zeros[64u << 10];
    int flush, ret;

    if (s->zdone)
        return MHD_CONTENT_READER_END_OF_STREAM;
    s->z.next_out = (Bytef *)buf;
    s->z.avail_out = (uInt)max;
    while (s->z.avail_out == max) {
        if (s->z.avail_in == 0 && s->fed < s->total) {
            s->z.next_in = zeros;
            s->z.avail_in =
                (uInt)(s->total - s->fed < sizeof(zeros) ? s->total - s->fed : sizeof(zeros));
            s->fed += s->z.avail_in;
        }
        flush = s->fed == s->total && s->z.avail_in == 0 ? Z_FINISH : Z_NO_FLUSH;
        ret = deflate(&s->z, flush);
        if (ret == Z_STREAM_END) {
            s->zdone = 1;
            break;
        }
        if (ret != Z_OK && ret != Z_BUF_ERROR)
            return MHD_CONTENT_READER_END_WITH_ERROR;
    }
    return (ssize_t)(max - s->z.avail_out);
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct stream *s = cls;
    size_t n;

    switch (s->kind) {
    case S_OVERSIZE: return read_oversize(s, pos, buf, max);
    case S_GZIP: return read_gzip(s, buf, max);
    case S_DRIP:
        if (pos >= s->len)
            return MHD_CONTENT_READER_END_OF_STREAM;
        sleep_ms(s->ms);
        n = s->len - (size_t)pos < DRIP_BYTES ? s->len - (size_t)pos : DRIP_BYTES;
        break;
    case S_RESET:
        if (pos >= s->len / 2)
            return MHD_CONTENT_READER_END_WITH_ERROR;
        n = s->len / 2 - (size_t)pos;
        break;
    default: return MHD_CONTENT_READER_END_WITH_ERROR;
    }
    n = n < max ? n : max;
    memcpy(buf, s->body + pos, n);
    return (ssize_t)n;
}

/* The transport faults (oversize, gzip-bomb, drip, reset) as a content-reader response. */
static struct MHD_Response *stream_response(struct enrolld *d, struct enrolld_reply *rep)
{
    struct stream *s = calloc(1, sizeof(*s));
    struct MHD_Response *resp;
    uint64_t size;

    if (s == NULL)
        return NULL;
    s->body = rep->body;
    s->len = rep->len;
    rep->body = NULL;
    s->ms = d->f.drip_ms;
    if (d->f.oversize > 0) {
        s->kind = S_OVERSIZE;
        s->total = (uint64_t)d->f.oversize;
    } else if (d->f.gzip_bomb > 0) {
        s->kind = S_GZIP;
        s->total = (uint64_t)d->f.gzip_bomb;
        if (deflateInit2(&s->z, 9, Z_DEFLATED, 31, 9, Z_DEFAULT_STRATEGY) != Z_OK) {
            stream_free(s);
            return NULL;
        }
        s->zinit = 1;
    } else {
        s->kind = d->f.reset ? S_RESET : S_DRIP;
    }
    size = s->kind == S_OVERSIZE && !d->f.oversize_chunked ? s->total
           : s->kind == S_OVERSIZE || s->kind == S_GZIP    ? MHD_SIZE_UNKNOWN
                                                           : s->len;
    resp = MHD_create_response_from_callback(size, STREAM_BLOCK, stream_read, s, stream_free);
    if (resp == NULL)
        stream_free(s);
    else if (s->kind == S_GZIP)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
    return resp;
}

static struct MHD_Response *make_response(struct enrolld *d, struct enrolld_reply *rep,
                                          int transport_faults)
{
    struct MHD_Response *resp;

    if (transport_faults &&
        (d->f.oversize > 0 || d->f.gzip_bomb > 0 || d->f.drip_ms > 0 || d->f.reset))
        resp = stream_response(d, rep);
    else
        resp = MHD_create_response_from_buffer_with_free_callback(rep->len, rep->body, free);
    if (resp == NULL)
        return NULL;
    rep->body = NULL; /* owned by the response */
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                            d->f.content_type != NULL ? d->f.content_type : rep->ctype);
    if (rep->est)
        MHD_add_response_header(resp, "Content-Transfer-Encoding", "base64");
    return resp;
}

static enum MHD_Result answer(struct enrolld *d, struct MHD_Connection *c, const char *url,
                              const char *method, struct req_ctx *rc)
{
    struct enrolld_reply rep = {500, NULL, 0, "text/plain", 0, "", 0, ""};
    struct MHD_Response *resp = NULL;
    uint8_t h[FERRY_SHA256_LEN];
    char location[300] = "", num[32];
    enum MHD_Result ret = MHD_NO;
    unsigned int hl = 0;
    int early;
    long n;

    EVP_DigestFinal_ex(rc->sha, h, &hl);
    if (d->f.delay_ms > 0)
        sleep_ms(d->f.delay_ms);
    pthread_mutex_lock(&d->lock);
    n = ++d->nrequests;
    pthread_mutex_unlock(&d->lock);
    early = early_fault(d, n, url, &rep, location, sizeof(location));
    if (!early) {
        if (dispatch(d, c, url, method, rc, &rep) != FERRY_OK) {
            ferry_log(FERRY_LOG_ERROR, "%s: %s", url, ferry_err_detail());
            FERRY_FREE(rep.body);
            reply_text(&rep, 500, "internal error in ferry-enrolld\n");
        }
        content_fault(d, url, &rep);
    }
    if (rep.body == NULL || (resp = make_response(d, &rep, !early)) == NULL)
        goto out;
    if (location[0] != '\0')
        MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, location);
    snprintf(num, sizeof(num), "%ld", d->f.retry_after);
    if (rep.status == 503)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, num);
    if (rep.retry_after[0] != '\0') /* EST 202 */
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, rep.retry_after);
    if (rep.status == 401 && !rep.no_challenge)
        ret = MHD_queue_basic_auth_fail_response(c, "ferry-enrolld EST", resp);
    else
        ret = MHD_queue_response(c, (unsigned int)rep.status, resp);
    log_request(d, url, h, rep.status, rep.note);
out:
    free(rep.body);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    struct enrolld *d = cls;
    struct req_ctx *rc = *con_cls;

    if (rc == NULL) {
        if ((rc = calloc(1, sizeof(*rc))) == NULL)
            return MHD_NO;
        ferry_buf_init(&rc->body, ENROLLD_MAX_BODY);
        if ((rc->sha = EVP_MD_CTX_new()) == NULL ||
            EVP_DigestInit_ex(rc->sha, EVP_sha256(), NULL) != 1) {
            EVP_MD_CTX_free(rc->sha);
            free(rc);
            return MHD_NO;
        }
        *con_cls = rc;
        return MHD_YES;
    }
    if (*upload_size > 0) {
        rc->received += *upload_size;
        EVP_DigestUpdate(rc->sha, upload, *upload_size);
        if (!rc->too_large && ferry_buf_append(&rc->body, upload, *upload_size) != FERRY_OK) {
            rc->too_large = 1;
            ferry_buf_free(&rc->body);
        }
        *upload_size = 0;
        if (rc->received <= ENROLLD_DRAIN_MAX)
            return MHD_YES;
    }
    return answer(d, c, url, method, rc);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct req_ctx *rc = *con_cls;

    if (rc == NULL)
        return;
    ferry_buf_free(&rc->body);
    EVP_MD_CTX_free(rc->sha);
    free(rc);
    *con_cls = NULL;
}

static ferry_err tls_material(struct enrolld *d)
{
    EVP_PKEY *k = NULL;
    X509 *x = NULL;
    ferry_err r = FERRY_OK;

    if (d->f.wrong_host_cert || d->f.expired_cert)
        r = enrolld_ca_fault_tls(&d->ca, d->f.expired_cert, &k, &x);
    if (r == FERRY_OK) {
        d->tls_key_pem = enrolld_pem_key(k != NULL ? k : d->ca.tls_key);
        d->tls_cert_pem = enrolld_pem_cert(x != NULL ? x : d->ca.tls);
        if (d->tls_key_pem == NULL || d->tls_cert_pem == NULL)
            r = FERRY_ERR_NOMEM;
    }
    EVP_PKEY_free(k);
    X509_free(x);
    return r;
}

ferry_err enrolld_server_start(struct enrolld *d, const char *addr, struct MHD_Daemon **out)
{
    struct sockaddr_in sin;
    const union MHD_DaemonInfo *info;
    const char *colon = strrchr(addr, ':');
    char host[64], *end;
    long port;
    ferry_err r;

    *out = NULL;
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    if (colon == NULL || (size_t)(colon - addr) >= sizeof(host))
        return ferry_errf(FERRY_ERR_USAGE, "--listen %s: expected 127.0.0.1:PORT", addr);
    memcpy(host, addr, (size_t)(colon - addr));
    host[colon - addr] = '\0';
    port = strtol(colon + 1, &end, 10);
    if (*end != '\0' || colon[1] == '\0' || port < 0 || port > 65535 ||
        inet_pton(AF_INET, host, &sin.sin_addr) != 1)
        return ferry_errf(FERRY_ERR_USAGE, "--listen %s: expected an IPv4 address:PORT", addr);
    sin.sin_port = htons((uint16_t)port);
    if ((r = tls_material(d)) != FERRY_OK)
        return r;
    *out = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                                MHD_USE_TLS | MHD_USE_ERROR_LOG,
                            0, NULL, NULL, on_request, d, MHD_OPTION_SOCK_ADDR,
                            (struct sockaddr *)&sin, MHD_OPTION_HTTPS_MEM_KEY, d->tls_key_pem,
                            MHD_OPTION_HTTPS_MEM_CERT, d->tls_cert_pem, MHD_OPTION_HTTPS_PRIORITIES,
                            d->f.tls10_only ? "NORMAL:-VERS-ALL:+VERS-TLS1.0" : "NORMAL",
                            MHD_OPTION_NOTIFY_COMPLETED, on_completed, d,
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)120, MHD_OPTION_END);
    if (*out == NULL)
        return ferry_errf(FERRY_ERR_NET, "cannot listen on %s (in use? TLS setup refused?)", addr);
    info = MHD_get_daemon_info(*out, MHD_DAEMON_INFO_BIND_PORT);
    d->port = info != NULL ? info->port : (unsigned short)port;
    return FERRY_OK;
}
