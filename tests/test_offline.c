/* offline: export then import against answers crafted from the RMS vectors and signed by a real
 * paired online identity — the binding checks a compromised or confused online side would meet. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ferry/file.h"
#include "ferry/offline.h"
#include "ferry/package.h"
#include "ferry/statefile.h"
#include "ferry/usb.h"
#include "helpers.h"

struct fx {
    char dir[64];
    char *off_home, *on_home, *stick, *req;
    struct ferry_store *off, *on;
    struct ferry_identity *on_id;
    struct ferry_export_result ex;
    struct ferry_medium usb;
};

static void copy_file(const char *from, const char *to)
{
    uint8_t *d;
    size_t n;

    assert_int_equal(ferry_file_read(from, 1u << 20, &d, &n), FERRY_OK);
    assert_int_equal(ferry_file_write_atomic(to, d, n, 0644), FERRY_OK);
    free(d);
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct ferry_identity *off_id = NULL;
    char *v;

    setenv("FERRY_NOW", "1795608000", 1); /* 2026-11-25T12:00Z: inside the vectors' validity */
    snprintf(f->dir, sizeof(f->dir), "/tmp/ferry-test-offline-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    f->off_home = ferry_path_join(f->dir, "off");
    f->on_home = ferry_path_join(f->dir, "on");
    f->stick = ferry_path_join(f->dir, "stick");
    f->req = ferry_path_join(f->dir, "SRV01RenewalRequest.xml");
    assert_int_equal(ferry_mkdir_p(f->stick, 0755), FERRY_OK);
    v = helpers_vector_path("rms", "req-plain.xml");
    copy_file(v, f->req);
    free(v);
    assert_int_equal(ferry_store_open(f->off_home, FERRY_SIDE_OFFLINE, 1, &f->off), FERRY_OK);
    assert_int_equal(ferry_store_open(f->on_home, FERRY_SIDE_ONLINE, 1, &f->on), FERRY_OK);
    assert_int_equal(ferry_store_identity_create(f->off, "off", &off_id), FERRY_OK);
    assert_int_equal(ferry_store_identity_create(f->on, "on", &f->on_id), FERRY_OK);
    assert_int_equal(ferry_store_peer_add(f->off, f->on_id), FERRY_OK);
    assert_int_equal(ferry_store_peer_add(f->on, off_id), FERRY_OK);
    ferry_identity_free(off_id);
    f->usb.kind = FERRY_MEDIUM_USB;
    f->usb.path = f->stick;
    assert_int_equal(ferry_offline_export(f->off, f->req, &f->usb, NULL, &f->ex), FERRY_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    ferry_export_result_clear(&f->ex);
    ferry_identity_free(f->on_id);
    ferry_store_close(f->off);
    ferry_store_close(f->on);
    assert_int_equal(helpers_rm_tree(f->dir), 0);
    free(f->off_home);
    free(f->on_home);
    free(f->stick);
    free(f->req);
    free(f);
    return 0;
}

/* Writes an answer package carrying vector @resp, signed by the online identity. */
static const char *raw_item; /* a vector carried as the service's raw answer, or NULL */

static void answer(struct fx *f, const char *resp, const uint8_t *answers_sha)
{
    struct ferry_manifest *m = NULL;
    uint8_t *d, *pkg, id[16];
    size_t n, pl;
    char *v = helpers_vector_path("rms", resp),
         *path = ferry_path_join(f->stick, "FERRY/response-test.ferry");

    assert_int_equal(ferry_hex_decode(f->ex.transfer_id, id, 16), FERRY_OK);
    assert_int_equal(ferry_file_read(v, 1u << 20, &d, &n), FERRY_OK);
    assert_int_equal(ferry_manifest_new(FERRY_DIR_TO_OFFLINE, &m), FERRY_OK);
    m->is_response = 1;
    memcpy(m->answers_id, id, 16);
    memcpy(m->answers_sha256, answers_sha ? answers_sha : f->ex.package_sha256, 32);
    assert_int_equal(ferry_manifest_add_item(m, "SRV01SLC.xml", FERRY_ITEM_RMS_RESPONSE, d, n),
                     FERRY_OK);
    if (raw_item != NULL) {
        char *rv = helpers_vector_path("rms", raw_item);
        uint8_t *rd;
        size_t rn;
        assert_int_equal(ferry_file_read(rv, 1u << 20, &rd, &rn), FERRY_OK);
        assert_int_equal(ferry_manifest_add_item(m, "SRV01EnrollResponse.xml",
                                                 FERRY_ITEM_RMS_SERVICE_ANSWER, rd, rn),
                         FERRY_OK);
        free(rd);
        free(rv);
    }
    assert_int_equal(ferry_package_sign(m, f->on_id, &pkg, &pl), FERRY_OK);
    assert_int_equal(ferry_file_write_atomic(path, pkg, pl, 0644), FERRY_OK);
    ferry_manifest_free(m);
    free(pkg);
    free(d);
    free(v);
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

static void refused(struct fx *f, const char *resp, const uint8_t *answers_sha, ferry_err want,
                    const char *says)
{
    struct ferry_import_result res;
    uint8_t before[32], after[32];
    char *slc = ferry_path_join(f->dir, "SRV01SLC.xml");
    ferry_err r;

    answer(f, resp, answers_sha);
    digest_state(f->off_home, before);
    r = ferry_offline_import(f->off, &f->usb, NULL, 0, &res);
    if (r != want)
        fail_msg("%s: got %d (%s), want %d", resp, r, ferry_err_detail(), want);
    assert_int_equal(res.n, 1);
    if (strstr(res.items[0].message, says) == NULL)
        fail_msg("%s: message '%s' lacks '%s'", resp, res.items[0].message, says);
    ferry_import_result_clear(&res);
    digest_state(f->off_home, after);
    assert_memory_equal(before, after, 32);
    assert_false(ferry_path_exists(slc));
    free(slc);
}

static void test_binding_refusals(void **state)
{
    struct fx *f = *state;
    uint8_t wrong[32] = {1};

    refused(f, "resp-other-key.xml", NULL, FERRY_ERR_MISMATCH, "key");
    refused(f, "resp-other-guid.xml", NULL, FERRY_ERR_MISMATCH, "GUID");
    refused(f, "resp-expired.xml", NULL, FERRY_ERR_EXPIRED, "renewal date");
    refused(f, "resp-not-yet-valid.xml", NULL, FERRY_ERR_EXPIRED, "not valid before");
    refused(f, "resp-tampered.xml", NULL, FERRY_ERR_SIG_INVALID, "certificate 1 (SLC)");
    refused(f, "resp-broken-chain.xml", NULL, FERRY_ERR_SIG_INVALID, "does not link");
    refused(f, "resp-fault.xml", NULL, FERRY_ERR_REJECTED, "");
    refused(f, "resp-valid.xml", wrong, FERRY_ERR_MISMATCH, "SHA-256");
}

static void test_import_once(void **state)
{
    struct fx *f = *state;
    struct ferry_import_result res;
    struct ferry_transfer *t = NULL;
    uint8_t id[16], *slc, *want;
    size_t sl, wl;
    char *v = helpers_vector_path("rms", "resp-document-utf16.xml"),
         *out = ferry_path_join(f->dir, "SRV01SLC.xml");

    answer(f, "resp-valid.xml", NULL);
    assert_int_equal(ferry_offline_import(f->off, &f->usb, NULL, 0, &res), FERRY_OK);
    assert_int_equal(res.imported, 1);
    assert_string_equal(res.items[0].out_path, out);
    ferry_import_result_clear(&res);
    /* the response document (3.6.4.2.1.2, UTF-16LE with BOM) made from the service's answer:
     * byte for byte the one mkvectors.sh (python3) makes from the same four certificates */
    assert_int_equal(ferry_file_read(out, 1u << 20, &slc, &sl), FERRY_OK);
    assert_int_equal(ferry_file_read(v, 1u << 20, &want, &wl), FERRY_OK);
    assert_int_equal(sl, wl);
    assert_memory_equal(slc, want, sl);
    assert_int_equal(ferry_hex_decode(f->ex.transfer_id, id, 16), FERRY_OK);
    assert_int_equal(ferry_store_transfer_get(f->off, id, &t), FERRY_OK);
    assert_int_equal(t->state, FERRY_TS_ANSWERED);
    assert_int_equal((long long)t->new_not_after, 1826704800LL); /* 2027-11-20T10:00Z: RANGETIME */
    assert_int_equal((long long)t->valid_until, 2016093600LL);   /* 2033-11-20T10:00Z */
    ferry_transfer_free(t);
    /* once only */
    assert_int_equal(ferry_offline_import(f->off, &f->usb, NULL, 1, &res), FERRY_ERR_INCOMPLETE);
    ferry_import_result_clear(&res);
    free(slc);
    free(want);
    free(v);
    free(out);
}

/* The package submit makes: the response document and the service's raw answer beside it. The
 * document is written exactly as carried; the raw answer is kept in the state; a raw answer
 * holding other certificates is refused. */
static void test_import_document_and_raw(void **state)
{
    struct fx *f = *state;
    struct ferry_import_result res;
    uint8_t *slc, *want, *kept, id[16];
    size_t sl, wl, kl;
    char *v = helpers_vector_path("rms", "resp-document-utf16.xml"),
         *out = ferry_path_join(f->dir, "SRV01SLC.xml");

    raw_item = "resp-other-guid.xml";
    refused(f, "resp-document-utf16.xml", NULL, FERRY_ERR_MISMATCH,
            "differs from the service's answer");
    raw_item = "resp-valid.xml";
    answer(f, "resp-document-utf16.xml", NULL);
    raw_item = NULL;
    assert_int_equal(ferry_offline_import(f->off, &f->usb, NULL, 0, &res), FERRY_OK);
    ferry_import_result_clear(&res);
    assert_int_equal(ferry_file_read(out, 1u << 20, &slc, &sl), FERRY_OK);
    assert_int_equal(ferry_file_read(v, 1u << 20, &want, &wl), FERRY_OK);
    assert_int_equal(sl, wl);
    assert_memory_equal(slc, want, sl);
    assert_int_equal(ferry_hex_decode(f->ex.transfer_id, id, 16), FERRY_OK);
    assert_int_equal(
        ferry_state_load(f->off_home, "certs", id, ".service-answer.xml", 1u << 20, &kept, &kl),
        FERRY_OK);
    free(v);
    v = helpers_vector_path("rms", "resp-valid.xml");
    free(want);
    assert_int_equal(ferry_file_read(v, 1u << 20, &want, &wl), FERRY_OK);
    assert_int_equal(kl, wl);
    assert_memory_equal(kept, want, kl);
    free(kept);
    free(slc);
    free(want);
    free(v);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_binding_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import_document_and_raw, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
