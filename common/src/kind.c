/* ferry — the payload kinds' table (ferry/kind.h). The one place their names are spelled. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "ferry/kind.h"
#include "ferry/rms.h"

/* "<name>RenewalRequest.xml" -> "<name>SLC.xml", "<name>.xml" -> "<name>-SLC.xml" (rms.c's
 * rule), else "SLC.xml". */
static void rms_answer_name(const char *req, char *out, size_t outsz)
{
    if (!ferry_rms_slc_name(req, out, outsz))
        snprintf(out, outsz, "SLC.xml");
}

/* "<base without extension>.chain.pem". */
static void x509_answer_name(const char *req, char *out, size_t outsz)
{
    const char *dot = strrchr(req, '.');
    int n = dot != NULL && dot != req ? (int)(dot - req) : (int)strlen(req);

    snprintf(out, outsz, "%.*s.chain.pem", n, req);
}

static const struct ferry_kind_info kinds[] = {
    {
        .kind = FERRY_KIND_RMS,
        .name = "rms",
        .request_item = FERRY_ITEM_RMS_REQUEST,
        .answer_item = FERRY_ITEM_RMS_RESPONSE,
        .request_file = "RenewalRequest.xml",
        .answer_name = rms_answer_name,
        .answer_fallback = "SLC.xml",
        .what = "RMS server licensor certificate (SLC)",
        .request_what = "RMS server licensor certificate renewal request",
        .answer_what = "RMS server licensor certificate (renewed)",
        .subject_label = "Server name",
        .subject_key = "server_name",
        .protocol = "rms",
    },
    {
        .kind = FERRY_KIND_X509,
        .name = "x509",
        .request_item = FERRY_ITEM_PKCS10,
        .answer_item = FERRY_ITEM_X509_CHAIN,
        .request_file = "request.csr",
        .answer_name = x509_answer_name,
        .answer_fallback = "renewed.chain.pem",
        .what = "X.509 certificate",
        .request_what = "X.509 certificate renewal request (PKCS#10)",
        .answer_what = "X.509 certificate (renewed) with its CA chain",
        .subject_label = "Subject",
        .subject_key = "subject",
        .protocol = "est",
    },
};

#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

const struct ferry_kind_info *ferry_kind_get(enum ferry_kind k)
{
    size_t i;

    for (i = 0; i < NKINDS; i++)
        if (kinds[i].kind == k)
            return &kinds[i];
    return NULL;
}

/* The entry whose string field at @field (offsetof) is @value. */
static const struct ferry_kind_info *by_text(size_t field, const char *value)
{
    size_t i;

    for (i = 0; value != NULL && i < NKINDS; i++)
        if (strcmp(*(const char *const *)((const char *)&kinds[i] + field), value) == 0)
            return &kinds[i];
    return NULL;
}

const struct ferry_kind_info *ferry_kind_by_name(const char *name)
{
    return by_text(offsetof(struct ferry_kind_info, name), name);
}

const struct ferry_kind_info *ferry_kind_by_protocol(const char *protocol)
{
    return by_text(offsetof(struct ferry_kind_info, protocol), protocol);
}

const struct ferry_kind_info *ferry_kind_by_item(enum ferry_item_kind item, int answer)
{
    size_t i;

    for (i = 0; i < NKINDS; i++)
        if ((answer ? kinds[i].answer_item : kinds[i].request_item) == item)
            return &kinds[i];
    return NULL;
}

const char *ferry_kind_name(enum ferry_kind k)
{
    const struct ferry_kind_info *ki = ferry_kind_get(k);

    return ki != NULL ? ki->name : NULL;
}
