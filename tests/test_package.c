/* Tests for the package (.ferry): ferry's own packages, packages made by stock `openssl cms`,
 * tampering, truncation, trust decisions, the pairing package. Cross-checked with the openssl
 * command. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/cms.h>

#include "ferry/buf.h"
#include "ferry/file.h"
#include "ferry/identity.h"
#include "ferry/manifest.h"
#include "ferry/package.h"
#include "helpers.h"

struct fixture {
    struct ferry_identity *alice, *bob;
    uint8_t *pkg; /* signed by alice */
    size_t pkglen;
    uint8_t *xml; /* the manifest bytes inside pkg */
    size_t xmllen;
};

static struct ferry_identity *vector_identity(const char *who, int with_key)
{
    char name[64];
    uint8_t *crt, *key;
    size_t cl, kl;
    struct ferry_identity *id = NULL;

    snprintf(name, sizeof(name), "package/%s.crt", who);
    crt = helpers_vector_read(NULL, name, &cl);
    if (with_key) {
        snprintf(name, sizeof(name), "package/%s.key", who);
        key = helpers_vector_read(NULL, name, &kl);
        assert_int_equal(ferry_identity_from_pem(crt, cl, key, kl, &id), FERRY_OK);
        OPENSSL_cleanse(key, kl);
        free(key);
    } else {
        assert_int_equal(ferry_identity_from_cert(crt, cl, &id), FERRY_OK);
    }
    free(crt);
    return id;
}

static struct ferry_manifest *sample_manifest(void)
{
    static const uint8_t bom[] = "\xEF\xBB\xBF<?xml version=\"1.0\"?>\r\n<Enroll/>\r\n";
    uint8_t bin[256];
    struct ferry_manifest *m = NULL;
    size_t i;

    for (i = 0; i < sizeof(bin); i++)
        bin[i] = (uint8_t)(i * 7 + 3);
    assert_int_equal(ferry_manifest_new(FERRY_DIR_TO_ONLINE, &m), FERRY_OK);
    assert_int_equal(ferry_manifest_add_item(m, "SRV01RenewalRequest.xml", FERRY_ITEM_RMS_REQUEST,
                                             bom, sizeof(bom) - 1),
                     FERRY_OK);
    assert_int_equal(
        ferry_manifest_add_item(m, "bytes.bin", FERRY_ITEM_X509_CHAIN, bin, sizeof(bin)), FERRY_OK);
    assert_int_equal(ferry_manifest_set_prop(m, "server", "SRV01"), FERRY_OK);
    return m;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct ferry_manifest *m;

    assert_non_null(f);
    assert_int_equal(ferry_identity_generate("alice", &f->alice), FERRY_OK);
    assert_int_equal(ferry_identity_generate("bob", &f->bob), FERRY_OK);
    m = sample_manifest();
    assert_int_equal(ferry_package_sign(m, f->alice, &f->pkg, &f->pkglen), FERRY_OK);
    assert_int_equal(ferry_manifest_serialize(m, &f->xml, &f->xmllen), FERRY_OK);
    ferry_manifest_free(m);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    ferry_identity_free(f->alice);
    ferry_identity_free(f->bob);
    free(f->pkg);
    free(f->xml);
    free(f);
    return 0;
}

static ferry_err verify_with(const uint8_t *der, size_t len, struct ferry_identity *peer)
{
    struct ferry_identity *peers[1] = {peer};
    struct ferry_manifest *m = NULL;
    ferry_err r = ferry_package_verify(der, len, peers, 1, &m, NULL);

    if (r != FERRY_OK)
        assert_null(m);
    ferry_manifest_free(m);
    return r;
}

