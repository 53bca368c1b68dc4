/* x509: the renewal PKCS#10 made and parsed, chains parsed and checked, and the offline import of
 * X.509 answers crafted from tests/vectors/x509 and signed by a real paired online identity. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/crypto.h>
#include <openssl/x509v3.h>

#include "ferry/file.h"
#include "ferry/offline.h"
#include "ferry/package.h"
#include "ferry/statefile.h"
#include "ferry/x509.h"
#include "helpers.h"

/* A clock inside the year issued.pem is valid (mkvectors.sh made it on 2026-11-25 for 365 days):
 * the tests that take the committed chains as valid run at this time, not today's, so they do not
 * start failing when the vectors expire. */
#define VEC_NOW "1796126400" /* 2026-12-01 12:00 UTC */

static void load(const char *name, uint8_t **d, size_t *n)
{
    char *p = helpers_vector_path("x509", name);

    assert_int_equal(ferry_file_read(p, 1u << 20, d, n), FERRY_OK);
    free(p);
}

static X509 *cert(const char *name)
{
    uint8_t *d;
    size_t n;
    X509 *x = NULL;

    load(name, &d, &n);
    assert_int_equal(ferry_x509_cert_parse(d, n, &x), FERRY_OK);
    free(d);
    return x;
}

static EVP_PKEY *key(const char *name)
{
    uint8_t *d;
    size_t n;
    EVP_PKEY *k = NULL;

    load(name, &d, &n);
    assert_int_equal(ferry_x509_key_parse(d, n, &k), FERRY_OK);
    free(d);
    return k;
}

static X509_REQ *csr(const char *name)
{
    uint8_t *d;
    size_t n;
    X509_REQ *r = NULL;

    load(name, &d, &n);
    assert_int_equal(ferry_x509_csr_parse(d, n, &r), FERRY_OK);
    free(d);
    return r;
}

static STACK_OF(X509) * certs(const char *name)
{
    uint8_t *d;
    size_t n;
    STACK_OF(X509) *sk = NULL;

    load(name, &d, &n);
    assert_int_equal(ferry_x509_certs_parse(d, n, &sk), FERRY_OK);
    free(d);
    return sk;
}

/* The request has the certificate's subject and SAN, and the chosen key. */
static void check_made(X509 *c, EVP_PKEY *k, const char *pem, size_t len)
{
    X509_REQ *r = NULL;
    STACK_OF(X509_EXTENSION) * exts;
    int i, san = 0;

    assert_int_equal(ferry_x509_csr_parse((const uint8_t *)pem, len, &r), FERRY_OK);
    assert_int_equal(X509_NAME_cmp(X509_REQ_get_subject_name(r), X509_get_subject_name(c)), 0);
    assert_int_equal(EVP_PKEY_eq(X509_REQ_get0_pubkey(r), k), 1);
    exts = X509_REQ_get_extensions(r);
    for (i = 0; i < sk_X509_EXTENSION_num(exts); i++)
        san += OBJ_obj2nid(X509_EXTENSION_get_object(sk_X509_EXTENSION_value(exts, i))) ==
               NID_subject_alt_name;
    assert_int_equal(san, 1);
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
    X509_REQ_free(r);
}

static void test_csr_make(void **state)
{
    X509 *c = cert("app.crt");
    EVP_PKEY *k = key("app.key"), *nk = NULL, *other = key("ca.key");
    char *pem = NULL;
    size_t len = 0;

    (void)state;
    assert_int_equal(ferry_x509_csr_make(c, k, k, &pem, &len), FERRY_OK);
    check_made(c, k, pem, len);
    OPENSSL_free(pem);
    /* --rekey: a new key of the same type, the same subject and SAN */
    assert_int_equal(ferry_x509_key_like(k, &nk), FERRY_OK);
    assert_int_equal(EVP_PKEY_get_base_id(nk), EVP_PKEY_get_base_id(k));
    assert_int_equal(EVP_PKEY_get_bits(nk), EVP_PKEY_get_bits(k));
    assert_int_not_equal(EVP_PKEY_eq(nk, k), 1);
    assert_int_equal(ferry_x509_csr_make(c, k, nk, &pem, &len), FERRY_OK);
    check_made(c, nk, pem, len);
    OPENSSL_free(pem);
    /* a key that is not the certificate's */
    assert_int_equal(ferry_x509_csr_make(c, other, other, &pem, &len), FERRY_ERR_MISMATCH);
    assert_null(pem);
    EVP_PKEY_free(nk);
    EVP_PKEY_free(k);
    EVP_PKEY_free(other);
    X509_free(c);
}

