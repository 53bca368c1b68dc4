/* Tests for pairing identities: generation, certificate contents (checked with OpenSSL and the
 * openssl command), PEM/DER round trips, key export, mismatches, vectors made by openssl. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "ferry/file.h"
#include "ferry/identity.h"
#include "helpers.h"

#define NOW 1714564800 /* 2024-05-01T12:00:00Z */

static void test_generate_contents(void **state)
{
    struct ferry_identity *id = NULL;
    X509 *x;
    EVP_PKEY *pub;
    uint8_t *der = NULL, fp[FERRY_SHA256_LEN], want[FERRY_SHA256_LEN];
    size_t dl;
    char curve[32];
    time_t t;
    int crit = 0;
    ASN1_BIT_STRING *ku;
    BIGNUM *serial;

    (void)state;
    setenv("FERRY_NOW", "1714564800", 1);
    assert_int_equal(ferry_identity_generate("offline SRV01", &id), FERRY_OK);
    unsetenv("FERRY_NOW");
    assert_true(ferry_identity_has_key(id));
    assert_string_equal(ferry_identity_name(id), "offline SRV01");
    x = ferry_identity_x509(id);
    assert_int_equal(X509_get_version(x), X509_VERSION_3);
    pub = X509_get0_pubkey(x);
    assert_int_equal(EVP_PKEY_get_base_id(pub), EVP_PKEY_EC);
    assert_true(EVP_PKEY_get_utf8_string_param(pub, "group", curve, sizeof(curve), NULL));
    assert_string_equal(curve, "prime256v1");
    assert_int_equal(X509_get_signature_nid(x), NID_ecdsa_with_SHA256);
    assert_int_equal(X509_verify(x, pub), 1); /* self-signed */
    assert_int_equal(X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)), 0);
    t = NOW - 86400 - 1;
    assert_int_equal(X509_cmp_time(X509_get0_notBefore(x), &t), 1);
    t = NOW - 86400 + 1;
    assert_int_equal(X509_cmp_time(X509_get0_notBefore(x), &t), -1);
    t = NOW + (time_t)20 * 365 * 86400;
    assert_int_equal(X509_cmp_time(X509_get0_notAfter(x), &t), 1);
    t = NOW + (time_t)20 * 366 * 86400;
    assert_int_equal(X509_cmp_time(X509_get0_notAfter(x), &t), -1);
    ku = X509_get_ext_d2i(x, NID_key_usage, &crit, NULL);
    assert_non_null(ku);
    assert_int_equal(crit, 1);
    assert_true(ASN1_BIT_STRING_get_bit(ku, 0));  /* digitalSignature */
    assert_false(ASN1_BIT_STRING_get_bit(ku, 5)); /* keyCertSign */
    ASN1_BIT_STRING_free(ku);
    assert_non_null(X509_get0_subject_key_id(x));
    serial = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
    assert_non_null(serial);
    assert_false(BN_is_negative(serial));
    assert_int_equal(BN_num_bytes(serial), 16); /* random, 127 bits */
    BN_free(serial);
    assert_int_equal(ferry_identity_cert_der(id, &der, &dl), FERRY_OK);
    ferry_sha256(der, dl, want);
    ferry_identity_fingerprint(id, fp);
    assert_memory_equal(fp, want, sizeof(fp));
    free(der);
    ferry_identity_free(id);
}

static void test_fingerprint_groups(void **state)
{
    struct ferry_identity *id = NULL;
    char g[FERRY_FP_GROUPS_LEN];
    size_t i;

    (void)state;
    assert_int_equal(ferry_identity_generate("x", &id), FERRY_OK);
    ferry_identity_fingerprint_groups(id, g);
    assert_int_equal(strlen(g), 79);
    for (i = 0; i < 79; i++) {
        if (i % 5 == 4)
            assert_int_equal(g[i], ' ');
        else
            assert_non_null(strchr("0123456789ABCDEF", g[i]));
    }
    ferry_identity_free(id);
}

static void test_names(void **state)
{
    static const struct {
        const char *name;
        ferry_err want;
    } cases[] = {
        {"a", FERRY_OK},
        {"Z\xC3\xBCrich \xCE\xA9", FERRY_OK},
        {"", FERRY_ERR_USAGE},
        {"0123456789012345678901234567890123456789012345678901234567890123", FERRY_OK},
        {"01234567890123456789012345678901234567890123456789012345678901234", FERRY_ERR_USAGE},
        {"bad \xFF utf8", FERRY_ERR_USAGE},
        {"over\xC0\xAFlong", FERRY_ERR_USAGE},
        {"esc\x1b[31m", FERRY_ERR_USAGE},
    };
    struct ferry_identity *id;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        id = NULL;
        assert_int_equal(ferry_identity_generate(cases[i].name, &id), cases[i].want);
        if (cases[i].want == FERRY_OK)
            assert_string_equal(ferry_identity_name(id), cases[i].name);
        else
            assert_null(id);
        ferry_identity_free(id);
    }
}