static void test_round_trip(void **state)
{
    struct fixture *f = *state;
    struct ferry_identity *peers[2] = {f->bob, f->alice};
    struct ferry_manifest *m = NULL, *orig = sample_manifest();
    uint8_t fp[FERRY_SHA256_LEN];
    size_t signer = 99, i;

    assert_int_equal(ferry_package_verify(f->pkg, f->pkglen, peers, 2, &m, &signer), FERRY_OK);
    assert_int_equal(signer, 1);
    ferry_identity_fingerprint(f->alice, fp);
    assert_memory_equal(m->sender_fp, fp, sizeof(fp));
    assert_int_equal(m->direction, FERRY_DIR_TO_ONLINE);
    assert_int_equal(m->nitems, orig->nitems);
    for (i = 0; i < m->nitems; i++) {
        assert_string_equal(m->items[i].name, orig->items[i].name);
        assert_int_equal(m->items[i].len, orig->items[i].len);
        assert_memory_equal(m->items[i].data, orig->items[i].data, orig->items[i].len);
    }
    assert_string_equal(ferry_manifest_prop(m, "server"), "SRV01");
    ferry_manifest_free(m);
    ferry_manifest_free(orig);
}

static void test_unpaired(void **state)
{
    struct fixture *f = *state;
    struct ferry_manifest *m = NULL;
    char groups[FERRY_FP_GROUPS_LEN];

    assert_int_equal(verify_with(f->pkg, f->pkglen, f->bob), FERRY_ERR_UNTRUSTED);
    ferry_identity_fingerprint_groups(f->alice, groups);
    assert_non_null(strstr(ferry_err_detail(), groups));
    assert_non_null(strstr(ferry_err_detail(), "unpaired identity"));
    assert_non_null(strstr(ferry_err_detail(), "pair it first"));
    assert_int_equal(ferry_package_verify(f->pkg, f->pkglen, NULL, 0, &m, NULL),
                     FERRY_ERR_UNTRUSTED);
    assert_null(m);
}

/* Every single-byte flip at 64 evenly spread positions plus the first and last bytes. */
static void test_byte_flips(void **state)
{
    struct fixture *f = *state;
    uint8_t *copy = malloc(f->pkglen);
    size_t k, pos;
    ferry_err r;

    assert_non_null(copy);
    for (k = 0; k <= 65; k++) {
        pos = k == 65 ? f->pkglen - 1 : k * (f->pkglen - 1) / 64;
        memcpy(copy, f->pkg, f->pkglen);
        copy[pos] ^= 0xFF;
        r = verify_with(copy, f->pkglen, f->alice);
        if (r != FERRY_ERR_FORMAT && r != FERRY_ERR_SIG_INVALID)
            fail_msg("flip at %zu of %zu: %s (%s)", pos, f->pkglen, ferry_strerror(r),
                     ferry_err_detail());
    }
    free(copy);
}

/* Exhaustive: every byte, one bit and all bits, must fail (never OK, never untrusted: these
 * are alice's packages damaged, not a stranger's). */
static void test_every_byte_flip(void **state)
{
    struct fixture *f = *state;
    static const uint8_t masks[] = {0x01, 0x80, 0xFF};
    uint8_t *copy = malloc(f->pkglen);
    size_t pos, k;
    ferry_err r;

    assert_non_null(copy);
    for (pos = 0; pos < f->pkglen; pos++) {
        for (k = 0; k < sizeof(masks); k++) {
            memcpy(copy, f->pkg, f->pkglen);
            copy[pos] ^= masks[k];
            r = verify_with(copy, f->pkglen, f->alice);
            if (r != FERRY_ERR_FORMAT && r != FERRY_ERR_SIG_INVALID)
                fail_msg("xor %02x at %zu of %zu: %s (%s)", masks[k], pos, f->pkglen,
                         ferry_strerror(r), ferry_err_detail());
        }
    }
    free(copy);
}

