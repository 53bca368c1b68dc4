/* ferry — check-root --service: is the enrollment service there? A TLS handshake that only looks
 * (the chain the service presents, verified here against the anchor), then GET ?WSDL through the
 * verifying HTTPS client of http.c, judged against MS-RMPR 6.6. Nothing is submitted. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <curl/curl.h>
#include <libxml/tree.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "checkroot_int.h"
#include "http_int.h"
#include "ferry/buf.h"
#include "ferry/crypto.h"
#include "ferry/hex.h"
#include "ferry/time.h"
#include "ferry/enroll.h"
#include "ferry/log.h"
#include "ferry/svccheck.h"
#include "ferry/xml.h"

#define WSDL_NS      "http://schemas.xmlsoap.org/wsdl/"
#define WSDL_SOAP_NS "http://schemas.xmlsoap.org/wsdl/soap/"
#define RMS_NS       "http://microsoft.com/DRM/EnrollmentService"
#define RMS_ACTION   "http://microsoft.com/DRM/EnrollmentService/Enroll"
#define WSDL_MAX     (1u << 20)
#define RETIRED                                                                                    \
    "Microsoft planned to retire the enrollment service after Windows Server 2003's end of "       \
    "support (KB 2853958)"

const char *ferry_svc_stage_name(enum ferry_svc_stage s)
{
    static const char *const names[] = {"ok",  "dns",       "connect", "timeout",
                                        "tls", "untrusted", "http",    "not-wsdl"};

    return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "unknown";
}

static void fail_as(struct ferry_svc_report *rep, enum ferry_svc_stage st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fail_as(struct ferry_svc_report *rep, enum ferry_svc_stage st, const char *fmt, ...)
{
    va_list ap;

    rep->stage = st;
    va_start(ap, fmt);
    vsnprintf(rep->failure, sizeof(rep->failure), fmt, ap);
    va_end(ap);
}

static time_t asn1_time_t(const ASN1_TIME *t)
{
    struct tm tm;

    return t != NULL && ASN1_TIME_to_tm(t, &tm) == 1 ? timegm(&tm) : 0;
}

static void name_line(const X509_NAME *n, char *out, size_t cap)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *p = NULL;
    long len;

    out[0] = '\0';
    if (b == NULL)
        return;
    if (X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0 &&
        (len = BIO_get_mem_data(b, &p)) >= 0)
        snprintf(out, cap, "%.*s", (int)len, p);
    BIO_free(b);
}

void ferry_svc_cert_info(X509 *x, struct ferry_svc_cert *c)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;

    memset(c, 0, sizeof(*c));
    name_line(X509_get_subject_name(x), c->subject, sizeof(c->subject));
    name_line(X509_get_issuer_name(x), c->issuer, sizeof(c->issuer));
    if (X509_digest(x, EVP_sha256(), md, &n) == 1 && n == FERRY_SHA256_LEN)
        ferry_hex_groups(md, n, c->sha256);
    c->not_before = asn1_time_t(X509_get0_notBefore(x));
    c->not_after = asn1_time_t(X509_get0_notAfter(x));
}

/* --pin: the presented certificate with that SHA-256 (borrowed), or NULL. */
static X509 *pinned_of(STACK_OF(X509) * sk, const uint8_t pin[FERRY_SHA256_LEN])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n;
    int i;

    for (i = 0; i < sk_X509_num(sk); i++) {
        n = 0;
        if (X509_digest(sk_X509_value(sk, i), EVP_sha256(), md, &n) == 1 && n == FERRY_SHA256_LEN &&
            ferry_ct_eq(md, pin, FERRY_SHA256_LEN))
            return sk_X509_value(sk, i);
    }
    return NULL;
}

/* The anchors to verify against: --pin (that presented certificate alone, a partial chain),
 * --root FILE, else the system store. 0 with rep->chain_error set if they cannot be had. */
static int load_anchors(const struct ferry_svc_query *q, STACK_OF(X509) * sk, X509_STORE *st,
                        struct ferry_svc_report *rep)
{
    const char *f = NULL, *d = NULL;
    struct stat sb;
    char hex[FERRY_FP_GROUPS_LEN];
    X509 *x;
    int ok = 1;

