/* Tests of ferry-enrolld, the stand-in enrollment service: the real binary ($FERRY_ENROLLD) on
 * 127.0.0.1, real HTTPS with libcurl pinned at STATE/root.pem, the XrML answer checked
 * independently per tests/vectors/rms/FORMAT.md with libxml2 and OpenSSL, EST checked with
 * the openssl command. */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include "ferry/rms.h"
#include <curl/curl.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#define RMS_PATH   "/enrollment/enrollservice.asmx"
#define SOAPACTION "SOAPAction: \"http://microsoft.com/DRM/EnrollmentService/Enroll\""
#define PINNED_NOW 1795000000L /* 2026-11-18T...Z: every answer's times derive from it */
#define RESP_CAP   (8u << 20)

static char g_state[256]; /* one state dir for the whole run: its CA is reused by every start */
static char g_fixture[512];
static pid_t g_pid; /* the server running now, killed by teardown if a test failed */

struct srv {
    pid_t pid;
    char url[128];
};

static char *path_in(const char *dir, const char *name)
{
    static char p[4][512];
    static int i;

    i = (i + 1) % 4;
    snprintf(p[i], sizeof(p[i]), "%s/%s", dir, name);
    return p[i];
}

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *b = NULL;
    long n;

    if (f == NULL)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (b = malloc((size_t)n + 1)) != NULL) {
        *len = fread(b, 1, (size_t)n, f);
        b[*len] = 0;
    }
    fclose(f);
    return b;
}

/* Starts ferry-enrolld on port 0 with @args (NULL-terminated), waits for STATE/url. */
static void srv_start(struct srv *s, const char *const *args)
{
    const char *bin = getenv("FERRY_ENROLLD");
    char *argv[32];
    size_t n = 0, len = 0;
    uint8_t *url;
    int i, status;

    assert_non_null(bin);
    unlink(path_in(g_state, "url"));
    argv[n++] = (char *)bin;
    argv[n++] = "--listen";
    argv[n++] = "127.0.0.1:0";
    argv[n++] = "--state";
    argv[n++] = g_state;
    for (i = 0; args != NULL && args[i] != NULL && n < 30; i++)
        argv[n++] = (char *)args[i];
    argv[n] = NULL;
    s->pid = fork();
    assert_true(s->pid >= 0);
    g_pid = s->pid;
    if (s->pid == 0) {
        int fd = open(path_in(g_state, "enrolld.out"), O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
            _exit(126);
        execv(bin, argv);
        _exit(127);
    }
    for (i = 0; i < 600; i++) { /* the first start generates an RSA key: allow 60 s */
        if ((url = slurp(path_in(g_state, "url"), &len)) != NULL)
            break;
        assert_int_equal(waitpid(s->pid, &status, WNOHANG), 0);
        usleep(100000);
    }
    assert_non_null(url);
    assert_true(len > 8 && len < sizeof(s->url));
    memcpy(s->url, url, len + 1);
    free(url);
}

/* SIGTERM, and the server must exit 0. */
static void srv_stop(struct srv *s)
{
    int status = 0;

    assert_int_equal(kill(s->pid, SIGTERM), 0);
    assert_int_equal(waitpid(s->pid, &status, 0), s->pid);
    g_pid = 0;
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_false(access(path_in(g_state, "url"), F_OK) == 0);
}

struct http {
    long status;
    char ctype[128];
    char location[256];
    char retry_after[32];
    char encoding[32];
    uint8_t *body;
    size_t len;
    size_t total; /* bytes the write callback saw (body keeps at most RESP_CAP) */
    size_t cap;   /* abort the transfer past this many bytes (0: RESP_CAP) */
    double seconds;
    CURLcode rc;
};

static size_t on_body(char *p, size_t sz, size_t n, void *cls)
{
    struct http *h = cls;
    size_t len = sz * n;
    size_t cap = h->cap != 0 ? h->cap : RESP_CAP;

    h->total += len;
    if (h->total > cap)
        return 0;
    h->body = realloc(h->body, h->len + len + 1);
    assert_non_null(h->body);
    memcpy(h->body + h->len, p, len);
    h->len += len;
    h->body[h->len] = 0;
    return len;
}

static void header_value(const char *line, size_t len, const char *name, char *out, size_t max)
{
    size_t nl = strlen(name);

    if (len <= nl || strncasecmp(line, name, nl) != 0)
        return;
    line += nl;
    len -= nl;
    while (len > 0 && *line == ' ') {
        line++;
        len--;
    }
    while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == '\n'))
        len--;
    if (len >= max)
        len = max - 1;
    memcpy(out, line, len);
    out[len] = 0;
}

static size_t on_header(char *p, size_t sz, size_t n, void *cls)
{
    struct http *h = cls;

    header_value(p, sz * n, "Location:", h->location, sizeof(h->location));
    header_value(p, sz * n, "Retry-After:", h->retry_after, sizeof(h->retry_after));
    header_value(p, sz * n, "Content-Encoding:", h->encoding, sizeof(h->encoding));
    return sz * n;
}