static void test_truncation_and_garbage(void **state)
{
    struct fixture *f = *state;
    uint8_t *longer = malloc(f->pkglen + 1);
    size_t n;

    for (n = 0; n < f->pkglen; n += (n < 64 || n + 64 > f->pkglen) ? 1 : 7) {
        ferry_err_clear();
        assert_int_equal(verify_with(f->pkg, n, f->alice), FERRY_ERR_FORMAT);
    }
    assert_string_equal(ferry_err_detail(), "package is corrupt or truncated (not valid DER CMS)");
    assert_non_null(longer);
    memcpy(longer, f->pkg, f->pkglen);
    longer[f->pkglen] = 0;
    assert_int_equal(verify_with(longer, f->pkglen + 1, f->alice), FERRY_ERR_FORMAT);
    free(longer);
}

static void test_oversize(void **state)
{
    struct fixture *f = *state;
    uint8_t *big = calloc(1, FERRY_MAX_PACKAGE_BYTES + 1);

    assert_non_null(big);
    memcpy(big, f->pkg, f->pkglen);
    assert_int_equal(verify_with(big, FERRY_MAX_PACKAGE_BYTES + 1, f->alice), FERRY_ERR_TOO_LARGE);
    free(big);
}

/* A package alice really signed whose manifest claims bob sent it. */
static void test_sender_mismatch(void **state)
{
    struct fixture *f = *state;
    struct ferry_manifest *m = sample_manifest();
    uint8_t *xml = NULL, *der = NULL;
    size_t xl;
    int n;
    BIO *in;
    CMS_ContentInfo *cms;

    ferry_identity_fingerprint(f->bob, m->sender_fp);
    assert_int_equal(ferry_manifest_serialize(m, &xml, &xl), FERRY_OK);
    in = BIO_new_mem_buf(xml, (int)xl);
    cms = CMS_sign(ferry_identity_x509(f->alice), ferry_identity_pkey(f->alice), NULL, in,
                   CMS_BINARY);
    assert_non_null(cms);
    n = i2d_CMS_ContentInfo(cms, &der);
    assert_true(n > 0);
    assert_int_equal(verify_with(der, (size_t)n, f->alice), FERRY_ERR_SIG_INVALID);
    assert_non_null(strstr(ferry_err_detail(), "names sender"));
    OPENSSL_free(der);
    CMS_ContentInfo_free(cms);
    BIO_free(in);
    free(xml);
    ferry_manifest_free(m);
}

static void test_sign_needs_key(void **state)
{
    struct fixture *f = *state;
    struct ferry_identity *pub = NULL;
    struct ferry_manifest *m = sample_manifest();
    uint8_t *der = NULL, *crt = NULL;
    size_t dl, cl;

    assert_int_equal(ferry_identity_cert_der(f->alice, &crt, &cl), FERRY_OK);
    assert_int_equal(ferry_identity_from_cert(crt, cl, &pub), FERRY_OK);
    assert_int_equal(ferry_package_sign(m, pub, &der, &dl), FERRY_ERR_USAGE);
    assert_null(der);
    ferry_identity_free(pub);
    ferry_manifest_free(m);
    free(crt);
}

static void write_file(const char *dir, const char *name, const void *p, size_t n)
{
    char *path = ferry_path_join(dir, name);

    assert_non_null(path);
    assert_int_equal(ferry_file_write_atomic(path, p, n, 0600), FERRY_OK);
    free(path);
}

static int openssl_verify(const char *dir)
{
    char cmd[1024];

    snprintf(cmd, sizeof(cmd),
             "cd '%s' && rm -f content && openssl cms -verify -inform DER -binary "
             "-CAfile signer.crt -in pkg -out content 2>/dev/null",
             dir);
    return system(cmd);
}

/* The openssl command verifies ferry's package, returns the manifest byte for byte, and
 * rejects a tampered copy. */
