/* ferry — QR sequence reassembler: header checks, per-block erasure decode (ISA-L), SHA-256
 * check against the session id, capped inflate. Layout: ferry/qrseq.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <isa-l/erasure_code.h>
#include <zlib.h>

#include "ferry/buf.h"
#include "ferry/codec.h"
#include "qrseq_int.h"

#define MISSING_LISTED 16 /* data frames named in the "incomplete" message */

struct qrblock {
    uint32_t k;
    uint32_t count;                /* rows stored, <= k */
    uint8_t seen[32];              /* bitmap of rows 0..254 seen (stored or not) */
    uint8_t rowid[QRSEQ_MAX_CODE]; /* code row of each stored row */
    uint8_t *rows[QRSEQ_MAX_CODE]; /* S bytes each */
};

struct ferry_qrdec {
    char session[QRSEQ_SESSION_LEN + 1];
    int have_session, have_geom;
    char type;
    struct qrseq_geom g;
    struct qrblock **blocks; /* g.blocks entries, allocated on first frame of each */
    size_t received, foreign, unreadable, duplicates, inconsistent;
};

ferry_err ferry_qrdec_new(const char *session, struct ferry_qrdec **out)
{
    struct ferry_qrdec *d;

    *out = NULL;
    if (session != NULL && strlen(session) != QRSEQ_SESSION_LEN)
        return ferry_errf(FERRY_ERR_USAGE, "QR session id \"%.16s\" is not 8 characters", session);
    if ((d = calloc(1, sizeof(*d))) == NULL)
        return FERRY_ERR_NOMEM;
    if (session != NULL) {
        memcpy(d->session, session, QRSEQ_SESSION_LEN);
        d->have_session = 1;
    }
    *out = d;
    return FERRY_OK;
}

static int same_header(const struct ferry_qrdec *d, const struct qrseq_frame *f)
{
    return f->type == d->type && f->len == d->g.len && f->s == d->g.s && f->kb == d->g.kb;
}

/* First frame of the session: fixes the geometry. */
static ferry_err adopt(struct ferry_qrdec *d, const struct qrseq_frame *f)
{
    if (qrseq_geom_init(&d->g, f->len, f->s, f->kb) != FERRY_OK)
        return FERRY_ERR_FORMAT; /* parse already checked it */
    if ((d->blocks = calloc(d->g.blocks, sizeof(*d->blocks))) == NULL)
        return FERRY_ERR_NOMEM;
    memcpy(d->session, f->session, sizeof(d->session));
    d->type = f->type;
    d->have_session = d->have_geom = 1;
    return FERRY_OK;
}