/* One request; @body NULL means GET. @hdrs NULL-terminated. Extra options via @setup. */
static void request(const struct srv *s, const char *path, const void *body, size_t len,
                    const char *const *hdrs, void (*setup)(CURL *), struct http *h)
{
    CURL *c = curl_easy_init();
    struct curl_slist *sl = NULL;
    char url[512];
    char *ct = NULL;
    size_t cap = h->cap;
    int i;

    memset(h, 0, sizeof(*h));
    h->cap = cap;
    assert_non_null(c);
    snprintf(url, sizeof(url), "%s%s", s->url, path);
    for (i = 0; hdrs != NULL && hdrs[i] != NULL; i++)
        sl = curl_slist_append(sl, hdrs[i]);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CAINFO, path_in(g_state, "root.pem"));
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, sl);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, h);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, h);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    if (body != NULL) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    }
    if (setup != NULL)
        setup(c);
    h->rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &h->status);
    curl_easy_getinfo(c, CURLINFO_TOTAL_TIME, &h->seconds);
    if (curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct != NULL)
        snprintf(h->ctype, sizeof(h->ctype), "%s", ct);
    curl_slist_free_all(sl);
    curl_easy_cleanup(c);
}

static const char *const rms_hdrs[] = {"Content-Type: text/xml; charset=utf-8", SOAPACTION, NULL};

static void post_fixture(const struct srv *s, struct http *h, uint8_t **sent, size_t *sentlen)
{
    *sent = slurp(g_fixture, sentlen);
    assert_non_null(*sent);
    request(s, RMS_PATH, *sent, *sentlen, rms_hdrs, NULL, h);
}

/* The last line of received.log split into path, hex sha256, status. */
static void last_log(char *path, char *hex, int *status)
{
    size_t len = 0;
    uint8_t *log = slurp(path_in(g_state, "received.log"), &len);
    char *line, t[64];

    assert_non_null(log);
    assert_true(len > 0 && log[len - 1] == '\n');
    log[len - 1] = 0;
    line = strrchr((char *)log, '\n');
    line = line != NULL ? line + 1 : (char *)log;
    assert_int_equal(sscanf(line, "%63s %255s %64s %d", t, path, hex, status), 4);
    assert_int_equal(strlen(t), 20); /* YYYY-MM-DDTHH:MM:SSZ */
    free(log);
}

static void sha_hex(const void *p, size_t n, char out[65])
{
    uint8_t h[32];
    int i;

    SHA256(p, n, h);
    for (i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", h[i]);
}

/* ---- an independent XrML checker, written from FORMAT.md ---- */

static xmlNodePtr child(xmlNodePtr n, const char *name)
{
    for (n = n != NULL ? n->children : NULL; n != NULL; n = n->next)
        if (n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0)
            return n;
    return NULL;
}

static char *text(xmlNodePtr n)
{
    xmlChar *t = n != NULL ? xmlNodeGetContent(n) : NULL;
    char *s = t != NULL ? strdup((const char *)t) : NULL;

    xmlFree(t);
    return s;
}

static BIGNUM *b64_bn(const char *s)
{
    unsigned char buf[1024];
    int n = EVP_DecodeBlock(buf, (const unsigned char *)s, (int)strlen(s));
    size_t l = strlen(s);

    assert_true(n > 0);
    while (l > 0 && s[l - 1] == '=') { /* DecodeBlock counts padding as zero bytes */
        n--;
        l--;
    }
    return BN_bin2bn(buf, n, NULL);
}

/* RSA key from a PUBLICKEY element. */
static EVP_PKEY *xrml_key(xmlNodePtr pk)
{
    xmlNodePtr p;
    char *e = NULL, *m = NULL;
    BIGNUM *bn_n, *bn_e;
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    EVP_PKEY *k = NULL;

    assert_non_null(pk);
    assert_string_equal((const char *)child(pk, "ALGORITHM")->children->content, "RSA");
    for (p = pk->children; p != NULL; p = p->next) {
        xmlChar *name = p->type == XML_ELEMENT_NODE ? xmlGetProp(p, BAD_CAST "name") : NULL;
        if (name != NULL && strcmp((char *)name, "public-exponent") == 0)
            e = text(child(p, "VALUE"));
        if (name != NULL && strcmp((char *)name, "modulus") == 0)
            m = text(child(p, "VALUE"));
        xmlFree(name);
    }
    assert_non_null(e);
    assert_non_null(m);
    bn_n = b64_bn(m);
    bn_e = BN_new();
    assert_true(BN_dec2bn(&bn_e, e) > 0);
    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n);
    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e);
    params = OSSL_PARAM_BLD_to_param(bld);
    assert_int_equal(EVP_PKEY_fromdata_init(ctx), 1);
    assert_int_equal(EVP_PKEY_fromdata(ctx, &k, EVP_PKEY_PUBLIC_KEY, params), 1);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    EVP_PKEY_CTX_free(ctx);
    BN_free(bn_n);
    BN_free(bn_e);
    free(e);
    free(m);
    return k;
}