static void test_csr_parse(void **state)
{
    static const struct {
        const char *file;
        ferry_err want;
    } cases[] = {
        {"csr.pem", FERRY_OK},
        {"csr.der", FERRY_OK},
        {"csr-badsig.der", FERRY_ERR_SIG_INVALID},
        {"csr-trailing.der", FERRY_ERR_FORMAT},
        {"app.crt", FERRY_ERR_FORMAT},
        {"issued.p7b", FERRY_ERR_FORMAT},
    };
    uint8_t *d, big[FERRY_X509_MAX_CSR + 1];
    X509_REQ *r;
    size_t i, n;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        load(cases[i].file, &d, &n);
        r = NULL;
        if (ferry_x509_csr_parse(d, n, &r) != cases[i].want)
            fail_msg("%s: want %d (%s)", cases[i].file, cases[i].want, ferry_err_detail());
        assert_true((r != NULL) == (cases[i].want == FERRY_OK));
        X509_REQ_free(r);
        free(d);
    }
    memset(big, 0x30, sizeof(big));
    assert_int_equal(ferry_x509_csr_parse(big, sizeof(big), &r), FERRY_ERR_TOO_LARGE);
    assert_int_equal(ferry_x509_csr_parse(big, 0, &r), FERRY_ERR_TOO_LARGE);
    assert_int_equal(ferry_x509_csr_parse((const uint8_t *)"<x/>", 4, &r), FERRY_ERR_FORMAT);
    load("csr.pem", &d, &n);
    assert_true(ferry_x509_looks_like_csr(d, n));
    free(d);
    load("csr.der", &d, &n);
    assert_true(ferry_x509_looks_like_csr(d, n));
    free(d);
    assert_false(ferry_x509_looks_like_csr((const uint8_t *)"<?xml version", 13));
}

static void test_certs_parse(void **state)
{
    static const struct {
        const char *file;
        ferry_err want;
        int n;
    } cases[] = {
        {"issued.p7b", FERRY_OK, 2},          {"issued-p7.pem", FERRY_OK, 2},
        {"cacerts.p7b", FERRY_OK, 1},         {"chain-good.pem", FERRY_OK, 2},
        {"chain-leaf-only.pem", FERRY_OK, 1}, {"csr.der", FERRY_ERR_FORMAT, 0},
        {"csr.pem", FERRY_ERR_FORMAT, 0},
    };
    STACK_OF(X509) * sk;
    uint8_t *d;
    size_t i, n;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        load(cases[i].file, &d, &n);
        sk = NULL;
        if (ferry_x509_certs_parse(d, n, &sk) != cases[i].want)
            fail_msg("%s: want %d (%s)", cases[i].file, cases[i].want, ferry_err_detail());
        if (cases[i].want == FERRY_OK)
            assert_int_equal(sk_X509_num(sk), cases[i].n);
        sk_X509_pop_free(sk, X509_free);
        free(d);
    }
}