static void test_openssl_cross_check(void **state)
{
    struct fixture *f = *state;
    char dir[] = "/tmp/ferry-pkg-XXXXXX";
    char *pem = NULL, *cpath;
    uint8_t *content = NULL, *bad;
    size_t pl, cl;

    assert_non_null(mkdtemp(dir));
    assert_int_equal(ferry_identity_cert_pem(f->alice, &pem, &pl), FERRY_OK);
    write_file(dir, "signer.crt", pem, pl);
    write_file(dir, "pkg", f->pkg, f->pkglen);
    assert_int_equal(openssl_verify(dir), 0);
    cpath = ferry_path_join(dir, "content");
    assert_int_equal(ferry_file_read(cpath, 1u << 24, &content, &cl), FERRY_OK);
    assert_int_equal(cl, f->xmllen);
    assert_memory_equal(content, f->xml, cl);
    free(content);
    bad = malloc(f->pkglen);
    assert_non_null(bad);
    memcpy(bad, f->pkg, f->pkglen);
    bad[f->pkglen / 2] ^= 0x01; /* inside the manifest */
    write_file(dir, "pkg", bad, f->pkglen);
    assert_int_not_equal(openssl_verify(dir), 0);
    assert_int_equal(verify_with(bad, f->pkglen, f->alice), FERRY_ERR_SIG_INVALID);
    free(bad);
    /* and bob's certificate is not a trust anchor for alice's package */
    free(pem);
    assert_int_equal(ferry_identity_cert_pem(f->bob, &pem, &pl), FERRY_OK);
    write_file(dir, "signer.crt", pem, pl);
    write_file(dir, "pkg", f->pkg, f->pkglen);
    assert_int_not_equal(openssl_verify(dir), 0);
    assert_int_equal(helpers_rm_tree(dir), 0);
    free(cpath);
    free(pem);
}

static void assert_vector_item(const struct ferry_manifest *m, const char *name, const char *file)
{
    size_t i, len;
    uint8_t *want = helpers_vector_read(NULL, file, &len);

    for (i = 0; i < m->nitems; i++)
        if (strcmp(m->items[i].name, name) == 0)
            break;
    assert_true(i < m->nitems);
    assert_int_equal(m->items[i].len, len);
    assert_memory_equal(m->items[i].data, want, len);
    free(want);
}

/* Packages made by `openssl cms -sign -binary` (tests/vectors/package/mkvectors.sh). */
static void test_stock_openssl_package(void **state)
{
    struct ferry_identity *alice = vector_identity("alice", 0), *bob = vector_identity("bob", 0);
    struct ferry_identity *peers[1] = {alice};
    struct ferry_manifest *m = NULL;
    uint8_t *pkg, fp[FERRY_SHA256_LEN];
    size_t len;

    (void)state;
    pkg = helpers_vector_read(NULL, "package/alice.ferry", &len);
    assert_int_equal(ferry_package_verify(pkg, len, peers, 1, &m, NULL), FERRY_OK);
    ferry_identity_fingerprint(alice, fp);
    assert_memory_equal(m->sender_fp, fp, sizeof(fp));
    assert_int_equal(m->nitems, 3);
    assert_vector_item(m, "SRV01RenewalRequest.xml", "package/payload-bom.bin");
    assert_vector_item(m, "notes.txt", "package/payload-crlf.bin");
    assert_vector_item(m, "random.bin", "package/payload-random.bin");
    assert_string_equal(ferry_manifest_prop(m, "server"), "SRV01 & \"friends\" <test>");
    ferry_manifest_free(m);
    assert_int_equal(verify_with(pkg, len, bob), FERRY_ERR_UNTRUSTED);
    free(pkg);
    ferry_identity_free(alice);
    ferry_identity_free(bob);
}

static void test_stock_openssl_refused(void **state)
{
    static const struct {
        const char *file, *peer;
        ferry_err want;
    } cases[] = {
        {"package/bob.ferry", "bob", FERRY_ERR_SIG_INVALID}, /* manifest says alice sent it */
        {"package/bob.ferry", "alice", FERRY_ERR_UNTRUSTED},
        {"package/tampered-content.ferry", "alice", FERRY_ERR_SIG_INVALID},
        {"package/tampered-signature.ferry", "alice", FERRY_ERR_SIG_INVALID},
        {"package/truncated-1.ferry", "alice", FERRY_ERR_FORMAT},
        {"package/truncated-half.ferry", "alice", FERRY_ERR_FORMAT},
        {"package/truncated-16.ferry", "alice", FERRY_ERR_FORMAT},
        {"package/manifest.xml", "alice", FERRY_ERR_FORMAT},
    };
    size_t i, len;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ferry_identity *peer = vector_identity(cases[i].peer, 0);
        uint8_t *pkg = helpers_vector_read(NULL, cases[i].file, &len);
        ferry_err r = verify_with(pkg, len, peer);

        if (r != cases[i].want)
            fail_msg("%s with peer %s: %s (%s)", cases[i].file, cases[i].peer, ferry_strerror(r),
                     ferry_err_detail());
        free(pkg);
        ferry_identity_free(peer);
    }
}

