/* inbox: one receive path for both sides, on a real USB folder with packages signed by real
 * paired identities — what each side is handed, what is ignored, refused and counted, and the
 * batch verdict. */
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
#include "ferry/inbox.h"
#include "ferry/package.h"
#include "helpers.h"

/* Three machines: the offline one, the online one paired with it, and one paired with neither. */
enum { OFF, ON, STRANGER, NMACHINES };

struct fx {
    char *dir, *stick;
    struct ferry_store *st[NMACHINES];
    struct ferry_identity *id[NMACHINES];
    struct ferry_medium usb;
};

/* What the test side saw, and how it counts each package it is handed. */
struct seen {
    size_t taken, refused, batches, taken_before_batch;
    ferry_err verdict_of_each; /* what it counts for a package handed to it */
    ferry_err refusal;
    char names[4][64];
    char signer[64];
    uint8_t signer_fp[FERRY_SHA256_LEN];
    const char *message;
    size_t nitems;
};

static int setup(void **state)
{
    static const char *const names[NMACHINES] = {"off", "on", "stranger"};
    struct fx *f = calloc(1, sizeof(*f));
    char *home;
    int i;

    assert_non_null(f);
    assert_non_null(f->dir = helpers_tmpdir("inbox"));
    f->stick = ferry_path_join(f->dir, "stick");
    for (i = 0; i < NMACHINES; i++) {
        assert_non_null(home = ferry_path_join(f->dir, names[i]));
        assert_int_equal(
            ferry_store_open(home, i == OFF ? FERRY_SIDE_OFFLINE : FERRY_SIDE_ONLINE, 1, &f->st[i]),
            FERRY_OK);
        assert_int_equal(ferry_store_identity_create(f->st[i], names[i], &f->id[i]), FERRY_OK);
        free(home);
    }
    assert_int_equal(ferry_store_peer_add(f->st[OFF], f->id[ON]), FERRY_OK);
    assert_int_equal(ferry_store_peer_add(f->st[ON], f->id[OFF]), FERRY_OK);
    f->usb.kind = FERRY_MEDIUM_USB;
    f->usb.path = f->stick;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    int i;

    for (i = 0; i < NMACHINES; i++) {
        ferry_identity_free(f->id[i]);
        ferry_store_close(f->st[i]);
    }
    assert_int_equal(helpers_rm_tree(f->dir), 0);
    free(f->dir);
    free(f->stick);
    free(f);
    return 0;
}

/* Writes FERRY/@name: a package @dir, an answer when @response, carrying an identity item when
 * @identity, signed by @by. */
static void put(struct fx *f, const char *name, enum ferry_direction dir, int response,
                int identity, const struct ferry_identity *by)
{
    struct ferry_manifest *m = NULL;
    uint8_t *pkg = NULL;
    size_t len = 0;
    char rel[96], *path;

    snprintf(rel, sizeof(rel), "FERRY/%s", name);
    assert_non_null(path = ferry_path_join(f->stick, rel));
    assert_int_equal(ferry_mkdir_p(path, 0755), FERRY_OK); /* FERRY/ and, below, the name */
    assert_int_equal(rmdir(path), 0);
    assert_int_equal(ferry_manifest_new(dir, &m), FERRY_OK);
    m->is_response = response;
    assert_int_equal(
        ferry_manifest_add_item(m, identity ? "identity.pem" : "payload.xml",
                                identity ? FERRY_ITEM_IDENTITY : FERRY_ITEM_RMS_REQUEST,
                                (const uint8_t *)"<x/>", 4),
        FERRY_OK);
    assert_int_equal(ferry_package_sign(m, by, &pkg, &len), FERRY_OK);
    assert_int_equal(ferry_file_write_atomic(path, pkg, len, 0644), FERRY_OK);
    ferry_manifest_free(m);
    free(pkg);
    free(path);
}

static ferry_err begin(void *ctx, size_t n)
{
    struct seen *s = ctx;

    s->nitems = n;
    return FERRY_OK;
}

