/* ferry — the payload kinds: one table says, per kind, how it is named in the ledger, the JSON
 * and the manifest, which items carry its request and its answer, how the answer file is named
 * and how the runbook and the notes speak of it (curl's struct Curl_protocol, one per scheme).
 * Each step (export, submit, import, status, runbook) looks its kind up once and uses the entry. */
#ifndef FERRY_KIND_H
#define FERRY_KIND_H

#include <stddef.h>

#include "ferry/manifest.h"

enum ferry_kind {
    FERRY_KIND_RMS = 1, /* an RMS server licensor certificate (SLC) */
    FERRY_KIND_X509,    /* an X.509 certificate (PKCS#10 request, certificate chain answer) */
};

struct ferry_kind_info {
    enum ferry_kind kind;
    const char *name;                  /* ledger, JSON "kind", manifest "kind": "rms" */
    enum ferry_item_kind request_item; /* what the request package carries */
    enum ferry_item_kind answer_item;  /* what the answer package carries */
    const char *request_file;          /* the request item's name when the file's is unsafe */
    /* The answer item's name from the request item's; @fallback when it cannot be made (the
     * caller also falls back when the medium refuses the result). */
    void (*answer_name)(const char *request, char *out, size_t outsz);
    const char *answer_fallback; /* "SLC.xml", "renewed.chain.pem" */
    /* In the operator's words (the runbook, the notes beside the packages, the summaries). */
    const char *what;          /* the certificate: "X.509 certificate" */
    const char *request_what;  /* the request package's "What:" */
    const char *answer_what;   /* the answer package's "What:" */
    const char *subject_label; /* "Server name" or "Subject" */
    const char *subject_key;   /* the manifest property and JSON key: "server_name" */
    const char *protocol;      /* submit's --protocol for it: "rms", "est" */
};

/** The entry for @k, NULL for an unknown kind (0: unknown, as a ledger row without one). */
const struct ferry_kind_info *ferry_kind_get(enum ferry_kind k);

/** The entry spelled @name ("rms", "x509"), NULL when none (or @name NULL). */
const struct ferry_kind_info *ferry_kind_by_name(const char *name);

/** The entry whose request (or answer, for @answer 1) travels as item @item, else NULL. */
const struct ferry_kind_info *ferry_kind_by_item(enum ferry_item_kind item, int answer);

/** The entry submitted by --protocol @protocol ("rms", "est"), else NULL. */
const struct ferry_kind_info *ferry_kind_by_protocol(const char *protocol);

/** @k's name ("rms", "x509"), NULL for an unknown kind. */
const char *ferry_kind_name(enum ferry_kind k);

#endif
