/* ferry — QR sequence encoder: zlib, Base32 frames, Cauchy Reed-Solomon parity (ISA-L), and the
 * display schedule. Layout and block rules: ferry/qrseq.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <isa-l/erasure_code.h>
#include <zlib.h>

#include "ferry/buf.h"
#include "qrseq_int.h"

struct ferry_qrseq {
    char **frames; /* count NUL-terminated texts: data 0..K-1, then parity */
    size_t *order; /* schedule of one loop */
    size_t count;
    struct qrseq_geom g;
    uint32_t parity; /* parity frames per block */
    size_t mlen;     /* zlib message bytes, before padding */
    int width;       /* digits of Kt and the index in the header: 2 ('F') or 4 ('G') */
    char session[QRSEQ_SESSION_LEN + 1];
};

static uint32_t parity_for(uint32_t k, int pct)
{
    uint32_t p = pct == FERRY_QR_PARITY_ALL ? QRSEQ_MAX_CODE
                                            : (uint32_t)(((uint64_t)k * (uint32_t)pct + 99) / 100);

    return p > QRSEQ_MAX_CODE - k ? QRSEQ_MAX_CODE - k : p;
}

static ferry_err compress_pkg(const uint8_t *pkg, size_t len, uint8_t **msg, size_t *mlen)
{
    uLongf n = compressBound((uLong)len);

    *msg = malloc(n);
    if (*msg == NULL)
        return FERRY_ERR_NOMEM;
    if (compress2(*msg, &n, pkg, (uLong)len, 9) != Z_OK)
        return ferry_errf(FERRY_ERR_INTERNAL, "zlib compression of the package failed");
    if (n > FERRY_QR_MAX_MESSAGE)
        return ferry_errf(FERRY_ERR_TOO_LARGE,
                          "package too large for QR frames (%lu bytes "
                          "compressed, at most %u)",
                          (unsigned long)n, FERRY_QR_MAX_MESSAGE);
    *mlen = n;
    return FERRY_OK;
}

/* Parity rows of every block into @par (B * P rows of S bytes, row j of block b at j*B+b). */
static ferry_err make_parity(const struct qrseq_geom *g, uint32_t p, uint8_t *rows, uint8_t *par)
{
    uint8_t *a = NULL, *tbls = NULL, *src[QRSEQ_MAX_CODE], *dst[QRSEQ_MAX_CODE];
    ferry_err r = FERRY_ERR_NOMEM;

    if (p == 0)
        return FERRY_OK;
    a = malloc((size_t)QRSEQ_MAX_CODE * g->kb);
    tbls = malloc((size_t)32 * g->kb * p);
    if (a == NULL || tbls == NULL)
        goto out;
    for (uint32_t b = 0; b < g->blocks; b++) {
        uint32_t k = qrseq_geom_block_k(g, b);

        gf_gen_cauchy1_matrix(a, (int)(k + p), (int)k);
        ec_init_tables((int)k, (int)p, &a[k * k], tbls);
        for (uint32_t i = 0; i < k; i++)
            src[i] = rows + ((size_t)b * g->kb + i) * g->s;
        for (uint32_t j = 0; j < p; j++)
            dst[j] = par + ((size_t)j * g->blocks + b) * g->s;
        ec_encode_data((int)g->s, (int)k, (int)p, tbls, src, dst);
    }
    r = FERRY_OK;
out:
    free(a);
    free(tbls);
    return r;
}

/* Version 2: F<session><Kt><index><Base32> (G: 4-digit Kt and index), see ferry/qrseq.h. */
static ferry_err make_frame(const struct ferry_qrseq *s, size_t i, const uint8_t *row, char **out)
{
    size_t hdr = 1 + QRSEQ_SESSION2_LEN + 2 * (size_t)s->width;
    char *t = malloc(hdr + qrseq_b32_len(s->g.s) + 1);

    if (t == NULL)
        return FERRY_ERR_NOMEM;
    t[0] = s->width == 2 ? 'F' : 'G';
    memcpy(t + 1, s->session, QRSEQ_SESSION2_LEN);
    qrseq_b36_put(s->g.kt, s->width, t + 1 + QRSEQ_SESSION2_LEN);
    qrseq_b36_put((uint32_t)i, s->width, t + 1 + QRSEQ_SESSION2_LEN + s->width);
    qrseq_b32_encode(row, s->g.s, t + hdr);
    t[hdr + qrseq_b32_len(s->g.s)] = '\0';
    *out = t;
    return FERRY_OK;
}

