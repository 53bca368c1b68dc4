/* Tests for common/src/xrml.c: the real signed XrML examples of MS-RMPR 4.5
 * (tests/vectors/rms/spec, copied unchanged from the specification) and the spec-built chains
 * of tests/vectors/rms (mkvectors.sh). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ferry/b64.h"
#include "ferry/hex.h"
#include "ferry/file.h"
#include "ferry/xrml.h"

static const char *const INTACT[] = {
    "ms-rmpr-4.5.1-spc-example.xml", "ms-rmpr-4.5.2-rac-example.xml",
    "ms-rmpr-4.5.3-clc-example.xml", "ms-rmpr-4.5.4-publishing-license-example.xml",
    "ms-rmpr-4.5.6-use-license-example.xml"};
#define DAMAGED "ms-rmpr-4.5.7-rights-policy-template-example.xml"

static void load(const char *sub, const char *name, char **buf, size_t *len)
{
    const char *dir = getenv("FERRY_VECTORS");
    char p[1024];
    uint8_t *b = NULL;

    assert_non_null(dir);
    snprintf(p, sizeof(p), "%s/rms/%s%s", dir, sub, name);
    if (ferry_file_read(p, 1u << 20, &b, len) != FERRY_OK)
        fail_msg("cannot read %s", p);
    *buf = (char *)b;
}

static struct ferry_xrml_cert *parse_ok(const char *name, const char *text, size_t len)
{
    struct ferry_xrml_cert *c = NULL;

    if (ferry_xrml_parse(text, len, name, &c) != FERRY_OK)
        fail_msg("%s: %s", name, ferry_err_detail());
    return c;
}

/* Every intact real example verifies: digest recomputed from the BODY, RSA with the issuer key. */
static void test_real_examples_verify(void **state)
{
    size_t i, len;
    char *t;

    (void)state;
    for (i = 0; i < sizeof(INTACT) / sizeof(INTACT[0]); i++) {
        struct ferry_xrml_cert *c;
        load("spec/", INTACT[i], &t, &len);
        c = parse_ok(INTACT[i], t, len);
        assert_int_equal(c->issuer_bits, 1024);
        assert_int_equal(c->digest_len, 20); /* SHA1 */
        if (ferry_xrml_verify(c, INTACT[i]) != FERRY_OK)
            fail_msg("%s: %s", INTACT[i], ferry_err_detail());
        ferry_xrml_free(c);
        free(t);
    }
}

/* The 4.5.7 example is damaged in the published text: reported failing, not accepted. */
static void test_damaged_example_fails(void **state)
{
    struct ferry_xrml_cert *c = NULL;
    size_t len;
    char *t;

    (void)state;
    load("spec/", DAMAGED, &t, &len);
    c = parse_ok(DAMAGED, t, len); /* it reads as XrML; its digest does not match its body */
    assert_int_equal(ferry_xrml_verify(c, DAMAGED), FERRY_ERR_SIG_INVALID);
    assert_non_null(strstr(ferry_err_detail(), "the DIGEST does not match the BODY"));
    ferry_xrml_free(c);
    free(t);
}

/* Offset of the first occurrence of @needle at or after @from. */
static size_t find(const char *t, const char *needle, size_t from)
{
    const char *p = strstr(t + from, needle);

    assert_non_null(p);
    return (size_t)(p - t);
}

/* Flips one base64 character inside the VALUE that follows @marker (after @from). */
static void flip_b64_after(char *t, const char *marker, size_t from)
{
    size_t at = find(t, marker, from);

    at = find(t, ">", at + strlen(marker)) + 5;
    t[at] = t[at] == 'A' ? 'B' : 'A';
}

/* Single-byte changes in the body, the digest, the signature, a key: each one refused. */
static void test_real_example_flips(void **state)
{
    size_t i, len, body, sig;
    char *orig;

    (void)state;
    for (i = 0; i < sizeof(INTACT) / sizeof(INTACT[0]); i++) {
        char *t;
        int k;
        load("spec/", INTACT[i], &orig, &len);
        body = find(orig, "<ISSUEDTIME>", 0);
        sig = find(orig, "<SIGNATURE>", 0);
        for (k = 0; k < 5; k++) {
            struct ferry_xrml_cert *c = NULL;
            ferry_err r;
            t = strndup(orig, len);
            assert_non_null(t);
            if (k == 0)
                t[body + strlen("<ISSUEDTIME>") + 3]++; /* a year digit in the body */
            else if (k == 1)
                flip_b64_after(t, "<DIGEST>", sig); /* the digest value */
            else if (k == 2)
                flip_b64_after(t, "<VALUE encoding=\"base64\" size=\"1024\">",
                               find(t, "</DIGEST>", sig)); /* the signature */
            else if (k == 3)
                flip_b64_after(t, "name=\"modulus\"", find(t, "<ISSUER>", 0)); /* issuer key */
            else
                t[find(t, "<NAME>", body) + 7] ^= 0x20; /* a letter's case in a NAME */
            r = ferry_xrml_parse(t, len, INTACT[i], &c);
            if (r == FERRY_OK)
                r = ferry_xrml_verify(c, INTACT[i]);
            if (r == FERRY_OK)
                fail_msg("%s: change %d accepted", INTACT[i], k);
            ferry_xrml_free(c);
            free(t);
        }
        free(orig);
    }
}