/* ferry signing with the identity openssl made, verified by ferry and by openssl. */
static void test_vector_identity_signs(void **state)
{
    struct ferry_identity *alice = vector_identity("alice", 1);
    struct ferry_manifest *m = sample_manifest();
    char dir[] = "/tmp/ferry-pkg-XXXXXX";
    uint8_t *der = NULL, *crt;
    size_t dl, cl;

    (void)state;
    assert_int_equal(ferry_package_sign(m, alice, &der, &dl), FERRY_OK);
    assert_int_equal(verify_with(der, dl, alice), FERRY_OK);
    assert_non_null(mkdtemp(dir));
    crt = helpers_vector_read(NULL, "package/alice.crt", &cl);
    write_file(dir, "signer.crt", crt, cl);
    write_file(dir, "pkg", der, dl);
    assert_int_equal(openssl_verify(dir), 0);
    assert_int_equal(helpers_rm_tree(dir), 0);
    free(crt);
    free(der);
    ferry_manifest_free(m);
    ferry_identity_free(alice);
}

static uint8_t *pairing_package(struct ferry_identity *signer, struct ferry_identity *carried,
                                int copies, size_t *len)
{
    struct ferry_manifest *m = NULL;
    uint8_t *crt = NULL, *der = NULL;
    size_t cl;
    int i;

    assert_int_equal(ferry_manifest_new(FERRY_DIR_TO_OFFLINE, &m), FERRY_OK);
    assert_int_equal(ferry_identity_cert_der(carried, &crt, &cl), FERRY_OK);
    for (i = 0; i < copies; i++) {
        char name[32];
        snprintf(name, sizeof(name), "identity%d.der", i);
        assert_int_equal(ferry_manifest_add_item(m, name, FERRY_ITEM_IDENTITY, crt, cl), FERRY_OK);
    }
    assert_int_equal(ferry_package_sign(m, signer, &der, len), FERRY_OK);
    free(crt);
    ferry_manifest_free(m);
    return der;
}

static void test_open_identity(void **state)
{
    struct fixture *f = *state;
    struct ferry_identity *peer = NULL;
    struct ferry_manifest *m = NULL;
    uint8_t *der;
    size_t len;

    der = pairing_package(f->alice, f->alice, 1, &len);
    assert_int_equal(ferry_package_open_identity(der, len, &peer, &m), FERRY_OK);
    assert_true(ferry_identity_equal(peer, f->alice));
    assert_false(ferry_identity_has_key(peer));
    assert_string_equal(ferry_identity_name(peer), "alice");
    assert_int_equal(m->direction, FERRY_DIR_TO_OFFLINE);
    ferry_identity_free(peer);
    ferry_manifest_free(m);
    der[len / 2] ^= 0x20;
    peer = NULL;
    m = NULL;
    assert_true(ferry_package_open_identity(der, len, &peer, &m) != FERRY_OK);
    assert_null(peer);
    assert_null(m);
    free(der);

    der = pairing_package(f->alice, f->bob, 1, &len); /* carries bob, signed by alice */
    assert_int_equal(ferry_package_open_identity(der, len, &peer, &m), FERRY_ERR_SIG_INVALID);
    free(der);
    der = pairing_package(f->alice, f->alice, 2, &len);
    assert_int_equal(ferry_package_open_identity(der, len, &peer, &m), FERRY_ERR_FORMAT);
    free(der);
    assert_int_equal(ferry_package_open_identity(f->pkg, f->pkglen, &peer, &m),
                     FERRY_ERR_FORMAT); /* no identity item */
    assert_null(peer);
}

