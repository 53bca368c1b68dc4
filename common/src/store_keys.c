/* ferry — the key files under $FERRY_HOME: this machine's identity (identity.key, identity.crt)
 * and the paired peers' certificates (peers/<fingerprint-hex>.crt). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "ferry/buf.h"
#include "ferry/crypto.h"
#include "ferry/hex.h"
#include "ferry/file.h"
#include "ferry/log.h"
#include "ferry/store.h"
#include "store_int.h"

#define STORE_MAX_PEERS 1024

/* ---- identity ---- */

static ferry_err identity_paths(const struct ferry_store *s, char **key, char **cert)
{
    *key = ferry_path_join(s->home, KEY_FILE);
    *cert = ferry_path_join(s->home, CERT_FILE);
    if (*key == NULL || *cert == NULL) {
        FERRY_FREE(*key);
        FERRY_FREE(*cert);
        return FERRY_ERR_NOMEM;
    }
    return FERRY_OK;
}

/* Writes key (exclusive, 0600) then certificate (atomic); on failure removes what it wrote. */
static ferry_err identity_write(struct ferry_store *s, const struct ferry_identity *id,
                                const char *key, const char *cert)
{
    char *kpem = NULL, *cpem = NULL, fp[FERRY_FP_GROUPS_LEN], detail[160];
    size_t klen = 0, clen = 0;
    int wrote_key = 0;
    ferry_err r;

    if ((r = ferry_identity_key_pem(id, &kpem, &klen)) != FERRY_OK ||
        (r = ferry_identity_cert_pem(id, &cpem, &clen)) != FERRY_OK)
        goto out;
    if ((r = ferry_file_write_secret(key, kpem, klen)) != FERRY_OK)
        goto out;
    wrote_key = 1;
    store_test_stall("identity");
    if ((r = ferry_file_write_atomic(cert, cpem, clen, 0644)) != FERRY_OK ||
        (r = ferry_fsync_dir(s->home)) != FERRY_OK)
        goto out;
    ferry_identity_fingerprint_groups(id, fp);
    snprintf(detail, sizeof(detail), "%s %s", ferry_identity_name(id), fp);
    if ((r = store_tx_begin(s)) == FERRY_OK)
        r = store_tx_end(s, store_audit_row(s, "identity-create", detail));
out:
    if (r != FERRY_OK && wrote_key) {
        unlink(cert);
        unlink(key);
        (void)ferry_fsync_dir(s->home);
    }
    if (kpem != NULL)
        OPENSSL_secure_clear_free(kpem, klen);
    free(cpem);
    return r;
}

/* FERRY_ERR_FORMAT when only one of the two identity files exists (an interrupted init). */
static ferry_err identity_half(const struct ferry_store *s, const char *key, const char *cert)
{
    int k = ferry_path_exists(key), c = ferry_path_exists(cert);

    if (k == c)
        return FERRY_OK;
    return ferry_errf(FERRY_ERR_FORMAT,
                      "%s: half an identity (only %s): an earlier init was "
                      "interrupted; remove %s/%s and run init again",
                      s->home, k ? KEY_FILE : CERT_FILE, s->home, k ? KEY_FILE : CERT_FILE);
}

ferry_err ferry_store_identity_create(struct ferry_store *s, const char *name,
                                      struct ferry_identity **out)
{
    struct ferry_identity *id = NULL;
    char *key = NULL, *cert = NULL;
    ferry_err r;

    if (out != NULL)
        *out = NULL;
    if ((r = identity_paths(s, &key, &cert)) != FERRY_OK)
        return r;
    if ((r = identity_half(s, key, cert)) != FERRY_OK)
        goto out;
    if (ferry_path_exists(key)) {
        r = ferry_errf(FERRY_ERR_EXISTS, "%s: an identity exists already; it is kept", s->home);
        goto out;
    }
    if ((r = ferry_identity_generate(name, &id)) != FERRY_OK)
        goto out;
    if ((r = identity_write(s, id, key, cert)) != FERRY_OK)
        goto out;
    if (out != NULL) {
        *out = id;
        id = NULL;
    }
out:
    ferry_identity_free(id);
    free(key);
    free(cert);
    return r;
}

/* Reads the key file into secure memory after checking its owner and mode on the open fd.
 * Free *out with OPENSSL_secure_clear_free(*out, FERRY_IDENTITY_MAX_PEM + 1). */