    if (q->pin != NULL) {
        if ((x = pinned_of(sk, q->pin)) == NULL) {
            ferry_hex_groups(q->pin, FERRY_SHA256_LEN, hex);
            snprintf(rep->chain_error, sizeof(rep->chain_error),
                     "none of the %d certificates presented has SHA-256 %s", sk_X509_num(sk), hex);
            return 0;
        }
        X509_STORE_set_flags(st, X509_V_FLAG_PARTIAL_CHAIN);
        return X509_STORE_add_cert(st, x) == 1;
    }
    if (q->root != NULL) {
        ok = X509_STORE_load_file(st, q->root) == 1;
    } else {
        ferry_http_trust_store(q->ca_file, q->ca_path, &f, &d);
        if (f != NULL && stat(f, &sb) == 0)
            ok = X509_STORE_load_file(st, f) == 1;
        if (ok && d != NULL && stat(d, &sb) == 0)
            ok = X509_STORE_load_path(st, d) == 1;
    }
    if (!ok) {
        rep->no_anchor = 1;
        snprintf(rep->chain_error, sizeof(rep->chain_error),
                 "%.200s holds no certificate that can be read", rep->anchor);
    }
    return ok;
}

/* The certificate the verified chain ends in (the anchor), described and as PEM. */
static void keep_anchor(X509_STORE_CTX *ctx, struct ferry_svc_report *rep)
{
    STACK_OF(X509) *ch = X509_STORE_CTX_get0_chain(ctx);
    X509 *top = ch != NULL && sk_X509_num(ch) > 0 ? sk_X509_value(ch, sk_X509_num(ch) - 1) : NULL;
    BIO *b = BIO_new(BIO_s_mem());
    char *p = NULL;
    long n;

    if (top != NULL && b != NULL && PEM_write_bio_X509(b, top) == 1 &&
        (n = BIO_get_mem_data(b, &p)) > 0 && (size_t)n < sizeof(rep->anchor_pem)) {
        memcpy(rep->anchor_pem, p, (size_t)n);
        rep->anchor_pem[n] = '\0';
        ferry_svc_cert_info(top, &rep->anchor_cert);
    }
    BIO_free(b);
}

/* The presented chain verified against the anchor, for @host, at @now. */
static void verify_chain(const struct ferry_svc_query *q, const char *host, STACK_OF(X509) * sk,
                         struct ferry_svc_report *rep)
{
    X509_STORE *st = X509_STORE_new();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    X509_VERIFY_PARAM *vp;

    rep->chains = 0;
    if (st == NULL || ctx == NULL || sk_X509_num(sk) < 1) {
        snprintf(rep->chain_error, sizeof(rep->chain_error), "no certificate presented");
        goto out;
    }
    if (!load_anchors(q, sk, st, rep))
        goto out;
    if (X509_STORE_CTX_init(ctx, st, sk_X509_value(sk, 0), sk) != 1)
        goto out;
    vp = X509_STORE_CTX_get0_param(ctx);
    X509_VERIFY_PARAM_set_time(vp, q->now);
    if (X509_VERIFY_PARAM_set1_ip_asc(vp, host) != 1)
        X509_VERIFY_PARAM_set1_host(vp, host, 0);
    if (X509_verify_cert(ctx) == 1) {
        rep->chains = 1;
        rep->chain_error[0] = '\0';
        keep_anchor(ctx, rep);
    } else {
        snprintf(rep->chain_error, sizeof(rep->chain_error), "%s",
                 X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
    }
out:
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(st);
}

/* The chain the peer presented, leaf first, from CURLINFO_CERTINFO's "Cert:" (PEM) fields. */
static STACK_OF(X509) * presented_chain(CURL *h)
{
    struct curl_certinfo *ci = NULL;
    struct curl_slist *f;
    STACK_OF(X509) *sk = NULL;
    X509 *x;
    BIO *b;
    int i;

    if (curl_easy_getinfo(h, CURLINFO_CERTINFO, &ci) != CURLE_OK || ci == NULL ||
        ci->num_of_certs <= 0 || (sk = sk_X509_new_null()) == NULL)
        return NULL;
    for (i = 0; i < ci->num_of_certs; i++)
        for (f = ci->certinfo[i]; f != NULL; f = f->next) {
            if (strncmp(f->data, "Cert:", 5) != 0)
                continue;
            b = BIO_new_mem_buf(f->data + 5, -1);
            x = b != NULL ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
            BIO_free(b);
            if (x == NULL || sk_X509_push(sk, x) <= 0) {
                X509_free(x);
                sk_X509_pop_free(sk, X509_free);
                return NULL;
            }
        }
    if (sk_X509_num(sk) == 0) {
        sk_X509_free(sk);
        return NULL;
    }
    return sk;
}

/* Step 1: connect and shake hands only (CURLOPT_CONNECT_ONLY: no request is sent), peer
 * verification off for this look alone; the chain from the TLS session. 1 if it completed. */
static int handshake(const struct ferry_svc_query *q, const char *url, const char *host, long port,
                     struct ferry_svc_report *rep)
{
    CURL *h = curl_easy_init();
    char errbuf[CURL_ERROR_SIZE] = "";
    STACK_OF(X509) *sk = NULL;
    CURLcode cc;
    long tmo = q->timeout_ms > 0 ? q->timeout_ms : 15000;
    int i, bad = 0;

