/* Tests of ferry-enrolld, the stand-in enrollment service: the real binary ($FERRY_ENROLLD) on
 * 127.0.0.1, real HTTPS with libcurl pinned at STATE/root.pem. The RMS side is held to MS-RMPR:
 * every refusal the real service would make is tried; the answer's shape is read here with
 * libxml2 and its signatures and chain are checked by tests/tools/xrml_verify.py, which shares
 * no code with ferry or the stand-in. EST is checked with the openssl command. */
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
#include <curl/curl.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "helpers.h"

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

/* ---- the RMS answer (MS-RMPR 3.6.4.1.4.7, 2.2.9.3) ---- */

#define RMS_NS "http://microsoft.com/DRM/EnrollmentService"

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

static char *prop(xmlNodePtr n, const char *name)
{
    xmlChar *t = n != NULL ? xmlGetProp(n, BAD_CAST name) : NULL;
    char *s = t != NULL ? strdup((const char *)t) : NULL;

    xmlFree(t);
    return s;
}

/* What the tests look at in one XrML certificate. */
struct xcert {
    char *xml; /* the whole document, as the string element held it */
    char *type, *i_type, *i_idtype, *i_id, *p_type, *p_idtype, *p_id, *address;
    char *v_from, *v_until, *r_from, *r_until, *digest_alg;
    int p_has_name;
};

static void xcert_free(struct xcert *c)
{
    char **f[] = {&c->xml,     &c->type,     &c->i_type,  &c->i_idtype,  &c->i_id,
                  &c->p_type,  &c->p_idtype, &c->p_id,    &c->address,   &c->v_from,
                  &c->v_until, &c->r_from,   &c->r_until, &c->digest_alg};
    size_t i;

    for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
        free(*f[i]);
        *f[i] = NULL;
    }
}

static void xcert_read(const char *xml, struct xcert *c)
{
    xmlDocPtr d = xmlReadMemory(xml, (int)strlen(xml), "xrml.xml", NULL, XML_PARSE_NONET);
    xmlNodePtr x, body, iss, pr, right, rt;
    char *name;

    memset(c, 0, sizeof(*c));
    assert_non_null(d);
    c->xml = strdup(xml);
    x = xmlDocGetRootElement(d);
    assert_string_equal((const char *)x->name, "XrML");
    assert_null(x->ns); /* xmlns="" */
    body = child(x, "BODY");
    assert_non_null(body);
    c->type = prop(child(child(body, "DESCRIPTOR"), "OBJECT"), "type");
    iss = child(child(body, "ISSUER"), "OBJECT");
    c->i_type = prop(iss, "type");
    c->i_idtype = prop(child(iss, "ID"), "type");
    c->i_id = text(child(iss, "ID"));
    pr = child(child(child(body, "ISSUEDPRINCIPALS"), "PRINCIPAL"), "OBJECT");
    c->p_type = prop(pr, "type");
    c->p_idtype = prop(child(pr, "ID"), "type");
    c->p_id = text(child(pr, "ID"));
    c->p_has_name = child(pr, "NAME") != NULL;
    c->address = text(child(pr, "ADDRESS"));
    c->v_from = text(child(child(body, "VALIDITYTIME"), "FROM"));
    c->v_until = text(child(child(body, "VALIDITYTIME"), "UNTIL"));
    right = child(child(child(child(body, "WORK"), "RIGHTSGROUP"), "RIGHTSLIST"), "RIGHT");
    assert_non_null(right);
    name = prop(right, "name");
    assert_string_equal(name, "ISSUE");
    free(name);
    rt = child(child(child(right, "CONDITIONLIST"), "TIME"), "RANGETIME");
    c->r_from = text(child(rt, "FROM"));
    c->r_until = text(child(rt, "UNTIL"));
    c->digest_alg = text(child(child(child(x, "SIGNATURE"), "DIGEST"), "ALGORITHM"));
    xmlFreeDoc(d);
}

/* The SOAP answer: VersionData header, EnrollResponse/EnrollResult/LicensorCertificateChain
 * with exactly four string elements of text, each an XrML document. */
