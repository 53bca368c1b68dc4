/* Tests for the manifest: byte-exact round trips, every refusal the parser documents, the
 * vectors written by mkvectors.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ferry/buf.h"
#include "ferry/file.h"
#include "ferry/manifest.h"
#include "helpers.h"

/* Deterministic bytes (xorshift, seed printed on failure through the name). */
static void fill(uint8_t *p, size_t n, uint32_t seed)
{
    size_t i;

    for (i = 0; i < n; i++) {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        p[i] = (uint8_t)seed;
    }
}

static void assert_same(const struct ferry_manifest *a, const struct ferry_manifest *b)
{
    size_t i;

    assert_int_equal(a->version, b->version);
    assert_int_equal(a->direction, b->direction);
    assert_memory_equal(a->transfer_id, b->transfer_id, FERRY_TRANSFER_ID_LEN);
    assert_int_equal(a->is_response, b->is_response);
    if (a->is_response) {
        assert_memory_equal(a->answers_id, b->answers_id, FERRY_TRANSFER_ID_LEN);
        assert_memory_equal(a->answers_sha256, b->answers_sha256, FERRY_SHA256_LEN);
    }
    assert_int_equal(a->created, b->created);
    assert_memory_equal(a->sender_fp, b->sender_fp, FERRY_SHA256_LEN);
    assert_int_equal(a->nitems, b->nitems);
    for (i = 0; i < a->nitems; i++) {
        assert_string_equal(a->items[i].name, b->items[i].name);
        assert_int_equal(a->items[i].kind, b->items[i].kind);
        assert_int_equal(a->items[i].len, b->items[i].len);
        if (a->items[i].len > 0)
            assert_memory_equal(a->items[i].data, b->items[i].data, a->items[i].len);
        assert_memory_equal(a->items[i].sha256, b->items[i].sha256, FERRY_SHA256_LEN);
    }
    assert_int_equal(a->nprops, b->nprops);
    for (i = 0; i < a->nprops; i++)
        assert_string_equal(ferry_manifest_prop(b, a->props[i].key), a->props[i].value);
}

static struct ferry_manifest *round_trip(const struct ferry_manifest *m)
{
    struct ferry_manifest *back = NULL;
    uint8_t *xml = NULL;
    size_t xl;

    assert_int_equal(ferry_manifest_serialize(m, &xml, &xl), FERRY_OK);
    if (ferry_manifest_parse(xml, xl, &back) != FERRY_OK)
        fail_msg("%s\n%.*s", ferry_err_detail(), (int)(xl > 2000 ? 2000 : xl), xml);
    free(xml);
    assert_same(m, back);
    return back;
}

static void test_round_trip_payloads(void **state)
{
    static const char bom[] = "\xEF\xBB\xBF<?xml version=\"1.0\"?>\n<a/>";
    static const char crlf[] = "first\r\nsecond\r\n\r\nlast\r";
    static const char props[] = "a & b <c> \"d\" 'e'\r\n\ttab ]]> \xE2\x82\xAC";
    uint8_t bin[4099], fp[FERRY_SHA256_LEN];
    struct ferry_manifest *m = NULL, *back;

    (void)state;
    setenv("FERRY_NOW", "1714564800", 1);
    assert_int_equal(ferry_manifest_new(FERRY_DIR_TO_OFFLINE, &m), FERRY_OK);
    unsetenv("FERRY_NOW");
    assert_int_equal(m->created, 1714564800);
    fill(bin, sizeof(bin), 0x5eed);
    fill(fp, sizeof(fp), 42);
    memcpy(m->sender_fp, fp, sizeof(fp));
    m->is_response = 1;
    fill(m->answers_id, FERRY_TRANSFER_ID_LEN, 7);
    fill(m->answers_sha256, FERRY_SHA256_LEN, 8);
    assert_int_equal(
        ferry_manifest_add_item(m, "random.bin", FERRY_ITEM_X509_CHAIN, bin, sizeof(bin)),
        FERRY_OK);
    assert_int_equal(ferry_manifest_add_item(m, "SRV01RenewalRequest.xml", FERRY_ITEM_RMS_REQUEST,
                                             (const uint8_t *)bom, sizeof(bom) - 1),
                     FERRY_OK);
    assert_int_equal(ferry_manifest_add_item(m, "crlf.txt", FERRY_ITEM_PKCS10,
                                             (const uint8_t *)crlf, sizeof(crlf) - 1),
                     FERRY_OK);
    assert_int_equal(ferry_manifest_add_item(m, "empty", FERRY_ITEM_RMS_RESPONSE, NULL, 0),
                     FERRY_OK);
    assert_int_equal(
        ferry_manifest_add_item(m, "N\xC3\xA4me & <x> \"q\".xml", FERRY_ITEM_IDENTITY, bin, 1),
        FERRY_OK);
    assert_int_equal(ferry_manifest_set_prop(m, "server", props), FERRY_OK);
    assert_int_equal(ferry_manifest_set_prop(m, "empty", ""), FERRY_OK);
    assert_int_equal(ferry_manifest_set_prop(m, "guid", "old"), FERRY_OK);
    assert_int_equal(ferry_manifest_set_prop(m, "guid", "{1234}"), FERRY_OK);
    assert_int_equal(m->nprops, 3);
    back = round_trip(m);
    assert_string_equal(ferry_manifest_prop(back, "server"), props);
    assert_string_equal(ferry_manifest_prop(back, "guid"), "{1234}");
    assert_null(ferry_manifest_prop(back, "nothing"));
    assert_string_equal(ferry_manifest_find(back, FERRY_ITEM_RMS_REQUEST)->name,
                        "SRV01RenewalRequest.xml");
    assert_int_equal(ferry_manifest_find(back, FERRY_ITEM_RMS_RESPONSE)->len, 0);
    ferry_manifest_free(back);
    ferry_manifest_free(m);
}