    if (h == NULL) {
        fail_as(rep, FERRY_SVC_CONNECT, "cannot start an HTTPS client (curl_easy_init)");
        return 0;
    }
    bad |= curl_easy_setopt(h, CURLOPT_URL, url) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https") != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_CONNECT_ONLY, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L) != CURLE_OK; /* look, not trust */
    bad |= curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, tmo) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, tmo) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_CERTINFO, 1L) != CURLE_OK;
    if (bad) {
        fail_as(rep, FERRY_SVC_CONNECT, "this libcurl lacks an option ferry needs (%s)",
                curl_version());
        goto out;
    }
    cc = curl_easy_perform(h);
    if (errbuf[0] == '\0')
        snprintf(errbuf, sizeof(errbuf), "%s", curl_easy_strerror(cc));
    switch (cc) {
    case CURLE_OK: break;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        fail_as(rep, FERRY_SVC_DNS,
                "the service does not answer: %s does not resolve (%s); check the name and "
                "this machine's DNS and proxy. " RETIRED ": if the name no longer exists, the "
                "service is gone",
                host, errbuf);
        goto out;
    case CURLE_COULDNT_CONNECT:
        fail_as(rep, FERRY_SVC_CONNECT,
                "the service does not answer: nothing accepts connections on %s port %ld (%s); "
                "check the URL, the firewall and the proxy. " RETIRED,
                host, port, errbuf);
        goto out;
    case CURLE_OPERATION_TIMEDOUT:
        fail_as(rep, FERRY_SVC_TIMEOUT,
                "the service does not answer: no answer from %s port %ld within %ld ms (%s); "
                "check the network path and the proxy, then try again",
                host, port, tmo, errbuf);
        goto out;
    default:
        fail_as(rep, FERRY_SVC_TLS,
                "the service does not answer over TLS 1.2 or later: the handshake with %s port "
                "%ld failed (%s); a TLS-intercepting proxy, a retired endpoint or a server too old "
                "for TLS 1.2 can do this",
                host, port, errbuf);
        goto out;
    }
    rep->handshake = 1;
    if ((sk = presented_chain(h)) == NULL) {
        snprintf(rep->chain_error, sizeof(rep->chain_error),
                 "libcurl did not report the chain (CURLINFO_CERTINFO)");
        goto out;
    }
    for (i = 0; i < sk_X509_num(sk) && i < FERRY_SVC_MAX_CHAIN; i++)
        ferry_svc_cert_info(sk_X509_value(sk, i), &rep->chain[rep->nchain++]);
    verify_chain(q, host, sk, rep);
out:
    sk_X509_pop_free(sk, X509_free);
    curl_easy_cleanup(h);
    return rep->handshake;
}

/* 1 if @doc is MS-RMPR 6.6's WSDL: definitions with targetNamespace EnrollmentService, a portType
 * operation Enroll and a binding operation Enroll with soapAction .../Enroll. */