static void read_answer(const uint8_t *ans, size_t len, struct xcert chain[4])
{
    xmlDocPtr doc = xmlReadMemory((const char *)ans, (int)len, "answer.xml", NULL, XML_PARSE_NONET);
    xmlNodePtr env, vd, lcc, s;
    char *v;
    int i = 0;

    assert_non_null(doc);
    env = xmlDocGetRootElement(doc);
    assert_string_equal((const char *)env->ns->href, "http://schemas.xmlsoap.org/soap/envelope/");
    vd = child(child(env, "Header"), "VersionData");
    assert_non_null(vd);
    assert_string_equal((const char *)vd->ns->href, RMS_NS);
    v = text(child(vd, "MinimumVersion"));
    assert_string_equal(v, "1.0.0.0");
    free(v);
    v = text(child(vd, "MaximumVersion"));
    assert_string_equal(v, "1.0.0.0");
    free(v);
    lcc = child(child(child(child(env, "Body"), "EnrollResponse"), "EnrollResult"),
                "LicensorCertificateChain");
    assert_non_null(lcc);
    assert_string_equal((const char *)lcc->ns->href, RMS_NS);
    for (s = lcc->children; s != NULL; s = s->next) {
        if (s->type != XML_ELEMENT_NODE)
            continue;
        assert_true(i < 4);
        assert_string_equal((const char *)s->name, "string");
        assert_null(child(s, "XrML")); /* escaped text, not elements */
        v = text(s);
        assert_non_null(v);
        assert_memory_equal(v, "<XrML", 5);
        xcert_read(v, &chain[i++]);
        free(v);
    }
    assert_int_equal(i, 4);
    xmlFreeDoc(doc);
}

static void chain_free(struct xcert chain[4])
{
    int i;

    for (i = 0; i < 4; i++)
        xcert_free(&chain[i]);
}

/* Types and IDs of the four certificates per MS-RMPR 2.2.9.3.1-3 (production hierarchy). */
static void check_shape(const struct xcert c[4])
{
    static const char *const want[4][7] = {
        {"Server-Licensor-Certificate", "MS-DRM-Server", "MS-GUID", NULL, "MS-DRM-Server",
         "MS-GUID", NULL},
        {"Server-Licensor-Certificate", "DRM-Certificate-Authority", "ascii-tag",
         "Microsoft DRM Production Server Enrollment CA", "MS-DRM-Server", "MS-GUID", NULL},
        {"DRM-CA-Certificate", "DRM-Certificate-Authority", "ascii-tag",
         "Microsoft DRM Production CA", "DRM-Certificate-Authority", "ascii-tag",
         "Microsoft DRM Production Server Enrollment CA"},
        {"DRM-CA-Certificate", "DRM-Certificate-Authority", "ascii-tag",
         "Microsoft DRM Production Root", "DRM-Certificate-Authority", "ascii-tag",
         "Microsoft DRM Production CA"},
    };
    int i;

    for (i = 0; i < 4; i++) {
        assert_string_equal(c[i].type, want[i][0]);
        assert_string_equal(c[i].i_type, want[i][1]);
        assert_string_equal(c[i].i_idtype, want[i][2]);
        if (want[i][3] != NULL)
            assert_string_equal(c[i].i_id, want[i][3]);
        assert_string_equal(c[i].p_type, want[i][4]);
        assert_string_equal(c[i].p_idtype, want[i][5]);
        if (want[i][6] != NULL)
            assert_string_equal(c[i].p_id, want[i][6]);
        assert_int_equal(c[i].p_has_name, i > 0); /* the SLC's principal has no NAME */
        assert_int_equal(c[i].address != NULL, i == 0);
        assert_string_equal(c[i].digest_alg, "SHA1");
        if (i < 3) /* each ISSUER ID is the next certificate's principal ID */
            assert_string_equal(c[i].i_id, c[i + 1].p_id);
    }
}

static void xrml_date(time_t t, char out[17])
{
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(out, 17, "%Y-%m-%dT%H:%M", &tm);
}

static char *src_path(const char *rel)
{
    static char p[4][768];
    static int i;

    i = (i + 1) % 4;
    snprintf(p[i], sizeof(p[i]), "%s/%s", getenv("FERRY_SRC"), rel);
    return p[i];
}

/* tests/tools/xrml_verify.py on the answer: every digest and signature the real way, the links,
 * the SLC bound to @request, the last issuer the key pinned in STATE/drm-root.sha256. Returns its
 * exit code (0 verified, 1 refused). */
