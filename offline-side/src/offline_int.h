/* ferry — offline side internals shared by request.c, export.c and import.c. */
#ifndef FERRY_OFFLINE_INT_H
#define FERRY_OFFLINE_INT_H

#include <stddef.h>
#include <stdint.h>

/* `request` records "cert=PATH\nkey=PATH\n" under requests/<first 128 bits of the PKCS#10's
 * SHA-256><this>; export copies it to requests/<transfer id>.cert for import. */
#define FERRY_CERT_RECORD_EXT ".csr-cert"
#define FERRY_CERT_RECORD_MAX 8192
/* the largest file import --force replaces (kept in memory to put back if the ledger refuses) */
#define FERRY_IMPORT_MAX_REPLACE (16u << 20)

/** The value of "@key=" in a record of lines, a new string, or NULL (absent or OOM). */
char *ferry_offline_record_value(const uint8_t *rec, size_t len, const char *key);

#endif
