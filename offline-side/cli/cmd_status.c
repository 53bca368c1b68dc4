#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "ferry/safetext.h"
#include "ferry/json.h"
#include "ferry/manifest.h"
#include "ferry/tool.h"
#include "ferry/statefile.h"

#define ABOUT                                                                                      \
    "Shows this machine's identity and fingerprint, the paired online machines, and the "          \
    "requests exported from here, one row each: its trip (the export run that carried it with "    \
    "others), its state, when it was exported, its media (what export wrote to / what import "     \
    "read the answer from), the request file; outstanding ones, and those answered with the "      \
    "written certificate, its expiry and the days left. RMS: \"expires\" is the SLC's renewal "    \
    "date (the ISSUE right's RANGETIME), \"valid to\" its VALIDITYTIME."

static const char *state_name(enum ferry_transfer_state st)
{
    switch (st) {
    case FERRY_TS_OUTSTANDING: return "outstanding";
    case FERRY_TS_ANSWERED:
        return "written"; /* the certificate file: installing it is the
                           * operator's next step */
    case FERRY_TS_SUBMITTED: return "submitted";
    case FERRY_TS_FAILED: return "failed";
    case FERRY_TS_CANCELLED: return "cancelled";
    }
    return "?";
}

static void json_row(struct ferry_json *j, const struct ferry_transfer *t, time_t now)
{
    char d[11], at[21];

    ferry_json_str(j, "server_name", t->subject);
    ferry_json_str(j, "guid", t->guid);
    ferry_time_date(t->created, d);
    ferry_json_str(j, "exported", d);
    ferry_time_iso(t->created, at);
    ferry_json_str(j, "exported_at", at);
    ferry_json_str(j, "request", t->source_path);
    ferry_cli_json_trip_media(j, t);
    if (t->state == FERRY_TS_ANSWERED) {
        ferry_time_date(t->new_not_after, d);
        ferry_json_str(j, "new_expiry", d);
        ferry_json_int(j, "days_left", ferry_time_days_until(t->new_not_after, now));
        if (t->valid_until != 0) { /* RMS: new_expiry is the SLC's renewal date (RANGETIME) */
            ferry_json_str(j, "renewal_date", d);
            ferry_time_date(t->valid_until, d);
            ferry_json_str(j, "valid_until", d);
        }
        ferry_json_str(j, "certificate", t->installed_path);
    }
}

/* One row: the transfer, its trip, its state, when it was exported, its media, the expiry, then the
 * request file (and the certificate written) on lines of their own, as paths are long. */
static void text_row(FILE *f, const struct ferry_transfer *t, time_t now)
{
    char id[33], at[21], e[11] = "-", v[11] = "-", days[24] = "-", trip[9], media[40];

    ferry_transfer_id_hex(t->id, id);
    ferry_cli_trip_cell(t, trip);
    ferry_cli_media_cell(t, media);
    ferry_time_iso(t->created, at);
    if (t->valid_until != 0)
        ferry_time_date(t->valid_until, v);
    if (t->state == FERRY_TS_ANSWERED) {
        ferry_time_date(t->new_not_after, e);
        snprintf(days, sizeof(days), "%lld", ferry_time_days_until(t->new_not_after, now));
    } else {
        snprintf(v, sizeof(v), "-");
    }
    fprintf(f, "%.8s  %-8s  %-19s  %-20s  %-11s  %-10s  %5s  %-10s  %s\n", id, trip,
            t->state == FERRY_TS_ANSWERED ? "certificate written" : state_name(t->state), at, media,
            e, days, v, ferry_safe(t->subject));
    fprintf(f, "          request:     %s\n", t->source_path ? ferry_safe(t->source_path) : "-");
    if (t->state == FERRY_TS_ANSWERED && t->installed_path != NULL)
        fprintf(f, "          certificate: %s (install it as the runbook says)\n",
                ferry_safe(t->installed_path));
}

static size_t outstanding(struct ferry_transfer *const *t, size_t n)
{
    size_t i, k = 0;

    for (i = 0; i < n; i++)
        k += t[i]->state == FERRY_TS_OUTSTANDING;
    return k;
}

static void json_head(struct ferry_json *j, struct ferry_transfer *const *t, size_t n)
{
    ferry_json_int(j, "outstanding", (long long)outstanding(t, n));
}

static void text_head(FILE *f)
{
    fprintf(f, "%-8s  %-8s  %-19s  %-20s  %-11s  %-10s  %5s  %-10s  %s\n", "transfer", "trip",
            "state", "exported (UTC)", "media", "expires", "days", "valid to", "server");
}

static void text_totals(FILE *f, struct ferry_transfer *const *t, size_t n)
{
    fprintf(f, "%zu transfer(s), %zu outstanding\n", n, outstanding(t, n));
    if (n > 0)
        fprintf(f, "RMS: \"expires\" is the SLC's renewal date (ISSUE right RANGETIME), \"valid "
                   "to\" its VALIDITYTIME\n");
}

FERRY_STATUS_VIEW(ABOUT, "transfers", state_name, text_head, text_row, text_totals, json_head,
                  json_row);