static int verify_answer(const uint8_t *ans, size_t len, const char *request, const char *extra)
{
    char *f = path_in(g_state, "t-answer.xml");
    size_t fl = 0;
    uint8_t *fp = slurp(path_in(g_state, "drm-root.sha256"), &fl);
    int rc;

    assert_non_null(fp);
    assert_int_equal(fl, 65);
    fp[64] = 0;
    write_file(f, ans, len);
    rc = run("python3 '%s' answer '%s' --request '%s' --root-fp %s %s >&2",
             src_path("tests/tools/xrml_verify.py"), f, request, (char *)fp,
             extra != NULL ? extra : "");
    free(fp);
    return rc;
}

static void test_rms_enroll(void **state)
{
    const char *const args[] = {NULL};
    struct srv s;
    struct http h = {0};
    struct xcert chain[4];
    uint8_t *sent;
    size_t sentlen, ll = 0;
    char path[256], hex[65], want[65], t[17];
    int status;
    uint8_t *log;

    setenv("FERRY_NOW", "1795000000", 1);
    srv_start(&s, args);
    unsetenv("FERRY_NOW");
    post_fixture(&s, &h, &sent, &sentlen);
    assert_int_equal(h.rc, CURLE_OK);
    assert_int_equal(h.status, 200);
    assert_string_equal(h.ctype, "text/xml; charset=utf-8");
    read_answer(h.body, h.len, chain);
    check_shape(chain);
    /* the SLC is for the request's GUID (in braces) and URL; RANGETIME one year from the pinned
     * now, VALIDITYTIME seven years */
    assert_string_equal(chain[0].p_id, "{6F9619FF-8B86-D011-B42D-00C04FC964FF}");
    assert_string_equal(chain[0].address, "https://rms01.example.org/_wmcs");
    xrml_date(PINNED_NOW, t);
    assert_string_equal(chain[0].r_from, t);
    assert_string_equal(chain[0].v_from, t);
    xrml_date(PINNED_NOW + 365 * 86400L, t);
    assert_string_equal(chain[0].r_until, t);
    xrml_date(PINNED_NOW + 7 * 365 * 86400L, t);
    assert_string_equal(chain[0].v_until, t);
    assert_non_null(strstr(chain[0].xml, "<SECURITYLEVEL name=\"Server-Version\" "
                                         "value=\"5.2.3790.1830\"/>"));
    /* signed the real way, checked by the independent verifier, which must also fail on a
     * flipped byte of the SLC's body */
    assert_int_equal(verify_answer(h.body, h.len, g_fixture,
                                   "--range-days 365 --validity-days "
                                   "2555"),
                     0);
    {
        char *p = strstr((char *)h.body, "ISSUEDTIME&gt;2026");
        assert_non_null(p);
        p[strlen("ISSUEDTIME&gt;202")] = '7';
        assert_int_equal(verify_answer(h.body, h.len, g_fixture, NULL), 1);
    }
    /* received.log has the exact bytes' digest and the envelope's shape */
    last_log(path, hex, &status);
    sha_hex(sent, sentlen, want);
    assert_string_equal(path, RMS_PATH);
    assert_string_equal(hex, want);
    assert_int_equal(status, 200);
    log = slurp(path_in(g_state, "received.log"), &ll);
    assert_non_null(log);
    assert_non_null(strstr((char *)log, " 200 shape=Envelope+VersionData+oInput\n"));
    free(log);
    chain_free(chain);
    free(sent);
    free(h.body);
    srv_stop(&s);
}

/* CustomRevocation puts the authority's key in the SLC's CONDITIONLIST (2.2.9.3.4); a GUID
 * without braces and a 1024-bit key are taken; the WSDL is served as published. */
