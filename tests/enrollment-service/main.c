/* ferry-enrolld — the local stand-in enrollment service (RMS SOAP + EST over HTTPS) used by the
 * demo and the integration tests, because the real service is on the internet. Not for
 * production: it issues from a local test CA to anyone who asks. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>
#include <openssl/crypto.h>

#include "enrolld_int.h"
#include "ferry/file.h"
#include "ferry/log.h"

static void usage(FILE *f)
{
    fputs("usage: ferry-enrolld --listen 127.0.0.1:PORT --state DIR [--lifetime-days N]\n"
          "                     [--fault KIND]... [--pidfile FILE] [--est-user USER:PASS]\n"
          "                     [--est-fault KIND]... [-v] [-q]\n"
          "PORT 0 picks a free port. Writes DIR/root.pem (the TLS anchor to pin), DIR/est-ca.pem,\n"
          "DIR/drm-root.sha256 (SHA-256 of the stand-in DRM production root key, which signs\n"
          "the last XrML certificate and is in none), DIR/url once it listens; appends\n"
          "\"<UTC time> <path> <sha256 of body> <status> [shape=...]\" to DIR/received.log for\n"
          "every request. Runs until SIGTERM or SIGINT.\n"
          "Endpoints: POST /enrollment/enrollservice.asmx (MS-RMPR Enroll, SOAP 1.1: synthetic\n"
          "XrML chain of four), GET /enrollment/enrollservice.asmx?WSDL (MS-RMPR 6.6),\n"
          "GET /.well-known/est/cacerts, POST /.well-known/est/simpleenroll|simplereenroll.\n"
          "--lifetime-days N: the SLC's ISSUE right (RANGETIME, the renewal date) runs N days\n"
          "(default 365); its VALIDITYTIME seven years (or N days if longer).\n"
          "Faults: delay:MS http500:N soap-fault malformed oversize[-chunked]:BYTES\n"
          "        retry-after:SECONDS drip:MS reset redirect-http redirect-loop\n"
          "        content-type:TYPE gzip-bomb[:BYTES] wrong-host-cert expired-cert tls10-only\n"
          "        body:FILE (a request the service takes is answered with FILE's bytes)\n"
          "EST faults: pending:S[:N] pending-date:S[:N] (202 + Retry-After S, seconds or a date,\n"
          "        to the first N enrollments) drop:san|eku|ku subject:/CN=.. client-cert\n",
          f);
}

static int parse_num(const char *s, long long min, long long max, long long *out)
{
    char *end;
    long long v;

    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
        return 0;
    *out = v;
    return 1;
}

/* Faults with a number after ':' (table-driven), then the flags. 1 if @k was understood. */
static int parse_fault(struct enrolld_faults *f, const char *k)
{
    const struct {
        const char *name;
        long long min, max;
        int is_long;
        void *dst;
    } num[] = {
        {"delay:", 0, 600000, 1, &f->delay_ms},
        {"http500:", 1, 1000000, 1, &f->http500},
        {"oversize:", 1, 1LL << 40, 0, &f->oversize},
        {"oversize-chunked:", 1, 1LL << 40, 0, &f->oversize},
        {"retry-after:", 0, 86400, 1, &f->retry_after},
        {"drip:", 1, 60000, 1, &f->drip_ms},
        {"gzip-bomb:", 1, 1LL << 40, 0, &f->gzip_bomb},
    };
    long long v;
    size_t i, nl;

    for (i = 0; i < sizeof(num) / sizeof(num[0]); i++) {
        nl = strlen(num[i].name);
        if (strncmp(k, num[i].name, nl) != 0)
            continue;
        if (!parse_num(k + nl, num[i].min, num[i].max, &v))
            return 0;
        if (num[i].is_long)
            *(long *)num[i].dst = (long)v;
        else
            *(long long *)num[i].dst = v;
        if (strcmp(num[i].name, "oversize-chunked:") == 0)
            f->oversize_chunked = 1;
        if (num[i].dst == &f->retry_after && v == 0)
            f->retry_after = 1;
        return 1;
    }
    if (strncmp(k, "body:", 5) == 0 && k[5] != '\0') {
        free(f->body);
        f->body = NULL;
        if (ferry_file_read(k + 5, ENROLLD_MAX_FAULT_BODY, &f->body, &f->body_len) != FERRY_OK) {
            fprintf(stderr, "ferry-enrolld: --fault %s: %s\n", k, ferry_err_detail());
            return 0;
        }
        return 1;
    }
    if (strncmp(k, "content-type:", 13) == 0 && k[13] != '\0' && strpbrk(k, "\r\n") == NULL) {
        free(f->content_type);
        f->content_type = strdup(k + 13);
        return f->content_type != NULL;
    }
    const struct {
        const char *name;
        int *dst;
    } flag[] = {
        {"soap-fault", &f->soap_fault},
        {"malformed", &f->malformed},
        {"reset", &f->reset},
        {"redirect-http", &f->redirect_http},
        {"redirect-loop", &f->redirect_loop},
        {"wrong-host-cert", &f->wrong_host_cert},
        {"expired-cert", &f->expired_cert},
        {"tls10-only", &f->tls10_only},
    };
    for (i = 0; i < sizeof(flag) / sizeof(flag[0]); i++) {
        if (strcmp(k, flag[i].name) == 0) {
            *flag[i].dst = 1;
            return 1;
        }
    }
    if (strcmp(k, "gzip-bomb") == 0) {
        f->gzip_bomb = 1LL << 30;
        return 1;
    }
    return 0;
}

struct opts {
    const char *listen, *pidfile;
};

