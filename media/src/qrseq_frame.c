/* ferry — QR frame text: capacity table, Base32, header layout (see ferry/qrseq.h). */
#include <stdio.h>
#include <string.h>

#include "ferry/crypto.h"
#include "qrseq_int.h"

/* Alphanumeric capacity, ISO/IEC 18004:2015 table 7, per version, ECC L/M/Q/H. */
static const uint16_t qr_an_capacity[40][4] = {
    {25, 20, 16, 10},         {47, 38, 29, 20},         {77, 61, 47, 35},
    {114, 90, 67, 50},        {154, 122, 87, 64},       {195, 154, 108, 84},
    {224, 178, 125, 93},      {279, 221, 157, 122},     {335, 262, 189, 143},
    {395, 311, 221, 174},     {468, 366, 259, 200},     {535, 419, 296, 227},
    {619, 483, 352, 259},     {667, 528, 376, 283},     {758, 600, 426, 321},
    {854, 656, 470, 365},     {938, 734, 531, 408},     {1046, 816, 574, 452},
    {1153, 909, 644, 493},    {1249, 970, 702, 557},    {1352, 1035, 742, 587},
    {1460, 1134, 823, 640},   {1588, 1248, 890, 672},   {1704, 1326, 963, 744},
    {1853, 1451, 1041, 779},  {1990, 1542, 1094, 864},  {2132, 1637, 1172, 910},
    {2223, 1732, 1263, 958},  {2369, 1839, 1322, 1016}, {2520, 1994, 1429, 1080},
    {2677, 2113, 1499, 1150}, {2840, 2238, 1618, 1226}, {3009, 2369, 1700, 1307},
    {3183, 2506, 1787, 1394}, {3351, 2632, 1867, 1431}, {3537, 2780, 1966, 1530},
    {3729, 2894, 2071, 1591}, {3927, 3054, 2181, 1658}, {4087, 3220, 2298, 1774},
    {4296, 3391, 2420, 1852},
};

static const char b32_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

size_t ferry_qrseq_capacity(int version, char ecc)
{
    const char *levels = "LMQH";
    const char *p;

    if (version < 1 || version > 40 || ecc == '\0' || (p = strchr(levels, ecc)) == NULL)
        return 0;
    return qr_an_capacity[version - 1][p - levels];
}

size_t ferry_qrseq_frame_bytes(int version, char ecc)
{
    size_t cap = ferry_qrseq_capacity(version, ecc);

    if (cap < QRSEQ_HDR2 + 2)
        return 0;
    return (cap - QRSEQ_HDR2) * 5 / 8; /* ceil(8 S / 5) <= cap - header */
}

size_t qrseq_b32_len(size_t n)
{
    return (n * 8 + 4) / 5;
}

void qrseq_b32_encode(const uint8_t *p, size_t n, char *out)
{
    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0;

    for (size_t i = 0; i < n; i++) {
        acc = (acc << 8) | p[i];
        bits += 8;
        while (bits >= 5) {
            bits -= 5;
            out[o++] = b32_alphabet[(acc >> bits) & 31];
        }
    }
    if (bits > 0)
        out[o++] = b32_alphabet[(acc << (5 - bits)) & 31];
}

static int b32_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= '2' && c <= '7')
        return c - '2' + 26;
    return -1;
}

ferry_err qrseq_b32_decode(const char *s, size_t len, uint8_t *out, size_t n)
{
    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0;

    if (len != qrseq_b32_len(n))
        return FERRY_ERR_FORMAT;
    for (size_t i = 0; i < len; i++) {
        int v = b32_value(s[i]);

        if (v < 0)
            return FERRY_ERR_FORMAT;
        acc = ((acc << 5) | (uint32_t)v) & 0xfff;
        bits += 5;
        if (bits >= 8) {
            bits -= 8;
            if (o < n)
                out[o] = (uint8_t)(acc >> bits);
            o++;
        }
    }
    if (o != n || (acc & ((1u << bits) - 1)) != 0)
        return FERRY_ERR_FORMAT; /* non-canonical: unused trailing bits set */
    return FERRY_OK;
}

void qrseq_session_of(const uint8_t *msg, size_t len, size_t chars, char out[QRSEQ_SESSION_LEN + 1])
{
    uint8_t md[FERRY_SHA256_LEN];

    ferry_sha256(msg, len, md);
    qrseq_b32_encode(md, 5, out);
    out[chars < QRSEQ_SESSION_LEN ? chars : QRSEQ_SESSION_LEN] = '\0';
}