static void test_rms_custom_and_wsdl(void **state)
{
    const char *custom = src_path("tests/enrollment-service/fixtures/request-custom.xml");
    struct srv s;
    struct http h = {0};
    struct xcert chain[4];
    uint8_t *b, *w;
    size_t len = 0, wl = 0;

    srv_start(&s, NULL);
    b = slurp(custom, &len);
    assert_non_null(b);
    request(&s, RMS_PATH, b, len, rms_hdrs, NULL, &h);
    assert_int_equal(h.status, 200);
    read_answer(h.body, h.len, chain);
    check_shape(chain);
    assert_non_null(strstr(chain[0].xml, "<CONDITIONLIST><REFRESH><DISTRIBUTIONPOINT><OBJECT "
                                         "type=\"Revocation\">"));
    assert_int_equal(verify_answer(h.body, h.len, custom, NULL), 0);
    chain_free(chain);
    free(h.body);
    free(b);

    w = slurp(src_path("tests/vectors/rms/spec/ms-rmpr-6.6-enrollservice.wsdl"), &wl);
    assert_non_null(w);
    request(&s, RMS_PATH "?WSDL", NULL, 0, NULL, NULL, &h);
    assert_int_equal(h.status, 200);
    assert_string_equal(h.ctype, "text/xml; charset=utf-8");
    assert_int_equal(h.len, wl);
    assert_memory_equal(h.body, w, wl);
    free(h.body);
    request(&s, RMS_PATH "?wsdl", NULL, 0, NULL, NULL, &h);
    assert_int_equal(h.status, 200);
    assert_int_equal(h.len, wl);
    free(h.body);
    request(&s, RMS_PATH "?WSDL=x", NULL, 0, NULL, NULL, &h);
    assert_int_equal(h.status, 405);
    free(h.body);
    free(w);
    srv_stop(&s);
}

/* A new string: @s with its first @from replaced by @to (which must be there). */
static char *subst(const char *s, const char *from, const char *to)
{
    const char *p = strstr(s, from);
    size_t fl = strlen(from), tl = strlen(to), n = strlen(s);
    char *o;

    if (p == NULL)
        fail_msg("'%s' not in the fixture", from);
    o = malloc(n - fl + tl + 1);
    assert_non_null(o);
    memcpy(o, s, (size_t)(p - s));
    memcpy(o + (p - s), to, tl);
    memcpy(o + (p - s) + tl, p + fl, n - (size_t)(p - s) - fl + 1);
    return o;
}

/* base64 of the DER RSAPublicKey (or, @spki, SubjectPublicKeyInfo) of a new key. */
static char *new_key_b64(int bits, unsigned long e, int spki)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    EVP_PKEY *k = NULL;
    BIGNUM *bn = BN_new();
    unsigned char *der = NULL;
    char *out;
    int n;

    assert_non_null(ctx);
    assert_int_equal(EVP_PKEY_keygen_init(ctx), 1);
    assert_int_equal(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, bits), 1);
    assert_int_equal(BN_set_word(bn, e), 1);
    assert_int_equal(EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx, bn), 1);
    assert_int_equal(EVP_PKEY_keygen(ctx, &k), 1);
    if (spki) {
        n = i2d_PUBKEY(k, &der);
    } else {
        OSSL_ENCODER_CTX *ec =
            OSSL_ENCODER_CTX_new_for_pkey(k, EVP_PKEY_PUBLIC_KEY, "DER", "type-specific", NULL);
        size_t dl = 0;
        assert_int_equal(OSSL_ENCODER_to_data(ec, &der, &dl), 1);
        OSSL_ENCODER_CTX_free(ec);
        n = (int)dl;
    }
    assert_true(n > 0);
    out = malloc((size_t)n * 2 + 4);
    assert_non_null(out);
    EVP_EncodeBlock((unsigned char *)out, der, n);
    OPENSSL_free(der);
    BN_free(bn);
    EVP_PKEY_free(k);
    EVP_PKEY_CTX_free(ctx);
    return out;
}

/* Every refusal the real service would make (MS-RMPR 3.6.4.1, the WSDL of 6.6, SOAP 1.1), each
 * made from the spec-shaped fixture by one change: a SOAP 1.1 Fault, status 500, text naming
 * the problem, and no VersionData header (2.2.4.2 <3>). A few changes that must be taken. */