static void make_order(struct ferry_qrseq *s)
{
    size_t o = 0;

    for (uint32_t j = 0; j < s->g.kb; j++)
        for (uint32_t b = 0; b < s->g.blocks; b++)
            if (j < qrseq_geom_block_k(&s->g, b))
                s->order[o++] = (size_t)b * s->g.kb + j;
    for (size_t i = s->g.kt; i < s->count; i++)
        s->order[o++] = i;
}

static ferry_err check_params(size_t len, const struct ferry_qrseq_params *p)
{
    if (p == NULL || ferry_qrseq_frame_bytes(p->version, p->ecc) == 0)
        return ferry_errf(FERRY_ERR_USAGE,
                          "QR version %d-%c cannot carry ferry frames (use "
                          "version 3..40, ECC L, M, Q or H)",
                          p ? p->version : 0, p && p->ecc ? p->ecc : '?');
    if ((p->parity_pct < 0 || p->parity_pct > 300) && p->parity_pct != FERRY_QR_PARITY_ALL)
        return ferry_errf(FERRY_ERR_USAGE, "parity %d %% out of range 0..300", p->parity_pct);
    if (len > FERRY_QR_MAX_MESSAGE)
        return ferry_errf(FERRY_ERR_TOO_LARGE,
                          "package of %zu bytes too large for QR (at most "
                          "%u)",
                          len, FERRY_QR_MAX_MESSAGE);
    return FERRY_OK;
}

/* The short header (2-digit Kt and index, 12 characters) when every index fits 36^2, else the
 * long one (4 digits, 16 characters) with correspondingly fewer payload bytes. */
static ferry_err setup_geometry(struct ferry_qrseq *s, size_t mlen,
                                const struct ferry_qrseq_params *p)
{
    size_t cap = ferry_qrseq_capacity(p->version, p->ecc);

    for (s->width = 2; s->width <= 4; s->width += 2) {
        size_t hdr = 1 + QRSEQ_SESSION2_LEN + 2 * (size_t)s->width;
        uint32_t sz = cap > hdr + 1 ? (uint32_t)((cap - hdr) * 5 / 8) : 0;
        uint32_t kt;

        if (sz == 0 || (kt = (uint32_t)((mlen + sz - 1) / sz)) > FERRY_QR_MAX_FRAMES ||
            qrseq_geom_init2(&s->g, kt, sz) != FERRY_OK)
            goto toolarge;
        s->parity = parity_for(s->g.kb, p->parity_pct);
        s->count = (size_t)kt + (size_t)s->g.blocks * s->parity;
        if (s->count > FERRY_QR_MAX_FRAMES)
            goto toolarge;
        if (s->count <= 36 * 36)
            return FERRY_OK;
    }
    if (s->count <= FERRY_QR_MAX_FRAMES) {
        s->width = 4;
        return FERRY_OK;
    }
toolarge:
    return ferry_errf(FERRY_ERR_TOO_LARGE,
                      "%zu bytes need more than %u QR frames at version "
                      "%d-%c: use a larger version",
                      mlen, FERRY_QR_MAX_FRAMES, p->version, p->ecc);
}

