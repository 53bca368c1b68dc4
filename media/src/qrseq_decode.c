/* ferry — QR sequence reassembler: header checks, per-block erasure decode (ISA-L), SHA-256
 * check against the session id, capped inflate. Layout: ferry/qrseq.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <isa-l/erasure_code.h>
#include <zlib.h>

#include "ferry/buf.h"
#include "ferry/crypto.h"
#include "qrseq_int.h"

#define MISSING_LISTED 16   /* data frames named in the "incomplete" message */
#define BAD_KEPT       16   /* bad frames remembered for ferry_qrseq_dec_bad_frames */
#define TRIES_MAX      1024 /* rebuilds tried when the id does not match */
#define LEAVE2_MAX_K   48   /* leave pairs out only in blocks this small (C(48,2) ~ TRIES_MAX) */

struct qrblock {
    uint32_t k;
    uint32_t count;                /* rows stored, <= k + QRSEQ_EXTRA */
    uint8_t seen[32];              /* bitmap of rows 0..254 seen (stored or not) */
    uint8_t rowid[QRSEQ_MAX_CODE]; /* code row of each stored row */
    uint8_t *rows[QRSEQ_MAX_CODE]; /* S bytes each */
};

struct ferry_qrseq_dec {
    char session[QRSEQ_SESSION_LEN + 1];
    int have_session, have_geom, fmt;
    char type;
    struct qrseq_geom g;
    struct qrblock **blocks; /* g.blocks entries, allocated on first frame of each */
    size_t received, foreign, unreadable, duplicates, inconsistent;
    size_t stored;    /* rows stored in all blocks */
    size_t failed_at; /* stored when the last rebuild failed its id (0: none failed) */
    size_t bad[BAD_KEPT], nbad;
};

ferry_err ferry_qrseq_dec_new(const char *session, struct ferry_qrseq_dec **out)
{
    struct ferry_qrseq_dec *d;
    size_t n = session != NULL ? strlen(session) : 0;

    *out = NULL;
    if (session != NULL && n != QRSEQ_SESSION_LEN && n != QRSEQ_SESSION2_LEN)
        return ferry_errf(FERRY_ERR_USAGE, "QR session id \"%.16s\" is not 7 or 8 characters",
                          session);
    if ((d = calloc(1, sizeof(*d))) == NULL)
        return FERRY_ERR_NOMEM;
    if (session != NULL) {
        memcpy(d->session, session, n);
        d->have_session = 1;
    }
    *out = d;
    return FERRY_OK;
}

static int same_header(const struct ferry_qrseq_dec *d, const struct qrseq_frame *f)
{
    return f->fmt == d->fmt && f->type == d->type && f->len == d->g.len && f->s == d->g.s &&
           f->kb == d->g.kb;
}

/* First frame of the session: fixes the geometry. */
static ferry_err adopt(struct ferry_qrseq_dec *d, const struct qrseq_frame *f)
{
    if ((f->fmt == 2 ? qrseq_geom_init2(&d->g, f->len / f->s, f->s)
                     : qrseq_geom_init(&d->g, f->len, f->s, f->kb)) != FERRY_OK)
        return FERRY_ERR_FORMAT; /* parse already checked it */
    d->fmt = f->fmt;
    if ((d->blocks = calloc(d->g.blocks, sizeof(*d->blocks))) == NULL)
        return FERRY_ERR_NOMEM;
    memcpy(d->session, f->session, sizeof(d->session));
    d->type = f->type;
    d->have_session = d->have_geom = 1;
    return FERRY_OK;
}

/* Classifies a parsed frame against the session; 0 if it is ours and consistent. */
static int classify(struct ferry_qrseq_dec *d, const struct qrseq_frame *f,
                    enum ferry_qr_status *st)
{
    if (d->have_session && strcmp(f->session, d->session) != 0) {
        d->foreign++;
        *st = FERRY_QR_FOREIGN;
        return 1;
    }
    if (d->have_geom && !same_header(d, f)) {
        d->inconsistent++;
        *st = FERRY_QR_INCONSISTENT;
        return 1;
    }
    return 0;
}