struct xcert {
    const uint8_t *body; /* the signed bytes, in the raw answer */
    size_t body_len;
    char *type, *subj_guid, *subj_name, *from, *until, *digest, *sig;
    EVP_PKEY *issuer_key, *subj_key;
};

static void xcert_free(struct xcert *c)
{
    free(c->type);
    free(c->subj_guid);
    free(c->subj_name);
    free(c->from);
    free(c->until);
    free(c->digest);
    free(c->sig);
    EVP_PKEY_free(c->issuer_key);
    EVP_PKEY_free(c->subj_key);
}

static void xcert_read(xmlNodePtr xrml, struct xcert *c)
{
    xmlNodePtr body = child(xrml, "BODY"), sig = child(xrml, "SIGNATURE");
    xmlNodePtr princ = child(child(body, "ISSUEDPRINCIPALS"), "PRINCIPAL");
    xmlNodePtr obj = child(child(body, "DESCRIPTOR"), "OBJECT");
    xmlChar *type = xmlGetProp(obj, BAD_CAST "type");

    assert_non_null(body);
    assert_non_null(sig);
    c->type = strdup((char *)type);
    xmlFree(type);
    c->subj_guid = text(child(child(princ, "OBJECT"), "ID"));
    c->subj_name = text(child(child(princ, "OBJECT"), "NAME"));
    c->from = text(child(child(body, "VALIDITYTIME"), "FROM"));
    c->until = text(child(child(body, "VALIDITYTIME"), "UNTIL"));
    c->digest = text(child(child(sig, "DIGEST"), "VALUE"));
    c->sig = text(child(sig, "VALUE"));
    assert_string_equal((const char *)child(sig, "ALGORITHM")->children->content,
                        "RSA PKCS#1-V1.5");
    c->issuer_key = xrml_key(child(child(body, "ISSUER"), "PUBLICKEY"));
    c->subj_key = xrml_key(child(princ, "PUBLICKEY"));
}

/* Finds the @i-th "<BODY ... </BODY>" in the raw bytes (BODY does not nest). */
static void raw_body(const uint8_t *doc, size_t len, int i, struct xcert *c)
{
    const char *p = (const char *)doc, *end = p + len, *b = NULL, *e;

    for (; i >= 0; i--) {
        b = memmem(p, (size_t)(end - p), "<BODY", 5);
        assert_non_null(b);
        e = memmem(b, (size_t)(end - b), "</BODY>", 7);
        assert_non_null(e);
        p = e + 7;
    }
    c->body = (const uint8_t *)b;
    c->body_len = (size_t)(p - b);
}

/* 1 if @c's signature and digest verify with @key. */
static int xcert_verify(const struct xcert *c, EVP_PKEY *key)
{
    unsigned char sig[1024], dig[64], h[32];
    int sl = EVP_DecodeBlock(sig, (const unsigned char *)c->sig, (int)strlen(c->sig));
    int dl = EVP_DecodeBlock(dig, (const unsigned char *)c->digest, (int)strlen(c->digest));
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok;

    SHA256(c->body, c->body_len, h);
    sl -= (int)(strchr(c->sig, '=') != NULL ? strlen(strchr(c->sig, '=')) : 0);
    ok = dl >= 32 && memcmp(dig, h, 32) == 0 &&
         EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key) == 1 &&
         EVP_DigestVerify(md, sig, (size_t)sl, c->body, c->body_len) == 1;
    EVP_MD_CTX_free(md);
    return ok;
}

/* Parses the answer, fills chain[0..1], checks the chain per FORMAT.md. */
static void check_answer(uint8_t *ans, size_t len, struct xcert chain[2])
{
    xmlDocPtr doc = xmlReadMemory((const char *)ans, (int)len, "answer.xml", NULL, XML_PARSE_NONET);
    xmlNodePtr res, cert;
    int i = 0;

    assert_non_null(doc);
    res = child(child(child(xmlDocGetRootElement(doc), "Body"), "EnrollResponse"), "EnrollResult");
    assert_non_null(res);
    assert_string_equal(
        (const char *)child(child(xmlDocGetRootElement(doc), "Body"), "EnrollResponse")->ns->href,
        "http://microsoft.com/DRM/EnrollmentService");
    for (cert = res->children; cert != NULL; cert = cert->next) {
        if (cert->type != XML_ELEMENT_NODE)
            continue;
        assert_true(i < 2);
        assert_string_equal((const char *)cert->name, "Certificate");
        assert_null(child(cert, "XrML")->ns); /* xmlns="" */
        memset(&chain[i], 0, sizeof(chain[i]));
        xcert_read(child(cert, "XrML"), &chain[i]);
        raw_body(ans, len, i, &chain[i]);
        i++;
    }
    assert_int_equal(i, 2);
    assert_string_equal(chain[0].type, "Server-Licensor-Certificate");
    assert_string_equal(chain[1].type, "Enrollment-Service-Root");
    assert_int_equal(EVP_PKEY_eq(chain[0].issuer_key, chain[1].subj_key), 1);
    assert_int_equal(EVP_PKEY_eq(chain[1].issuer_key, chain[1].subj_key), 1);
    assert_true(xcert_verify(&chain[0], chain[1].subj_key));
    assert_true(xcert_verify(&chain[1], chain[1].subj_key));
    xmlFreeDoc(doc);
}