static void test_cert_round_trips(void **state)
{
    struct ferry_identity *id = NULL, *a = NULL, *b = NULL, *other = NULL;
    char *pem = NULL;
    uint8_t *der = NULL, *longer;
    size_t pl, dl;

    (void)state;
    assert_int_equal(ferry_identity_generate("rt", &id), FERRY_OK);
    assert_int_equal(ferry_identity_generate("other", &other), FERRY_OK);
    assert_int_equal(ferry_identity_cert_pem(id, &pem, &pl), FERRY_OK);
    assert_int_equal(strlen(pem), pl);
    assert_non_null(strstr(pem, "-----BEGIN CERTIFICATE-----"));
    assert_int_equal(ferry_identity_from_cert((uint8_t *)pem, pl, &a), FERRY_OK);
    assert_int_equal(ferry_identity_cert_der(id, &der, &dl), FERRY_OK);
    assert_int_equal(ferry_identity_from_cert(der, dl, &b), FERRY_OK);
    assert_true(ferry_identity_equal(id, a));
    assert_true(ferry_identity_equal(a, b));
    assert_false(ferry_identity_equal(id, other));
    assert_false(ferry_identity_equal(id, NULL));
    assert_false(ferry_identity_has_key(a));
    assert_null(ferry_identity_pkey(a));
    assert_string_equal(ferry_identity_name(b), "rt");
    ferry_identity_free(a);
    ferry_identity_free(b);
    a = b = NULL;
    /* DER with a trailing byte, cut short, garbage, oversize: refused */
    longer = malloc(dl + 1);
    assert_non_null(longer);
    memcpy(longer, der, dl);
    longer[dl] = 0;
    assert_int_equal(ferry_identity_from_cert(longer, dl + 1, &a), FERRY_ERR_FORMAT);
    assert_int_equal(ferry_identity_from_cert(der, dl - 1, &a), FERRY_ERR_FORMAT);
    assert_int_equal(ferry_identity_from_cert((const uint8_t *)"hello", 5, &a), FERRY_ERR_FORMAT);
    assert_int_equal(ferry_identity_from_cert(der, 0, &a), FERRY_ERR_FORMAT);
    assert_int_equal(ferry_identity_from_cert(der, FERRY_IDENTITY_MAX_PEM + 1, &a),
                     FERRY_ERR_TOO_LARGE);
    assert_null(a);
    free(longer);
    free(pem);
    free(der);
    ferry_identity_free(id);
    ferry_identity_free(other);
}

static void test_key_round_trip(void **state)
{
    struct ferry_identity *id = NULL, *other = NULL, *back = NULL, *pub = NULL;
    char *cpem = NULL, *kpem = NULL, *opem = NULL;
    size_t cl, kl, ol;

    (void)state;
    assert_int_equal(ferry_identity_generate("keys", &id), FERRY_OK);
    assert_int_equal(ferry_identity_generate("other", &other), FERRY_OK);
    assert_int_equal(ferry_identity_cert_pem(id, &cpem, &cl), FERRY_OK);
    assert_int_equal(ferry_identity_key_pem(id, &kpem, &kl), FERRY_OK);
    assert_int_equal(strlen(kpem), kl);
    assert_non_null(strstr(kpem, "-----BEGIN PRIVATE KEY-----")); /* PKCS#8, unencrypted */
    assert_int_equal(ferry_identity_from_pem((uint8_t *)cpem, cl, (uint8_t *)kpem, kl, &back),
                     FERRY_OK);
    assert_true(ferry_identity_has_key(back));
    assert_true(ferry_identity_equal(back, id));
    assert_int_equal(EVP_PKEY_eq(ferry_identity_pkey(back), ferry_identity_pkey(id)), 1);
    /* another identity's key with this certificate */
    assert_int_equal(ferry_identity_key_pem(other, &opem, &ol), FERRY_OK);
    ferry_identity_free(back);
    back = NULL;
    assert_int_equal(ferry_identity_from_pem((uint8_t *)cpem, cl, (uint8_t *)opem, ol, &back),
                     FERRY_ERR_MISMATCH);
    assert_null(back);
    assert_int_equal(ferry_identity_from_pem((uint8_t *)cpem, cl, (const uint8_t *)"x", 1, &back),
                     FERRY_ERR_FORMAT);
    /* a certificate-only identity has no key to export */
    assert_int_equal(ferry_identity_from_cert((uint8_t *)cpem, cl, &pub), FERRY_OK);
    OPENSSL_secure_clear_free(opem, ol);
    opem = NULL;
    assert_int_equal(ferry_identity_key_pem(pub, &opem, &ol), FERRY_ERR_NOT_FOUND);
    assert_null(opem);
    OPENSSL_secure_clear_free(kpem, kl);
    free(cpem);
    ferry_identity_free(pub);
    ferry_identity_free(id);
    ferry_identity_free(other);
}