static int is_enroll_wsdl(xmlDocPtr doc, char *why, size_t cap)
{
    xmlNodePtr root = xmlDocGetRootElement(doc), pt, b, op, so;
    xmlChar *tns, *name, *action;
    int port_op = 0, bound = 0;

    if (!ferry_xml_is(root, WSDL_NS, "definitions")) {
        snprintf(why, cap, "the root element is <%s>, not wsdl:definitions", root->name);
        return 0;
    }
    tns = xmlGetProp(root, BAD_CAST "targetNamespace");
    if (tns == NULL || strcmp((const char *)tns, RMS_NS) != 0) {
        snprintf(why, cap, "a WSDL of \"%.80s\", not of " RMS_NS,
                 tns != NULL ? (const char *)tns : "(no targetNamespace)");
        xmlFree(tns);
        return 0;
    }
    xmlFree(tns);
    for (pt = ferry_xml_child(root, WSDL_NS, "portType"); pt != NULL;
         pt = ferry_xml_next(pt, WSDL_NS, "portType"))
        for (op = ferry_xml_child(pt, WSDL_NS, "operation"); op != NULL;
             op = ferry_xml_next(op, WSDL_NS, "operation")) {
            name = xmlGetProp(op, BAD_CAST "name");
            port_op |= name != NULL && strcmp((const char *)name, "Enroll") == 0;
            xmlFree(name);
        }
    for (b = ferry_xml_child(root, WSDL_NS, "binding"); b != NULL;
         b = ferry_xml_next(b, WSDL_NS, "binding"))
        for (op = ferry_xml_child(b, WSDL_NS, "operation"); op != NULL;
             op = ferry_xml_next(op, WSDL_NS, "operation")) {
            name = xmlGetProp(op, BAD_CAST "name");
            so = ferry_xml_child(op, WSDL_SOAP_NS, "operation");
            action = so != NULL ? xmlGetProp(so, BAD_CAST "soapAction") : NULL;
            bound |= name != NULL && strcmp((const char *)name, "Enroll") == 0 && action != NULL &&
                     strcmp((const char *)action, RMS_ACTION) == 0;
            xmlFree(name);
            xmlFree(action);
        }
    if (!port_op || !bound) {
        snprintf(why, cap, "a WSDL of " RMS_NS " without %s",
                 !port_op ? "an Enroll operation" : "Enroll bound to SOAPAction " RMS_ACTION);
        return 0;
    }
    snprintf(why, cap, "Enroll operation in " RMS_NS ", SOAPAction " RMS_ACTION);
    return 1;
}

int ferry_svc_wsdl_judge(const uint8_t *buf, size_t len, char *why, size_t cap)
{
    xmlDocPtr doc = NULL;
    int ok = 0;

    if (ferry_xml_parse(buf, len, "the ?WSDL answer", &doc) != FERRY_OK)
        snprintf(why, cap, "not XML (%s)", ferry_err_detail());
    else
        ok = is_enroll_wsdl(doc, why, cap);
    xmlFreeDoc(doc);
    return ok;
}

/* Step 3: GET ?WSDL with verification on, and judge the answer. */
static void fetch_wsdl(const struct ferry_svc_query *q, struct ferry_svc_report *rep)
{
    struct ferry_http_opts o;
    struct ferry_http_result res;
    uint8_t h[FERRY_SHA256_LEN];
    ferry_err r;

    ferry_http_opts_default(&o);
    if (rep->no_anchor) {
        fail_as(rep, FERRY_SVC_UNTRUSTED,
                "the service answers, but there is no anchor to verify its chain against: %s. "
                "Pin the one it chains to: --root FILE (the root CA certificate, its fingerprint "
                "compared with the one its CA publishes), or --pin SHA-256 (one certificate of "
                "the chain above, compared the same way)",
                rep->chain_error);
        return;
    }
    if (q->pin != NULL && (!rep->chains || rep->anchor_pem[0] == '\0')) {
        fail_as(rep, FERRY_SVC_UNTRUSTED,
                "the service answers, but its chain does not verify up to the pinned certificate: "
                "%s. Compare the chain above with the fingerprint you were given",
                rep->chain_error[0] ? rep->chain_error : "no chain");
        return;
    }
    o.ca_pem = q->pin != NULL ? rep->anchor_pem : NULL;
    o.ca_file = q->pin != NULL ? NULL : q->root != NULL ? q->root : q->ca_file;
    o.ca_path = q->pin != NULL || q->root != NULL ? NULL : q->ca_path;
    o.connect_timeout_ms = o.timeout_ms = q->timeout_ms > 0 ? q->timeout_ms : 15000;
    o.max_attempts = 2;
    o.backoff_ms = 500;
    o.max_response = WSDL_MAX;
    r = ferry_http_get(rep->wsdl_url, "GET ?WSDL", &o, &res);
    rep->http_status = res.status;
    if (r == FERRY_ERR_UNTRUSTED) {
        fail_as(rep, FERRY_SVC_UNTRUSTED,
                "the service answers, but its certificate chain does not verify against %s: %s. "
                "Pin the anchor it chains to: --root FILE (the root CA certificate, its "
                "fingerprint compared with the one its CA publishes), or --pin SHA-256 (one "
                "certificate of the chain above, compared the same way)",
                rep->anchor, ferry_err_detail());
        goto out;
    }
    if (r == FERRY_ERR_REJECTED || (r != FERRY_OK && res.status >= 300)) {
        fail_as(rep, FERRY_SVC_HTTP,
                "the host answers, but GET ?WSDL gave HTTP %ld: not the enrollment service at "
                "this URL (wrong path, or the service is gone; " RETIRED ")",
                res.status);
        goto out;
    }
    if (r != FERRY_OK) {
        fail_as(rep, r == FERRY_ERR_NET ? FERRY_SVC_TIMEOUT : FERRY_SVC_HTTP,
                "the service does not answer GET ?WSDL: %s", ferry_err_detail());
        goto out;
    }
    rep->wsdl_len = res.len;
    ferry_sha256(res.body, res.len, h);
    ferry_hex(h, sizeof(h), rep->wsdl_sha256);
    rep->wsdl = ferry_svc_wsdl_judge(res.body, res.len, rep->wsdl_detail, sizeof(rep->wsdl_detail));
    if (!rep->wsdl)
        fail_as(rep, FERRY_SVC_NOT_WSDL,
                "the host answers GET ?WSDL (HTTP %ld, %zu bytes), but not with the enrollment "
                "service's WSDL: %s. Check the URL (the service is .../enrollment/"
                "enrollservice.asmx)",
                res.status, res.len, rep->wsdl_detail);
out:
    ferry_http_result_free(&res);
}