static EVP_PKEY *fixture_key(void)
{
    size_t len = 0;
    uint8_t *pem = slurp(path_in(getenv("FERRY_SRC"), "tests/enrollment-service/fixtures/"
                                                      "request-key.pem"),
                         &len);
    BIO *b = BIO_new_mem_buf(pem, (int)len);
    EVP_PKEY *k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);

    assert_non_null(k);
    BIO_free(b);
    free(pem);
    return k;
}

static void xrml_date(time_t t, char out[17])
{
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(out, 17, "%Y-%m-%dT%H:%M", &tm);
}

static void test_rms_enroll(void **state)
{
    const char *const args[] = {NULL};
    struct srv s;
    struct http h = {0};
    struct xcert chain[2];
    uint8_t *sent;
    size_t sentlen;
    char path[256], hex[65], want[65], from[17], until[17];
    EVP_PKEY *req_key = fixture_key();
    int status;

    setenv("FERRY_NOW", "1795000000", 1);
    srv_start(&s, args);
    unsetenv("FERRY_NOW");
    post_fixture(&s, &h, &sent, &sentlen);
    assert_int_equal(h.rc, CURLE_OK);
    assert_int_equal(h.status, 200);
    assert_non_null(strstr(h.ctype, "text/xml"));
    check_answer(h.body, h.len, chain);
    /* the SLC is for the request's key, GUID and server name, over pinned now + 365 days */
    assert_int_equal(EVP_PKEY_eq(chain[0].subj_key, req_key), 1);
    assert_string_equal(chain[0].subj_guid, "{6f9619ff-8b86-d011-b42d-00c04fc964ff}");
    assert_string_equal(chain[0].subj_name, "RMS01 & Co");
    xrml_date(PINNED_NOW, from);
    xrml_date(PINNED_NOW + 365 * 86400L, until);
    assert_string_equal(chain[0].from, from);
    assert_string_equal(chain[0].until, until);
    /* a verifier that cannot fail proves nothing: one flipped byte of BODY must fail it */
    ((uint8_t *)chain[0].body)[chain[0].body_len / 2] ^= 0x01;
    assert_false(xcert_verify(&chain[0], chain[1].subj_key));
    /* received.log has the exact bytes' digest */
    last_log(path, hex, &status);
    sha_hex(sent, sentlen, want);
    assert_string_equal(path, RMS_PATH);
    assert_string_equal(hex, want);
    assert_int_equal(status, 200);
    xcert_free(&chain[0]);
    xcert_free(&chain[1]);
    EVP_PKEY_free(req_key);
    free(sent);
    free(h.body);
    srv_stop(&s);
}

/* Every request vector of tests/vectors/rms is answered, and ferry's own response parser
 * (common/src/rms.c) accepts the answer and binds it to the request: the two sides of FORMAT.md
 * agree. Every bad-*.xml vector that the request parser refuses gets a SOAP fault. */
static void test_rms_vectors(void **state)
{
    const char *vec = getenv("FERRY_VECTORS");
    char cmd[1024], name[256], file[1024];
    struct srv s;
    struct http h = {0};
    FILE *ls;
    int nreq = 0, nbad = 0;

    assert_non_null(vec);
    setenv("FERRY_NOW", "1795000000", 1);
    srv_start(&s, NULL);
    unsetenv("FERRY_NOW");
    snprintf(cmd, sizeof(cmd), "cd '%s/rms' && ls req-*.xml bad-*.xml", vec);
    ls = popen(cmd, "r");
    assert_non_null(ls);
    while (fgets(name, sizeof(name), ls) != NULL) {
        struct ferry_rms_request *q = NULL;
        struct ferry_rms_response *resp = NULL;
        uint8_t *b;
        size_t len = 0;
        ferry_err qr;

        name[strcspn(name, "\n")] = 0;
        snprintf(file, sizeof(file), "%s/rms/%s", vec, name);
        b = slurp(file, &len);
        assert_non_null(b);
        qr = ferry_rms_request_parse(b, len, &q);
        request(&s, RMS_PATH, b, len, rms_hdrs, NULL, &h);
        print_message("%s -> %ld\n", name, h.status);
        if (qr == FERRY_OK) {
            assert_int_equal(h.status, 200);
            assert_int_equal(ferry_rms_response_parse(h.body, h.len, &resp), FERRY_OK);
            assert_int_equal(ferry_rms_check(q, resp, PINNED_NOW + 60), FERRY_OK);
            assert_int_equal(resp->chain[0].until, PINNED_NOW / 60 * 60 + 365 * 86400L);
            assert_int_equal(ferry_rms_check(q, resp, PINNED_NOW + 366 * 86400L),
                             FERRY_ERR_EXPIRED);
            nreq++;
        } else {
            assert_int_equal(h.status, 500);
            assert_int_equal(ferry_rms_response_parse(h.body, h.len, &resp), FERRY_ERR_REJECTED);
            nbad++;
        }
        ferry_rms_response_free(resp);
        ferry_rms_request_free(q);
        free(h.body);
        free(b);
    }
    pclose(ls);
    assert_true(nreq >= 3);
    assert_true(nbad >= 3);
    srv_stop(&s);
}