static ferry_err key_read(const char *path, char **out, size_t *len)
{
    const size_t max = FERRY_IDENTITY_MAX_PEM;
    struct stat st;
    char *buf = NULL;
    size_t got = 0;
    ssize_t n = 0;
    int fd;
    ferry_err r = FERRY_ERR_INTERNAL;

    *out = NULL;
    *len = 0;
    if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)) < 0) {
        if (errno == ENOENT)
            return ferry_errf(FERRY_ERR_NOT_FOUND, "%s: no identity yet: run init first", path);
        return ferry_errf(errno == ELOOP ? FERRY_ERR_UNTRUSTED : FERRY_ERR_IO,
                          "%s: cannot open the key: %s", path, strerror(errno));
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        r = ferry_errf(FERRY_ERR_UNTRUSTED, "%s: not a regular file", path);
        goto out;
    }
    if ((st.st_mode & 077) != 0) {
        r = ferry_errf(FERRY_ERR_UNTRUSTED,
                       "%s: the private key is readable by group or others "
                       "(mode %04o): run `chmod 600 %s` and check who copied it",
                       path, (unsigned)(st.st_mode & 07777), path);
        goto out;
    }
    if (st.st_uid != geteuid()) {
        r = ferry_errf(FERRY_ERR_UNTRUSTED,
                       "%s: owned by uid %u, not by you (uid %u): run "
                       "`chown %u %s` if it is yours",
                       path, (unsigned)st.st_uid, (unsigned)geteuid(), (unsigned)geteuid(), path);
        goto out;
    }
    if ((uint64_t)st.st_size > max) {
        r = ferry_errf(FERRY_ERR_TOO_LARGE, "%s: over %zu bytes, not a key", path, max);
        goto out;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    if ((buf = OPENSSL_secure_zalloc(max + 1)) == NULL) {
        r = FERRY_ERR_NOMEM;
        goto out;
    }
    while (got < max && ((n = read(fd, buf + got, max - got)) > 0 || (n < 0 && errno == EINTR)))
        got += n > 0 ? (size_t)n : 0;
    if (n < 0 || got == max) {
        r = ferry_errf(n < 0 ? FERRY_ERR_IO : FERRY_ERR_TOO_LARGE, "%s: cannot read the key", path);
        goto out;
    }
    *out = buf;
    *len = got;
    buf = NULL;
    r = FERRY_OK;
out:
    if (buf != NULL)
        OPENSSL_secure_clear_free(buf, max + 1);
    close(fd);
    return r;
}

ferry_err ferry_store_identity(struct ferry_store *s, struct ferry_identity **out)
{
    char *key = NULL, *cert = NULL, *kpem = NULL;
    uint8_t *cpem = NULL;
    size_t klen = 0, clen = 0;
    ferry_err r;

    *out = NULL;
    if ((r = identity_paths(s, &key, &cert)) != FERRY_OK)
        return r;
    if (!ferry_path_exists(key) && !ferry_path_exists(cert)) {
        r = ferry_errf(FERRY_ERR_NOT_FOUND, "%s: no identity yet: run `ferry-%s init` first",
                       s->home, s->side);
        goto out;
    }
    if ((r = identity_half(s, key, cert)) != FERRY_OK)
        goto out;
    if ((r = key_read(key, &kpem, &klen)) != FERRY_OK)
        goto out;
    if ((r = ferry_file_read(cert, FERRY_IDENTITY_MAX_PEM, &cpem, &clen)) != FERRY_OK)
        goto out;
    if ((r = ferry_identity_from_pem(cpem, clen, (const uint8_t *)kpem, klen, out)) != FERRY_OK)
        ferry_errf(r, "%s: the identity files do not load (%s)", s->home, ferry_err_detail());
out:
    if (kpem != NULL)
        OPENSSL_secure_clear_free(kpem, FERRY_IDENTITY_MAX_PEM + 1);
    free(cpem);
    free(key);
    free(cert);
    return r;
}

/* ---- peers ---- */

static ferry_err peer_path(const struct ferry_store *s, const struct ferry_identity *peer,
                           char **out)
{
    uint8_t fp[FERRY_SHA256_LEN];
    char name[2 * FERRY_SHA256_LEN + 8];
    char *dir;

    ferry_identity_fingerprint(peer, fp);
    ferry_hex(fp, sizeof(fp), name);
    memcpy(name + 2 * FERRY_SHA256_LEN, ".crt", 5);
    if ((dir = ferry_path_join(s->home, PEERS_DIR)) == NULL)
        return FERRY_ERR_NOMEM;
    *out = ferry_path_join(dir, name);
    free(dir);
    return *out != NULL ? FERRY_OK : FERRY_ERR_NOMEM;
}

/* 1 if @path holds a certificate equal to @peer. */
static int peer_file_matches(const char *path, const struct ferry_identity *peer)
{
    struct ferry_identity *have = NULL;
    uint8_t *buf = NULL;
    size_t len = 0;
    int same = 0;

    if (ferry_file_read(path, FERRY_IDENTITY_MAX_PEM, &buf, &len) == FERRY_OK &&
        ferry_identity_from_cert(buf, len, &have) == FERRY_OK)
        same = ferry_identity_equal(have, peer);
    ferry_identity_free(have);
    free(buf);
    return same;
}