/* The largest item there may be, and then too much in total. */
static void test_sizes(void **state)
{
    struct ferry_manifest *m = NULL, *back;
    uint8_t *big = malloc(FERRY_MAX_ITEM_BYTES + 1), *xml = NULL;
    size_t xl;

    (void)state;
    assert_non_null(big);
    fill(big, FERRY_MAX_ITEM_BYTES + 1, 99);
    assert_int_equal(ferry_manifest_new(FERRY_DIR_TO_ONLINE, &m), FERRY_OK);
    assert_int_equal(
        ferry_manifest_add_item(m, "too-big", FERRY_ITEM_PKCS10, big, FERRY_MAX_ITEM_BYTES + 1),
        FERRY_ERR_TOO_LARGE);
    assert_int_equal(
        ferry_manifest_add_item(m, "max", FERRY_ITEM_PKCS10, big, FERRY_MAX_ITEM_BYTES), FERRY_OK);
    back = round_trip(m);
    ferry_manifest_free(back);
    assert_int_equal(
        ferry_manifest_add_item(m, "max2", FERRY_ITEM_PKCS10, big, FERRY_MAX_ITEM_BYTES), FERRY_OK);
    assert_int_equal(ferry_manifest_serialize(m, &xml, &xl), FERRY_ERR_TOO_LARGE);
    assert_null(xml);
    ferry_manifest_free(m);
    free(big);
}

static void test_add_item_refusals(void **state)
{
    static const struct {
        const char *name;
        int ok;
    } names[] = {
        {"SRV01RenewalRequest.xml", 1},
        {"a", 1},
        {".hidden", 1},
        {"x y (1).xml", 1},
        {"\xC3\xA9t\xC3\xA9.txt", 1},
        {"", 0},
        {".", 0},
        {"..", 0},
        {"../etc/passwd", 0},
        {"a/b", 0},
        {"/abs", 0},
        {"a\\b", 0},
        {"C:x", 0},
        {"a..b", 0},
        {"tab\there", 0},
        {"nl\n", 0},
        {"del\x7f", 0},
        {"bad\xFFutf8", 0},
        {"over\xC0\xAFlong", 0},
    };
    char longname[130];
    struct ferry_manifest *m = NULL;
    uint8_t b = 0;
    size_t i;
    char nm[16];

    (void)state;
    assert_int_equal(ferry_manifest_new(FERRY_DIR_TO_ONLINE, &m), FERRY_OK);
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (ferry_item_name_safe(names[i].name) != names[i].ok)
            fail_msg("name '%s' should be %s", names[i].name, names[i].ok ? "safe" : "unsafe");
        if (!names[i].ok)
            assert_int_equal(ferry_manifest_add_item(m, names[i].name, FERRY_ITEM_PKCS10, &b, 1),
                             FERRY_ERR_FORMAT);
    }
    memset(longname, 'a', sizeof(longname));
    longname[128] = '\0';
    assert_true(ferry_item_name_safe(longname));
    longname[128] = 'a';
    longname[129] = '\0';
    assert_false(ferry_item_name_safe(longname));
    assert_int_equal(ferry_manifest_add_item(m, "k", (enum ferry_item_kind)99, &b, 1),
                     FERRY_ERR_FORMAT);
    for (i = 0; i < FERRY_MAX_ITEMS; i++) {
        snprintf(nm, sizeof(nm), "item%zu", i);
        assert_int_equal(ferry_manifest_add_item(m, nm, FERRY_ITEM_PKCS10, &b, 1), FERRY_OK);
    }
    assert_int_equal(ferry_manifest_add_item(m, "one-more", FERRY_ITEM_PKCS10, &b, 1),
                     FERRY_ERR_TOO_LARGE);
    assert_int_equal(ferry_manifest_add_item(m, "item3", FERRY_ITEM_PKCS10, &b, 1),
                     FERRY_ERR_TOO_LARGE);
    ferry_manifest_free(m);
    m = NULL;
    assert_int_equal(ferry_manifest_new(FERRY_DIR_TO_ONLINE, &m), FERRY_OK);
    assert_int_equal(ferry_manifest_add_item(m, "dup", FERRY_ITEM_PKCS10, &b, 1), FERRY_OK);
    assert_int_equal(ferry_manifest_add_item(m, "dup", FERRY_ITEM_PKCS10, &b, 1), FERRY_ERR_FORMAT);
    assert_int_equal(ferry_manifest_set_prop(m, "Upper", "x"), FERRY_ERR_USAGE);
    assert_int_equal(ferry_manifest_set_prop(m, "", "x"), FERRY_ERR_USAGE);
    assert_int_equal(ferry_manifest_set_prop(m, "ok", "bell\a"), FERRY_ERR_USAGE);
    assert_int_equal(ferry_manifest_set_prop(m, "ok", "bad\xFF"), FERRY_ERR_USAGE);
    ferry_manifest_free(m);
}

