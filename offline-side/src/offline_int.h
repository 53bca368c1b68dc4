/* ferry — offline side internals (import.c). */
#ifndef FERRY_OFFLINE_INT_H
#define FERRY_OFFLINE_INT_H

#include <stddef.h>
#include <stdint.h>

/* the largest file import --force replaces (kept in memory to put back if the ledger refuses) */
#define FERRY_IMPORT_MAX_REPLACE (16u << 20)

#endif