/* The modulus read big-endian: the real examples do not verify (and the key is not 1024 bits). */
static void test_real_example_big_endian_refused(void **state)
{
    struct ferry_xrml_cert *c = NULL;
    uint8_t *mod = NULL;
    size_t len, at, end, mlen, j;
    char *t, *b64 = NULL, *out;

    (void)state;
    load("spec/", INTACT[0], &t, &len);
    at = find(t, "size=\"1024\">", find(t, "name=\"modulus\"", find(t, "<ISSUER>", 0))) + 12;
    end = find(t, "<", at);
    assert_int_equal(ferry_b64_decode(t + at, end - at, 512, &mod, &mlen), FERRY_OK);
    for (j = 0; j < mlen / 2; j++) { /* write the modulus big-endian */
        uint8_t x = mod[j];
        mod[j] = mod[mlen - 1 - j];
        mod[mlen - 1 - j] = x;
    }
    assert_int_equal(ferry_b64_encode(mod, mlen, &b64), FERRY_OK);
    assert_int_equal(strlen(b64), end - at);
    out = strndup(t, len);
    memcpy(out + at, b64, end - at);
    if (ferry_xrml_parse(out, len, "big-endian", &c) == FERRY_OK) {
        assert_int_equal(ferry_xrml_verify(c, "big-endian"), FERRY_ERR_SIG_INVALID);
        ferry_xrml_free(c);
    }
    free(out);
    free(b64);
    free(mod);
    free(t);
}

/* White space between tags does not change the digest (surface coding); inside text it does. */
static void test_surface_coding(void **state)
{
    struct ferry_xrml_cert *a, *b;
    size_t len, i, o = 0;
    char *t, *flat;

    (void)state;
    load("spec/", INTACT[2], &t, &len);
    flat = malloc(len + 1);
    assert_non_null(flat);
    for (i = 0; i < len; i++)
        if (t[i] != '\n')
            flat[o++] = t[i];
    a = parse_ok("as published", t, len);
    b = parse_ok("one line", flat, o);
    assert_memory_equal(a->body_digest, b->body_digest, 20);
    assert_int_equal(ferry_xrml_verify(b, "one line"), FERRY_OK);
    ferry_xrml_free(a);
    ferry_xrml_free(b);
    free(flat);
    free(t);
}

/* A comment holding a second "<BODY" makes the signed text ambiguous: refused. */
static void test_body_in_comment_refused(void **state)
{
    struct ferry_xrml_cert *c = NULL;
    size_t len;
    char *t, *u;

    (void)state;
    load("spec/", INTACT[0], &t, &len);
    u = malloc(len + 64);
    assert_non_null(u);
    snprintf(u, len + 64, "<!-- <BODY> -->%s", t);
    assert_int_equal(ferry_xrml_parse(u, strlen(u), "comment", &c), FERRY_ERR_FORMAT);
    assert_non_null(strstr(ferry_err_detail(), "unambiguously"));
    free(u);
    free(t);
}

static void test_fingerprint_parse(void **state)
{
    uint8_t fp[32], want[32];
    char groups[FERRY_FP_GROUPS_LEN];
    size_t i;

    (void)state;
    for (i = 0; i < 32; i++)
        want[i] = (uint8_t)(i * 7);
    ferry_hex_groups(want, 32, groups);
    assert_int_equal(ferry_xrml_fingerprint_parse(groups, fp), FERRY_OK);
    assert_memory_equal(fp, want, 32);
    assert_int_equal(ferry_xrml_fingerprint_parse("abcd", fp), FERRY_ERR_USAGE);
    groups[3] = 'x';
    assert_int_equal(ferry_xrml_fingerprint_parse(groups, fp), FERRY_ERR_USAGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_examples_verify),
        cmocka_unit_test(test_damaged_example_fails),
        cmocka_unit_test(test_real_example_flips),
        cmocka_unit_test(test_real_example_big_endian_refused),
        cmocka_unit_test(test_surface_coding),
        cmocka_unit_test(test_body_in_comment_refused),
        cmocka_unit_test(test_fingerprint_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