/* --root must be a readable file with at least one PEM certificate. */
static ferry_err anchor_ok(const char *path)
{
    X509_STORE *st = X509_STORE_new();
    struct stat sb;
    ferry_err r = FERRY_OK;

    if (stat(path, &sb) != 0)
        r = ferry_errf(FERRY_ERR_NOT_FOUND, "--root %s: %s; give the anchor certificate (PEM)",
                       path, strerror(errno));
    else if (st == NULL || X509_STORE_load_file(st, path) != 1)
        r = ferry_errf(FERRY_ERR_USAGE,
                       "--root %s: no PEM certificate in it; give the anchor certificate (PEM)",
                       path);
    X509_STORE_free(st);
    return r;
}

ferry_err ferry_svccheck(const struct ferry_svc_query *q, struct ferry_svc_report *rep)
{
    CURLU *u = NULL;
    char *host = NULL, *port = NULL;
    const char *f = NULL, *d = NULL;
    char fp[FERRY_FP_GROUPS_LEN];
    ferry_err r = FERRY_OK;

    memset(rep, 0, sizeof(*rep));
    if (q->url == NULL || strncasecmp(q->url, "https://", 8) != 0)
        return ferry_errf(FERRY_ERR_USAGE, "--service %s: the service URL must start with https://",
                          q->url != NULL ? q->url : "(none)");
    if ((u = curl_url()) == NULL)
        return FERRY_ERR_NOMEM;
    if (curl_url_set(u, CURLUPART_URL, q->url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK) {
        r = ferry_errf(FERRY_ERR_USAGE, "--service %s: not a URL ferry can use", q->url);
        goto out;
    }
    if (host[0] == '[') { /* an IPv6 literal: verify against the bare address */
        memmove(host, host + 1, strlen(host));
        host[strcspn(host, "]")] = '\0';
    }
    snprintf(rep->wsdl_url, sizeof(rep->wsdl_url), "%s%s", q->url,
             strchr(q->url, '?') != NULL ? "" : "?WSDL");
    if (q->root != NULL) {
        if ((r = anchor_ok(q->root)) != FERRY_OK)
            goto out;
        snprintf(rep->anchor, sizeof(rep->anchor), "%s (%s)", q->root,
                 q->root_label != NULL ? q->root_label : "--root");
    } else if (q->pin != NULL) {
        ferry_hex_groups(q->pin, FERRY_SHA256_LEN, fp);
        snprintf(rep->anchor, sizeof(rep->anchor), "the presented certificate %s (--pin)", fp);
    } else {
        ferry_http_trust_store(q->ca_file, q->ca_path, &f, &d);
        snprintf(rep->anchor, sizeof(rep->anchor), "the system trust store (%s%s%s)",
                 f != NULL ? f : "", f != NULL && d != NULL ? ", " : "", d != NULL ? d : "");
    }
    if (handshake(q, q->url, host, strtol(port, NULL, 10), rep))
        fetch_wsdl(q, rep);
out:
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    return r;
}