/* What the online side checks before packaging an EST answer. */
static void test_check_issued(void **state)
{
    static const struct {
        const char *chain;
        const char *now; /* the time of the check */
        ferry_err want;
    } cases[] = {
        {"issued.p7b", VEC_NOW, FERRY_OK},
        {"chain-wrong-key.pem", VEC_NOW, FERRY_ERR_MISMATCH},
        {"chain-other-subject.pem", VEC_NOW, FERRY_ERR_MISMATCH},
        {"chain-other-ca.pem", VEC_NOW, FERRY_ERR_UNTRUSTED},
        {"issued.p7b", "4102444800", FERRY_ERR_EXPIRED}, /* 2100-01-01 */
        {"issued.p7b", "946684800", FERRY_ERR_EXPIRED},  /* 2000-01-01: not yet valid */
    };
    X509_REQ *r = csr("csr.pem");
    STACK_OF(X509) *cas = certs("cacerts.p7b"), *sk;
    struct ferry_x509_info info;
    X509 *leaf;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        sk = certs(cases[i].chain);
        time_t now = (time_t)strtoll(cases[i].now, NULL, 10);
        if (ferry_x509_check_issued(r, sk, cas, now, &leaf, &info) != cases[i].want)
            fail_msg("%s at %s: want %d (%s)", cases[i].chain, cases[i].now, cases[i].want,
                     ferry_err_detail());
        if (cases[i].want == FERRY_OK) {
            assert_true(ferry_x509_key_match(leaf, r));
            assert_true(info.not_after > now && info.not_before <= now);
            assert_non_null(strstr(info.subject, "CN=app.example.test"));
        }
        sk_X509_pop_free(sk, X509_free);
    }
    sk_X509_pop_free(cas, X509_free);
    X509_REQ_free(r);
}

static void test_chain_pem(void **state)
{
    STACK_OF(X509) *issued = certs("issued.p7b"), *cas = certs("cacerts.p7b"), *back = NULL;
    X509 *want = cert("issued.pem");
    char *pem = NULL;
    size_t len = 0;

    (void)state;
    /* the leaf first, the CA once although it comes twice */
    assert_int_equal(ferry_x509_chain_pem(want, issued, cas, &pem, &len), FERRY_OK);
    assert_int_equal(ferry_x509_certs_parse((uint8_t *)pem, len, &back), FERRY_OK);
    assert_int_equal(sk_X509_num(back), 2);
    assert_int_equal(X509_cmp(sk_X509_value(back, 0), want), 0);
    OPENSSL_free(pem);
    sk_X509_pop_free(back, X509_free);
    sk_X509_pop_free(issued, X509_free);
    sk_X509_pop_free(cas, X509_free);
    X509_free(want);
}

/* ---- offline import of crafted answers ---- */

struct fx {
    char dir[64];
    char *off_home, *on_home, *stick, *csr, *out;
    struct ferry_store *off, *on;
    struct ferry_identity *on_id;
    struct ferry_export_result ex;
    struct ferry_medium usb;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct ferry_identity *off_id = NULL;
    uint8_t *d;
    size_t n;

