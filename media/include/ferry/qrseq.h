/* ferry — QR sequences: framing, erasure code, reassembly. Pure: no images here.
 *
 * Frame text (QR alphanumeric alphabet only: 0-9 A-Z space $%*+-./:):
 *   header fields then RFC 4648 Base32 data without '=' padding (padding is not in the
 *   alphanumeric alphabet; the length field makes it unnecessary). The exact header layout is
 *   defined and documented in qrseq_frame.c and the README: magic+version, content type,
 *   session id (first 40 bits of SHA-256(message) in Base32 = 8 chars), message length,
 *   K, frame index.
 * The message is zlib(package). Frames 0..K-1 are data (systematic); K..N-1 parity from a
 * Cauchy Reed-Solomon code over GF(256) (ISA-L): any K distinct frames rebuild the message.
 * Large messages are split into blocks of at most 255 frames... (see qrseq_encode.c).
 */
#ifndef FERRY_QRSEQ_H
#define FERRY_QRSEQ_H

#include <stddef.h>
#include <stdint.h>

#include "ferry/err.h"

#define FERRY_QR_MAX_MESSAGE (16u << 20) /* refuse larger lengths before allocating */

enum ferry_qr_content {
    FERRY_QR_PACKAGE = 'P', /* a .ferry package */
};

struct ferry_qrseq_params {
    int version; /* QR version the frames must fit (1..40) */
    char ecc;    /* 'L', 'M', 'Q', 'H' */
    int parity_pct; /* parity frames as a percentage of K (rounded up), 0..300 */
};

struct ferry_qrseq; /* an encoded sequence of frame texts */

/** Compresses @pkg and cuts it into frames sized for params->version/ecc plus parity. */
ferry_err ferry_qrseq_encode(const uint8_t *pkg, size_t len, enum ferry_qr_content type,
                             const struct ferry_qrseq_params *params, struct ferry_qrseq **out);
size_t ferry_qrseq_count(const struct ferry_qrseq *s); /* all frames, data then parity */
size_t ferry_qrseq_k(const struct ferry_qrseq *s);     /* data frames */
const char *ferry_qrseq_frame(const struct ferry_qrseq *s, size_t i); /* borrowed text */
const char *ferry_qrseq_session(const struct ferry_qrseq *s);         /* 8-char session id */
void ferry_qrseq_free(struct ferry_qrseq *s);

enum ferry_qr_status {
    FERRY_QR_NEW = 1,       /* a frame not seen before, of our session */
    FERRY_QR_DUPLICATE,     /* seen already */
    FERRY_QR_FOREIGN,       /* another session: counted and refused */
    FERRY_QR_UNREADABLE,    /* not a ferry frame, or a malformed one */
    FERRY_QR_INCONSISTENT,  /* our session id but header disagrees with earlier frames */
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
