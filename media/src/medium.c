#include <stdlib.h>
#include <string.h>

#include "ferry/medium.h"

static const struct {
    const char *name;
    enum ferry_medium_kind kind;
    int needs_path; /* 1: "kind:PATH" required; 0: optional; -1: none allowed */
    int writable, readable;
} kinds[] = {
    {"usb", FERRY_MEDIUM_USB, 0, 1, 1},        {"png", FERRY_MEDIUM_PNG, 1, 1, 0},
    {"pdf", FERRY_MEDIUM_PDF, 1, 1, 0},        {"html", FERRY_MEDIUM_HTML, 1, 1, 0},
    {"screen", FERRY_MEDIUM_SCREEN, -1, 1, 0}, {"camera", FERRY_MEDIUM_CAMERA, 0, 0, 1},
    {"images", FERRY_MEDIUM_IMAGES, 1, 0, 1},
};

ferry_err ferry_medium_parse(const char *spec, struct ferry_medium *out)
{
    const char *colon = strchr(spec, ':');
    size_t nl = colon ? (size_t)(colon - spec) : strlen(spec);
    size_t i;

    out->kind = 0;
    out->path = NULL;
    for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        if (strlen(kinds[i].name) != nl || strncmp(spec, kinds[i].name, nl) != 0)
            continue;
        if (colon != NULL && kinds[i].needs_path < 0)
            return ferry_errf(FERRY_ERR_USAGE, "medium '%s' takes no path", kinds[i].name);
        if ((colon == NULL || colon[1] == '\0') && kinds[i].needs_path > 0)
            return ferry_errf(FERRY_ERR_USAGE, "medium '%s' needs a path: %s:PATH", kinds[i].name,
                              kinds[i].name);
        out->kind = kinds[i].kind;
        if (colon != NULL && colon[1] != '\0' && (out->path = strdup(colon + 1)) == NULL)
            return FERRY_ERR_NOMEM;
        return FERRY_OK;
    }
    return ferry_errf(FERRY_ERR_USAGE,
                      "unknown medium '%s' (usb[:DIR], png:DIR, pdf:FILE, html:FILE, screen, "
                      "camera[:DEVICE], images:PATH)",
                      spec);
}

ferry_err ferry_medium_kind_parse(const char *name, enum ferry_medium_kind *out)
{
    size_t i;

    *out = 0;
    for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (strcmp(name, kinds[i].name) == 0) {
            *out = kinds[i].kind;
            return FERRY_OK;
        }
    return ferry_errf(FERRY_ERR_USAGE,
                      "unknown medium '%s' (usb, png, pdf, html, screen, camera, images)", name);
}

static int lookup(enum ferry_medium_kind k)
{
    size_t i;

    for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (kinds[i].kind == k)
            return (int)i;
    return -1;
}

int ferry_medium_writable(enum ferry_medium_kind k)
{
    int i = lookup(k);
    return i >= 0 && kinds[i].writable;
}

int ferry_medium_readable(enum ferry_medium_kind k)
{
    int i = lookup(k);
    return i >= 0 && kinds[i].readable;
}

const char *ferry_medium_kind_name(enum ferry_medium_kind k)
{
    int i = lookup(k);
    return i >= 0 ? kinds[i].name : "?";
}

ferry_err ferry_medium_check(const struct ferry_medium *m, int write)
{
    const char *name = ferry_medium_kind_name(m->kind);

    if (write && !ferry_medium_writable(m->kind))
        return ferry_errf(FERRY_ERR_USAGE,
                          "'%s' is an input: ferry reads from it but cannot write to it; to "
                          "write, use usb[:DIR], png:DIR, pdf:FILE, html:FILE or screen",
                          name);
    if (!write && !ferry_medium_readable(m->kind))
        return ferry_errf(FERRY_ERR_USAGE,
                          "'%s' is an output: ferry writes to it but cannot read from it; to "
                          "read QR codes use images:PATH (PNG, JPEG or PDF; a file or a folder) "
                          "or camera[:DEVICE], to read a stick usb[:DIR]",
                          name);
    return FERRY_OK;
}

ferry_err ferry_medium_parse_for(const char *spec, int write, struct ferry_medium *out)
{
    ferry_err r;

    if ((r = ferry_medium_parse(spec, out)) == FERRY_OK &&
        (r = ferry_medium_check(out, write)) != FERRY_OK)
        ferry_medium_clear(out);
    return r;
}

void ferry_medium_clear(struct ferry_medium *m)
{
    free(m->path);
    m->path = NULL;
    m->kind = 0;
}