static ferry_err store(struct ferry_qrseq_dec *d, const struct qrseq_frame *f, uint32_t b,
                       uint32_t row, enum ferry_qr_status *st)
{
    struct qrblock *blk = d->blocks[b];
    uint32_t bytes = f->parity ? d->g.s : qrseq_geom_data_bytes(&d->g, f->num);
    uint8_t *buf = NULL;

    if (blk == NULL) {
        if ((blk = calloc(1, sizeof(*blk))) == NULL)
            return FERRY_ERR_NOMEM;
        blk->k = qrseq_geom_block_k(&d->g, b);
        d->blocks[b] = blk;
    }
    if ((buf = calloc(1, d->g.s)) == NULL)
        return FERRY_ERR_NOMEM;
    if (qrseq_b32_decode(f->data, f->datalen, buf, bytes) != FERRY_OK) {
        free(buf);
        d->unreadable++;
        *st = FERRY_QR_UNREADABLE;
        return FERRY_OK;
    }
    if (blk->seen[row / 8] & (1u << (row % 8))) {
        *st = FERRY_QR_DUPLICATE; /* unless it differs from the copy kept: then one is bad */
        for (uint32_t i = 0; i < blk->count; i++)
            if (blk->rowid[i] == row && memcmp(blk->rows[i], buf, d->g.s) != 0)
                *st = FERRY_QR_INCONSISTENT;
        if (*st == FERRY_QR_DUPLICATE)
            d->duplicates++;
        else
            d->inconsistent++;
        free(buf);
        return FERRY_OK;
    }
    if (blk->count < blk->k + QRSEQ_EXTRA) { /* beyond k: to leave a bad frame out */
        blk->rowid[blk->count] = (uint8_t)row;
        blk->rows[blk->count++] = buf;
        buf = NULL;
        d->stored++;
        if (blk->count <= blk->k)
            d->received++;
    }
    free(buf);
    blk->seen[row / 8] |= (uint8_t)(1u << (row % 8));
    *st = FERRY_QR_NEW;
    return FERRY_OK;
}

ferry_err ferry_qrseq_dec_add(struct ferry_qrseq_dec *d, const char *text, size_t len,
                              enum ferry_qr_status *st)
{
    struct qrseq_frame f;
    uint32_t b, row;
    ferry_err r;

    *st = FERRY_QR_UNREADABLE;
    if (qrseq_frame_parse(text, len, &f) != FERRY_OK) {
        d->unreadable++;
        return FERRY_OK;
    }
    if (classify(d, &f, st))
        return FERRY_OK;
    if (!d->have_geom && (r = adopt(d, &f)) != FERRY_OK)
        return r;
    if (qrseq_geom_locate(&d->g, f.parity, f.num, &b, &row) != FERRY_OK) {
        d->unreadable++;
        return FERRY_OK;
    }
    return store(d, &f, b, row, st);
}

size_t ferry_qrseq_dec_received(const struct ferry_qrseq_dec *d)
{
    return d->received;
}

size_t ferry_qrseq_dec_needed(const struct ferry_qrseq_dec *d)
{
    return d->have_geom ? d->g.kt : 0;
}

size_t ferry_qrseq_dec_foreign(const struct ferry_qrseq_dec *d)
{
    return d->foreign;
}

size_t ferry_qrseq_dec_unreadable(const struct ferry_qrseq_dec *d)
{
    return d->unreadable;
}

size_t ferry_qrseq_dec_duplicates(const struct ferry_qrseq_dec *d)
{
    return d->duplicates;
}

size_t ferry_qrseq_dec_inconsistent(const struct ferry_qrseq_dec *d)
{
    return d->inconsistent;
}

int ferry_qrseq_dec_complete(const struct ferry_qrseq_dec *d)
{
    return d->have_geom && d->received == d->g.kt && d->stored != d->failed_at;
}

size_t ferry_qrseq_dec_bad_frames(const struct ferry_qrseq_dec *d, size_t *out, size_t max)
{
    for (size_t i = 0; i < d->nbad && i < max; i++)
        out[i] = d->bad[i];
    return d->nbad;
}

const char *ferry_qrseq_dec_session(const struct ferry_qrseq_dec *d)
{
    return d->have_geom ? d->session : NULL;
}

static int data_seen(const struct ferry_qrseq_dec *d, uint32_t n)
{
    const struct qrblock *blk = d->blocks[n / d->g.kb];
    uint32_t row = n % d->g.kb;

    /* a complete block misses nothing */
    return blk != NULL && (blk->count >= blk->k || (blk->seen[row / 8] & (1u << (row % 8))));
}

