/* ferry — USB internals exposed for the unit tests and the fuzz targets. */
#ifndef FERRY_USB_INT_H
#define FERRY_USB_INT_H

#include <stddef.h>

#include "ferry/err.h"

#define FERRY_MOUNTINFO_MAX       (4u << 20) /* bytes of mountinfo read */
#define FERRY_MOUNTINFO_MAX_LINES 20000

/* One line of /proc/self/mountinfo, with the octal escapes (\040, \011, \012, \134) decoded. */
struct ferry_mount {
    unsigned major, minor;
    char *root;       /* field 4: the root of the mount within the file system */
    char *mountpoint; /* field 5 */
    char *fstype;     /* after the "-" separator */
    char *source;     /* "/dev/sdb1", "proc", ... */
};

/**
 * Parses mountinfo text (need not be NUL-terminated). Malformed lines (too few fields, no "-"
 * separator, bad MAJ:MIN, bad escape, an escape decoding to NUL) are skipped with a debug
 * message. At most FERRY_MOUNTINFO_MAX_LINES lines are looked at (FERRY_ERR_TOO_LARGE beyond).
 * *out is a new array (free with ferry_usb_mounts_free), possibly empty (*n == 0).
 */
ferry_err ferry_usb_mountinfo_parse(const char *text, size_t len, struct ferry_mount **out,
                                    size_t *n);
void ferry_usb_mounts_free(struct ferry_mount *m, size_t n);

/**
 * Decodes a mountinfo field in place: "\ooo" (three octal digits) -> that byte.
 * Returns 0, or -1 on a malformed escape or one that decodes to NUL.
 */
int ferry_usb_unescape(char *s);

/** 1 if @fstype is a pseudo or virtual file system (proc, sysfs, tmpfs, overlay, fuse.*...). */
int ferry_usb_pseudo_fs(const char *fstype);

/**
 * 1 if the block device MAJ:MIN is removable: SYSFS/dev/block/MAJ:MIN resolves to the device
 * directory; its `removable` attribute (the parent's, for a partition) is "1", or the device
 * sits on a USB bus (a "usbN" component in its sysfs path: USB sticks that report removable=0).
 * Falls back to SYSFS/block/<disk of @source>/removable when the dev/block link is missing.
 * @sysfs is the sysfs root ("/sys" or $FERRY_SYSFS).
 */
int ferry_usb_dev_removable(const char *sysfs, unsigned major, unsigned minor, const char *source);

/**
 * 1 if the mount can be the medium: a /dev/ source, a real file system, root "/" of that file
 * system, not the system's own "/" or "/boot...", and a removable device.
 */
int ferry_usb_mount_candidate(const char *sysfs, const struct ferry_mount *m);

#endif