    setenv("FERRY_NOW", VEC_NOW, 1);
    snprintf(f->dir, sizeof(f->dir), "/tmp/ferry-test-x509-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    f->off_home = ferry_path_join(f->dir, "off");
    f->on_home = ferry_path_join(f->dir, "on");
    f->stick = ferry_path_join(f->dir, "stick");
    f->csr = ferry_path_join(f->dir, "app.csr");
    f->out = ferry_path_join(f->dir, "app.renewed.pem"); /* beside the CSR: nothing recorded */
    assert_int_equal(ferry_mkdir_p(f->stick, 0755), FERRY_OK);
    load("csr.pem", &d, &n);
    assert_int_equal(ferry_file_write_atomic(f->csr, d, n, 0644), FERRY_OK);
    free(d);
    assert_int_equal(ferry_store_open(f->off_home, FERRY_SIDE_OFFLINE, 1, &f->off), FERRY_OK);
    assert_int_equal(ferry_store_open(f->on_home, FERRY_SIDE_ONLINE, 1, &f->on), FERRY_OK);
    assert_int_equal(ferry_store_identity_create(f->off, "off", &off_id), FERRY_OK);
    assert_int_equal(ferry_store_identity_create(f->on, "on", &f->on_id), FERRY_OK);
    assert_int_equal(ferry_store_peer_add(f->off, f->on_id), FERRY_OK);
    assert_int_equal(ferry_store_peer_add(f->on, off_id), FERRY_OK);
    ferry_identity_free(off_id);
    f->usb.kind = FERRY_MEDIUM_USB;
    f->usb.path = f->stick;
    assert_int_equal(ferry_offline_export(f->off, f->csr, &f->usb, NULL, &f->ex), FERRY_OK);
    assert_int_equal(f->ex.kind, FERRY_KIND_X509);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    unsetenv("FERRY_NOW");
    ferry_export_result_clear(&f->ex);
    ferry_identity_free(f->on_id);
    ferry_store_close(f->off);
    ferry_store_close(f->on);
    assert_int_equal(helpers_rm_tree(f->dir), 0);
    free(f->off_home);
    free(f->on_home);
    free(f->stick);
    free(f->csr);
    free(f->out);
    free(f);
    return 0;
}

/* Writes an answer package carrying vector @chain as item @kind, signed by the online side. */
static void answer(struct fx *f, const char *chain, enum ferry_item_kind kind)
{
    struct ferry_manifest *m = NULL;
    uint8_t *d, *pkg, id[16];
    size_t n, pl;
    char *path = ferry_path_join(f->stick, "FERRY/response-test.ferry");

    assert_int_equal(ferry_hex_decode(f->ex.transfer_id, id, 16), FERRY_OK);
    load(chain, &d, &n);
    assert_int_equal(ferry_manifest_new(FERRY_DIR_TO_OFFLINE, &m), FERRY_OK);
    m->is_response = 1;
    memcpy(m->answers_id, id, 16);
    memcpy(m->answers_sha256, f->ex.package_sha256, 32);
    assert_int_equal(ferry_manifest_add_item(m, "app.chain.pem", kind, d, n), FERRY_OK);
    assert_int_equal(ferry_package_sign(m, f->on_id, &pkg, &pl), FERRY_OK);
    assert_int_equal(ferry_file_write_atomic(path, pkg, pl, 0644), FERRY_OK);
    ferry_manifest_free(m);
    free(pkg);
    free(d);
    free(path);
}

static void digest_state(const char *home, uint8_t out[32])
{
    char *p = ferry_path_join(home, "ledger.sqlite");
    uint8_t *d;
    size_t n;

    assert_int_equal(ferry_file_read(p, 64u << 20, &d, &n), FERRY_OK);
    ferry_sha256(d, n, out);
    free(d);
    free(p);
}

static void test_import_refusals(void **state)
{
    static const struct {
        const char *chain;
        enum ferry_item_kind kind;
        const char *now;
        ferry_err want;
        const char *says;
    } cases[] = {
        {"chain-wrong-key.pem", FERRY_ITEM_X509_CHAIN, NULL, FERRY_ERR_MISMATCH, "key"},
        {"chain-other-subject.pem", FERRY_ITEM_X509_CHAIN, NULL, FERRY_ERR_MISMATCH, "subject"},
        {"chain-other-ca.pem", FERRY_ITEM_X509_CHAIN, NULL, FERRY_ERR_UNTRUSTED, "chain"},
        {"chain-leaf-only.pem", FERRY_ITEM_X509_CHAIN, NULL, FERRY_ERR_UNTRUSTED, "no CA"},
        {"chain-good.pem", FERRY_ITEM_X509_CHAIN, "4102444800", FERRY_ERR_EXPIRED, "expired"},
        {"csr.pem", FERRY_ITEM_X509_CHAIN, NULL, FERRY_ERR_FORMAT, "PKCS#7"},
        {"chain-good.pem", FERRY_ITEM_RMS_RESPONSE, NULL, FERRY_ERR_FORMAT, "X.509"},
    };
    struct fx *f = *state;
    struct ferry_import_result res;
    uint8_t before[32], after[32];
    ferry_err r;
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        answer(f, cases[i].chain, cases[i].kind);
        if (cases[i].now != NULL)
            setenv("FERRY_NOW", cases[i].now, 1);
        digest_state(f->off_home, before);
        r = ferry_offline_import(f->off, &f->usb, NULL, 0, &res);
        setenv("FERRY_NOW", VEC_NOW, 1);
        if (r != cases[i].want)
            fail_msg("%s: got %d (%s), want %d", cases[i].chain, r, ferry_err_detail(),
                     cases[i].want);
        assert_int_equal(res.n, 1);
        if (strstr(res.items[0].message, cases[i].says) == NULL)
            fail_msg("%s: message '%s' lacks '%s'", cases[i].chain, res.items[0].message,
                     cases[i].says);
        ferry_import_result_clear(&res);
        digest_state(f->off_home, after);
        assert_memory_equal(before, after, 32);
        assert_false(ferry_path_exists(f->out));
    }
}

