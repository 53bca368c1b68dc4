/* ferry — QR sequence internals shared by qrseq_frame.c, qrseq_encode.c, qrseq_decode.c and the
 * fuzz targets. The frame layout is documented in ferry/qrseq.h. */
#ifndef FERRY_QRSEQ_INT_H
#define FERRY_QRSEQ_INT_H

#include <stddef.h>
#include <stdint.h>

#include "ferry/err.h"
#include "ferry/qrseq.h"

#define QRSEQ_MAGIC        "FY1" /* magic + format version 1 */
#define QRSEQ_SEP          ':'   /* v1 field separator (alphanumeric set, not in Base32) */
#define QRSEQ_SESSION_LEN  8     /* v1: 40 bits in Base32 (also the session buffer size) */
#define QRSEQ_SESSION2_LEN 7     /* v2: 35 bits in Base32 */
#define QRSEQ_HDR_MAX      38    /* longest v1 header: FY1P + 8 + 5 separators + 8+4+3+6 */
#define QRSEQ_HDR2         12    /* v2 short form: F + 7 + 2 + 2 */
#define QRSEQ_HDR2_LONG    16    /* v2 long form: G + 7 + 4 + 4 */
#define QRSEQ_KMAX2        128   /* v2: data frames per block at most (>= 127 parity each) */
#define QRSEQ_MAX_CODE     255   /* k + p per block (GF(256) Cauchy, ISA-L) */
#define QRSEQ_MAX_S        2700  /* bytes per frame: above v40-L capacity */
#define QRSEQ_EXTRA        32    /* rows kept per block beyond k, to leave bad frames out */

/** One parsed frame header; data points into the text it was parsed from. */
struct qrseq_frame {
    int fmt;                             /* format version: 1 or 2 */
    char type;                           /* content type letter */
    char session[QRSEQ_SESSION_LEN + 1]; /* NUL-terminated */
    uint32_t len;                        /* message length L (v2: Kt * S, padded) */
    uint32_t s;                          /* bytes per frame S */
    uint32_t kb;                         /* data frames per block */
    int parity;                          /* 0: data frame 'D', 1: parity frame 'R' */
    uint32_t num;                        /* data index n < Kt, or parity index m */
    const char *data;                    /* Base32 text, not NUL-terminated */
    size_t datalen;
};

/** Derived geometry of a sequence: every field follows from (L, S, Kb). */
struct qrseq_geom {
    uint32_t len, s, kb;
    uint32_t kt;     /* data frames in all: ceil(L / S) */
    uint32_t blocks; /* ceil(Kt / Kb) */
};

/**
 * Checks (L, S, Kb) before anything is allocated and fills @g. FERRY_ERR_FORMAT when absurd:
 * L == 0 or > FERRY_QR_MAX_MESSAGE, S not a multiple of 5 in [5, QRSEQ_MAX_S], Kb == 0,
 * Kb > 255, Kb > Kt, Kt > FERRY_QR_MAX_FRAMES.
 */
ferry_err qrseq_geom_init(struct qrseq_geom *g, uint32_t len, uint32_t s, uint32_t kb);

/**
 * Version 2 geometry from Kt and S alone: B = ceil(Kt / QRSEQ_KMAX2) blocks of Kb =
 * ceil(Kt / B), L = Kt * S (the message is zero-padded to whole frames). FERRY_ERR_FORMAT when
 * S is not in [1, QRSEQ_MAX_S], Kt == 0, Kt > FERRY_QR_MAX_FRAMES or Kt * S over the maximum.
 */
ferry_err qrseq_geom_init2(struct qrseq_geom *g, uint32_t kt, uint32_t s);

/** Parity frames per block a sequence may carry: 255 - Kb. */
uint32_t qrseq_geom_max_parity(const struct qrseq_geom *g);

/** Data frames in block @b. */
uint32_t qrseq_geom_block_k(const struct qrseq_geom *g, uint32_t b);

/** Payload bytes carried by data frame @n (S, or the remainder for the last one). */
uint32_t qrseq_geom_data_bytes(const struct qrseq_geom *g, uint32_t n);

/**
 * Maps a frame to its block and its row in that block's code (data rows 0..k-1, parity rows
 * k..254). FERRY_ERR_FORMAT if the frame cannot belong to this geometry.
 */
ferry_err qrseq_geom_locate(const struct qrseq_geom *g, int parity, uint32_t num, uint32_t *block,
                            uint32_t *row);

/** Parses the header and checks the Base32 data length; never trusts a field. */
ferry_err qrseq_frame_parse(const char *text, size_t len, struct qrseq_frame *f);

/** Characters of RFC 4648 Base32 without padding for @n bytes: ceil(8n / 5). */
size_t qrseq_b32_len(size_t n);

/** Base32 of @n bytes into @out (qrseq_b32_len(n) chars, no NUL, no padding). */
void qrseq_b32_encode(const uint8_t *p, size_t n, char *out);

/**
 * Decodes exactly @n bytes from @len Base32 chars (len must equal qrseq_b32_len(n), unused
 * trailing bits zero). FERRY_ERR_FORMAT otherwise.
 */
ferry_err qrseq_b32_decode(const char *s, size_t len, uint8_t *out, size_t n);

/**
 * Session id text of a message: Base32 of the first 40 bits of its SHA-256, cut to @chars
 * characters (8 for version 1, 7 for version 2).
 */
void qrseq_session_of(const uint8_t *msg, size_t len, size_t chars,
                      char out[QRSEQ_SESSION_LEN + 1]);

/** Base36 (0-9 A-Z) of @v in exactly @w characters, most significant first; no NUL. */
void qrseq_b36_put(uint32_t v, int w, char *out);

#endif
