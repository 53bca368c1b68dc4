/* ferry — USB media: find the stick, write packages atomically and verified, read them safely. */
#ifndef FERRY_USB_H
#define FERRY_USB_H

#include <stddef.h>
#include <stdint.h>

#include "ferry/err.h"

#define FERRY_USB_SUBDIR    "FERRY"
#define FERRY_USB_MAX_FILES 1024 /* both legs of a trip of 512 (export's limit), with room */

/**
 * Resolves the medium root. With @dir: that directory (must exist and be a directory).
 * Without: the one removable mounted file system (/proc/self/mountinfo, then
 * /sys/dev/block/MAJ:MIN/../removable or /sys/block/X/removable; in a test build, $FERRY_MOUNTINFO
 * and $FERRY_SYSFS override the two paths). None: FERRY_ERR_NOT_FOUND ("insert the stick
 * or give usb:DIR"); several: FERRY_ERR_USAGE listing them. *root is new (caller frees).
 */
ferry_err ferry_usb_resolve(const char *dir, char **root);

/**
 * Writes @len bytes to ROOT/FERRY/@name (created 0755 if missing): temporary file, fsync,
 * rename, fsync of the directory, then read back and compared (FERRY_ERR_IO "read-back differs"
 * — a failing stick). If @summary is not NULL, writes it the same way to ROOT/FERRY/<name
 * without .ferry>.txt. On failure the previous file of that name is left whole (or, when the
 * failure came after the rename, replaced by the complete new one), and a name that did not
 * exist before is removed again.
 * @name: a safe base name. *path (optional) receives the full path (caller frees).
 */
ferry_err ferry_usb_write(const char *root, const char *name, const uint8_t *data, size_t len,
                          const char *summary, char **path);

/**
 * Removes ROOT/FERRY/@name and its summary (what ferry_usb_write wrote), for a caller whose
 * later step failed. A missing file is not an error; FERRY_ERR_IO names the file left behind.
 */
ferry_err ferry_usb_remove(const char *root, const char *name);

struct ferry_usb_file {
    char *name; /* base name as found, checked safe (printable, no '/', not hidden) */
    char *path; /* full path */
    uint8_t *data;
    size_t len;
    uint64_t size; /* listed size (ferry_usb_list: data is NULL until loaded) */
};

/* Bytes one run reads from one medium at most (ferry_usb_file_load's budget). */
#define FERRY_USB_READ_MAX (48u << 20)

/**
 * Lists every "*.ferry" regular file in ROOT/FERRY/ (also ROOT itself if it directly holds
 * *.ferry files) without reading them (data NULL): names starting with @prefer (NULL: none;
 * this side's packages, e.g. "request-") first, then the newest, then by name; several names of
 * one file (hard links) once; at most FERRY_USB_MAX_FILES, the rest named in a warning. Up to
 * 65,536 directory entries per directory are looked at. Symlinks (ROOT/FERRY itself included),
 * non-regular files, unsafe names and files over @max bytes are skipped with a warning through
 * ferry_log. FERRY_ERR_NOT_FOUND when ROOT is not a directory or holds no usable *.ferry file.
 * Load each with ferry_usb_file_load; free the list with ferry_usb_files_free.
 */
ferry_err ferry_usb_list(const char *root, size_t max, const char *prefer,
                         struct ferry_usb_file **out, size_t *n);
void ferry_usb_files_free(struct ferry_usb_file *f, size_t n);

/**
 * Reads a listed file (O_NOFOLLOW, a regular file, at most @max bytes, and at most *@budget,
 * which it decreases: FERRY_ERR_TOO_LARGE once spent). @check (optional) sees the open file
 * first and may refuse it before it is read whole. Nothing to do when f->data is set.
 */
ferry_err ferry_usb_file_load(struct ferry_usb_file *f, size_t max, uint64_t *budget,
                              ferry_err (*check)(int fd, uint64_t size, void *ctx), void *ctx);

/** Frees a loaded file's bytes (the entry stays listed). */
void ferry_usb_file_unload(struct ferry_usb_file *f);

/** 1 if @name is a safe base name for a file on the medium (also used for item names). */
int ferry_usb_name_ok(const char *name);

#endif