static void test_rms_bad_requests(void **state)
{
#define STD  "<RevocationType>StandardRevocation</RevocationType>"
#define HDR  "<MaximumVersion>1.0.0.0</MaximumVersion>"
#define GUID "<Guid>{6F9619FF-8B86-D011-B42D-00C04FC964FF}</Guid>"
    char *k512 = new_key_b64(512, 65537, 0), *k1024 = new_key_b64(1024, 65537, 0);
    char *k1024e3 = new_key_b64(1024, 3, 0), *kspki = new_key_b64(2048, 65537, 1);
    char *fixture, key_open[] = "<aPublicKeyBytes>", *kp, *ke, *fkey, *fhdr, *tmp;
    char k512x[1200], k1024x[1200], k1024e3x[1200], kspkix[1200];
    const char *soap12 = "<soap:Envelope xmlns:soap=\"http://www.w3.org/2003/05/soap-envelope\">"
                         "<soap:Body/></soap:Envelope>";
    const struct {
        const char *from, *to; /* NULL from: the body is @to itself */
        long status;
        const char *expect;
    } cases[] = {
        {"HEADER", "", 500, "no VersionData"},
        {"<VersionData xmlns=\"http://microsoft.com/DRM/EnrollmentService\">",
         "<VersionData xmlns=\"urn:other\">", 500, "no VersionData"},
        {HDR, "<MaximumVersion>2.0.0.0</MaximumVersion>", 500, "UnsupportedDataVersion"},
        {HDR, "", 500, "no MaximumVersion"},
        {"<soap:Header>", "<soap:Header><X xmlns='urn:x' soap:mustUnderstand='1'/>", 500,
         "soap:MustUnderstand"},
        {"<Version>5.2.3790.1830</Version>", "<Version></Version>", 500, "Version: empty"},
        {"<Version>5.2.3790.1830</Version>", "", 500, "Version: missing"},
        {STD, "<RevocationType>NonRevocable</RevocationType>", 500, "not supported"},
        {STD, "<RevocationType>Standard</RevocationType>", 500, "not a revocation type"},
        {STD, "<RevocationType>CustomRevocation</RevocationType>", 500, "needs one or more"},
        {STD,
         STD "<aRevocationAuthorities><RevocationAuthorityInformation><aRevocationAuthority"
             "PublicKey>AAAA</aRevocationAuthorityPublicKey></RevocationAuthorityInformation>"
             "</aRevocationAuthorities>",
         500, "must be empty"},
        {"KEY", k512x, 500, "512-bit"},
        {"KEY", k1024e3x, 500, "exponent"},
        {"KEY", kspkix, 500, "a SubjectPublicKeyInfo, not the DER RSAPublicKey"},
        {"KEY", "<aPublicKeyBytes>MAA=</aPublicKeyBytes>", 500, "not a DER RSAPublicKey"},
        {"KEY", "<aPublicKeyBytes>%%%</aPublicKeyBytes>", 500, "not base64"},
        {"KEY", "<aPublicKeyBytes></aPublicKeyBytes>", 500, "aPublicKeyBytes: missing or empty"},
        {GUID, "<Guid>{6F9619FF-8B86-D011-B42D-00C04FC964F}</Guid>", 500, "is not a GUID"},
        {GUID, "<Guid>{6F9619FF-8B86-D011-B42D-00C04FC964FF</Guid>", 500, "is not a GUID"},
        {GUID, "<Guid>6F9619FF8B86D011B42D00C04FC964FF</Guid>", 500, "is not a GUID"},
        {GUID, "", 500, "no Guid"},
        {"<AuthorizationInformation />", "", 500, "no AuthorizationInformation"},
        {"<oInput>", "<oInput xmlns='urn:other'>", 500, "namespace"},
        {"<AuthorizationInformation />", "<AuthorizationInformation /><ServerName>x</ServerName>",
         500, "unexpected element &lt;ServerName&gt;"},
        {"<SKU>Enterprise</SKU>", "", 200, NULL},
        {"<Version>5.2.3790.1830</Version>", "<Version>5.2.3790.1830</Version><SKU>x</SKU>", 500,
         "out of order"},
        {"http://schemas.xmlsoap.org/soap/envelope/", "urn:not-soap", 500, "not a SOAP 1.1"},
        {NULL, soap12, 500, "soap:VersionMismatch"},
        {NULL, "not xml at all <", 500, "not a well-formed"},
        {NULL, "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"b\">]><x>&a;</x>", 500,
         "soap:Client"},
        {GUID, "<Guid>6f9619ff-8b86-d011-b42d-00c04fc964ff</Guid>", 200, NULL},
        {"KEY", k1024x, 200, NULL},
    };
    const char *const no_sa[] = {"Content-Type: text/xml; charset=utf-8", NULL};
    const char *const bare_sa[] = {"Content-Type: text/xml; charset=utf-8",
                                   "SOAPAction: http://microsoft.com/DRM/EnrollmentService/Enroll",
                                   NULL};
    const char *const soap12_ct[] = {"Content-Type: application/soap+xml; charset=utf-8",
                                     SOAPACTION, NULL};
    const char *const no_charset[] = {"Content-Type: text/xml", SOAPACTION, NULL};
    const char *const latin1[] = {"Content-Type: text/xml; charset=iso-8859-1", SOAPACTION, NULL};
    const char *const *hdr_cases[] = {no_sa, bare_sa, soap12_ct, no_charset, latin1};
    const char *const hdr_expect[] = {"SOAPAction", "SOAPAction", "Content-Type", "Content-Type",
                                      "Content-Type"};
    struct srv s;
    struct http h = {0};
    size_t i, flen = 0;
    char *body, *big;

    fixture = (char *)slurp(g_fixture, &flen);
    assert_non_null(fixture);
    /* "KEY" stands for the fixture's whole aPublicKeyBytes element */
    kp = strstr(fixture, key_open);
    ke = strstr(fixture, "</aPublicKeyBytes>");
    assert_non_null(kp);
    assert_non_null(ke);
    fkey = strndup(kp, (size_t)(ke - kp) + strlen("</aPublicKeyBytes>"));
    /* "HEADER" for the whole soap:Header element */
    kp = strstr(fixture, "<soap:Header>");
    ke = strstr(fixture, "</soap:Header>");
    assert_non_null(kp);
    assert_non_null(ke);
    fhdr = strndup(kp, (size_t)(ke - kp) + strlen("</soap:Header>"));
    snprintf(k512x, sizeof(k512x), "<aPublicKeyBytes>%s</aPublicKeyBytes>", k512);
    snprintf(k1024x, sizeof(k1024x), "<aPublicKeyBytes>%s</aPublicKeyBytes>", k1024);
    snprintf(k1024e3x, sizeof(k1024e3x), "<aPublicKeyBytes>%s</aPublicKeyBytes>", k1024e3);
    snprintf(kspkix, sizeof(kspkix), "<aPublicKeyBytes>%s</aPublicKeyBytes>", kspki);
    srv_start(&s, NULL);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (cases[i].from == NULL)
            body = strdup(cases[i].to);
        else
            body = subst(fixture,
                         strcmp(cases[i].from, "KEY") == 0      ? fkey
                         : strcmp(cases[i].from, "HEADER") == 0 ? fhdr
                                                                : cases[i].from,
                         cases[i].to);
        request(&s, RMS_PATH, body, strlen(body), rms_hdrs, NULL, &h);
        print_message("case %zu -> %ld\n", i, h.status);
        assert_int_equal(h.rc, CURLE_OK);
        if (h.status != cases[i].status)
            fail_msg("case %zu: HTTP %ld, want %ld: %s", i, h.status, cases[i].status,
                     (char *)h.body);
        if (cases[i].expect != NULL) {
            assert_string_equal(h.ctype, "text/xml; charset=utf-8");
            assert_non_null(strstr((char *)h.body, "<soap:Fault><faultcode>"));
            assert_null(strstr((char *)h.body, "<soap:Header"));
            if (strstr((char *)h.body, cases[i].expect) == NULL)
                fail_msg("case %zu: '%s' not in %s", i, cases[i].expect, (char *)h.body);
        }
        free(h.body);
        free(body);
    }
    /* ferry's old dialect: Enroll/EnrollParameters instead of Enroll/oInput */
    tmp = subst(fixture, "<oInput>", "<EnrollParameters>");
    body = subst(tmp, "</oInput>", "</EnrollParameters>");
    request(&s, RMS_PATH, body, strlen(body), rms_hdrs, NULL, &h);
    assert_int_equal(h.status, 500);
    assert_non_null(strstr((char *)h.body, "Enroll holds EnrollParameters"));
    free(h.body);
    free(body);
    free(tmp);
    /* the bare EnrollParameters document of 3.6.4.2.1.1, posted as it is */
    body = (char *)slurp(src_path("tests/enrollment-service/fixtures/request-bare.xml"), &flen);
    assert_non_null(body);
    request(&s, RMS_PATH, body, strlen(body), rms_hdrs, NULL, &h);
    assert_int_equal(h.status, 500);
    assert_non_null(strstr((char *)h.body, "bare EnrollParameters"));
    free(h.body);
    free(body);
    /* HTTP headers: SOAPAction missing or unquoted, another media type, no or another charset */
    for (i = 0; i < sizeof(hdr_cases) / sizeof(hdr_cases[0]); i++) {
        request(&s, RMS_PATH, fixture, strlen(fixture), hdr_cases[i], NULL, &h);
        assert_int_equal(h.status, 500);
        if (strstr((char *)h.body, hdr_expect[i]) == NULL)
            fail_msg("header case %zu: '%s' not in %s", i, hdr_expect[i], (char *)h.body);
        free(h.body);
    }
    big = malloc((2u << 20) + 1); /* 2 MiB: over the 1 MiB cap */
    assert_non_null(big);
    memset(big, ' ', 2u << 20);
    request(&s, RMS_PATH, big, 2u << 20, rms_hdrs, NULL, &h);
    assert_int_equal(h.status, 413);
    free(h.body);
    free(big);
    request(&s, RMS_PATH, NULL, 0, NULL, NULL, &h); /* GET without ?WSDL */
    assert_int_equal(h.status, 405);
    free(h.body);
    request(&s, "/nowhere", NULL, 0, NULL, NULL, &h);
    assert_int_equal(h.status, 404);
    free(h.body);
    srv_stop(&s);
    free(fixture);
    free(fkey);
    free(fhdr);
    free(k512);
    free(k1024);
    free(k1024e3);
    free(kspki);
