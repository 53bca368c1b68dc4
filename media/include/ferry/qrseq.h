/* ferry — QR sequences: framing, erasure code, reassembly. Pure: no images here.
 *
 * THE MESSAGE is zlib(package) (RFC 1950, level 9), zero-padded to Kt whole frames of S bytes.
 *
 * FRAME TEXT, format version 2 (QR alphanumeric alphabet only, uppercase; what the encoder
 * writes). Per frame only what a reader cannot learn once: which transfer, how many data
 * frames, which frame. Fixed-width fields, no separators:
 *
 *     F<session><Kt><index><data>          e.g.  FMFRGGZD0E00JBSWY3DPEHPK3PXP...
 *
 *   F        magic and format version 2, short form: Kt and index 2 base36 digits each
 *            (header 12 characters). G: the long form, 4 digits each (16 characters), used
 *            only when a sequence has more than 1,296 frames.
 *   session  the first 35 bits of SHA-256 of the padded message, RFC 4648 Base32: 7 characters
 *   Kt       data frames in all, base36 (0-9 A-Z), >= 1
 *   index    frame index, base36: 0 <= index < Kt a data frame (message bytes index*S ...),
 *            index >= Kt parity frame m = index - Kt
 *   data     RFC 4648 Base32 of the S payload bytes WITHOUT '=' padding: ceil(8S/5) chars,
 *            unused bits zero. S (any size, not only multiples of 5) is learnt from its length.
 * Everything else follows: blocks B = ceil(Kt / 128) of Kb = ceil(Kt / B) data frames, message
 * length Kt*S (the zlib stream ends itself; the padding after it must be zero). The content
 * type (a .ferry package) is implied by the magic. Two transfers mix only if their 35-bit ids,
 * Kt and S all agree; even then the rebuilt message fails the id check.
 *
 * FORMAT VERSION 1 (the first release; still read, no longer written):
 *     FY1P<session 8>:<L>:<S>:<K>:<D|R><n>:<data>   e.g.  FY1PMFRGGZDF:15230:1130:14:D0:JBSW...
 * session = first 40 bits of SHA-256 of the L-byte message in Base32, L message length, S bytes
 * per frame (a multiple of 5), K data frames per block, Dn data frame n / Rm parity frame m.
 *
 * ERASURE CODE. Data frames are grouped in B blocks: block b holds data frames b*Kb ..
 * min((b+1)*Kb, Kt)-1 (the last block may be shorter). Each block is coded on its own with
 * a systematic Cauchy Reed-Solomon code over GF(256) (ISA-L gf_gen_cauchy1_matrix: rows 0..k-1
 * identity, then Cauchy rows; MDS for k + p <= 255), byte position by byte position over the
 * S-byte rows. Parity frame m belongs to block m mod B and is parity row m / B of that block
 * (parity frames interleave the blocks); a block has at most 255 - Kb parity rows. Any k
 * distinct frames of a block rebuild it: with one block (Kt <= 128), frames received until
 * decode == K exactly.
 *
 * BAD FRAMES. A frame with a valid header and wrong data (altered, forged) makes the rebuilt
 * message fail its id. The reassembler keeps up to 32 frames per block beyond k; when the id
 * does not match it leaves out one frame (then, in blocks of at most 48, two) at a time, rebuilds
 * from the others, and names the frames that disagree with the message that matches.
 *
 * RECOVERY WITHOUT FERRY: the data frames alone, in index order, are the Base32 of the padded
 * message, one frame per line; bash, coreutils, grep, awk, python3 or gzip suffice. The commands
 * are in the README ("Recovering a package without ferry") and on the runbook's by-hand page;
 * tests/test_qrseq.c, test_runbook.c, tests/cli/test_roundtrip_qr.sh and test_qr_cli.sh run them.
 * Base36 numbers of equal width compare as strings in awk ("0A" < "1C"): index < Kt keeps the
 * data frames. Each frame is padded and Base32-decoded on its own (S need not be a multiple of
 * 5). The session id is the first 7 characters of `openssl dgst -sha256 -binary msg.z | base32`.
 */
