/* Fuzz target: ferry_usb_list and ferry_usb_file_load on a directory tree built from the input.
 * Input: records "<type><where><name>\0<content>\0"; type f file, l symlink (content is the
 * target), p FIFO, d directory; where s = ROOT/FERRY, r = ROOT. At most 16 records; names
 * with '/' or "."/".." and unknown types are ignored. Files are read with a 1024-byte cap. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ferry/log.h"
#include "ferry/usb.h"
#include "helpers.h"

#define MAX_RECORDS 16

static void make_entry(const char *root, char type, char where, const char *name,
                       const uint8_t *content, size_t clen)
{
    char path[4096];
    int fd;

    if (name[0] == '\0' || strchr(name, '/') != NULL || strcmp(name, ".") == 0 ||
        strcmp(name, "..") == 0 || strlen(name) > 255)
        return;
    if (where == 's' && strcmp(name, "FERRY") == 0)
        return;
    snprintf(path, sizeof(path), "%s%s/%s", root, where == 's' ? "/FERRY" : "", name);
    if (type == 'f') {
        if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0644)) >= 0) {
            if (write(fd, content, clen) < 0) {
                /* nothing to do: a short tree is still an input */
            }
            close(fd);
        }
    } else if (type == 'l') {
        (void)symlink(clen > 0 ? (const char *)content : "x", path);
    } else if (type == 'p') {
        (void)mkfifo(path, 0644);
    } else if (type == 'd') {
        (void)mkdir(path, 0755);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char root[] = "/tmp/ferry-fuzz-usbdir-XXXXXX", sub[64], *buf;
    struct ferry_usb_file *f = NULL;
    size_t pos = 0, nf = 0, i, rec;
    uint64_t budget = FERRY_USB_READ_MAX;

    ferry_log_set_level(FERRY_LOG_ERROR);
    if ((buf = malloc(size + 2)) == NULL)
        return 0;
    memcpy(buf, data, size);
    buf[size] = buf[size + 1] = '\0';
    if (mkdtemp(root) == NULL) {
        free(buf);
        return 0;
    }
    snprintf(sub, sizeof(sub), "%s/FERRY", root);
    mkdir(sub, 0755);
    for (rec = 0; rec < MAX_RECORDS && pos + 2 < size; rec++) {
        const char *name = buf + pos;
        size_t nl = strlen(name), cl;
        const char *content = name + nl + 1;

        cl = pos + nl + 1 <= size ? strlen(content) : 0;
        if (nl >= 2)
            make_entry(root, name[0], name[1], name + 2, (const uint8_t *)content, cl);
        pos += nl + 1 + cl + 1;
    }
    if (ferry_usb_list(root, 1024, "a", &f, &nf) == FERRY_OK) {
        for (i = 0; i < nf; i++) {
            if (!ferry_usb_name_ok(f[i].name) || f[i].size > 1024)
                abort();
            if (ferry_usb_file_load(&f[i], 1024, &budget, NULL, NULL) == FERRY_OK &&
                f[i].len > 1024)
                abort();
            ferry_usb_file_unload(&f[i]);
        }
    }
    ferry_usb_files_free(f, nf);
    helpers_rm_tree(root);
    free(buf);
    return 0;
}
