/* ferry — careful file I/O: capped reads, atomic writes, secret files. */
#ifndef FERRY_FILE_H
#define FERRY_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ferry/err.h"

/**
 * Reads a whole regular file (O_NOFOLLOW: a symlink is refused) of at most @max bytes.
 * "-" reads stdin. *out is NUL-terminated past *len; caller frees.
 * Errors: FERRY_ERR_NOT_FOUND, FERRY_ERR_IO, FERRY_ERR_TOO_LARGE, FERRY_ERR_FORMAT (not a regular
 * file).
 */
ferry_err ferry_file_read(const char *path, size_t max, uint8_t **out, size_t *len);

/* A temporary this old is a leftover of a killed write, not one in progress. */
#define FERRY_FILE_TEMP_STALE_S 600

/**
 * Removes the temporaries of @path ("<path>.tmp-<12 hex>", regular files only, exactly that
 * name) whose mtime is at least @min_age_s seconds ago: what a write killed between creating
 * and renaming its temporary left behind. The writes below call it first for their @path.
 */
void ferry_file_sweep_temps(const char *path, long min_age_s);

/**
 * Writes @n bytes to @path atomically: a temporary file in the same directory, fsync, rename
 * over @path, fsync of the directory. On any failure the temporary is removed and the old file
 * (if any) is left whole — unless only the directory's fsync failed, when the complete new file
 * has replaced it; a @path that did not exist before is not left behind. @mode is applied.
 */
ferry_err ferry_file_write_atomic(const char *path, const void *p, size_t n, mode_t mode);

/* Which file a write made (device and inode), so a rollback removes only its own file. */
struct ferry_file_id {
    dev_t dev;
    ino_t ino;
    int set;
};

/** As ferry_file_write_atomic; *@id (optional) receives the identity of the file written. */
ferry_err ferry_file_write_atomic_id(const char *path, const void *p, size_t n, mode_t mode,
                                     struct ferry_file_id *id);

/** 1 if @path (not followed) is the file @id names. */
int ferry_file_is(const char *path, const struct ferry_file_id *id);

/**
 * Rollback: unlinks @path only when it is still the file @id names (another run may have
 * replaced it since); otherwise leaves it with a warning. 1 if removed.
 */
int ferry_file_remove_own(const char *path, const struct ferry_file_id *id);

/**
 * Creates @path exclusively (never replacing it, nor following a link), mode 0600: written and
 * fsynced under a temporary name first, then linked into place, so a crash leaves no half file.
 * FERRY_ERR_EXISTS if it exists. For key files.
 */
ferry_err ferry_file_write_secret(const char *path, const void *p, size_t n);

/** fsync()s a directory. */
ferry_err ferry_fsync_dir(const char *dir);

/** mkdir -p with @mode for the directories it creates. */
ferry_err ferry_mkdir_p(const char *path, mode_t mode);

/** Joins two path parts with '/' into a new string (caller frees), or NULL on OOM. */
char *ferry_path_join(const char *a, const char *b);

/** The directory part of @path, a new string ("." if none). */
char *ferry_path_dirname(const char *path);

/** 1 if @path exists (lstat), else 0. */
int ferry_path_exists(const char *path);

#endif