#ifndef FERRY_QRSEQ_H
#define FERRY_QRSEQ_H

#include <stddef.h>
#include <stdint.h>

#include "ferry/err.h"

#define FERRY_QR_MAX_MESSAGE (16u << 20) /* refuse larger lengths before allocating */
#define FERRY_QR_MAX_FRAMES  65535u      /* data + parity frames of one sequence */

enum ferry_qr_content {
    FERRY_QR_PACKAGE = 'P', /* a .ferry package */
};

/* parity_pct: as many distinct parity frames as the code allows (255 - Kb per block) */
#define FERRY_QR_PARITY_ALL 1000

struct ferry_qrseq_params {
    int version;    /* QR version the frames must fit (1..40) */
    char ecc;       /* 'L', 'M', 'Q', 'H' */
    int parity_pct; /* parity frames as a percentage of K (rounded up), 0..300, or _ALL */
};

struct ferry_qrseq; /* an encoded sequence of frame texts */

/** Compresses @pkg and cuts it into frames sized for params->version/ecc plus parity. */
ferry_err ferry_qrseq_encode(const uint8_t *pkg, size_t len, enum ferry_qr_content type,
                             const struct ferry_qrseq_params *params, struct ferry_qrseq **out);
/*
 * Params: parity_pct -> parity frames per block p = min(ceil(k * pct / 100), 255 - k).
 * Errors: FERRY_ERR_USAGE (version/ecc/pct out of range, or version too small to carry one
 * Base32 group), FERRY_ERR_TOO_LARGE (package or message over FERRY_QR_MAX_MESSAGE, or more
 * than FERRY_QR_MAX_FRAMES frames: use a larger version), FERRY_ERR_NOMEM.
 */
/** Bytes of the message (zlib of @pkg) ferry_qrseq_encode would frame; 0 if over the maximum. */
size_t ferry_qrseq_message_bytes(const uint8_t *pkg, size_t len);

size_t ferry_qrseq_count(const struct ferry_qrseq *s); /* all frames, data then parity */
size_t ferry_qrseq_k(const struct ferry_qrseq *s);     /* data frames Kt, all blocks */
const char *ferry_qrseq_frame(const struct ferry_qrseq *s, size_t i); /* borrowed text */
const char *ferry_qrseq_session(const struct ferry_qrseq *s);         /* 7-char session id */
void ferry_qrseq_free(struct ferry_qrseq *s);
size_t ferry_qrseq_blocks(const struct ferry_qrseq *s);        /* B */
size_t ferry_qrseq_message_len(const struct ferry_qrseq *s);   /* zlib bytes, unpadded */
size_t ferry_qrseq_frame_payload(const struct ferry_qrseq *s); /* S */
/** Frames the code allows: Kt + B * (255 - Kb) (what FERRY_QR_PARITY_ALL gives). */
size_t ferry_qrseq_max_count(const struct ferry_qrseq *s);

/**
 * Display order for an animation (screen, HTML): the frame index (0..count-1) to show at step
 * @step (any size_t; the schedule repeats every count steps). One loop shows every data frame
 * (round-robin across blocks, so a burst of lost frames spreads over the blocks), then every
 * parity frame (already interleaved by block). Every frame is shown once per loop; with an MDS
 * code every distinct frame is equally useful, so a receiver starting at step 0 decodes after
 * about K / (1 - loss) shown frames while K + P >= that, and a receiver joining mid-loop
 * needs no particular frame. Animations encode with FERRY_QR_PARITY_ALL: nothing repeats
 * before 255 frames per block have been shown.
 */
size_t ferry_qrseq_schedule(const struct ferry_qrseq *s, size_t step);

/**
 * Alphanumeric characters a QR code of @version (1..40) and @ecc ('L','M','Q','H') holds
 * (ISO/IEC 18004 table 7; checked against libqrencode for all 160 cases). 0 if out of range.
 */
size_t ferry_qrseq_capacity(int version, char ecc);