/* Bad requests: {body, SOAPAction, status, text expected in the answer}. */
static void test_rms_bad_requests(void **state)
{
    static const char enroll_no_guid[] =
        "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body>"
        "<Enroll xmlns=\"http://microsoft.com/DRM/EnrollmentService\"><EnrollParameters>"
        "<RevocationInformation><RevocationType>x</RevocationType></RevocationInformation>"
        "<CertificatePublicKey><aPublicKeyBytes>AAAA</aPublicKeyBytes></CertificatePublicKey>"
        "<EnrolleeInformation/></EnrollParameters></Enroll></soap:Body></soap:Envelope>";
    static const char doctype[] =
        "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"b\">]><x>&a;</x>";
    const struct {
        const char *body;
        int soapaction;
        long status;
        const char *expect;
    } cases[] = {
        {"not xml at all <", 1, 500, "not well-formed"},
        {enroll_no_guid, 1, 500, "aPublicKeyBytes"},
        {doctype, 1, 500, "<soap:Fault>"},
        {"<a/>", 1, 500, "invalid Enroll request"},
        {enroll_no_guid, 0, 500, "SOAPAction"},
    };
    const char *const no_sa[] = {"Content-Type: text/xml", NULL};
    struct srv s;
    struct http h = {0};
    char *big;
    size_t i;

    srv_start(&s, NULL);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        request(&s, RMS_PATH, cases[i].body, strlen(cases[i].body),
                cases[i].soapaction ? rms_hdrs : no_sa, NULL, &h);
        assert_int_equal(h.rc, CURLE_OK);
        assert_int_equal(h.status, cases[i].status);
        assert_non_null(strstr((char *)h.body, "<faultstring>"));
        if (strstr((char *)h.body, cases[i].expect) == NULL)
            fail_msg("case %zu: '%s' not in %s", i, cases[i].expect, (char *)h.body);
        free(h.body);
    }
    big = malloc((2u << 20) + 1); /* 2 MiB: over the 1 MiB cap */
    assert_non_null(big);
    memset(big, ' ', 2u << 20);
    request(&s, RMS_PATH, big, 2u << 20, rms_hdrs, NULL, &h);
    assert_int_equal(h.status, 413);
    free(h.body);
    free(big);
    request(&s, RMS_PATH, NULL, 0, NULL, NULL, &h); /* GET */
    assert_int_equal(h.status, 405);
    free(h.body);
    request(&s, "/nowhere", NULL, 0, NULL, NULL, &h);
    assert_int_equal(h.status, 404);
    free(h.body);
    srv_stop(&s);
}

/* A restart reuses the CA: same root.pem, same XrML issuer key; --lifetime-days is honoured. */
static void test_restart_reuses_ca(void **state)
{
    const char *const args[] = {"--lifetime-days", "30", NULL};
    struct srv s;
    struct http h = {0};
    struct xcert a[2], b[2];
    uint8_t *root1, *root2, *sent;
    size_t l1 = 0, l2 = 0, sentlen;
    char until[17];

    srv_start(&s, NULL);
    root1 = slurp(path_in(g_state, "root.pem"), &l1);
    post_fixture(&s, &h, &sent, &sentlen);
    assert_int_equal(h.status, 200);
    check_answer(h.body, h.len, a);
    free(h.body);
    free(sent);
    srv_stop(&s);

    setenv("FERRY_NOW", "1795000000", 1);
    srv_start(&s, args);
    unsetenv("FERRY_NOW");
    root2 = slurp(path_in(g_state, "root.pem"), &l2);
    assert_non_null(root1);
    assert_non_null(root2);
    assert_int_equal(l1, l2);
    assert_memory_equal(root1, root2, l1);
    post_fixture(&s, &h, &sent, &sentlen); /* TLS verifies against the same anchor */
    assert_int_equal(h.status, 200);
    check_answer(h.body, h.len, b);
    assert_int_equal(EVP_PKEY_eq(a[1].subj_key, b[1].subj_key), 1);
    xrml_date(PINNED_NOW + 30 * 86400L, until);
    assert_string_equal(b[0].until, until);
    xcert_free(&a[0]);
    xcert_free(&a[1]);
    xcert_free(&b[0]);
    xcert_free(&b[1]);
    free(h.body);
    free(sent);
    free(root1);
    free(root2);
    srv_stop(&s);
}