static void test_import_once(void **state)
{
    struct fx *f = *state;
    struct ferry_import_result res;
    struct ferry_transfer *t = NULL;
    STACK_OF(X509) *sk = NULL;
    X509 *want = cert("issued.pem");
    X509_REQ *r = csr("csr.pem");
    uint8_t id[16], *d;
    size_t n;
    struct stat st;
    struct ferry_x509_info info;

    answer(f, "chain-good.pem", FERRY_ITEM_X509_CHAIN);
    assert_int_equal(ferry_offline_import(f->off, &f->usb, NULL, 0, &res), FERRY_OK);
    assert_int_equal(res.imported, 1);
    assert_int_equal(res.items[0].kind, FERRY_KIND_X509);
    assert_string_equal(res.items[0].out_path, f->out);
    assert_null(res.items[0].key_path);
    assert_int_equal(ferry_x509_info_get(want, &info), FERRY_OK);
    assert_int_equal((long long)res.items[0].new_not_after, (long long)info.not_after);
    ferry_import_result_clear(&res);
    /* installed: leaf first, its key the request's, the CA after it */
    assert_int_equal(ferry_file_read(f->out, 1u << 20, &d, &n), FERRY_OK);
    assert_int_equal(ferry_x509_certs_parse(d, n, &sk), FERRY_OK);
    assert_int_equal(sk_X509_num(sk), 2);
    assert_int_equal(X509_cmp(sk_X509_value(sk, 0), want), 0);
    assert_true(ferry_x509_key_match(sk_X509_value(sk, 0), r));
    assert_int_equal(stat(f->out, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
    assert_int_equal(ferry_hex_decode(f->ex.transfer_id, id, 16), FERRY_OK);
    assert_int_equal(ferry_store_transfer_get(f->off, id, &t), FERRY_OK);
    assert_int_equal(t->state, FERRY_TS_ANSWERED);
    assert_int_equal(t->kind, FERRY_KIND_X509);
    assert_non_null(strstr(t->subject, "CN=app.example.test"));
    ferry_transfer_free(t);
    /* once only */
    assert_int_equal(ferry_offline_import(f->off, &f->usb, NULL, 1, &res), FERRY_ERR_INCOMPLETE);
    ferry_import_result_clear(&res);
    sk_X509_pop_free(sk, X509_free);
    X509_REQ_free(r);
    X509_free(want);
    free(d);
}

/* Files as administrators keep them (tests/vectors/x509/admin, made by `openssl ca` and
 * easy-rsa): the certificate that holds the key is found, and a renewal request is made. */
static void test_admin_files(void **state)
{
    static const struct {
        const char *cert, *key, *cn;
    } cases[] = {
        {"admin/ca-text.crt", "admin/ca-text.key", "app01.example.org"}, /* openssl ca -out */
        {"admin/ca-notext.crt", "admin/key.der", "app01.example.org"},   /* DER PKCS#8 key */
        {"admin/bundle.pem", "admin/ca-text.key", "app01.example.org"},  /* leaf first */
        {"admin/bundle-ca-first.pem", "admin/ca-text.key", "app01.example.org"},
        {"admin/leaf.der", "admin/ca-text.key", "app01.example.org"},
        {"admin/combined.pem", "admin/combined.pem", "app01.example.org"},  /* key + cert */
        {"admin/ec-text.crt", "admin/key-params.pem", "app02.example.org"}, /* EC PARAMETERS */
        {"admin/easyrsa.crt", "admin/easyrsa.key", "app01"},                /* easy-rsa 3 */
    };
    STACK_OF(X509) *sk = NULL;
    EVP_PKEY *k;
    X509 *x;
    X509_REQ *r = NULL;
    uint8_t *d;
    size_t n, i, len = 0;
    char *pem = NULL, cn[128];

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        print_message("%s + %s\n", cases[i].cert, cases[i].key);
        load(cases[i].cert, &d, &n);
        assert_int_equal(ferry_x509_certs_load(d, n, &sk), FERRY_OK);
        free(d);
        k = key(cases[i].key);
        assert_non_null(x = ferry_x509_cert_pick(sk, k));
        assert_int_equal(X509_check_private_key(x, k), 1);
        X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn, sizeof(cn));
        assert_string_equal(cn, cases[i].cn);
        assert_int_equal(ferry_x509_csr_make(x, k, k, &pem, &len), FERRY_OK);
        assert_int_equal(ferry_x509_csr_parse((const uint8_t *)pem, len, &r), FERRY_OK);
        X509_REQ_free(r);
        OPENSSL_free(pem);
        EVP_PKEY_free(k);
        sk_X509_pop_free(sk, X509_free);
    }
    /* the first of a bundle is what cert_parse returns; a text with no certificate is refused */
    x = cert("admin/bundle-ca-first.pem");
    X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn, sizeof(cn));
    assert_string_equal(cn, "openssl-ca root");
    X509_free(x);
    load("admin/ca-text.key", &d, &n);
    assert_int_equal(ferry_x509_certs_load(d, n, &sk), FERRY_ERR_FORMAT);
    assert_non_null(strstr(ferry_err_detail(), "no X.509 certificate in it"));
    free(d);
    assert_int_equal(ferry_x509_certs_load((const uint8_t *)"Certificate:\n", 13, &sk),
                     FERRY_ERR_FORMAT);
}