/**
 * Payload bytes per frame for @version/@ecc: the most bytes whose Base32 text fits beside the
 * 12-character header (version 2, short form). 0 when the version cannot carry one byte.
 * E.g. v25-L: 1150 bytes, v15-M: 367 bytes, v40-L: 2677 bytes (Base32's own limit: 1158 / 375 /
 * 2685).
 */
size_t ferry_qrseq_frame_bytes(int version, char ecc);

enum ferry_qr_status {
    FERRY_QR_NEW = 1,      /* a frame not seen before, of our session */
    FERRY_QR_DUPLICATE,    /* seen already */
    FERRY_QR_FOREIGN,      /* another session: counted and refused */
    FERRY_QR_UNREADABLE,   /* not a ferry frame, or a malformed one */
    FERRY_QR_INCONSISTENT, /* our session id but header disagrees with earlier frames */
};

struct ferry_qrseq_dec; /* reassembler */

/**
 * New reassembler. The first valid frame fixes the session (unless @session is given: 7
 * characters for format version 2, 8 for version 1).
 */
ferry_err ferry_qrseq_dec_new(const char *session, struct ferry_qrseq_dec **out);

/** Feeds one decoded QR text. Never fails on bad input: *st says what it was. */
ferry_err ferry_qrseq_dec_add(struct ferry_qrseq_dec *d, const char *text, size_t len,
                              enum ferry_qr_status *st);

/** Progress: distinct frames received (r) and needed (K; 0 before the first frame). */
size_t ferry_qrseq_dec_received(const struct ferry_qrseq_dec *d);
size_t ferry_qrseq_dec_needed(const struct ferry_qrseq_dec *d);
/** Counters for the progress line. */
size_t ferry_qrseq_dec_foreign(const struct ferry_qrseq_dec *d);
size_t ferry_qrseq_dec_unreadable(const struct ferry_qrseq_dec *d);
size_t ferry_qrseq_dec_duplicates(const struct ferry_qrseq_dec *d); /* frames seen again */
size_t
ferry_qrseq_dec_inconsistent(const struct ferry_qrseq_dec *d); /* our session, other header */
int ferry_qrseq_dec_complete(const struct ferry_qrseq_dec *d);
const char *
ferry_qrseq_dec_session(const struct ferry_qrseq_dec *d); /* NULL before the first frame */

/**
 * Frames (numbered from 1 as labelled: data frame n is n + 1, parity frame m is Kt + m + 1)
 * that disagree with the message ferry_qrseq_dec_result last rebuilt and checked: altered or forged
 * frames it left out. Up to @max into @out; returns how many there are.
 */
size_t ferry_qrseq_dec_bad_frames(const struct ferry_qrseq_dec *d, size_t *out, size_t max);

/** What a reader can tell from one frame text before decoding anything. */
struct ferry_qrseq_info {
    int format;      /* 1 or 2 */
    char session[9]; /* 8 (v1) or 7 (v2) characters */
    char key[48];    /* session and geometry: frames with equal keys belong together */
    size_t frame;    /* number as labelled: data n -> n + 1, parity m -> Kt + m + 1 */
    int parity;      /* 1 for a parity frame */
};

/** Fills @fi from a frame text; FERRY_ERR_FORMAT if it is not a well-formed ferry frame. */
ferry_err ferry_qrseq_frame_info(const char *text, size_t len, struct ferry_qrseq_info *fi);

/**
 * Rebuilds the message: erasure decode, then SHA-256 against the session id, then inflate with
 * a size cap. When the id does not match, other subsets of the frames kept are tried (see BAD
 * FRAMES above); if none matches: FERRY_ERR_SIG_INVALID naming the session, and
 * ferry_qrseq_dec_complete() stays 0 until another distinct frame arrives.
 * FERRY_ERR_INCOMPLETE (with "r of K" and the missing data frames) if not enough frames.
 */
ferry_err ferry_qrseq_dec_result(struct ferry_qrseq_dec *d, uint8_t **pkg, size_t *len);
void ferry_qrseq_dec_free(struct ferry_qrseq_dec *d);

#endif