static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    int st;

    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void write_file(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");

    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static const char *const est_hdrs[] = {"Content-Type: application/pkcs10",
                                       "Content-Transfer-Encoding: base64", NULL};

static void est_enroll(const struct srv *s, const char *op, const char *userpwd, struct http *h)
{
    char *csr = path_in(g_state, "t-csr.b64");
    uint8_t *b;
    size_t len = 0;

    assert_int_equal(run("cd '%s' && openssl req -new -newkey ec -pkeyopt "
                         "ec_paramgen_curve:P-256 -nodes -keyout t-key.pem -subj "
                         "'/O=Example/CN=host.example' -addext "
                         "'subjectAltName=DNS:host.example,IP:10.0.0.7' -outform DER -out "
                         "t-csr.der 2>/dev/null && openssl base64 -in t-csr.der -out t-csr.b64",
                         g_state),
                     0);
    b = slurp(csr, &len);
    assert_non_null(b);
    if (userpwd == NULL) {
        request(s, op, b, len, est_hdrs, NULL, h);
    } else {
        char auth[320], enc[256];
        const char *hd[] = {est_hdrs[0], auth, NULL};
        EVP_EncodeBlock((unsigned char *)enc, (const unsigned char *)userpwd, (int)strlen(userpwd));
        snprintf(auth, sizeof(auth), "Authorization: Basic %s", enc);
        request(s, op, b, len, hd, NULL, h);
    }
    free(b);
}

/* EST: cacerts is the EST CA; simpleenroll/simplereenroll issue what openssl verify accepts. */
static void test_est(void **state)
{
    const char *const ops[] = {"/.well-known/est/simpleenroll", "/.well-known/est/simplereenroll"};
    struct srv s;
    struct http h = {0};
    char path[256], hex[65];
    int status;
    size_t i;

    srv_start(&s, NULL);
    request(&s, "/.well-known/est/cacerts", NULL, 0, NULL, NULL, &h);
    assert_int_equal(h.status, 200);
    assert_string_equal(h.ctype, "application/pkcs7-mime");
    write_file(path_in(g_state, "t-cacerts.b64"), h.body, h.len);
    free(h.body);
    assert_int_equal(run("cd '%s' && openssl base64 -d -in t-cacerts.b64 | openssl pkcs7 "
                         "-inform DER -print_certs | openssl x509 -outform DER -out t-ca.der && "
                         "openssl x509 -in est-ca.pem -outform DER -out t-est.der && "
                         "cmp t-ca.der t-est.der",
                         g_state),
                     0);
    for (i = 0; i < 2; i++) {
        est_enroll(&s, ops[i], NULL, &h);
        assert_int_equal(h.rc, CURLE_OK);
        assert_int_equal(h.status, 200);
        assert_string_equal(h.ctype, "application/pkcs7-mime; smime-type=certs-only");
        write_file(path_in(g_state, "t-cert.b64"), h.body, h.len);
        free(h.body);
        assert_int_equal(
            run("cd '%s' && openssl base64 -d -in t-cert.b64 | openssl pkcs7 "
                "-inform DER -print_certs -out t-cert.pem && "
                "openssl verify -CAfile est-ca.pem t-cert.pem >/dev/null && "
                "openssl x509 -in t-cert.pem -noout -subject -ext subjectAltName "
                "| grep -q 'IP Address:10.0.0.7' && "
                "openssl x509 -in t-cert.pem -noout -subject | grep -q host.example &&"
                " openssl x509 -in t-cert.pem -noout -pubkey > t-p1.pem && "
                "openssl pkey -in t-key.pem -pubout > t-p2.pem && cmp t-p1.pem t-p2.pem",
                g_state),
            0);
        last_log(path, hex, &status);
        assert_string_equal(path, ops[i]);
        assert_int_equal(status, 200);
    }
    /* a CSR whose signature does not verify is refused */
    assert_int_equal(run("cd '%s' && openssl base64 -d -in t-csr.b64 > t-bad.der && "
                         "printf '\\x55' | dd of=t-bad.der bs=1 seek=$(( $(stat -c %%s t-bad.der)"
                         " - 5 )) conv=notrunc 2>/dev/null",
                         g_state),
                     0);
    {
        size_t len = 0;
        uint8_t *der = slurp(path_in(g_state, "t-bad.der"), &len);
        char b64[4096];
        int n = EVP_EncodeBlock((unsigned char *)b64, der, (int)len);
        request(&s, ops[0], b64, (size_t)n, est_hdrs, NULL, &h);
        assert_int_equal(h.status, 400);
        free(h.body);
        free(der);
    }
    request(&s, ops[0], "%%%", 3, est_hdrs, NULL, &h);
    assert_int_equal(h.status, 400);
    free(h.body);
    srv_stop(&s);
}

static void test_est_auth(void **state)
{
    const char *const args[] = {"--est-user", "alice:s3cret", NULL};
    struct srv s;
    struct http h = {0};

    srv_start(&s, args);
    est_enroll(&s, "/.well-known/est/simpleenroll", NULL, &h);
    assert_int_equal(h.status, 401);
    free(h.body);
    est_enroll(&s, "/.well-known/est/simpleenroll", "alice:wrong", &h);
    assert_int_equal(h.status, 401);
    free(h.body);
    est_enroll(&s, "/.well-known/est/simpleenroll", "alice:s3cret", &h);
    assert_int_equal(h.status, 200);
    free(h.body);
    srv_stop(&s);
}

/* ---- faults ---- */

static void opt_follow(CURL *c)
{
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
}

static void opt_gzip(CURL *c)
{
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
}

static int parses_as_xml(const struct http *h)
{
    xmlDocPtr d = h->body != NULL
                      ? xmlReadMemory((const char *)h->body, (int)h->len, "x", NULL,
                                      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING)
                      : NULL;
    int ok = d != NULL;

    xmlFreeDoc(d);
    return ok;
}

/* Each check posts the fixture (or more) to a server started with that fault. */
static void fault_post(const struct srv *s, struct http *h, void (*setup)(CURL *))
{
    size_t len = 0;
    uint8_t *b = slurp(g_fixture, &len);

    assert_non_null(b);
    request(s, RMS_PATH, b, len, rms_hdrs, setup, h);
    free(b);
}

static void chk_delay(const struct srv *s)
{
    struct http h = {0};

    fault_post(s, &h, NULL);
    assert_int_equal(h.status, 200);
    assert_true(h.seconds >= 0.4);
    free(h.body);
}

static void chk_http500(const struct srv *s)
{
    struct http h = {0};
    int i;

    for (i = 0; i < 3; i++) {
        fault_post(s, &h, NULL);
        assert_int_equal(h.status, i < 2 ? 500 : 200);
        assert_int_equal(strstr((char *)h.body, "soap:Fault") != NULL, 0);
        free(h.body);
    }
}

static void chk_soap_fault(const struct srv *s)
{
    struct http h = {0};

    fault_post(s, &h, NULL);
    assert_int_equal(h.status, 500);
    assert_true(parses_as_xml(&h));
    assert_non_null(strstr((char *)h.body, "<soap:Fault>"));
    assert_non_null(strstr((char *)h.body, "<faultstring>injected fault"));
    free(h.body);
}

static void chk_malformed(const struct srv *s)
{
    struct http h = {0};

    fault_post(s, &h, NULL);
    assert_int_equal(h.rc, CURLE_OK);
    assert_int_equal(h.status, 200);
    assert_true(h.len > 0);
    assert_false(parses_as_xml(&h));
    free(h.body);
}

static void chk_oversize(const struct srv *s)
{
    struct http h = {0};

    h.cap = 64u << 20;
    fault_post(s, &h, NULL);
    assert_int_equal(h.rc, CURLE_OK);
    assert_int_equal(h.status, 200);
    assert_int_equal(h.total, 6000000);
    assert_memory_equal(h.body, "<?xml", 5);
    free(h.body);
}

static void chk_retry_after(const struct srv *s)
{
    struct http h = {0};

    fault_post(s, &h, NULL);
    assert_int_equal(h.status, 503);
    assert_string_equal(h.retry_after, "7");
    free(h.body);
    fault_post(s, &h, NULL);
    assert_int_equal(h.status, 200);
    free(h.body);
}

static void chk_drip(const struct srv *s)
{
    struct http h = {0};

    fault_post(s, &h, NULL);
    assert_int_equal(h.status, 200);
    assert_true(parses_as_xml(&h)); /* slow but whole */
    assert_true(h.seconds >= (double)(h.len / 8) * 0.002 * 0.9);
    free(h.body);
}

static void chk_reset(const struct srv *s)
{
    struct http h = {0};

    fault_post(s, &h, NULL);
    assert_int_not_equal(h.rc, CURLE_OK);
    assert_false(parses_as_xml(&h));
    free(h.body);
}

static void chk_redirect_http(const struct srv *s)
{
    struct http h = {0};

    fault_post(s, &h, NULL);
    assert_int_equal(h.status, 302);
    assert_memory_equal(h.location, "http://127.0.0.1:", 17);
    free(h.body);
}

static void chk_redirect_loop(const struct srv *s)
{
    struct http h = {0};
    char want[256];

    fault_post(s, &h, NULL);
    assert_int_equal(h.status, 302);
    snprintf(want, sizeof(want), "%s%s", s->url, RMS_PATH);
    assert_string_equal(h.location, want);
    free(h.body);
    fault_post(s, &h, opt_follow);
    assert_int_equal(h.rc, CURLE_TOO_MANY_REDIRECTS);
    free(h.body);
}

static void chk_content_type(const struct srv *s)
{
    struct http h = {0};

    fault_post(s, &h, NULL);
    assert_int_equal(h.status, 200);
    assert_string_equal(h.ctype, "text/html");
    assert_true(parses_as_xml(&h));
    free(h.body);
}

static void chk_gzip_bomb(const struct srv *s)
{
    struct http h = {0};

    h.cap = 4u << 20; /* a client's response cap: the bomb must blow through it */
    fault_post(s, &h, opt_gzip);
    assert_int_equal(h.rc, CURLE_WRITE_ERROR);
    assert_string_equal(h.encoding, "gzip");
    assert_true(h.total > (4u << 20));
    free(h.body);
}

static void chk_tls_refused(const struct srv *s)
{
    struct http h = {0};

    fault_post(s, &h, NULL);
    assert_int_equal(h.rc, CURLE_PEER_FAILED_VERIFICATION);
    free(h.body);
}

static void chk_tls10(const struct srv *s)
{
    struct http h = {0};

    fault_post(s, &h, NULL); /* curl's default minimum is TLS 1.2 */
    assert_int_equal(h.rc, CURLE_SSL_CONNECT_ERROR);
    free(h.body);
}

static void test_faults(void **state)
{
    const struct {
        const char *fault;
        void (*check)(const struct srv *);
    } cases[] = {
        {"delay:400", chk_delay},
        {"http500:2", chk_http500},
        {"soap-fault", chk_soap_fault},
        {"malformed", chk_malformed},
        {"oversize:6000000", chk_oversize},
        {"retry-after:7", chk_retry_after},
        {"drip:2", chk_drip},
        {"reset", chk_reset},
        {"redirect-http", chk_redirect_http},
        {"redirect-loop", chk_redirect_loop},
        {"content-type:text/html", chk_content_type},
        {"gzip-bomb", chk_gzip_bomb},
        {"wrong-host-cert", chk_tls_refused},
        {"expired-cert", chk_tls_refused},
        {"tls10-only", chk_tls10},
    };
    char path[256], hex[65];
    int status;
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *const args[] = {"--fault", cases[i].fault, NULL};
        struct srv s;
        print_message("fault %s\n", cases[i].fault);
        srv_start(&s, args);
        cases[i].check(&s);
        srv_stop(&s);
        if (cases[i].check != chk_tls_refused && cases[i].check != chk_tls10) {
            last_log(path, hex, &status);
            assert_string_equal(path, RMS_PATH);
        }
    }
}

