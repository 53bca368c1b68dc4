/* ferry — one writer at a time: advisory locks on $FERRY_HOME and on the medium's FERRY/. */
#ifndef FERRY_LOCK_H
#define FERRY_LOCK_H

#include "ferry/err.h"

/* How long a command waits for another run to finish before giving up (seconds); the
 * environment variable FERRY_LOCK_WAIT (0 to 600) overrides it. */
#define FERRY_LOCK_WAIT_S 10

enum ferry_lock_mode {
    FERRY_LOCK_SHARED = 0,    /* readers: any number at once, never beside a writer */
    FERRY_LOCK_EXCLUSIVE = 1, /* a command that changes something: alone */
};

struct ferry_lock;

/**
 * Takes a flock(2) on @path: a directory (opened O_DIRECTORY|O_NOFOLLOW) or a lock file
 * (created 0600, O_NOFOLLOW). When another process holds a conflicting lock, says so once on
 * stderr ("waiting for pid N") and waits up to FERRY_LOCK_WAIT_S; then FERRY_ERR_IO naming
 * @what, the holder's pid (from /proc/locks) and what to do. Free with ferry_lock_release.
 */
ferry_err ferry_lock_take(const char *path, enum ferry_lock_mode mode, const char *what,
                          struct ferry_lock **out);

/** Releases and frees the lock (NULL is fine). */
void ferry_lock_release(struct ferry_lock *l);

/** The pid holding a flock on the file @fd refers to, other than us; 0 if none is found. */
long ferry_lock_holder(int fd);

#endif