#undef STD
#undef HDR
#undef GUID
}

/* A restart reuses the CA: same root.pem, same DRM root key, certificates 2-4 the same bytes;
 * --lifetime-days sets the ISSUE right's RANGETIME. */
static void test_restart_reuses_ca(void **state)
{
    const char *const args[] = {"--lifetime-days", "30", NULL};
    struct srv s;
    struct http h = {0};
    struct xcert a[4], b[4];
    uint8_t *root1, *root2, *fp1, *fp2, *sent;
    size_t l1 = 0, l2 = 0, f1 = 0, f2 = 0, sentlen;
    char t[17];
    int i;

    srv_start(&s, NULL);
    root1 = slurp(path_in(g_state, "root.pem"), &l1);
    fp1 = slurp(path_in(g_state, "drm-root.sha256"), &f1);
    post_fixture(&s, &h, &sent, &sentlen);
    assert_int_equal(h.status, 200);
    read_answer(h.body, h.len, a);
    free(h.body);
    free(sent);
    srv_stop(&s);

    setenv("FERRY_NOW", "1795000000", 1);
    srv_start(&s, args);
    unsetenv("FERRY_NOW");
    root2 = slurp(path_in(g_state, "root.pem"), &l2);
    fp2 = slurp(path_in(g_state, "drm-root.sha256"), &f2);
    assert_non_null(root1);
    assert_non_null(root2);
    assert_int_equal(l1, l2);
    assert_memory_equal(root1, root2, l1);
    assert_non_null(fp1);
    assert_non_null(fp2);
    assert_int_equal(f1, f2);
    assert_memory_equal(fp1, fp2, f1);
    post_fixture(&s, &h, &sent, &sentlen); /* TLS verifies against the same anchor */
    assert_int_equal(h.status, 200);
    read_answer(h.body, h.len, b);
    for (i = 1; i < 4; i++)
        assert_string_equal(a[i].xml, b[i].xml);
    assert_string_not_equal(a[0].xml, b[0].xml);
    xrml_date(PINNED_NOW + 30 * 86400L, t);
    assert_string_equal(b[0].r_until, t);
    xrml_date(PINNED_NOW + 7 * 365 * 86400L, t);
    assert_string_equal(b[0].v_until, t);
    assert_int_equal(verify_answer(h.body, h.len, g_fixture, "--range-days 30"), 0);
    chain_free(a);
    chain_free(b);
    free(h.body);
    free(sent);
    free(root1);
    free(root2);
    free(fp1);
    free(fp2);
    srv_stop(&s);
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
    if (helpers_rm_tree(g_state) != 0)
        return -1;
    curl_global_cleanup();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_rms_enroll, kill_leftover),
        cmocka_unit_test_teardown(test_rms_custom_and_wsdl, kill_leftover),
        cmocka_unit_test_teardown(test_rms_bad_requests, kill_leftover),
        cmocka_unit_test_teardown(test_restart_reuses_ca, kill_leftover),
        cmocka_unit_test_teardown(test_est, kill_leftover),
        cmocka_unit_test_teardown(test_est_auth, kill_leftover),
        cmocka_unit_test_teardown(test_faults, kill_leftover),
        cmocka_unit_test(test_usage),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
