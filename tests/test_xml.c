/* xml: the hardened parser every XML input goes through. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ferry/buf.h"
#include "ferry/xml.h"

static ferry_err parse(const char *s)
{
    xmlDocPtr doc = NULL;
    ferry_err r = ferry_xml_parse((const uint8_t *)s, strlen(s), "test", &doc);

    xmlFreeDoc(doc);
    return r;
}

static void test_table(void **state)
{
    static const struct {
        const char *xml;
        ferry_err want;
    } cases[] = {
        {"<a xmlns='urn:x'><b>t</b></a>", FERRY_OK},
        {"\xEF\xBB\xBF<a/>", FERRY_OK},
        {"<a><b></a>", FERRY_ERR_FORMAT},
        {"", FERRY_ERR_FORMAT},
        {"not xml at all", FERRY_ERR_FORMAT},
        {"<!DOCTYPE a [<!ENTITY x 'y'>]><a>&x;</a>", FERRY_ERR_FORMAT},
        {"<!DOCTYPE a SYSTEM 'http://127.0.0.1:1/x.dtd'><a/>", FERRY_ERR_FORMAT},
        {"<?xml version='1.0'?><!DOCTYPE lolz [<!ENTITY lol 'lol'><!ENTITY lol2 "
         "'&lol;&lol;&lol;'>]><lolz>&lol2;</lolz>",
         FERRY_ERR_FORMAT},
        {"<a>&undefined;</a>", FERRY_ERR_FORMAT},
        {"<a>\xff\xfe</a>", FERRY_ERR_FORMAT}, /* invalid UTF-8 */
        {"<a/><b/>", FERRY_ERR_FORMAT},
        {"<a>\xC0\xAF</a>", FERRY_ERR_FORMAT},                       /* overlong '/' */
        {"<a>\xED\xA0\x80</a>", FERRY_ERR_FORMAT},                   /* a surrogate */
        {"<a>\xC3\xA9 \xE6\x9D\xB1 \xF0\x9F\x98\x80</a>", FERRY_OK}, /* 2, 3, 4 bytes */
        {"\xEF\xBB\xBF\xEF\xBB\xBF<a/>", FERRY_ERR_FORMAT},          /* a second BOM */
        {"<?xml version='1.0'?>\xEF\xBB\xBF<a/>", FERRY_ERR_FORMAT},
        {"<a>x\xEF\xBB\xBFy</a>", FERRY_ERR_FORMAT},        /* U+FEFF inside text */
        {"\xFF\xFE<\x00a\x00/\x00>\x00", FERRY_ERR_FORMAT}, /* UTF-16LE (strlen: "\xFF\xFE<") */
        {"<?xml version='1.0' encoding='iso-8859-1'?><a/>", FERRY_ERR_FORMAT},
        {"\r\n <a/>", FERRY_OK},
        {"x<a/>", FERRY_ERR_FORMAT},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ferry_err r = parse(cases[i].xml);
        if (r != cases[i].want)
            fail_msg("case %zu: got %d, want %d (%s)", i, r, cases[i].want, cases[i].xml);
    }
}

static void test_depth_and_size(void **state)
{
    struct ferry_buf b;
    int i;
    uint8_t *big;
    xmlDocPtr doc;

    (void)state;
    ferry_buf_init(&b, 1u << 20);
    for (i = 0; i < 100000; i++)
        ferry_buf_puts(&b, "<d>");
    assert_int_equal(parse((char *)b.data), FERRY_ERR_FORMAT);
    assert_non_null(strstr(ferry_err_detail(), "test: XML nested too deep"));
    assert_null(strstr(ferry_err_detail(), "XML_PARSE_HUGE"));
    ferry_buf_free(&b);
    ferry_buf_init(&b, 1u << 20);
    for (i = 0; i < FERRY_XML_MAX_DEPTH + 1; i++)
        ferry_buf_puts(&b, "<d>");
    for (i = 0; i < FERRY_XML_MAX_DEPTH + 1; i++)
        ferry_buf_puts(&b, "</d>");
    assert_int_equal(parse((char *)b.data), FERRY_ERR_FORMAT);
    ferry_buf_free(&b);
    ferry_buf_init(&b, 1u << 20); /* an attribute at the cap, then one byte over it */
    ferry_buf_puts(&b, "<a v=\"");
    for (i = 0; i < (int)FERRY_XML_MAX_ATTR; i++)
        ferry_buf_puts(&b, "A");
    ferry_buf_puts(&b, "\"/>");
    assert_int_equal(parse((char *)b.data), FERRY_OK);
    b.len -= 3;
    ferry_buf_puts(&b, "A\"/>");
    assert_int_equal(parse((char *)b.data), FERRY_ERR_TOO_LARGE);
    assert_non_null(strstr(ferry_err_detail(), "an attribute of <a> is longer than"));
    ferry_buf_free(&b);
    big = calloc(1, FERRY_XML_MAX_BYTES + 1);
    assert_int_equal(ferry_xml_parse(big, FERRY_XML_MAX_BYTES + 1, "big", &doc),
                     FERRY_ERR_TOO_LARGE);
    free(big);
}

static void test_helpers(void **state)
{
    const char *s = "<r xmlns='urn:x'><a>1</a><b/><a>2</a><x:a xmlns:x='urn:y'>3</x:a></r>";
    xmlDocPtr doc;
    xmlNodePtr root, a;
    char *t;

    (void)state;
    assert_int_equal(ferry_xml_parse((const uint8_t *)s, strlen(s), "t", &doc), FERRY_OK);
    root = xmlDocGetRootElement(doc);
    a = ferry_xml_child(root, "urn:x", "a");
    t = ferry_xml_text(a);
    assert_string_equal(t, "1");
    free(t);
    a = ferry_xml_next(a, "urn:x", "a");
    t = ferry_xml_text(a);
    assert_string_equal(t, "2");
    free(t);
    assert_null(ferry_xml_next(a, "urn:x", "a"));
    assert_non_null(ferry_xml_child(root, "urn:y", "a"));
    assert_true(ferry_xml_has_bom((const uint8_t *)"\xEF\xBB\xBFx", 4));
    xmlFreeDoc(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_depth_and_size),
        cmocka_unit_test(test_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
