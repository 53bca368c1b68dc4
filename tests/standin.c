/* The stand-in enrollment service ferry-enrolld on 127.0.0.1 as the fixture of the HTTPS client's
 * tests (standin.h). */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "ferry/buf.h"
#include "ferry/b64.h"
#include "ferry/crypto.h"
#include "ferry/hex.h"
#include "ferry/enroll.h"
#include "ferry/file.h"
#include "ferry/log.h"
#include "helpers.h"
#include "standin.h"

#define MAX_FAULTS 4

char standin_tmp_root[256];
char standin_state_dir[400];
uint8_t *standin_rms_req;
size_t standin_rms_req_len;

/* memmem without _GNU_SOURCE. */
const void *standin_find_bytes(const void *h, size_t hl, const void *n, size_t nl)
{
    const uint8_t *p = h;
    size_t i;

    for (i = 0; nl <= hl && i <= hl - nl; i++)
        if (memcmp(p + i, n, nl) == 0)
            return p + i;
    return NULL;
}

double standin_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Starts ferry-enrolld with the faults given (NULL-terminated) and waits for its url file. */
void standin_start(struct standin *s, ...)
{
    const char *bin = getenv("FERRY_ENROLLD");
    const char *argv[8 + 2 * MAX_FAULTS];
    char path[600], logp[600];
    uint8_t *u = NULL;
    size_t n = 0, k = 0;
    const char *f;
    va_list ap;
    int i, fd;

    assert_non_null(bin);
    argv[k++] = bin;
    argv[k++] = "--listen";
    argv[k++] = "127.0.0.1:0";
    argv[k++] = "--state";
    argv[k++] = standin_state_dir;
    va_start(ap, s);
    while ((f = va_arg(ap, const char *)) != NULL && k < 6 + 2 * MAX_FAULTS) {
        argv[k++] = strncmp(f, "--", 2) == 0 ? f : "--fault";
        if (strncmp(f, "--", 2) == 0)
            f = va_arg(ap, const char *);
        argv[k++] = f;
    }
    va_end(ap);
    argv[k] = NULL;
    snprintf(path, sizeof(path), "%s/url", standin_state_dir);
    unlink(path);
    snprintf(logp, sizeof(logp), "%s/received.log", standin_state_dir);
    unlink(logp);
    snprintf(logp, sizeof(logp), "%s/enrolld.out", standin_tmp_root);
    s->pid = fork();
    assert_true(s->pid >= 0);
    if (s->pid == 0) {
        fd = open(logp, O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execv(bin, (char *const *)argv);
        _exit(127);
    }
    for (i = 0; i < 400 && !ferry_path_exists(path); i++)
        usleep(25000);
    assert_int_equal(ferry_file_read(path, 255, &u, &n), FERRY_OK);
    while (n > 0 && (u[n - 1] == '\n' || u[n - 1] == '\r'))
        u[--n] = '\0';
    snprintf(s->url, sizeof(s->url), "%s", (char *)u);
    snprintf(s->root, sizeof(s->root), "%s/root.pem", standin_state_dir);
    snprintf(s->rms, sizeof(s->rms), "%s%s", s->url, FERRY_RMS_PATH);
    free(u);
}

void standin_stop(struct standin *s)
{
    int st;

    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        waitpid(s->pid, &st, 0);
        s->pid = 0;
    }
}

/* Line @i (0-based) of received.log split into path, sha256 hex and status; 0 if absent. */
int standin_received(int i, char path[128], char sha[65], int *status)
{
    char p[600], *line, *nl;
    uint8_t *buf = NULL;
    size_t n = 0;
    int k, ok = 0;

    snprintf(p, sizeof(p), "%s/received.log", standin_state_dir);
    if (ferry_file_read(p, 1 << 20, &buf, &n) != FERRY_OK)
        return 0;
    line = (char *)buf;
    for (k = 0; k < i && line != NULL; k++)
        line = (nl = strchr(line, '\n')) != NULL && nl[1] != '\0' ? nl + 1 : NULL;
    if (line != NULL && sscanf(line, "%*s %127s %64s %d", path, sha, status) == 3)
        ok = 1;
    free(buf);
    return ok;
}