/* A pairing package made by stock openssl: alice's certificate signed by alice. */
static void test_open_identity_openssl(void **state)
{
    struct ferry_identity *alice = vector_identity("alice", 0), *peer = NULL;
    struct ferry_manifest *m = NULL;
    uint8_t *pkg;
    size_t len;

    (void)state;
    pkg = helpers_vector_read(NULL, "package/alice-identity.ferry", &len);
    assert_int_equal(ferry_package_open_identity(pkg, len, &peer, &m), FERRY_OK);
    assert_true(ferry_identity_equal(peer, alice));
    assert_string_equal(ferry_identity_name(peer), "alice");
    ferry_identity_free(peer);
    ferry_manifest_free(m);
    free(pkg);
    pkg = helpers_vector_read(NULL, "package/alice.ferry",
                              &len); /* signed, but carries no identity */
    assert_int_equal(ferry_package_open_identity(pkg, len, &peer, &m), FERRY_ERR_FORMAT);
    free(pkg);
    ferry_identity_free(alice);
}

/* ferry_package_peek on @n bytes of @p in a file. */
static ferry_err peek_bytes(const uint8_t *p, size_t n, struct ferry_identity *const *known,
                            size_t nknown)
{
    char tmpl[] = "/tmp/ferry-test-peek-XXXXXX";
    int fd = mkstemp(tmpl);
    ferry_err r;

    assert_true(fd >= 0);
    unlink(tmpl);
    assert_int_equal(write(fd, p, n), (ssize_t)n);
    r = ferry_package_peek(fd, n, known, nknown);
    close(fd);
    return r;
}

/* Before the body is read: the outer DER must span the file, the signer must be known. */
static void test_peek(void **state)
{
    struct fixture *f = *state;
    struct ferry_identity *both[2] = {f->bob, f->alice};
    uint8_t *bigger;

    assert_int_equal(peek_bytes(f->pkg, f->pkglen, &f->alice, 1), FERRY_OK);
    assert_int_equal(peek_bytes(f->pkg, f->pkglen, both, 2), FERRY_OK);
    assert_int_equal(peek_bytes(f->pkg, f->pkglen, &f->bob, 1), FERRY_ERR_UNTRUSTED);
    assert_non_null(strstr(ferry_err_detail(), "signed by an unpaired identity"));
    assert_int_equal(peek_bytes(f->pkg, f->pkglen - 1, &f->alice, 1), FERRY_ERR_FORMAT);
    assert_non_null(strstr(ferry_err_detail(), "corrupt or truncated"));
    assert_non_null(bigger = calloc(1, f->pkglen + 1));
    memcpy(bigger, f->pkg, f->pkglen);
    assert_int_equal(peek_bytes(bigger, f->pkglen + 1, &f->alice, 1), FERRY_ERR_FORMAT);
    free(bigger);
    assert_int_equal(peek_bytes((const uint8_t *)"garbage", 7, &f->alice, 1), FERRY_ERR_FORMAT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_unpaired),
        cmocka_unit_test(test_peek),
        cmocka_unit_test(test_byte_flips),
        cmocka_unit_test(test_every_byte_flip),
        cmocka_unit_test(test_truncation_and_garbage),
        cmocka_unit_test(test_oversize),
        cmocka_unit_test(test_sender_mismatch),
        cmocka_unit_test(test_sign_needs_key),
        cmocka_unit_test(test_openssl_cross_check),
        cmocka_unit_test(test_stock_openssl_package),
        cmocka_unit_test(test_stock_openssl_refused),
        cmocka_unit_test(test_vector_identity_signs),
        cmocka_unit_test(test_open_identity),
        cmocka_unit_test(test_open_identity_openssl),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