static const char b36_digits[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

void qrseq_b36_put(uint32_t v, int w, char *out)
{
    for (int i = w - 1; i >= 0; i--) {
        out[i] = b36_digits[v % 36];
        v /= 36;
    }
}

/* Exactly @w base36 digits (0-9 A-Z) at @p; -1 if any is not one. */
static int64_t b36_get(const char *p, int w)
{
    int64_t v = 0;

    for (int i = 0; i < w; i++) {
        const char *d = p[i] ? strchr(b36_digits, p[i]) : NULL;

        if (d == NULL)
            return -1;
        v = v * 36 + (d - b36_digits);
    }
    return v;
}

ferry_err qrseq_geom_init(struct qrseq_geom *g, uint32_t len, uint32_t s, uint32_t kb)
{
    memset(g, 0, sizeof(*g));
    if (len == 0 || len > FERRY_QR_MAX_MESSAGE || s < 5 || s > QRSEQ_MAX_S || s % 5 != 0)
        return FERRY_ERR_FORMAT;
    g->kt = (uint32_t)(((uint64_t)len + s - 1) / s);
    if (kb == 0 || kb > QRSEQ_MAX_CODE || kb > g->kt || g->kt > FERRY_QR_MAX_FRAMES)
        return FERRY_ERR_FORMAT;
    g->len = len;
    g->s = s;
    g->kb = kb;
    g->blocks = (g->kt + kb - 1) / kb;
    return FERRY_OK;
}

ferry_err qrseq_geom_init2(struct qrseq_geom *g, uint32_t kt, uint32_t s)
{
    memset(g, 0, sizeof(*g));
    if (s < 1 || s > QRSEQ_MAX_S || kt == 0 || kt > FERRY_QR_MAX_FRAMES ||
        (uint64_t)kt * s > FERRY_QR_MAX_MESSAGE)
        return FERRY_ERR_FORMAT;
    g->kt = kt;
    g->blocks = (kt + QRSEQ_KMAX2 - 1) / QRSEQ_KMAX2;
    g->kb = (kt + g->blocks - 1) / g->blocks;
    g->s = s;
    g->len = kt * s;
    return FERRY_OK;
}

uint32_t qrseq_geom_max_parity(const struct qrseq_geom *g)
{
    return QRSEQ_MAX_CODE - g->kb;
}

uint32_t qrseq_geom_block_k(const struct qrseq_geom *g, uint32_t b)
{
    uint32_t rest = g->kt - b * g->kb;

    return rest < g->kb ? rest : g->kb;
}

uint32_t qrseq_geom_data_bytes(const struct qrseq_geom *g, uint32_t n)
{
    return n + 1 < g->kt ? g->s : g->len - (g->kt - 1) * g->s;
}

ferry_err qrseq_geom_locate(const struct qrseq_geom *g, int parity, uint32_t num, uint32_t *block,
                            uint32_t *row)
{
    uint32_t j;

    if (!parity) {
        if (num >= g->kt)
            return FERRY_ERR_FORMAT;
        *block = num / g->kb;
        *row = num % g->kb;
        return FERRY_OK;
    }
    /* parity rows per block: at most 255 - kb (the encoder's bound), total frames capped */
    if (num >= FERRY_QR_MAX_FRAMES - g->kt)
        return FERRY_ERR_FORMAT;
    *block = num % g->blocks;
    j = num / g->blocks;
    if (j >= QRSEQ_MAX_CODE - g->kb)
        return FERRY_ERR_FORMAT;
    *row = qrseq_geom_block_k(g, *block) + j;
    return FERRY_OK;
}

/* Parses a decimal field of 1..@maxdig digits without leading zeros, ended by ':'. */
static ferry_err parse_num(const char **p, const char *end, int maxdig, uint32_t *v)
{
    const char *s = *p;
    uint32_t acc = 0;
    int n = 0;

    while (s < end && *s >= '0' && *s <= '9' && n < maxdig) {
        acc = acc * 10 + (uint32_t)(*s - '0');
        s++;
        n++;
    }
    if (n == 0 || (n > 1 && **p == '0') || s >= end || *s != QRSEQ_SEP)
        return FERRY_ERR_FORMAT;
    *v = acc;
    *p = s + 1;
    return FERRY_OK;
}

static ferry_err parse_fields(const char *p, const char *end, struct qrseq_frame *f)
{
    if (p >= end || (*p != 'D' && *p != 'R'))
        return FERRY_ERR_FORMAT;
    f->parity = *p++ == 'R';
    if (parse_num(&p, end, 5, &f->num) != FERRY_OK)
        return FERRY_ERR_FORMAT;
    f->data = p;
    f->datalen = (size_t)(end - p);
    return FERRY_OK;
}

/* Every data character Base32, and the unused low bits of the last one zero (canonical). */
static ferry_err check_data(const struct qrseq_frame *f, size_t bytes)
{
    size_t unused = f->datalen * 5 - bytes * 8;

    for (size_t i = 0; i < f->datalen; i++)
        if (b32_value(f->data[i]) < 0)
            return FERRY_ERR_FORMAT;
    if (f->datalen > 0 && (b32_value(f->data[f->datalen - 1]) & ((1 << unused) - 1)) != 0)
        return FERRY_ERR_FORMAT;
    return FERRY_OK;
}

/*
 * Version 2: F<session 7><Kt 2><index 2><data> (or G with 4-digit Kt and index). S is the
 * payload length the Base32 data has; the geometry follows from (Kt, S).
 */
static ferry_err parse_v2(const char *text, size_t len, struct qrseq_frame *f)
{
    int w = text[0] == 'F' ? 2 : 4;
    size_t hdr = 1 + QRSEQ_SESSION2_LEN + 2 * (size_t)w, bytes;
    int64_t kt, idx;
    struct qrseq_geom g;
    uint32_t block, row;

    if (len < hdr + 2)
        return FERRY_ERR_FORMAT;
    for (int i = 0; i < QRSEQ_SESSION2_LEN; i++) {
        if (b32_value(text[1 + i]) < 0)
            return FERRY_ERR_FORMAT;
        f->session[i] = text[1 + i];
    }
    kt = b36_get(text + 1 + QRSEQ_SESSION2_LEN, w);
    idx = b36_get(text + 1 + QRSEQ_SESSION2_LEN + w, w);
    f->data = text + hdr;
    f->datalen = len - hdr;
    bytes = f->datalen * 5 / 8;
    if (kt <= 0 || idx < 0 || qrseq_b32_len(bytes) != f->datalen || bytes > QRSEQ_MAX_S ||
        qrseq_geom_init2(&g, (uint32_t)kt, (uint32_t)bytes) != FERRY_OK)
        return FERRY_ERR_FORMAT;
    f->fmt = 2;
    f->type = FERRY_QR_PACKAGE;
    f->len = g.len;
    f->s = g.s;
    f->kb = g.kb;
    f->parity = idx >= kt;
    f->num = (uint32_t)(f->parity ? idx - kt : idx);
    if (idx - kt >= (int64_t)FERRY_QR_MAX_FRAMES ||
        qrseq_geom_locate(&g, f->parity, f->num, &block, &row) != FERRY_OK)
        return FERRY_ERR_FORMAT;
    return check_data(f, bytes);
}

ferry_err qrseq_frame_parse(const char *text, size_t len, struct qrseq_frame *f)
{
    const char *p = text, *end = text + len;
    struct qrseq_geom g;
    uint32_t block, row, bytes;

    memset(f, 0, sizeof(*f));
    if (text != NULL && len > 0 && (text[0] == 'F' || text[0] == 'G') &&
        (len < 3 || memcmp(text, QRSEQ_MAGIC, 3) != 0))
        return parse_v2(text, len, f);
    f->fmt = 1;
    if (text == NULL || len < 4 + QRSEQ_SESSION_LEN || memcmp(p, QRSEQ_MAGIC, 3) != 0)
        return FERRY_ERR_FORMAT;
    f->type = p[3];
    if (f->type != FERRY_QR_PACKAGE)
        return FERRY_ERR_FORMAT;
    p += 4;
    for (int i = 0; i < QRSEQ_SESSION_LEN; i++, p++) {
        if (b32_value(*p) < 0)
            return FERRY_ERR_FORMAT;
        f->session[i] = *p;
    }
    if (p >= end || *p++ != QRSEQ_SEP || parse_num(&p, end, 8, &f->len) != FERRY_OK ||
        parse_num(&p, end, 4, &f->s) != FERRY_OK || parse_num(&p, end, 3, &f->kb) != FERRY_OK ||
        parse_fields(p, end, f) != FERRY_OK)
        return FERRY_ERR_FORMAT;
    if (qrseq_geom_init(&g, f->len, f->s, f->kb) != FERRY_OK ||
        qrseq_geom_locate(&g, f->parity, f->num, &block, &row) != FERRY_OK)
        return FERRY_ERR_FORMAT;
    bytes = f->parity ? g.s : qrseq_geom_data_bytes(&g, f->num);
    if (f->datalen != qrseq_b32_len(bytes))
        return FERRY_ERR_FORMAT;
    return check_data(f, bytes);
}

ferry_err ferry_qrseq_frame_info(const char *text, size_t len, struct ferry_qrseq_info *fi)
{
    struct qrseq_frame f;
    struct qrseq_geom g;

    memset(fi, 0, sizeof(*fi));
    if (qrseq_frame_parse(text, len, &f) != FERRY_OK)
        return FERRY_ERR_FORMAT;
    if (f.fmt == 2)
        (void)qrseq_geom_init2(&g, f.len / f.s, f.s);
    else
        (void)qrseq_geom_init(&g, f.len, f.s, f.kb);
    fi->format = f.fmt;
    memcpy(fi->session, f.session, sizeof(fi->session));
    snprintf(fi->key, sizeof(fi->key), "%s/%d/%u/%u/%u", f.session, f.fmt, f.len, f.s, f.kb);
    fi->parity = f.parity;
    fi->frame = (size_t)f.num + 1 + (f.parity ? g.kt : 0);
    return FERRY_OK;
}