static ferry_err incomplete(const struct ferry_qrseq_dec *d)
{
    struct ferry_buf b;
    size_t listed = 0;
    ferry_err r;

    if (!d->have_geom)
        return ferry_errf(FERRY_ERR_INCOMPLETE, "no ferry QR frame read yet");
    ferry_buf_init(&b, 512);
    for (uint32_t n = 0; n < d->g.kt && listed <= MISSING_LISTED; n++) {
        if (data_seen(d, n))
            continue;
        if (listed++ == MISSING_LISTED)
            (void)ferry_buf_puts(&b, ", ...");
        else
            (void)ferry_buf_printf(&b, "%s%u", listed > 1 ? ", " : "",
                                   n + 1); /* as labelled: 1-based */
    }
    r = ferry_errf(FERRY_ERR_INCOMPLETE,
                   "session %s: %zu of %u frames read; missing data frames "
                   "%s (any of the parity frames can stand in for them)",
                   d->session, d->received, d->g.kt, b.data ? (const char *)b.data : "-");
    ferry_buf_free(&b);
    return r;
}

/* Decoding tables for block @b from the stored rows @sel[0..k-1]: @c gets the inverse-matrix
 * rows of the data rows not among them (listed in @missing). */
static ferry_err invert_block(const struct qrblock *blk, const uint8_t *sel, uint8_t *a, uint8_t *m,
                              uint8_t *inv, uint8_t *c, uint8_t *missing, uint32_t *nmiss)
{
    uint32_t k = blk->k, n = 0;
    uint8_t have[QRSEQ_MAX_CODE] = {0};

    gf_gen_cauchy1_matrix(a, QRSEQ_MAX_CODE, (int)k);
    for (uint32_t i = 0; i < k; i++) {
        uint8_t id = blk->rowid[sel[i]];

        memcpy(m + (size_t)i * k, a + (size_t)id * k, k);
        if (id < k)
            have[id] = 1;
    }
    if (gf_invert_matrix(m, inv, (int)k) != 0)
        return ferry_errf(FERRY_ERR_INTERNAL, "QR erasure decode: singular matrix");
    for (uint32_t r = 0; r < k; r++) {
        if (have[r])
            continue;
        memcpy(c + (size_t)n * k, inv + (size_t)r * k, k);
        missing[n++] = (uint8_t)r;
    }
    *nmiss = n;
    return FERRY_OK;
}

/* Scratch space for rebuilding one block of up to 255 rows. */
struct scratch {
    uint8_t *a, *m, *inv, *c, *tbls, *row;
};

static ferry_err scratch_init(struct scratch *w, uint32_t k, uint32_t s)
{
    memset(w, 0, sizeof(*w));
    w->a = malloc((size_t)QRSEQ_MAX_CODE * k);
    w->m = malloc((size_t)k * k);
    w->inv = malloc((size_t)k * k);
    w->c = malloc((size_t)k * k);
    w->tbls = malloc((size_t)32 * k * k);
    w->row = malloc(s);
    return w->a && w->m && w->inv && w->c && w->tbls && w->row ? FERRY_OK : FERRY_ERR_NOMEM;
}

static void scratch_free(struct scratch *w)
{
    free(w->a);
    free(w->m);
    free(w->inv);
    free(w->c);
    free(w->tbls);
    free(w->row);
}

/* Writes the k data rows of block @b, rebuilt from its stored rows @sel, into @msg. */
static ferry_err rebuild_block(const struct ferry_qrseq_dec *d, uint32_t b, const uint8_t *sel,
                               struct scratch *w, uint8_t *msg)
{
    const struct qrblock *blk = d->blocks[b];
    uint32_t k = blk->k, nmiss = 0;
    uint8_t missing[QRSEQ_MAX_CODE], *src[QRSEQ_MAX_CODE], *dst[QRSEQ_MAX_CODE];
    uint8_t *base = msg + (size_t)b * d->g.kb * d->g.s;
    ferry_err r;

    if ((r = invert_block(blk, sel, w->a, w->m, w->inv, w->c, missing, &nmiss)) != FERRY_OK)
        return r;
    for (uint32_t i = 0; i < k; i++) {
        src[i] = blk->rows[sel[i]];
        if (blk->rowid[sel[i]] < k)
            memcpy(base + (size_t)blk->rowid[sel[i]] * d->g.s, blk->rows[sel[i]], d->g.s);
    }
    for (uint32_t i = 0; i < nmiss; i++)
        dst[i] = base + (size_t)missing[i] * d->g.s;
    if (nmiss > 0) {
        ec_init_tables((int)k, (int)nmiss, w->c, w->tbls);
        ec_encode_data((int)d->g.s, (int)k, (int)nmiss, w->tbls, src, dst);
    }
    return FERRY_OK;
}

