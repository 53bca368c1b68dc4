/* kind, side: the one table of payload kinds (every lookup finds the same entry, names and items
 * are each one kind's, the answer files are named as submit always named them) and the sides'
 * names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ferry/kind.h"
#include "ferry/side.h"

static const enum ferry_kind all[] = {FERRY_KIND_RMS, FERRY_KIND_X509};
#define NALL (sizeof(all) / sizeof(all[0]))

/* Every lookup leads back to the same entry; what the ledger and the JSON spell stays. */
static void test_lookups_agree(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < NALL; i++) {
        const struct ferry_kind_info *k = ferry_kind_get(all[i]);
        assert_non_null(k);
        assert_int_equal(k->kind, all[i]);
        assert_ptr_equal(ferry_kind_by_name(k->name), k);
        assert_ptr_equal(ferry_kind_by_item(k->request_item, 0), k);
        assert_ptr_equal(ferry_kind_by_item(k->answer_item, 1), k);
        assert_ptr_equal(ferry_kind_by_protocol(k->protocol), k);
        assert_string_equal(ferry_kind_name(all[i]), k->name);
        assert_non_null(k->answer_name);
        assert_non_null(k->what);
        assert_non_null(k->request_what);
        assert_non_null(k->answer_what);
    }
    /* the names written in ledgers, JSON and manifests of every earlier version */
    assert_int_equal(ferry_kind_by_name("rms")->kind, FERRY_KIND_RMS);
    assert_int_equal(ferry_kind_by_name("x509")->kind, FERRY_KIND_X509);
    assert_int_equal(ferry_kind_by_protocol("est")->kind, FERRY_KIND_X509);
    assert_int_equal(ferry_kind_by_item(FERRY_ITEM_PKCS10, 0)->kind, FERRY_KIND_X509);
    assert_int_equal(ferry_kind_by_item(FERRY_ITEM_RMS_RESPONSE, 1)->kind, FERRY_KIND_RMS);
    assert_string_equal(ferry_kind_get(FERRY_KIND_RMS)->subject_key, "server_name");
    assert_string_equal(ferry_kind_get(FERRY_KIND_X509)->subject_key, "subject");
}

/* Unknown kinds, names and items find nothing (0 is a ledger row without a kind). */
static void test_unknown(void **state)
{
    (void)state;
    assert_null(ferry_kind_get(0));
    assert_null(ferry_kind_get((enum ferry_kind)3));
    assert_null(ferry_kind_name(0));
    assert_null(ferry_kind_by_name(NULL));
    assert_null(ferry_kind_by_name(""));
    assert_null(ferry_kind_by_name("RMS"));
    assert_null(ferry_kind_by_name("x509 "));
    assert_null(ferry_kind_by_protocol("soap"));
    assert_null(ferry_kind_by_protocol(NULL));
    assert_null(ferry_kind_by_item(FERRY_ITEM_IDENTITY, 0));
    assert_null(ferry_kind_by_item(FERRY_ITEM_IDENTITY, 1));
    assert_null(ferry_kind_by_item(FERRY_ITEM_RMS_SERVICE_ANSWER, 1));
    /* a request item is no answer, and the reverse */
    assert_null(ferry_kind_by_item(FERRY_ITEM_RMS_REQUEST, 1));
    assert_null(ferry_kind_by_item(FERRY_ITEM_X509_CHAIN, 0));
}

/* Each item type belongs to one kind only. */
static void test_items_distinct(void **state)
{
    size_t i, j;

    (void)state;
    for (i = 0; i < NALL; i++)
        for (j = 0; j < NALL; j++) {
            const struct ferry_kind_info *a = ferry_kind_get(all[i]), *b = ferry_kind_get(all[j]);
            assert_int_not_equal(a->request_item, b->answer_item);
            if (i != j) {
                assert_int_not_equal(a->request_item, b->request_item);
                assert_int_not_equal(a->answer_item, b->answer_item);
                assert_string_not_equal(a->name, b->name);
            }
        }
}

/* The answer files as submit named them before the table. */
static void test_answer_names(void **state)
{
    static const struct {
        enum ferry_kind k;
        const char *req, *want;
    } cases[] = {
        {FERRY_KIND_RMS, "SRV01RenewalRequest.xml", "SRV01SLC.xml"},
        {FERRY_KIND_RMS, "RenewalRequest.xml", "SLC.xml"},
        {FERRY_KIND_RMS, "srv01.xml", "srv01-SLC.xml"},
        {FERRY_KIND_RMS, "request", "SLC.xml"},
        {FERRY_KIND_X509, "app01.csr", "app01.chain.pem"},
        {FERRY_KIND_X509, "app01.v2.req", "app01.v2.chain.pem"},
        {FERRY_KIND_X509, "request", "request.chain.pem"},
        {FERRY_KIND_X509, ".csr", ".csr.chain.pem"},
    };
    char out[64];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ferry_kind_get(cases[i].k)->answer_name(cases[i].req, out, sizeof(out));
        assert_string_equal(out, cases[i].want);
    }
    /* bounded: a name longer than the room is cut, never overrun */
    ferry_kind_get(FERRY_KIND_X509)->answer_name("abcdefghijklmnop.csr", out, 8);
    assert_string_equal(out, "abcdefg");
}

static void test_sides(void **state)
{
    (void)state;
    assert_string_equal(ferry_side_name(FERRY_SIDE_OFFLINE), "offline");
    assert_string_equal(ferry_side_name(FERRY_SIDE_ONLINE), "online");
    assert_null(ferry_side_name(0));
    assert_null(ferry_side_name((enum ferry_side)3));
    assert_int_equal(ferry_side_other(FERRY_SIDE_OFFLINE), FERRY_SIDE_ONLINE);
    assert_int_equal(ferry_side_other(FERRY_SIDE_ONLINE), FERRY_SIDE_OFFLINE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lookups_agree),  cmocka_unit_test(test_unknown),
        cmocka_unit_test(test_items_distinct), cmocka_unit_test(test_answer_names),
        cmocka_unit_test(test_sides),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
