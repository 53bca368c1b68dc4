#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ferry/file.h"
#include "ferry/statefile.h"

char *ferry_state_path(const char *home, const char *sub, const uint8_t id[FERRY_TRANSFER_ID_LEN],
                       const char *ext)
{
    char hex[33];
    size_t n;
    char *p;

    ferry_transfer_id_hex(id, hex);
    n = strlen(home) + strlen(sub) + strlen(ext) + sizeof(hex) + 3;
    if ((p = malloc(n)) == NULL)
        return NULL;
    snprintf(p, n, "%s/%s/%s%s", home, sub, hex, ext);
    return p;
}

ferry_err ferry_state_save(const char *home, const char *sub,
                           const uint8_t id[FERRY_TRANSFER_ID_LEN], const char *ext,
                           const uint8_t *data, size_t len)
{
    return ferry_state_save_id(home, sub, id, ext, data, len, NULL);
}

void ferry_state_remove_own(const char *home, const char *sub,
                            const uint8_t id[FERRY_TRANSFER_ID_LEN], const char *ext,
                            const struct ferry_file_id *fid)
{
    char *path = ferry_state_path(home, sub, id, ext);

    if (path != NULL)
        ferry_file_remove_own(path, fid);
    free(path);
}

ferry_err ferry_state_save_id(const char *home, const char *sub,
                              const uint8_t id[FERRY_TRANSFER_ID_LEN], const char *ext,
                              const uint8_t *data, size_t len, struct ferry_file_id *fid)
{
    char *dir = NULL, *path = NULL;
    ferry_err r = FERRY_ERR_NOMEM;

    if ((dir = ferry_path_join(home, sub)) == NULL ||
        (path = ferry_state_path(home, sub, id, ext)) == NULL)
        goto out;
    if ((r = ferry_mkdir_p(dir, 0700)) != FERRY_OK)
        goto out;
    r = ferry_file_write_atomic_id(path, data, len, 0600, fid);
out:
    free(dir);
    free(path);
    return r;
}

ferry_err ferry_state_load(const char *home, const char *sub,
                           const uint8_t id[FERRY_TRANSFER_ID_LEN], const char *ext, size_t max,
                           uint8_t **data, size_t *len)
{
    char *path = ferry_state_path(home, sub, id, ext);
    ferry_err r;

    *data = NULL;
    *len = 0;
    if (path == NULL)
        return FERRY_ERR_NOMEM;
    r = ferry_file_read(path, max, data, len);
    free(path);
    return r;
}

#define CERT_RECORD_MAX 8192

/* The value of "@key=" in a record of lines, a new string, or NULL (absent or OOM). */
static char *record_value(const uint8_t *rec, size_t len, const char *key)
{
    size_t kl = strlen(key), i = 0, e;

    while (i < len) {
        for (e = i; e < len && rec[e] != '\n'; e++)
            ;
        if (e - i > kl && memcmp(rec + i, key, kl) == 0 && rec[i + kl] == '=')
            return strndup((const char *)rec + i + kl + 1, e - i - kl - 1);
        i = e + 1;
    }
    return NULL;
}

ferry_err ferry_state_cert_record(const char *home, const uint8_t id[FERRY_TRANSFER_ID_LEN],
                                  const char *ext, char **cert, char **key)
{
    uint8_t *rec = NULL;
    size_t n = 0;
    ferry_err r;

    *cert = *key = NULL;
    if ((r = ferry_state_load(home, "requests", id, ext, CERT_RECORD_MAX, &rec, &n)) != FERRY_OK)
        return r;
    *cert = record_value(rec, n, "cert");
    *key = record_value(rec, n, "key");
    free(rec);
    return FERRY_OK;
}

void ferry_state_remove(const char *home, const char *sub, const uint8_t id[FERRY_TRANSFER_ID_LEN],
                        const char *ext)
{
    char *path = ferry_state_path(home, sub, id, ext);

    if (path != NULL)
        unlink(path);
    free(path);
}