int standin_received_count(void)
{
    char p[128], h[65];
    int st, n = 0;

    while (standin_received(n, p, h, &st))
        n++;
    return n;
}

void standin_sha_hex(const void *p, size_t n, char out[65])
{
    uint8_t h[FERRY_SHA256_LEN];

    ferry_sha256(p, n, h);
    ferry_hex(h, sizeof(h), out);
}

/* Test options: short timeouts, quick back-off, the stand-in's root pinned. */
void standin_opts(struct ferry_http_opts *o, const struct standin *s)
{
    ferry_http_opts_default(o);
    o->ca_file = s->root;
    o->connect_timeout_ms = 2000;
    o->timeout_ms = 2000;
    o->backoff_ms = 50;
    o->max_attempts = 3;
    o->deadline = time(NULL) + 60;
}

static void make_rms_request(void)
{
    EVP_PKEY *k = EVP_RSA_gen(2048);
    unsigned char *der = NULL;
    char *b64 = NULL;
    struct ferry_buf b;
    int n;

    assert_non_null(k);
    n = i2d_PublicKey(k, &der); /* PKCS#1 RSAPublicKey */
    assert_true(n > 0);
    assert_int_equal(ferry_b64_encode(der, (size_t)n, &b64), FERRY_OK);
    ferry_buf_init(&b, 1 << 16);
    assert_int_equal(
        ferry_buf_printf(
            &b,
            "\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n"
            "<!-- synthetic test request made by tests/standin.c, not a real RMS request -->\r\n"
            "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\">\r\n"
            "  <soap:Header><VersionData xmlns=\"http://microsoft.com/DRM/EnrollmentService\">"
            "<MinimumVersion>1.0.0.0</MinimumVersion><MaximumVersion>1.0.0.0</MaximumVersion>"
            "</VersionData></soap:Header>\r\n"
            "  <soap:Body>\r\n    <Enroll xmlns=\"http://microsoft.com/DRM/EnrollmentService\">\r\n"
            "      <oInput>\r\n        <AuthorizationInformation />\r\n"
            "        <RevocationInformation>\r\n"
            "          <RevocationType>StandardRevocation</RevocationType>\r\n"
            "        </RevocationInformation>\r\n        <CertificatePublicKey>\r\n"
            "          <aPublicKeyBytes>%s</aPublicKeyBytes>\r\n"
            "          <Guid>{6F1A2B3C-4D5E-4F60-8172-93A4B5C6D7E8}</Guid>\r\n"
            "        </CertificatePublicKey>\r\n        <EnrolleeInformation>\r\n"
            "          <Version>1.0.0.0</Version>\r\n"
            "          <URL>https://rms.example.test/_wmcs</URL>\r\n"
            "        </EnrolleeInformation>\r\n      </oInput>\r\n    </Enroll>\r\n"
            "  </soap:Body>\r\n</soap:Envelope>\r\n",
            b64),
        FERRY_OK);
    standin_rms_req = ferry_buf_steal(&b, &standin_rms_req_len);
    OPENSSL_free(der);
    free(b64);
    EVP_PKEY_free(k);
}

int standin_group_setup(void **state)
{
    snprintf(standin_tmp_root, sizeof(standin_tmp_root), "/tmp/ferry-enroll-XXXXXX");
    assert_non_null(mkdtemp(standin_tmp_root));
    snprintf(standin_state_dir, sizeof(standin_state_dir), "%s/state", standin_tmp_root);
    assert_int_equal(ferry_mkdir_p(standin_state_dir, 0700), FERRY_OK);
    make_rms_request();
    ferry_log_set_level(getenv("FERRY_TEST_VERBOSE") != NULL ? FERRY_LOG_DEBUG : FERRY_LOG_WARN);
    unsetenv("https_proxy");
    unsetenv("HTTPS_PROXY");
    unsetenv("all_proxy");
    unsetenv("ALL_PROXY");
    return 0;
}

int standin_group_teardown(void **state)
{
    free(standin_rms_req);
    return helpers_rm_tree(standin_tmp_root);
}
