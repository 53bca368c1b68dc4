/* ferry — QR sequences: framing, erasure code, reassembly. Pure: no images here.
 *
 * THE MESSAGE is zlib(package) (RFC 1950, level 9), L bytes, 1 <= L <= FERRY_QR_MAX_MESSAGE.
 * Its session id is the first 40 bits of SHA-256(message) in RFC 4648 Base32: 8 characters.
 *
 * FRAME TEXT (QR alphanumeric alphabet only: 0-9 A-Z space $%*+-./: ; uppercase):
 *
 *     FY1P<session>:<L>:<S>:<K>:<D|R><n>:<data>
 *     e.g.  FY1PMFRGGZDF:15230:1130:14:D0:JBSWY3DPEHPK3PXP...
 *
 *   FY1      magic, format version 1
 *   P        content type (enum ferry_qr_content)
 *   session  8 Base32 chars
 *   L        message length in bytes, decimal, no leading zeros
 *   S        bytes per frame, decimal, a multiple of 5 (so Base32 needs no padding)
 *   K        data frames per block, decimal, 1..255 (== all data frames when there is one block)
 *   Dn       data frame n, 0 <= n < Kt = ceil(L / S): message bytes [n*S, n*S + S) (the last
 *            one carries the remainder)
 *   Rm       parity frame m (0-based), S bytes
 *   data     RFC 4648 Base32 of the payload WITHOUT '=' padding (padding is not in the
 *            alphanumeric alphabet); exactly ceil(8*bytes/5) chars, unused bits zero.
 * The header is at most 38 chars; the data part is everything after the 5th ':'.
 *
 * ERASURE CODE. Data frames are grouped in B = ceil(Kt / K) blocks: block b holds data frames
 * b*K .. min((b+1)*K, Kt)-1 (the last block may be shorter). Each block is coded on its own with
 * a systematic Cauchy Reed-Solomon code over GF(256) (ISA-L gf_gen_cauchy1_matrix: rows 0..k-1
 * identity, then Cauchy rows; MDS for k + p <= 255), byte position by byte position over the
 * S-byte rows (the short last data frame is zero-padded to S). Parity frame Rm belongs to
 * block m mod B and is parity row m / B of that block (parity frames interleave the blocks).
 * Any k distinct frames of a block rebuild it. The encoder keeps ONE block whenever
 * Kt + ceil(Kt * parity_pct / 100) <= 255 (a 20 KB package at v10..v40, parity 50 %), so
 * for one block: frames received until decode == K exactly. Longer messages use blocks of equal
 * size (at most 255 - parity); the progress count then adds min(received, k) per block.
 *
 * RECOVERY WITHOUT FERRY (the data frames alone, in index order, are the Base32 message):
 *   # frames.txt: the scanned frame texts, one per line, any order, duplicates and parity ok
 *   # (e.g. for f in frame-*.png; do zbarimg --nodbus --raw -q "$f"; done > frames.txt)
 *   grep -E '^FY1P[A-Z2-7]{8}(:[0-9]+){3}:D' frames.txt | sort -t: -k5.2n -u \
 *       | sed 's/.*://' | tr -d '\n' > msg.b32
 *   n=$(( (8 - $(wc -c < msg.b32) % 8) % 8 )); printf '%*s' $n '' | tr ' ' '=' >> msg.b32
 *   base32 -d msg.b32 | python3 -c \
 *       'import sys,zlib;sys.stdout.buffer.write(zlib.decompress(sys.stdin.buffer.read()))' \
 *       > package.ferry
 * Without python3, gzip can inflate a zlib stream given a gzip header (it then warns
 * "unexpected end of file" about the missing gzip trailer and exits 1, but writes everything):
 *   base32 -d msg.b32 > msg.z
 *   (printf '\037\213\010\000\000\000\000\000\000\003'; tail -c +3 msg.z) \
 *       | gzip -dc > package.ferry
 * (zlib-flate -uncompress from qpdf, or pigz -dz, work as well.) Check the rebuilt message:
 *   openssl dgst -sha256 -binary msg.z | head -c 5 | base32     # prints the session id
 * then verify the package signature as usual. These recipes are run by tests/test_qrseq.c.
 *
 * zlib rather than gzip framing, as the issue asks: 12 bytes smaller, and python3 (in every
 * Debian install) or the gzip trick above inflate it.
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

struct ferry_qrseq_params {
    int version;    /* QR version the frames must fit (1..40) */
    char ecc;       /* 'L', 'M', 'Q', 'H' */
    int parity_pct; /* parity frames as a percentage of K (rounded up), 0..300 */
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
size_t ferry_qrseq_count(const struct ferry_qrseq *s); /* all frames, data then parity */
size_t ferry_qrseq_k(const struct ferry_qrseq *s);     /* data frames Kt, all blocks */
const char *ferry_qrseq_frame(const struct ferry_qrseq *s, size_t i); /* borrowed text */
const char *ferry_qrseq_session(const struct ferry_qrseq *s);         /* 8-char session id */
void ferry_qrseq_free(struct ferry_qrseq *s);
size_t ferry_qrseq_blocks(const struct ferry_qrseq *s);      /* B */
size_t ferry_qrseq_message_len(const struct ferry_qrseq *s); /* L (compressed) */