/* A bad --fault or missing --state is a usage error (exit 2), not a crash. */
static void test_usage(void **state)
{
    const char *bin = getenv("FERRY_ENROLLD");

    assert_int_equal(
        run("'%s' --listen 127.0.0.1:0 --state '%s' --fault bogus 2>/dev/null", bin, g_state), 2);
    assert_int_equal(run("'%s' --listen 127.0.0.1:0 2>/dev/null", bin), 2);
    assert_int_equal(run("'%s' --listen nowhere --state '%s' 2>/dev/null", bin, g_state), 2);
    assert_int_equal(run("'%s' --help >/dev/null", bin), 0);
}

static int kill_leftover(void **state)
{
    if (g_pid > 0) {
        kill(g_pid, SIGKILL);
        waitpid(g_pid, NULL, 0);
        g_pid = 0;
    }
    return 0;
}

static int group_setup(void **state)
{
    const char *src = getenv("FERRY_SRC");
    const char *tmp = getenv("TMPDIR");

    if (src == NULL || getenv("FERRY_ENROLLD") == NULL)
        return -1;
    snprintf(g_state, sizeof(g_state), "%s/ferry-enrolld-test-XXXXXX", tmp != NULL ? tmp : "/tmp");
    if (mkdtemp(g_state) == NULL)
        return -1;
    snprintf(g_fixture, sizeof(g_fixture), "%s/tests/enrollment-service/fixtures/request.xml", src);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    return 0;
}

static int group_teardown(void **state)
{
    char cmd[1024];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_state);
    if (system(cmd) != 0)
        return -1;
    curl_global_cleanup();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_rms_enroll, kill_leftover),
        cmocka_unit_test_teardown(test_rms_vectors, kill_leftover),
        cmocka_unit_test_teardown(test_rms_bad_requests, kill_leftover),
        cmocka_unit_test_teardown(test_restart_reuses_ca, kill_leftover),
        cmocka_unit_test_teardown(test_est, kill_leftover),
        cmocka_unit_test_teardown(test_est_auth, kill_leftover),
        cmocka_unit_test_teardown(test_faults, kill_leftover),
        cmocka_unit_test(test_usage),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