/* A valid manifest with one item "a.txt" = "hello" in which @from is replaced by @to. */
#define HELLO_SHA "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
static const char base_xml[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<manifest xmlns=\"urn:ferry:manifest:1\" version=\"1\">\n"
    "<direction>to-online</direction>\n"
    "<transfer-id>00112233445566778899aabbccddeeff</transfer-id>\n"
    "<created>2024-05-01T12:00:00Z</created>\n"
    "<sender>" HELLO_SHA "</sender>\n"
    "<props><prop key=\"server\">SRV01</prop></props>\n"
    "<items><item name=\"a.txt\" kind=\"pkcs10\" size=\"5\" sha256=\"" HELLO_SHA "\">"
    "aGVsbG8=</item></items>\n"
    "</manifest>\n";

static ferry_err parse_variant(const char *from, const char *to)
{
    struct ferry_buf b;
    const char *at = strstr(base_xml, from);
    struct ferry_manifest *m = NULL;
    uint8_t *xml;
    size_t xl;
    ferry_err r;

    if (at == NULL)
        fail_msg("'%s' not in the base manifest", from);
    ferry_buf_init(&b, 1u << 20);
    assert_int_equal(ferry_buf_append(&b, base_xml, (size_t)(at - base_xml)), FERRY_OK);
    assert_int_equal(ferry_buf_puts(&b, to), FERRY_OK);
    assert_int_equal(ferry_buf_puts(&b, at + strlen(from)), FERRY_OK);
    xml = ferry_buf_steal(&b, &xl);
    r = ferry_manifest_parse(xml, xl, &m);
    if (r != FERRY_OK)
        assert_null(m);
    ferry_manifest_free(m);
    free(xml);
    return r;
}

static void test_parse_refusals(void **state)
{
    static const struct {
        const char *from, *to;
        ferry_err want;
        const char *detail; /* in ferry_err_detail(), or NULL */
    } cases[] = {
        {"<direction>", "<direction>", FERRY_OK, NULL},
        {"version=\"1\"", "version=\"2\"", FERRY_ERR_FORMAT, "version '2' is not supported"},
        {" version=\"1\"", "", FERRY_ERR_FORMAT, "version"},
        {"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
         "<?xml version=\"1.0\"?>\n<!DOCTYPE manifest [<!ENTITY e \"x\">]>\n", FERRY_ERR_FORMAT,
         NULL},
        {"SRV01</prop>", "&e;</prop>", FERRY_ERR_FORMAT, NULL},
        {"urn:ferry:manifest:1", "urn:other", FERRY_ERR_FORMAT, "not a ferry manifest"},
        {"to-online", "sideways", FERRY_ERR_FORMAT, "direction"},
        {"<direction>", "<direction>to-offline</direction><direction>", FERRY_ERR_FORMAT, "twice"},
        {"<items>", "<extra/><items>", FERRY_ERR_FORMAT, "unknown element"},
        {"<sender>" HELLO_SHA "</sender>", "", FERRY_ERR_FORMAT, "<sender> is missing"},
        {"00112233445566778899aabbccddeeff", "0011", FERRY_ERR_FORMAT, "transfer-id"},
        {"2024-05-01T12:00:00Z", "yesterday", FERRY_ERR_FORMAT, "created"},
        {"kind=\"pkcs10\"", "kind=\"shellscript\"", FERRY_ERR_FORMAT, "unknown kind"},
        {"name=\"a.txt\"", "name=\"../a.txt\"", FERRY_ERR_FORMAT, "safe file name"},
        {"name=\"a.txt\"", "name=\"a/b\"", FERRY_ERR_FORMAT, "safe file name"},
        {"name=\"a.txt\"", "name=\"a&#1;b\"", FERRY_ERR_FORMAT, NULL},
        {"size=\"5\"", "size=\"4194305\"", FERRY_ERR_TOO_LARGE, "over the"},
        {"size=\"5\"", "size=\"99999999999999999999\"", FERRY_ERR_FORMAT, "size"},
        {"size=\"5\"", "size=\"-5\"", FERRY_ERR_FORMAT, "size"},
        {"size=\"5\"", "size=\"05\"", FERRY_ERR_FORMAT, "size"},
        {"size=\"5\"", "size=\"4\"", FERRY_ERR_FORMAT, "a.txt"},
        {"aGVsbG8=", "aGVsbG9=", FERRY_ERR_FORMAT, "a.txt"}, /* non-canonical base64 */
        {"aGVsbG8=", "aGVsbG!=", FERRY_ERR_FORMAT, "a.txt"},
        {"aGVsbG8=", "aGVsbGE=", FERRY_ERR_SIG_INVALID, "'a.txt'"}, /* "hella" */
        {"aGVsbG8=", "aGV sbG\n8=", FERRY_OK, NULL},                /* white space ignored */
        {"aGVsbG8=", "aGVs<b/>bG8=", FERRY_ERR_FORMAT, "only text"},
        {"sha256=\"2cf", "sha256=\"3cf", FERRY_ERR_SIG_INVALID, "altered"},
        {"sha256=\"2cf", "sha256=\"2c", FERRY_ERR_FORMAT, "sha256"},
        {"</item>",
         "</item><item name=\"a.txt\" kind=\"pkcs10\" size=\"5\" sha256=\"" HELLO_SHA
         "\">aGVsbG8=</item>",
         FERRY_ERR_FORMAT, "two items"},
        {"</item>",
         "</item><item name=\"b.txt\" kind=\"pkcs10\" size=\"5\" sha256=\"" HELLO_SHA
         "\">aGVsbG8=</item>",
         FERRY_ERR_FORMAT, "two pkcs10 items ('a.txt' and 'b.txt')"},
        {"</item>",
         "</item><item name=\"b.txt\" kind=\"rms-request\" size=\"5\" sha256=\"" HELLO_SHA
         "\">aGVsbG8=</item>",
         FERRY_OK, NULL}, /* two kinds: each its own */
        {"2024-05-01T12:00:00Z", "1999-12-31T23:59:59Z", FERRY_ERR_FORMAT,
         "created 1999-12-31T23:59:59Z, before ferry's package format existed"},
        {"2024-05-01T12:00:00Z", "2023-12-31T23:59:59Z", FERRY_ERR_FORMAT, "before"},
        {"2024-05-01T12:00:00Z", "2024-01-01T00:00:00Z", FERRY_OK, NULL},
        {"2024-05-01T12:00:00Z", "2099-01-01T00:00:00Z", FERRY_ERR_FORMAT,
         "more than 7 days ahead of this machine's clock"},
        {"</prop>", "</prop><prop key=\"server\">x</prop>", FERRY_ERR_FORMAT, "twice"},
        {"key=\"server\"", "key=\"Server\"", FERRY_ERR_FORMAT, "property key"},
        {"<items>", "<items>text", FERRY_ERR_FORMAT, "unexpected"},
        {"</manifest>", "</manifest><manifest/>", FERRY_ERR_FORMAT, "well-formed"},
        {"</manifest>", "", FERRY_ERR_FORMAT, "well-formed"},
        {"<?xml", "\xEF\xBB\xBF<?xml", FERRY_ERR_FORMAT, "byte order mark"}, /* none written */
        {"SRV01</prop>",
         "SRV\xEF\xBB\xBF"
         "01</prop>",
         FERRY_ERR_FORMAT, "byte order mark"},
        {"SRV01</prop>",
         "SRV\xFF"
         "01</prop>",
         FERRY_ERR_FORMAT, "not valid UTF-8"},
    };
    size_t i;
    ferry_err r;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ferry_err_clear();
        r = parse_variant(cases[i].from, cases[i].to);
        if (r != cases[i].want)
            fail_msg("case %zu (%s -> %s): %s, want %s (%s)", i, cases[i].from, cases[i].to,
                     ferry_strerror(r), ferry_strerror(cases[i].want), ferry_err_detail());
        if (cases[i].detail != NULL && strstr(ferry_err_detail(), cases[i].detail) == NULL)
            fail_msg("case %zu: detail '%s' lacks '%s'", i, ferry_err_detail(), cases[i].detail);
    }
}