/* What a CA changed: nothing, a dropped subjectAltName, another subject; with the renewed
 * certificate, the validity length. */
static void test_compare(void **state)
{
    X509_REQ *r = csr("csr.pem");
    X509 *good = cert("issued.pem"), *old = cert("app.crt"),
         *other = cert("chain-other-subject.pem");
    X509 *nosan = X509_dup(good);
    struct ferry_x509_diff d;

    assert_int_equal(ferry_x509_compare(r, NULL, good, &d), FERRY_OK);
    assert_int_equal(d.n, 0);
    assert_int_equal(d.missing, 0);
    X509_EXTENSION_free(
        X509_delete_ext(nosan, X509_get_ext_by_NID(nosan, NID_subject_alt_name, -1)));
    assert_int_equal(ferry_x509_compare(r, NULL, nosan, &d), FERRY_OK);
    print_message("%s", d.text);
    assert_int_equal(d.n, 1);
    assert_int_equal(d.missing, 1);
    assert_int_equal(d.subject, 0);
    assert_string_equal(d.text, "subjectAltName: lacks DNS:app.example.test, DNS:app\n");
    assert_int_equal(ferry_x509_compare(r, NULL, other, &d), FERRY_OK);
    print_message("%s", d.text);
    assert_int_equal(d.subject, 1);
    assert_non_null(strstr(d.text, "subject: asked for /CN=app.example.test"));
    assert_int_equal(ferry_x509_compare(r, old, good, &d), FERRY_OK);
    print_message("%s", d.text);
    assert_non_null(strstr(d.text, "validity: was 7300 days, now 365 days"));
    assert_null(strstr(d.text, "key:"));
    assert_int_equal(d.missing, 0);
    X509_free(nosan);
    X509_free(other);
    X509_free(old);
    X509_free(good);
    X509_REQ_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csr_make),
        cmocka_unit_test(test_admin_files),
        cmocka_unit_test(test_compare),
        cmocka_unit_test(test_csr_parse),
        cmocka_unit_test(test_certs_parse),
        cmocka_unit_test(test_check_issued),
        cmocka_unit_test(test_chain_pem),
        cmocka_unit_test_setup_teardown(test_import_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import_once, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
