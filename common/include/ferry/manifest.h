/* ferry — the manifest: the signed content of every package. */
#ifndef FERRY_MANIFEST_H
#define FERRY_MANIFEST_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "ferry/crypto.h"
#include "ferry/time.h"
#include "ferry/err.h"

#define FERRY_MANIFEST_VERSION  1
#define FERRY_MANIFEST_NS       "urn:ferry:manifest:1"
#define FERRY_TRANSFER_ID_LEN   16
#define FERRY_MAX_ITEMS         16
#define FERRY_MAX_ITEM_BYTES    (4u << 20)  /* one payload */
#define FERRY_MAX_PACKAGE_BYTES (12u << 20) /* a whole .ferry file */

enum ferry_direction {
    FERRY_DIR_TO_ONLINE = 1,  /* "to-online" */
    FERRY_DIR_TO_OFFLINE = 2, /* "to-offline" */
};

enum ferry_item_kind {
    FERRY_ITEM_RMS_REQUEST = 1,  /* "rms-request" */
    FERRY_ITEM_RMS_RESPONSE = 2, /* "rms-response" */
    FERRY_ITEM_PKCS10 = 3,       /* "pkcs10" */
    FERRY_ITEM_X509_CHAIN = 4,   /* "x509-chain" */
    FERRY_ITEM_IDENTITY = 5,     /* "identity" */
    /* "rms-service-answer": the enrollment service's raw SOAP answer, carried with the response
     * document (an "rms-response" item) for audit */
    FERRY_ITEM_RMS_SERVICE_ANSWER = 6,
};

struct ferry_item {
    char *name; /* file name as exported, e.g. "SRV01RenewalRequest.xml"; a plain base name */
    enum ferry_item_kind kind;
    uint8_t *data; /* the payload, byte-exact */
    size_t len;
    uint8_t sha256[FERRY_SHA256_LEN];
};

/* Free-form properties carried for the runbook and the operator (server name, GUID, service
 * URL, expiry...). Keys are [a-z0-9_-]+, values UTF-8 text. */
struct ferry_prop {
    char *key;
    char *value;
};

struct ferry_manifest {
    int version;
    enum ferry_direction direction;
    uint8_t transfer_id[FERRY_TRANSFER_ID_LEN];
    int is_response; /* 1: answers_* are set */
    uint8_t answers_id[FERRY_TRANSFER_ID_LEN];
    uint8_t answers_sha256[FERRY_SHA256_LEN]; /* SHA-256 of the request package file (.ferry) */
    time_t created;
    uint8_t sender_fp[FERRY_SHA256_LEN]; /* SHA-256 of the sender identity certificate DER */
    struct ferry_item *items;
    size_t nitems;
    struct ferry_prop *props;
    size_t nprops;
    /* set by ferry_package_verify: SHA-256 of the signed manifest bytes. What is signed, unlike
     * the package file's digest (an ECDSA signature can be re-encoded without the key), so
     * replay decisions rest on it and on the transfer id. */
    uint8_t content_sha256[FERRY_SHA256_LEN];
};

/** New empty manifest: version set, random transfer id, created = ferry_time_now(). */
ferry_err ferry_manifest_new(enum ferry_direction dir, struct ferry_manifest **out);

/** Copies @len bytes as a new item, computing its SHA-256. @name must be a safe base name. */
ferry_err ferry_manifest_add_item(struct ferry_manifest *m, const char *name,
                                  enum ferry_item_kind kind, const uint8_t *data, size_t len);

/** Sets (or replaces) a property. */
ferry_err ferry_manifest_set_prop(struct ferry_manifest *m, const char *key, const char *value);

/** Borrowed property value or NULL. */
const char *ferry_manifest_prop(const struct ferry_manifest *m, const char *key);

/** First item of @kind, borrowed, or NULL. */
const struct ferry_item *ferry_manifest_find(const struct ferry_manifest *m,
                                             enum ferry_item_kind kind);

/** Serialises to UTF-8 XML (new buffer, caller frees). */
ferry_err ferry_manifest_serialize(const struct ferry_manifest *m, uint8_t **out, size_t *len);

/**
 * Parses and validates a manifest (hardened XML, see xml.h): version, direction, ids, every
 * item's size and SHA-256 against its decoded bytes, item names safe (no '/', no "..", no
 * control characters, <= 128 bytes), item count <= FERRY_MAX_ITEMS.
 * FERRY_ERR_FORMAT / FERRY_ERR_TOO_LARGE / FERRY_ERR_SIG_INVALID (digest mismatch).
 */
ferry_err ferry_manifest_parse(const uint8_t *buf, size_t len, struct ferry_manifest **out);

/**
 * 1 if @name is a safe item file name: 1..128 bytes of UTF-8, no '/', '\\', ':', no "..",
 * not ".", no control characters. Callers writing items to disk check it again with this.
 */
int ferry_item_name_safe(const char *name);

/** "rms-request", ... or NULL for an unknown kind. */
const char *ferry_item_kind_name(enum ferry_item_kind k);
const char *ferry_direction_name(enum ferry_direction d);

/** Transfer id as 32 lower-case hex digits. */
void ferry_transfer_id_hex(const uint8_t id[FERRY_TRANSFER_ID_LEN], char out[33]);

void ferry_manifest_free(struct ferry_manifest *m);

#endif
