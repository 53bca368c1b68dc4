/* Fuzz target: ferry_package_verify() on arbitrary bytes against the vector identity alice
 * (tests/vectors/package/alice.crt, loaded once), and ferry_package_open_identity(). Seeds:
 * alice's package made by stock openssl and its damaged variants (mkvectors.sh). Also
 * ferry_package_peek() on the same bytes in a file: it must never refuse what verifies. */
#define _GNU_SOURCE /* memfd_create */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ferry/buf.h"
#include "ferry/file.h"
#include "ferry/log.h"
#include "ferry/package.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* $FERRY_VECTORS if set, else the vectors beside this source file. */
static struct ferry_identity *load_peer(void)
{
    const char *env = getenv("FERRY_VECTORS");
    char path[4096];
    struct ferry_identity *id = NULL;
    uint8_t *buf = NULL;
    size_t len, dl;

    if (env != NULL && *env != '\0') {
        snprintf(path, sizeof(path), "%s/package/alice.crt", env);
    } else {
        dl = strlen(__FILE__);
        while (dl > 0 && __FILE__[dl - 1] != '/')
            dl--;
        snprintf(path, sizeof(path), "%.*s../vectors/package/alice.crt", (int)dl, __FILE__);
    }
    if (ferry_file_read(path, FERRY_IDENTITY_MAX_PEM, &buf, &len) != FERRY_OK ||
        ferry_identity_from_cert(buf, len, &id) != FERRY_OK) {
        fprintf(stderr, "fuzz_package: cannot load %s\n", path);
        abort();
    }
    free(buf);
    return id;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct ferry_identity *peer;
    struct ferry_manifest *m = NULL;
    struct ferry_identity *other = NULL;
    size_t signer = 0;
    int fd = memfd_create("fuzz_package", 0);
    ferry_err v, pk = FERRY_OK;

    if (peer == NULL) {
        ferry_log_set_level(FERRY_LOG_ERROR);
        peer = load_peer();
    }
    v = ferry_package_verify(data, size, &peer, 1, &m, &signer);
    if (v == FERRY_OK && signer != 0)
        abort();
    if (fd >= 0 && (size == 0 || write(fd, data, size) == (ssize_t)size))
        pk = ferry_package_peek(fd, size, &peer, 1);
    if (fd >= 0)
        close(fd);
    if (v == FERRY_OK && pk != FERRY_OK)
        abort(); /* the peek refused a package that verifies */
    ferry_manifest_free(m);
    m = NULL;
    ferry_package_open_identity(data, size, &other, &m);
    ferry_identity_free(other);
    ferry_manifest_free(m);
    return 0;
}