static void take(void *ctx, struct ferry_inbox *ib, struct ferry_usb_file *f, ferry_err err,
                 struct ferry_inbox_pkg *p, int *keep)
{
    struct seen *s = ctx;

    (void)keep;
    if (p == NULL) {
        s->refused++;
        s->refusal = err;
        ferry_inbox_count(ib, err, "refused here");
        return;
    }
    assert_non_null(p->m);
    assert_non_null(f->data); /* fetched: the side reads its bytes */
    if (s->taken < 4)
        snprintf(s->names[s->taken], sizeof(s->names[0]), "%s", f->name);
    snprintf(s->signer, sizeof(s->signer), "%s", p->signer_name);
    memcpy(s->signer_fp, p->signer_fp, sizeof(s->signer_fp));
    s->taken++;
    ferry_inbox_count(ib, s->verdict_of_each, s->message);
}

static void batch(void *ctx, struct ferry_inbox *ib)
{
    struct seen *s = ctx;

    (void)ib;
    s->batches++;
    s->taken_before_batch = s->taken;
}

static const struct ferry_inbox_side answers = {
    .direction = FERRY_DIR_TO_OFFLINE, .begin = begin, .take = take, .batch = batch};
static const struct ferry_inbox_side requests = {
    .direction = FERRY_DIR_TO_ONLINE, .begin = begin, .take = take};

/* The side was handed one package, @name, signed by @signer. */
static void took_one(const struct seen *seen, const char *name, const char *signer)
{
    assert_int_equal(seen->taken, 1);
    assert_string_equal(seen->names[0], name);
    assert_string_equal(seen->signer, signer);
}

/* The counters a run left: ignored, done, skipped. */
static void counted(const size_t counts[3], size_t ignored, size_t done, size_t skipped)
{
    assert_int_equal(counts[0], ignored);
    assert_int_equal(counts[1], done);
    assert_int_equal(counts[2], skipped);
}

static ferry_err run(struct ferry_store *s, struct fx *f, const struct ferry_inbox_side *side,
                     struct seen *seen, size_t counts[3])
{
    struct ferry_inbox ib;
    ferry_err r;

    if ((r = ferry_inbox_open(&ib, s, &counts[0], &counts[1], &counts[2])) == FERRY_OK)
        r = ferry_inbox_run(&ib, &f->usb, side, seen);
    ferry_inbox_close(&ib);
    return r;
}

/* The offline side is handed only the answer its paired machine signed; its own request, a
 * package that is not an answer and an identity are ignored; then its batch runs once. */
static void test_answers_only(void **state)
{
    struct fx *f = *state;
    struct seen seen = {.verdict_of_each = FERRY_OK, .message = "imported"};
    size_t counts[3] = {9, 9, 9}; /* ignored, done, skipped: the run sets them */
    uint8_t fp[FERRY_SHA256_LEN];

    put(f, "response-1.ferry", FERRY_DIR_TO_OFFLINE, 1, 0, f->id[ON]);
    put(f, "request-own.ferry", FERRY_DIR_TO_ONLINE, 0, 0, f->id[OFF]);
    put(f, "response-noanswer.ferry", FERRY_DIR_TO_OFFLINE, 0, 0, f->id[ON]);
    put(f, "response-identity.ferry", FERRY_DIR_TO_OFFLINE, 1, 1, f->id[ON]);
    assert_int_equal(run(f->st[OFF], f, &answers, &seen, counts), FERRY_OK);
    assert_int_equal(seen.nitems, 4);
    took_one(&seen, "response-1.ferry", "on");
    ferry_identity_fingerprint(f->id[ON], fp);
    assert_memory_equal(seen.signer_fp, fp, sizeof(fp));
    assert_int_equal(seen.refused, 0);
    assert_int_equal(seen.batches, 1);
    assert_int_equal(seen.taken_before_batch, 1);
    counted(counts, 3, 1, 0);
}