static ferry_err build_frames(struct ferry_qrseq *s, const uint8_t *msg, size_t mlen)
{
    uint8_t *rows = NULL, *par = NULL;
    size_t npar = s->count - s->g.kt;
    ferry_err r = FERRY_ERR_NOMEM;

    rows = calloc(s->g.kt, s->g.s); /* the message zero-padded to Kt whole frames */
    par = npar ? malloc(npar * s->g.s) : NULL;
    s->frames = calloc(s->count, sizeof(*s->frames));
    s->order = calloc(s->count, sizeof(*s->order));
    if (rows == NULL || (npar && par == NULL) || s->frames == NULL || s->order == NULL)
        goto out;
    memcpy(rows, msg, mlen);
    s->mlen = mlen;
    qrseq_session_of(rows, s->g.len, QRSEQ_SESSION2_LEN, s->session);
    if ((r = make_parity(&s->g, s->parity, rows, par)) != FERRY_OK)
        goto out;
    for (size_t i = 0; i < s->count; i++) {
        const uint8_t *row = i < s->g.kt ? rows + i * s->g.s : par + (i - s->g.kt) * s->g.s;

        if ((r = make_frame(s, i, row, &s->frames[i])) != FERRY_OK)
            goto out;
    }
    make_order(s);
    r = FERRY_OK;
out:
    free(rows);
    free(par);
    return r;
}

ferry_err ferry_qrseq_encode(const uint8_t *pkg, size_t len, enum ferry_qr_content type,
                             const struct ferry_qrseq_params *params, struct ferry_qrseq **out)
{
    struct ferry_qrseq *s = NULL;
    uint8_t *msg = NULL;
    size_t mlen = 0;
    ferry_err r = FERRY_ERR_INTERNAL;

    *out = NULL;
    if ((r = check_params(len, params)) != FERRY_OK)
        goto out;
    if (type != FERRY_QR_PACKAGE) {
        r = ferry_errf(FERRY_ERR_USAGE, "unknown QR content type %d", (int)type);
        goto out;
    }
    if ((r = compress_pkg(pkg, len, &msg, &mlen)) != FERRY_OK)
        goto out;
    if ((s = calloc(1, sizeof(*s))) == NULL) {
        r = FERRY_ERR_NOMEM;
        goto out;
    }
    if ((r = setup_geometry(s, mlen, params)) != FERRY_OK ||
        (r = build_frames(s, msg, mlen)) != FERRY_OK)
        goto out;
    *out = s;
    s = NULL; /* transferred */
    r = FERRY_OK;
out:
    free(msg);
    ferry_qrseq_free(s);
    return r;
}

size_t ferry_qrseq_message_bytes(const uint8_t *pkg, size_t len)
{
    uint8_t *msg = NULL;
    size_t mlen = 0;

    if (len > FERRY_QR_MAX_MESSAGE || compress_pkg(pkg, len, &msg, &mlen) != FERRY_OK)
        mlen = 0;
    free(msg);
    return mlen;
}

size_t ferry_qrseq_count(const struct ferry_qrseq *s)
{
    return s->count;
}

size_t ferry_qrseq_k(const struct ferry_qrseq *s)
{
    return s->g.kt;
}

size_t ferry_qrseq_blocks(const struct ferry_qrseq *s)
{
    return s->g.blocks;
}

size_t ferry_qrseq_message_len(const struct ferry_qrseq *s)
{
    return s->mlen;
}

size_t ferry_qrseq_frame_payload(const struct ferry_qrseq *s)
{
    return s->g.s;
}

size_t ferry_qrseq_max_count(const struct ferry_qrseq *s)
{
    return (size_t)s->g.kt + (size_t)s->g.blocks * qrseq_geom_max_parity(&s->g);
}

const char *ferry_qrseq_frame(const struct ferry_qrseq *s, size_t i)
{
    return i < s->count ? s->frames[i] : NULL;
}

const char *ferry_qrseq_session(const struct ferry_qrseq *s)
{
    return s->session;
}

size_t ferry_qrseq_schedule(const struct ferry_qrseq *s, size_t step)
{
    return s->order[step % s->count];
}

void ferry_qrseq_free(struct ferry_qrseq *s)
{
    if (s == NULL)
        return;
    if (s->frames != NULL)
        for (size_t i = 0; i < s->count; i++)
            free(s->frames[i]);
    free(s->frames);
    free(s->order);
    free(s);
}
