/* ferry — the media: the MEDIUM argument (usb[:DIR] | png:DIR | pdf:FILE | html:FILE | screen |
 * camera[:DEVICE] | images:PATH) and carrying a package over it, step by step (write, preflight,
 * take back, lock, list, fetch); each kind's steps are one entry of medium.c's table. */
#ifndef FERRY_MEDIUM_H
#define FERRY_MEDIUM_H

#include <stddef.h>
#include <stdint.h>

#include "ferry/err.h"
#include "ferry/identity.h"
#include "ferry/manifest.h"

enum ferry_medium_kind {
    FERRY_MEDIUM_USB = 1,
    FERRY_MEDIUM_PNG,
    FERRY_MEDIUM_PDF,
    FERRY_MEDIUM_HTML,
    FERRY_MEDIUM_SCREEN,
    FERRY_MEDIUM_CAMERA,
    FERRY_MEDIUM_IMAGES,
};

struct ferry_medium {
    enum ferry_medium_kind kind;
    char *path; /* DIR, FILE, DEVICE or PATH; NULL when not given (usb: find the stick) */
};

/** Parses a MEDIUM string. FERRY_ERR_USAGE with a message for anything else. */
ferry_err ferry_medium_parse(const char *spec, struct ferry_medium *out);

/**
 * FERRY_OK if packages can be written to (@write) or read from this medium; else FERRY_ERR_USAGE
 * with a message naming the medium that does the job (`png:` to read: use `images:`).
 */
ferry_err ferry_medium_check(const struct ferry_medium *m, int write);

/** ferry_medium_parse, then ferry_medium_check (on failure @out is left clear). */
ferry_err ferry_medium_parse_for(const char *spec, int write, struct ferry_medium *out);

/** A medium's kind by its bare name ("usb", "pdf", ... as ferry_medium_kind_name gives it, no
 * path). FERRY_ERR_USAGE with a message naming the kinds for anything else. */
ferry_err ferry_medium_kind_parse(const char *name, enum ferry_medium_kind *out);

/** 1 if packages can be written to / read from this kind of medium. */
int ferry_medium_writable(enum ferry_medium_kind k);
int ferry_medium_readable(enum ferry_medium_kind k);

/** "usb", "png", ... */
const char *ferry_medium_kind_name(enum ferry_medium_kind k);

void ferry_medium_clear(struct ferry_medium *m);

/* after the kind and the medium: qr.h names the kind */
#include "ferry/qr.h"
#include "ferry/usb.h"

struct ferry_qr_opts; /* declared here too when qr.h came first and included this header */
struct ferry_usb_file;
struct ferry_identity;

/**
 * Writes one package to @m: USB -> ROOT/FERRY/@name (+ @summary beside it); PNG/PDF/HTML/SCREEN
 * -> a QR sequence with @qo (NULL: defaults; SCREEN without a path draws on @qo->screen, which
 * the defaults leave NULL: FERRY_ERR_USAGE). *where (optional, caller frees) receives the file
 * or folder written, or "screen".
 */
ferry_err ferry_medium_write(const struct ferry_medium *m, const char *name, const uint8_t *pkg,
                             size_t len, const char *summary, const struct ferry_qr_opts *qo,
                             char **where);

/**
 * Checks, without writing a package, that ferry_medium_write(@m, ...) can succeed: the medium
 * takes output; USB: the stick is there, ROOT/FERRY is (or can be made) a directory that accepts
 * a new file (a probe is created and removed) and its file system has @need bytes free (when
 * FERRY does not exist yet: the stick's root is a writable folder); SCREEN: nothing to check;
 * PNG/PDF/HTML: the folder or the file's folder exists or can be made (nearest existing folder
 * writable) and the path is not of the wrong type. For commands that must not start work they
 * cannot record (submit: nothing is sent to the service when the answer cannot be written).
 */
ferry_err ferry_medium_preflight(const struct ferry_medium *m, uint64_t need);

/**
 * Takes back what ferry_medium_write(@m, @name, ...) wrote, when a later step failed with @r
 * (the ledger refused, or memory ran out before the write was recorded): USB -> removes the
 * package and its summary, so the medium carries nothing this machine has not recorded. QR
 * outputs (files, pages, the screen) are left: they carry nothing until scanned.
 * Returns @r; its detail keeps the first error's and adds @then ("nothing was exported"), or
 * why the package could not be taken back.
 */
ferry_err ferry_medium_take_back(const struct ferry_medium *m, const char *name, ferry_err r,
                                 const char *then);

struct ferry_lock;

/**
 * Serialises runs that use the same stick: an exclusive lock on ROOT/FERRY/ (made if missing;
 * ROOT itself when it cannot be, read-only; see ferry_lock_take), held until
 * ferry_lock_release(*out). Other media (and @m NULL): *out NULL, FERRY_OK.
 */
ferry_err ferry_medium_lock(const struct ferry_medium *m, struct ferry_lock **out);

/**
 * Lists the packages on @m without reading them (USB: ferry_usb_list, names starting with
 * @prefer first); IMAGES/CAMERA: the one package the QR sequence rebuilds, already read (name
 * "qr-sequence.ferry"). Free with ferry_usb_files_free. FERRY_ERR_NOT_FOUND when the medium
 * holds none; FERRY_ERR_USAGE for an output-only medium.
 */
ferry_err ferry_medium_list(const struct ferry_medium *m, const char *prefer,
                            struct ferry_usb_file **out, size_t *n);

/**
 * Reads one listed package (no-op when read): capped by *@budget (start at FERRY_USB_READ_MAX),
 * and refused before its body is read when its outer DER does not span the file or its signer
 * certificate is none of the @nknown identities @known (the paired machines and this one;
 * ferry_package_peek). Free the bytes with ferry_usb_file_unload once the package is handled.
 */
ferry_err ferry_medium_fetch(struct ferry_usb_file *f, struct ferry_identity *const *known,
                             size_t nknown, uint64_t *budget);

/** Where a USB medium resolves to (for messages), new string; NULL for other media. */
char *ferry_medium_describe(const struct ferry_medium *m);

/**
 * QR options for one transfer: a copy of @qo (NULL: defaults) in @q2 whose label is
 * "<@prefix> <first 8 hex digits of @id>", formatted into @label. Returns @q2.
 */
const struct ferry_qr_opts *ferry_medium_label(const struct ferry_qr_opts *qo, const char *prefix,
                                               const char *id, struct ferry_qr_opts *q2,
                                               char *label, size_t n);

#endif