static void test_too_many_items(void **state)
{
    struct ferry_buf b;
    struct ferry_manifest *m = NULL;
    const char *items = strstr(base_xml, "<items>") + 7;
    uint8_t *xml;
    size_t xl, i;

    (void)state;
    ferry_buf_init(&b, 1u << 20);
    assert_int_equal(ferry_buf_append(&b, base_xml, (size_t)(items - base_xml)), FERRY_OK);
    for (i = 0; i <= FERRY_MAX_ITEMS; i++)
        assert_int_equal(ferry_buf_printf(&b,
                                          "<item name=\"i%zu\" kind=\"pkcs10\" size=\"5\" "
                                          "sha256=\"%s\">aGVsbG8=</item>",
                                          i, HELLO_SHA),
                         FERRY_OK);
    assert_int_equal(ferry_buf_puts(&b, "</items></manifest>"), FERRY_OK);
    xml = ferry_buf_steal(&b, &xl);
    assert_int_equal(ferry_manifest_parse(xml, xl, &m), FERRY_ERR_TOO_LARGE);
    assert_null(m);
    free(xml);
}

static void test_vectors(void **state)
{
    static const struct {
        const char *file;
        ferry_err want;
        const char *detail;
    } cases[] = {
        {"package/manifest.xml", FERRY_OK, NULL},
        {"package/manifest-dtd.xml", FERRY_ERR_FORMAT, "DOCTYPE"},
        {"package/manifest-version2.xml", FERRY_ERR_FORMAT, "version '2'"},
        {"package/manifest-baddigest.xml", FERRY_ERR_SIG_INVALID, "notes.txt"},
    };
    struct ferry_manifest *m;
    uint8_t *buf, *want;
    size_t i, len, wl;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        m = NULL;
        buf = helpers_vector_read(NULL, cases[i].file, &len);
        assert_int_equal(ferry_manifest_parse(buf, len, &m), cases[i].want);
        if (cases[i].detail != NULL)
            assert_non_null(strstr(ferry_err_detail(), cases[i].detail));
        if (m != NULL) {
            assert_int_equal(m->nitems, 3);
            want = helpers_vector_read(NULL, "package/payload-bom.bin", &wl);
            assert_int_equal(m->items[0].len, wl);
            assert_memory_equal(m->items[0].data, want, wl);
            free(want);
            assert_string_equal(ferry_manifest_prop(m, "server"), "SRV01 & \"friends\" <test>");
        }
        ferry_manifest_free(m);
        free(buf);
    }
}

