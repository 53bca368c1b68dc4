/* ferry — the MEDIUM argument: usb[:DIR] | png:DIR | pdf:FILE | html:FILE | screen |
 * camera[:DEVICE] | images:PATH */
#ifndef FERRY_MEDIUM_H
#define FERRY_MEDIUM_H

#include "ferry/err.h"

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

#endif