/**
 * Display order for an animation (screen, HTML): the frame index (0..count-1) to show at step
 * @step (any size_t; the schedule repeats every count steps). One loop shows every data frame
 * (round-robin across blocks, so a burst of lost frames spreads over the blocks), then every
 * parity frame (already interleaved by block). Every frame is shown once per loop; with an MDS
 * code every distinct frame is equally useful, so a receiver starting at step 0 decodes after
 * about K / (1 - loss) shown frames while K + P >= that, and a receiver joining mid-loop
 * needs no particular frame. Choose parity_pct >= 100 * loss / (1 - loss) plus a margin
 * (50 for up to ~30 % loss) so the first loop suffices.
 */
size_t ferry_qrseq_schedule(const struct ferry_qrseq *s, size_t step);

/**
 * Alphanumeric characters a QR code of @version (1..40) and @ecc ('L','M','Q','H') holds
 * (ISO/IEC 18004 table 7; checked against libqrencode for all 160 cases). 0 if out of range.
 */
size_t ferry_qrseq_capacity(int version, char ecc);

/**
 * Payload bytes per frame for @version/@ecc: the largest multiple of 5 whose Base32 text fits
 * beside the longest header (38 chars). 0 when the version is too small (v1, v2-Q/H...).
 * E.g. v25-L: 1130 bytes, v15-M: 350 bytes, v40-L: 2660 bytes.
 */
size_t ferry_qrseq_frame_bytes(int version, char ecc);

enum ferry_qr_status {
    FERRY_QR_NEW = 1,      /* a frame not seen before, of our session */
    FERRY_QR_DUPLICATE,    /* seen already */
    FERRY_QR_FOREIGN,      /* another session: counted and refused */
    FERRY_QR_UNREADABLE,   /* not a ferry frame, or a malformed one */
    FERRY_QR_INCONSISTENT, /* our session id but header disagrees with earlier frames */
};

struct ferry_qrdec; /* reassembler */

/** New reassembler. The first valid frame fixes the session (unless @session is given). */
ferry_err ferry_qrdec_new(const char *session, struct ferry_qrdec **out);

/** Feeds one decoded QR text. Never fails on bad input: *st says what it was. */
ferry_err ferry_qrdec_add(struct ferry_qrdec *d, const char *text, size_t len,
                          enum ferry_qr_status *st);

/** Progress: distinct frames received (r) and needed (K; 0 before the first frame). */
size_t ferry_qrdec_received(const struct ferry_qrdec *d);
size_t ferry_qrdec_needed(const struct ferry_qrdec *d);
/** Counters for the progress line. */
size_t ferry_qrdec_foreign(const struct ferry_qrdec *d);
size_t ferry_qrdec_unreadable(const struct ferry_qrdec *d);
size_t ferry_qrdec_duplicates(const struct ferry_qrdec *d);   /* frames seen again */
size_t ferry_qrdec_inconsistent(const struct ferry_qrdec *d); /* our session, other header */
int ferry_qrdec_complete(const struct ferry_qrdec *d);
const char *ferry_qrdec_session(const struct ferry_qrdec *d); /* NULL before the first frame */

/**
 * Rebuilds the message: erasure decode, then length, then SHA-256 against the session id
 * (FERRY_ERR_SIG_INVALID naming the session), then inflate with a size cap.
 * FERRY_ERR_INCOMPLETE (with "r of K" and the missing data frames) if not enough frames.
 */
ferry_err ferry_qrdec_result(struct ferry_qrdec *d, uint8_t **pkg, size_t *len);
void ferry_qrdec_free(struct ferry_qrdec *d);

#endif