/* The online side, on the same kind of stick, takes the request and ignores the answers; a run
 * that finds only packages handled before says there is nothing new (exit 4). */
static void test_requests_replayed(void **state)
{
    struct fx *f = *state;
    struct seen seen = {.verdict_of_each = FERRY_ERR_REPLAY, .message = "submitted already"};
    size_t counts[3];

    put(f, "request-1.ferry", FERRY_DIR_TO_ONLINE, 0, 0, f->id[OFF]);
    put(f, "response-own.ferry", FERRY_DIR_TO_OFFLINE, 1, 0, f->id[ON]);
    assert_int_equal(run(f->st[ON], f, &requests, &seen, counts), FERRY_ERR_INCOMPLETE);
    assert_string_equal(ferry_err_detail(), "nothing new on the medium: submitted already");
    took_one(&seen, "request-1.ferry", "off");
    assert_int_equal(seen.batches, 0); /* no batch given: none run */
    counted(counts, 1, 0, 1);
}

/* Nothing for this side: "no ... on this medium", with the ignored count and what to do. */
static void test_nothing_for_this_side(void **state)
{
    struct fx *f = *state;
    struct seen seen = {.verdict_of_each = FERRY_OK, .message = "done"};
    size_t counts[3];

    put(f, "response-own.ferry", FERRY_DIR_TO_OFFLINE, 1, 0, f->id[ON]);
    put(f, "response-other.ferry", FERRY_DIR_TO_OFFLINE, 1, 0, f->id[OFF]);
    assert_int_equal(run(f->st[ON], f, &requests, &seen, counts), FERRY_ERR_NOT_FOUND);
    assert_string_equal(ferry_err_detail(),
                        "no request package on this medium (2 other package(s) ignored): export "
                        "one on the offline machine first");
    assert_int_equal(seen.taken + seen.refused, 0);
    assert_int_equal(helpers_rm_tree(f->stick), 0);
    put(f, "request-own.ferry", FERRY_DIR_TO_ONLINE, 0, 0, f->id[OFF]);
    put(f, "response-noanswer.ferry", FERRY_DIR_TO_OFFLINE, 0, 0, f->id[ON]);
    assert_int_equal(run(f->st[OFF], f, &answers, &seen, counts), FERRY_ERR_NOT_FOUND);
    assert_non_null(strstr(ferry_err_detail(), "no answer on this medium (2 package(s) for the "
                                               "other side or identities ignored)"));
}

/* A package from an unpaired machine is refused, handed to the side as such (no package) and
 * counted; the first failure is the verdict, with its message, even when another went through. */
static void test_stranger_refused(void **state)
{
    struct fx *f = *state;
    struct seen seen = {.verdict_of_each = FERRY_OK, .message = "imported"};
    size_t counts[3];
    ferry_err r;

    put(f, "response-0stranger.ferry", FERRY_DIR_TO_OFFLINE, 1, 0, f->id[STRANGER]);
    put(f, "response-1.ferry", FERRY_DIR_TO_OFFLINE, 1, 0, f->id[ON]);
    r = run(f->st[OFF], f, &answers, &seen, counts);
    assert_int_not_equal(r, FERRY_OK);
    assert_int_equal(r, seen.refusal);
    assert_string_equal(ferry_err_detail(), "refused here");
    assert_int_equal(seen.refused, 1);
    assert_int_equal(seen.taken, 1);
    counted(counts, 0, 1, 0);
}

/* Nothing paired yet: the run does not start, and says what to do. */
static void test_unpaired(void **state)
{
    struct fx *f = *state;
    struct ferry_inbox ib;
    size_t counts[3];

    assert_int_equal(ferry_inbox_open(&ib, f->st[STRANGER], &counts[0], &counts[1], &counts[2]),
                     FERRY_ERR_UNTRUSTED);
    assert_non_null(strstr(ferry_err_detail(), "pair --to"));
    ferry_inbox_close(&ib);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_answers_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_requests_replayed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nothing_for_this_side, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stranger_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unpaired, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