/* Classifies a parsed frame against the session; 0 if it is ours and consistent. */
static int classify(struct ferry_qrdec *d, const struct qrseq_frame *f, enum ferry_qr_status *st)
{
    if (d->have_session && memcmp(f->session, d->session, QRSEQ_SESSION_LEN) != 0) {
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

static ferry_err store(struct ferry_qrdec *d, const struct qrseq_frame *f, uint32_t b, uint32_t row,
                       enum ferry_qr_status *st)
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
    if (blk->seen[row / 8] & (1u << (row % 8))) {
        d->duplicates++;
        *st = FERRY_QR_DUPLICATE;
        return FERRY_OK;
    }
    if (blk->count < blk->k) {
        if ((buf = calloc(1, d->g.s)) == NULL)
            return FERRY_ERR_NOMEM;
        if (qrseq_b32_decode(f->data, f->datalen, buf, bytes) != FERRY_OK) {
            free(buf);
            d->unreadable++;
            *st = FERRY_QR_UNREADABLE;
            return FERRY_OK;
        }
        blk->rowid[blk->count] = (uint8_t)row;
        blk->rows[blk->count++] = buf;
        d->received++;
    }
    blk->seen[row / 8] |= (uint8_t)(1u << (row % 8));
    *st = FERRY_QR_NEW;
    return FERRY_OK;
}

ferry_err ferry_qrdec_add(struct ferry_qrdec *d, const char *text, size_t len,
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

size_t ferry_qrdec_received(const struct ferry_qrdec *d)
{
    return d->received;
}

size_t ferry_qrdec_needed(const struct ferry_qrdec *d)
{
    return d->have_geom ? d->g.kt : 0;
}

size_t ferry_qrdec_foreign(const struct ferry_qrdec *d)
{
    return d->foreign;
}

size_t ferry_qrdec_unreadable(const struct ferry_qrdec *d)
{
    return d->unreadable;
}

size_t ferry_qrdec_duplicates(const struct ferry_qrdec *d)
{
    return d->duplicates;
}

size_t ferry_qrdec_inconsistent(const struct ferry_qrdec *d)
{
    return d->inconsistent;
}

int ferry_qrdec_complete(const struct ferry_qrdec *d)
{
    return d->have_geom && d->received == d->g.kt;
}

const char *ferry_qrdec_session(const struct ferry_qrdec *d)
{
    return d->have_geom ? d->session : NULL;
}

static int data_seen(const struct ferry_qrdec *d, uint32_t n)
{
    const struct qrblock *blk = d->blocks[n / d->g.kb];
    uint32_t row = n % d->g.kb;

    /* a complete block misses nothing */
    return blk != NULL && (blk->count == blk->k || (blk->seen[row / 8] & (1u << (row % 8))));
}

static ferry_err incomplete(const struct ferry_qrdec *d)
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

/* Rows of block @blk that are missing data rows, with their inverse-matrix rows in @c. */
static ferry_err invert_block(const struct qrblock *blk, uint8_t *a, uint8_t *m, uint8_t *inv,
                              uint8_t *c, uint8_t *missing, uint32_t *nmiss)
{
    uint32_t k = blk->k, n = 0;
    uint8_t have[QRSEQ_MAX_CODE] = {0};

    gf_gen_cauchy1_matrix(a, QRSEQ_MAX_CODE, (int)k);
    for (uint32_t i = 0; i < k; i++) {
        memcpy(m + (size_t)i * k, a + (size_t)blk->rowid[i] * k, k);
        if (blk->rowid[i] < k)
            have[blk->rowid[i]] = 1;
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

/* Writes the k data rows of block @b into @msg (Kt rows of S bytes). */
static ferry_err rebuild_block(const struct ferry_qrdec *d, uint32_t b, uint8_t *msg)
{
    const struct qrblock *blk = d->blocks[b];
    uint32_t k = blk->k, nmiss = 0;
    uint8_t *a = NULL, *m = NULL, *inv = NULL, *c = NULL, *tbls = NULL;
    uint8_t missing[QRSEQ_MAX_CODE], *src[QRSEQ_MAX_CODE], *dst[QRSEQ_MAX_CODE];
    uint8_t *base = msg + (size_t)b * d->g.kb * d->g.s;
    ferry_err r = FERRY_ERR_NOMEM;

    a = malloc((size_t)QRSEQ_MAX_CODE * k);
    m = malloc((size_t)k * k);
    inv = malloc((size_t)k * k);
    c = malloc((size_t)k * k);
    tbls = malloc((size_t)32 * k * k);
    if (a == NULL || m == NULL || inv == NULL || c == NULL || tbls == NULL)
        goto out;
    if ((r = invert_block(blk, a, m, inv, c, missing, &nmiss)) != FERRY_OK)
        goto out;
    for (uint32_t i = 0; i < k; i++) {
        src[i] = blk->rows[i];
        if (blk->rowid[i] < k)
            memcpy(base + (size_t)blk->rowid[i] * d->g.s, blk->rows[i], d->g.s);
    }
    for (uint32_t i = 0; i < nmiss; i++)
        dst[i] = base + (size_t)missing[i] * d->g.s;
    if (nmiss > 0) {
        ec_init_tables((int)k, (int)nmiss, c, tbls);
        ec_encode_data((int)d->g.s, (int)k, (int)nmiss, tbls, src, dst);
    }
    r = FERRY_OK;
out:
    free(a);
    free(m);
    free(inv);
    free(c);
    free(tbls);
    return r;
}

static ferry_err inflate_capped(const uint8_t *msg, size_t len, uint8_t **out, size_t *outlen)
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
    if (zr != Z_STREAM_END || z.avail_in != 0) {
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

ferry_err ferry_qrdec_result(struct ferry_qrdec *d, uint8_t **pkg, size_t *len)
{
    uint8_t *msg = NULL;
    char sess[QRSEQ_SESSION_LEN + 1];
    ferry_err r = FERRY_ERR_INTERNAL;

    *pkg = NULL;
    *len = 0;
    if (!ferry_qrdec_complete(d))
        return incomplete(d);
    if ((msg = calloc(d->g.kt, d->g.s)) == NULL)
        return FERRY_ERR_NOMEM;
    for (uint32_t b = 0; b < d->g.blocks; b++)
        if ((r = rebuild_block(d, b, msg)) != FERRY_OK)
            goto out;
    qrseq_session_of(msg, d->g.len, sess);
    if (!ferry_ct_eq(sess, d->session, QRSEQ_SESSION_LEN)) {
        r = ferry_errf(FERRY_ERR_SIG_INVALID,
                       "session %s: rebuilt data does not match its id "
                       "(a frame was altered or mixed from another transfer)",
                       d->session);
        goto out;
    }
    r = inflate_capped(msg, d->g.len, pkg, len);
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

void ferry_qrdec_free(struct ferry_qrdec *d)
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