static int parse_args(int argc, char **argv, struct enrolld *d, struct opts *o)
{
    static const struct option lo[] = {
        {"listen", required_argument, NULL, 'l'},
        {"state", required_argument, NULL, 's'},
        {"lifetime-days", required_argument, NULL, 'd'},
        {"fault", required_argument, NULL, 'f'},
        {"pidfile", required_argument, NULL, 'p'},
        {"est-user", required_argument, NULL, 'u'},
        {"est-fault", required_argument, NULL, 'e'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    long long v;
    int c;

    while ((c = getopt_long(argc, argv, "hvq", lo, NULL)) != -1) {
        switch (c) {
        case 'l': o->listen = optarg; break;
        case 's': d->state_dir = optarg; break;
        case 'p': o->pidfile = optarg; break;
        case 'u':
            if (strchr(optarg, ':') == NULL || strlen(optarg) > 255)
                goto bad;
            d->est_user = optarg;
            break;
        case 'd':
            if (!parse_num(optarg, 1, 36500, &v))
                goto bad;
            d->lifetime_days = (long)v;
            break;
        case 'f':
            if (!parse_fault(&d->f, optarg)) {
                fprintf(stderr, "ferry-enrolld: unknown or bad --fault %s\n", optarg);
                return 2;
            }
            break;
        case 'e':
            if (enrolld_est_fault(d, optarg) != FERRY_OK) {
                fprintf(stderr, "ferry-enrolld: %s\n", ferry_err_detail());
                return 2;
            }
            break;
        case 'v': ferry_log_set_level(FERRY_LOG_DEBUG); break;
        case 'q': ferry_log_set_level(FERRY_LOG_WARN); break;
        case 'h': usage(stdout); return 0;
        case 'V': puts("ferry-enrolld " FERRY_VERSION); return 0;
        default: goto bad;
        }
    }
    if (optind == argc && o->listen != NULL && d->state_dir != NULL)
        return -1;
bad:
    usage(stderr);
    return 2;
}

static ferry_err write_text(const char *dir, const char *name, const char *text)
{
    char *path = dir != NULL ? ferry_path_join(dir, name) : strdup(name);
    ferry_err r = FERRY_ERR_NOMEM;

    if (path != NULL)
        r = ferry_file_write_atomic(path, text, strlen(text), 0644);
    free(path);
    return r;
}

static void remove_in(const char *dir, const char *name)
{
    char *path = ferry_path_join(dir, name);

    if (path != NULL)
        unlink(path);
    free(path);
}

/* Starts, announces DIR/url (and the pidfile), waits for SIGTERM/SIGINT, stops. */
static ferry_err run(struct enrolld *d, const struct opts *o)
{
    struct MHD_Daemon *daemon = NULL;
    char text[80];
    sigset_t set;
    int sig = 0;
    ferry_err r;

    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* the server threads inherit the mask */
    signal(SIGPIPE, SIG_IGN);
    remove_in(d->state_dir, "url");
    if ((r = ferry_mkdir_p(d->state_dir, 0700)) != FERRY_OK ||
        (r = enrolld_ca_open(d->state_dir, &d->ca)) != FERRY_OK ||
        (r = enrolld_xrml_init(d)) != FERRY_OK)
        goto out;
    snprintf(text, sizeof(text), "%s\n", d->drm_root_fp);
    if ((r = write_text(d->state_dir, "drm-root.sha256", text)) != FERRY_OK ||
        (r = enrolld_server_start(d, o->listen, &daemon)) != FERRY_OK)
        goto out;
    snprintf(text, sizeof(text), "%ld\n", (long)getpid());
    if (o->pidfile != NULL && (r = write_text(NULL, o->pidfile, text)) != FERRY_OK)
        goto out;
    snprintf(text, sizeof(text), "https://127.0.0.1:%u", (unsigned)d->port);
    if ((r = write_text(d->state_dir, "url", text)) != FERRY_OK)
        goto out;
    ferry_log(FERRY_LOG_INFO, "listening on %s (state %s)", text, d->state_dir);
    sigwait(&set, &sig);
    ferry_log(FERRY_LOG_INFO, "signal %d: stopping", sig);
    remove_in(d->state_dir, "url");
    if (o->pidfile != NULL)
        unlink(o->pidfile);
    r = FERRY_OK;
out:
    if (daemon != NULL)
        MHD_stop_daemon(daemon);
    return r;
}

int main(int argc, char **argv)
{
    struct enrolld d;
    struct opts o = {NULL, NULL};
    ferry_err r;
    int rc;

    memset(&d, 0, sizeof(d));
    d.lifetime_days = 365;
    ferry_log_set_prefix("ferry-enrolld");
    if ((rc = parse_args(argc, argv, &d, &o)) >= 0)
        goto out;
    pthread_mutex_init(&d.lock, NULL);
    if ((d.log_path = ferry_path_join(d.state_dir, "received.log")) == NULL) {
        rc = 3;
        goto out;
    }
    r = run(&d, &o);
    if (r != FERRY_OK)
        fprintf(stderr, "ferry-enrolld: %s: %s\n", ferry_strerror(r), ferry_err_detail());
    rc = r == FERRY_OK ? 0 : ferry_err_exit_code(r);
    pthread_mutex_destroy(&d.lock);
out:
    enrolld_xrml_free(&d);
    enrolld_ca_close(&d.ca);
    free(d.log_path);
    free(d.f.content_type);
    free(d.f.body);
    if (d.tls_key_pem != NULL)
        OPENSSL_cleanse(d.tls_key_pem, strlen(d.tls_key_pem));
    free(d.tls_key_pem);
    free(d.tls_cert_pem);
    return rc;
}