ferry_err ferry_store_peer_add(struct ferry_store *s, const struct ferry_identity *peer)
{
    char *path = NULL, *pem = NULL, *dir = NULL, fp[FERRY_FP_GROUPS_LEN], detail[200];
    size_t len = 0;
    ferry_err r;

    if ((r = peer_path(s, peer, &path)) != FERRY_OK)
        return r;
    if (ferry_path_exists(path) && peer_file_matches(path, peer)) {
        r = FERRY_OK; /* paired already */
        goto out;
    }
    if ((dir = ferry_path_dirname(path)) == NULL) {
        r = FERRY_ERR_NOMEM;
        goto out;
    }
    if ((r = ferry_mkdir_p(dir, 0700)) != FERRY_OK ||
        (r = ferry_identity_cert_pem(peer, &pem, &len)) != FERRY_OK ||
        (r = ferry_file_write_atomic(path, pem, len, 0644)) != FERRY_OK)
        goto out;
    ferry_identity_fingerprint_groups(peer, fp);
    snprintf(detail, sizeof(detail), "%.100s %s", ferry_identity_name(peer), fp);
    if ((r = store_tx_begin(s)) == FERRY_OK)
        r = store_tx_end(s, store_audit_row(s, "peer-add", detail));
out:
    free(path);
    free(pem);
    free(dir);
    return r;
}

void ferry_store_peers_free(struct ferry_identity **peers, size_t n)
{
    size_t i;

    if (peers == NULL)
        return;
    for (i = 0; i < n; i++)
        ferry_identity_free(peers[i]);
    free(peers);
}

/* Loads peers/<name> if its name is <64 hex>.crt and matches the certificate; NULL to skip. */
static ferry_err peer_load(const char *dir, const char *name, struct ferry_identity **out)
{
    uint8_t want[FERRY_SHA256_LEN], fp[FERRY_SHA256_LEN], *buf = NULL;
    char hex[2 * FERRY_SHA256_LEN + 1], *path = NULL;
    size_t len = 0;
    ferry_err r;

    *out = NULL;
    if (strlen(name) != 2 * FERRY_SHA256_LEN + 4 || strcmp(name + 64, ".crt") != 0)
        return FERRY_OK;
    memcpy(hex, name, 2 * FERRY_SHA256_LEN);
    hex[2 * FERRY_SHA256_LEN] = '\0';
    if (ferry_hex_decode(hex, want, sizeof(want)) != FERRY_OK)
        return FERRY_OK;
    if ((path = ferry_path_join(dir, name)) == NULL)
        return FERRY_ERR_NOMEM;
    r = ferry_file_read(path, FERRY_IDENTITY_MAX_PEM, &buf, &len);
    if (r == FERRY_OK)
        r = ferry_identity_from_cert(buf, len, out);
    if (r == FERRY_OK) {
        ferry_identity_fingerprint(*out, fp);
        if (!ferry_ct_eq(fp, want, sizeof(fp))) {
            ferry_identity_free(*out);
            *out = NULL;
            r = ferry_errf(FERRY_ERR_MISMATCH, "fingerprint differs from the file name");
        }
    }
    if (r != FERRY_OK && r != FERRY_ERR_NOMEM) {
        ferry_log(FERRY_LOG_WARN, "%s: not a usable peer certificate (%s), ignored", path,
                  ferry_err_detail());
        r = FERRY_OK;
    }
    free(path);
    free(buf);
    return r;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The entry names of @dir, sorted (at most STORE_MAX_PEERS). */
static ferry_err dir_names(const char *dir, char ***out, size_t *n)
{
    struct dirent *de;
    char **v = NULL, **t;
    DIR *d;
    ferry_err r = FERRY_OK;

    *out = NULL;
    *n = 0;
    if ((d = opendir(dir)) == NULL)
        return errno == ENOENT ? FERRY_OK
                               : ferry_errf(FERRY_ERR_IO, "%s: %s", dir, strerror(errno));
    while ((de = readdir(d)) != NULL && *n < STORE_MAX_PEERS) {
        if (de->d_name[0] == '.')
            continue;
        t = realloc(v, (*n + 1) * sizeof(*v));
        if (t == NULL) {
            r = FERRY_ERR_NOMEM;
            break;
        }
        v = t;
        if ((v[*n] = strdup(de->d_name)) == NULL) {
            r = FERRY_ERR_NOMEM;
            break;
        }
        (*n)++;
    }
    closedir(d);
    if (v != NULL)
        qsort(v, *n, sizeof(*v), name_cmp);
    *out = v;
    return r;
}

ferry_err ferry_store_peers(struct ferry_store *s, struct ferry_identity ***out, size_t *n)
{
    struct ferry_identity **v = NULL, *id = NULL;
    char **names = NULL, *dir = NULL;
    size_t nn = 0, i, cnt = 0;
    ferry_err r;

    *out = NULL;
    *n = 0;
    if ((dir = ferry_path_join(s->home, PEERS_DIR)) == NULL)
        return FERRY_ERR_NOMEM;
    if ((r = dir_names(dir, &names, &nn)) != FERRY_OK)
        goto out;
    if ((v = calloc(nn + 1, sizeof(*v))) == NULL) {
        r = FERRY_ERR_NOMEM;
        goto out;
    }
    for (i = 0; i < nn; i++) {
        if ((r = peer_load(dir, names[i], &id)) != FERRY_OK)
            goto out;
        if (id != NULL)
            v[cnt++] = id;
    }
    *out = v;
    *n = cnt;
    v = NULL;
    r = FERRY_OK;
out:
    ferry_store_peers_free(v, cnt);
    for (i = 0; i < nn; i++)
        free(names[i]);
    free(names);
    free(dir);
    return r;
}