/* Frame number as labelled (1-based) of code row @row of block @b. */
static size_t frame_number(const struct ferry_qrseq_dec *d, uint32_t b, uint32_t row)
{
    uint32_t k = qrseq_geom_block_k(&d->g, b);

    if (row < k)
        return (size_t)b * d->g.kb + row + 1;
    return (size_t)d->g.kt + (size_t)(row - k) * d->g.blocks + b + 1;
}

/* Names every stored row of block @b that disagrees with the rebuilt data in @msg. */
static void find_bad(struct ferry_qrseq_dec *d, uint32_t b, struct scratch *w, const uint8_t *msg)
{
    const struct qrblock *blk = d->blocks[b];
    uint32_t k = blk->k;
    const uint8_t *base = msg + (size_t)b * d->g.kb * d->g.s;
    uint8_t *src[QRSEQ_MAX_CODE];

    for (uint32_t i = 0; i < k; i++)
        src[i] = (uint8_t *)(uintptr_t)(base + (size_t)i * d->g.s);
    gf_gen_cauchy1_matrix(w->a, QRSEQ_MAX_CODE, (int)k);
    for (uint32_t i = 0; i < blk->count; i++) {
        uint32_t id = blk->rowid[i];
        const uint8_t *want = src[id < k ? id : 0];

        if (id >= k) {
            ec_init_tables((int)k, 1, w->a + (size_t)id * k, w->tbls);
            ec_encode_data((int)d->g.s, (int)k, 1, w->tbls, src, &w->row);
            want = w->row;
        }
        if (memcmp(want, blk->rows[i], d->g.s) != 0) {
            if (d->nbad < BAD_KEPT)
                d->bad[d->nbad] = frame_number(d, b, id);
            d->nbad++;
        }
    }
}

static int id_matches(const struct ferry_qrseq_dec *d, const uint8_t *msg)
{
    char sess[QRSEQ_SESSION_LEN + 1];
    size_t n = strlen(d->session);

    qrseq_session_of(msg, d->g.len, n, sess);
    return ferry_ct_eq(sess, d->session, n);
}

/* The first k stored rows of block @blk, leaving out positions @x1 and @x2 (-1: none). */
static int select_rows(const struct qrblock *blk, int x1, int x2, uint8_t *sel)
{
    uint32_t n = 0;

    for (uint32_t i = 0; i < blk->count && n < blk->k; i++)
        if ((int)i != x1 && (int)i != x2)
            sel[n++] = (uint8_t)i;
    return n == blk->k;
}

/*
 * Rebuilds every block from its first k rows; if the id does not match, tries leaving out one
 * row (then two) of a block that has rows to spare, with the other blocks as first rebuilt.
 * 1: @msg holds a message matching the id; 0: none found; -1 with *err on failure.
 */
static int rebuild(struct ferry_qrseq_dec *d, uint8_t *msg, size_t *tries, ferry_err *err)
{
    uint8_t sel[QRSEQ_MAX_CODE];
    struct scratch w;
    int found = 0;

    *tries = 0;
    if ((*err = scratch_init(&w, d->g.kb, d->g.s)) != FERRY_OK)
        goto out;
    for (uint32_t b = 0; b < d->g.blocks; b++) {
        (void)select_rows(d->blocks[b], -1, -1, sel);
        if ((*err = rebuild_block(d, b, sel, &w, msg)) != FERRY_OK)
            goto out;
    }
    found = id_matches(d, msg);
    for (int leave = 1; leave <= 2 && !found; leave++) {
        for (uint32_t b = 0; b < d->g.blocks && !found; b++) {
            const struct qrblock *blk = d->blocks[b];

            if (blk->count < blk->k + (uint32_t)leave || (leave == 2 && blk->k > LEAVE2_MAX_K))
                continue; /* pairs only for small blocks: bounded work on hostile input */
            for (int x1 = 0; x1 < (int)blk->k && !found && *tries < TRIES_MAX; x1++) {
                for (int x2 = leave == 2 ? x1 + 1 : -1;
                     x2 < (leave == 2 ? (int)blk->k : 0) && !found && *tries < TRIES_MAX; x2++) {
                    (void)select_rows(blk, x1, x2, sel);
                    (*tries)++;
                    if ((*err = rebuild_block(d, b, sel, &w, msg)) != FERRY_OK)
                        goto out;
                    found = id_matches(d, msg);
                }
            }
            if (!found) { /* back to the first rebuild of this block */
                (void)select_rows(blk, -1, -1, sel);
                if ((*err = rebuild_block(d, b, sel, &w, msg)) != FERRY_OK)
                    goto out;
            }
        }
    }
    d->nbad = 0;
    for (uint32_t b = 0; b < d->g.blocks && found; b++)
        find_bad(d, b, &w, msg);
out:
    scratch_free(&w);
    return *err != FERRY_OK ? -1 : found;
}