/* An encrypted key is refused, never prompted for. */
static void test_encrypted_key_refused(void **state)
{
    struct ferry_identity *id = NULL, *back = NULL;
    char *cpem = NULL, *kdata;
    size_t cl;
    long kl;
    BIO *b = BIO_new(BIO_s_mem());

    (void)state;
    assert_int_equal(ferry_identity_generate("enc", &id), FERRY_OK);
    assert_int_equal(ferry_identity_cert_pem(id, &cpem, &cl), FERRY_OK);
    assert_true(PEM_write_bio_PKCS8PrivateKey(b, ferry_identity_pkey(id), EVP_aes_256_cbc(), "pass",
                                              4, NULL, NULL));
    kl = BIO_get_mem_data(b, &kdata);
    assert_int_equal(
        ferry_identity_from_pem((uint8_t *)cpem, cl, (uint8_t *)kdata, (size_t)kl, &back),
        FERRY_ERR_FORMAT);
    BIO_free(b);
    free(cpem);
    ferry_identity_free(id);
}

/* Identities made by `openssl req` (mkvectors.sh) load, and ferry's fingerprint is the one
 * `openssl x509 -outform DER | sha256sum` prints. */
static void test_openssl_vectors(void **state)
{
    static const char *const who[] = {"alice", "bob"};
    char cmd[512], line[128], hex[65];
    uint8_t *crt, *key, fp[FERRY_SHA256_LEN];
    size_t cl, kl, i;
    struct ferry_identity *id;
    FILE *p;

    (void)state;
    for (i = 0; i < 2; i++) {
        id = NULL;
        snprintf(cmd, sizeof(cmd), "package/%s.crt", who[i]);
        crt = helpers_vector_read(NULL, cmd, &cl);
        snprintf(cmd, sizeof(cmd), "package/%s.key", who[i]);
        key = helpers_vector_read(NULL, cmd, &kl);
        assert_int_equal(ferry_identity_from_pem(crt, cl, key, kl, &id), FERRY_OK);
        assert_string_equal(ferry_identity_name(id), who[i]);
        snprintf(cmd, sizeof(cmd),
                 "openssl x509 -in '%s/package/%s.crt' -outform DER | "
                 "sha256sum",
                 getenv("FERRY_VECTORS"), who[i]);
        assert_non_null(p = popen(cmd, "r"));
        assert_non_null(fgets(line, sizeof(line), p));
        assert_int_equal(pclose(p), 0);
        ferry_identity_fingerprint(id, fp);
        ferry_hex(fp, sizeof(fp), hex);
        assert_memory_equal(line, hex, 64);
        free(crt);
        free(key);
        ferry_identity_free(id);
    }
}

/* The openssl command reads ferry's certificate as we describe it. */
static void test_openssl_reads_cert(void **state)
{
    struct ferry_identity *id = NULL;
    char path[] = "/tmp/ferry-id-XXXXXX", cmd[512], *pem = NULL;
    size_t pl;
    int fd;

    (void)state;
    assert_int_equal(ferry_identity_generate("cli check", &id), FERRY_OK);
    assert_int_equal(ferry_identity_cert_pem(id, &pem, &pl), FERRY_OK);
    assert_true((fd = mkstemp(path)) >= 0);
    assert_int_equal(write(fd, pem, pl), (ssize_t)pl);
    close(fd);
    snprintf(cmd, sizeof(cmd),
             "openssl x509 -in %s -noout -text | grep -q 'Digital Signature' && "
             "openssl x509 -in %s -noout -text | grep -q 'Subject Key Identifier' && "
             "openssl x509 -in %s -noout -text | grep -q 'prime256v1' && "
             "openssl x509 -in %s -noout -subject | grep -q 'CN *= *cli check'",
             path, path, path, path);
    assert_int_equal(system(cmd), 0);
    unlink(path);
    free(pem);
    ferry_identity_free(id);
}

/* A peer's certificate whose CN carries a terminal escape: the name is defanged. */
static void test_peer_name_sanitised(void **state)
{
    struct ferry_identity *id = NULL, *peer = NULL;
    X509 *x;
    X509_NAME *n = X509_NAME_new();
    unsigned char *der = NULL;
    int dl;

    (void)state;
    assert_int_equal(ferry_identity_generate("real", &id), FERRY_OK);
    x = X509_dup(ferry_identity_x509(id));
    assert_true(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
                                           (const unsigned char *)"evil\x1b[2J\x07", -1, -1, 0));
    assert_true(X509_set_subject_name(x, n));
    assert_true(X509_sign(x, ferry_identity_pkey(id), EVP_sha256()) > 0);
    dl = i2d_X509(x, &der);
    assert_true(dl > 0);
    assert_int_equal(ferry_identity_from_cert(der, (size_t)dl, &peer), FERRY_OK);
    assert_string_equal(ferry_identity_name(peer), "evil?[2J?");
    OPENSSL_free(der);
    X509_NAME_free(n);
    X509_free(x);
    ferry_identity_free(peer);
    ferry_identity_free(id);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generate_contents),
        cmocka_unit_test(test_fingerprint_groups),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_cert_round_trips),
        cmocka_unit_test(test_key_round_trip),
        cmocka_unit_test(test_encrypted_key_refused),
        cmocka_unit_test(test_openssl_vectors),
        cmocka_unit_test(test_openssl_reads_cert),
        cmocka_unit_test(test_peer_name_sanitised),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