static void test_names_and_hex(void **state)
{
    uint8_t id[FERRY_TRANSFER_ID_LEN];
    char hex[33];
    size_t i;

    (void)state;
    assert_string_equal(ferry_item_kind_name(FERRY_ITEM_RMS_REQUEST), "rms-request");
    assert_string_equal(ferry_item_kind_name(FERRY_ITEM_RMS_RESPONSE), "rms-response");
    assert_string_equal(ferry_item_kind_name(FERRY_ITEM_PKCS10), "pkcs10");
    assert_string_equal(ferry_item_kind_name(FERRY_ITEM_X509_CHAIN), "x509-chain");
    assert_string_equal(ferry_item_kind_name(FERRY_ITEM_IDENTITY), "identity");
    assert_null(ferry_item_kind_name((enum ferry_item_kind)0));
    assert_string_equal(ferry_direction_name(FERRY_DIR_TO_ONLINE), "to-online");
    assert_string_equal(ferry_direction_name(FERRY_DIR_TO_OFFLINE), "to-offline");
    for (i = 0; i < sizeof(id); i++)
        id[i] = (uint8_t)(i * 17);
    ferry_transfer_id_hex(id, hex);
    assert_string_equal(hex, "00112233445566778899aabbccddeeff");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_payloads), cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_add_item_refusals),   cmocka_unit_test(test_parse_refusals),
        cmocka_unit_test(test_too_many_items),      cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_names_and_hex),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