/* Inflates the zlib stream at @msg; version 2 pads the stream with zeros to whole frames. */
static ferry_err inflate_capped(const uint8_t *msg, size_t len, int padded, uint8_t **out,
                                size_t *outlen)
{
    struct ferry_buf b;
    z_stream z;
    uint8_t chunk[16384];
    int zr = Z_OK;
    ferry_err r = FERRY_ERR_FORMAT;

    memset(&z, 0, sizeof(z));
    ferry_buf_init(&b, FERRY_QR_MAX_MESSAGE);
    if (inflateInit(&z) != Z_OK)
        return FERRY_ERR_NOMEM;
    z.next_in = (Bytef *)(uintptr_t)msg;
    z.avail_in = (uInt)len;
    while (zr == Z_OK) {
        z.next_out = chunk;
        z.avail_out = sizeof(chunk);
        zr = inflate(&z, Z_NO_FLUSH);
        if ((zr == Z_OK || zr == Z_STREAM_END) &&
            (r = ferry_buf_append(&b, chunk, sizeof(chunk) - z.avail_out)) != FERRY_OK)
            goto out;
    }
    if (zr != Z_STREAM_END || (z.avail_in != 0 && !padded)) {
        r = FERRY_ERR_FORMAT;
        goto out;
    }
    for (uInt i = 0; i < z.avail_in; i++)
        if (z.next_in[i] != 0) {
            r = FERRY_ERR_FORMAT;
            goto out;
        }
    *out = ferry_buf_steal(&b, outlen);
    r = *out != NULL ? FERRY_OK : FERRY_ERR_NOMEM;
out:
    inflateEnd(&z);
    ferry_buf_free(&b);
    return r;
}

ferry_err ferry_qrseq_dec_result(struct ferry_qrseq_dec *d, uint8_t **pkg, size_t *len)
{
    uint8_t *msg = NULL;
    size_t tries = 0;
    ferry_err r = FERRY_ERR_INTERNAL;
    int found;

    *pkg = NULL;
    *len = 0;
    if (!d->have_geom || d->received < d->g.kt)
        return incomplete(d);
    if ((msg = calloc(d->g.kt, d->g.s)) == NULL)
        return FERRY_ERR_NOMEM;
    if ((found = rebuild(d, msg, &tries, &r)) < 0)
        goto out;
    if (!found) {
        d->failed_at = d->stored;
        r = ferry_errf(FERRY_ERR_SIG_INVALID,
                       "session %s: rebuilt data does not match its id (a frame was altered, "
                       "forged or mixed from another transfer; %zu frames read, %zu other "
                       "combinations tried): read more of its frames so ferry can leave the bad "
                       "one out",
                       d->session, d->stored, tries);
        goto out;
    }
    r = inflate_capped(msg, d->g.len, d->fmt == 2, pkg, len);
    if (r == FERRY_ERR_FORMAT)
        r = ferry_errf(FERRY_ERR_FORMAT, "session %s: rebuilt data is not a zlib stream",
                       d->session);
    else if (r == FERRY_ERR_TOO_LARGE)
        r = ferry_errf(FERRY_ERR_TOO_LARGE, "session %s: package inflates beyond %u bytes",
                       d->session, FERRY_QR_MAX_MESSAGE);
out:
    free(msg);
    return r;
}

void ferry_qrseq_dec_free(struct ferry_qrseq_dec *d)
{
    if (d == NULL)
        return;
    if (d->blocks != NULL) {
        for (uint32_t b = 0; b < d->g.blocks; b++) {
            if (d->blocks[b] == NULL)
                continue;
            for (uint32_t i = 0; i < d->blocks[b]->count; i++)
                free(d->blocks[b]->rows[i]);
            free(d->blocks[b]);
        }
    }
    free(d->blocks);
    free(d);
}
