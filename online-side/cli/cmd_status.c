/* ferry-online status: this machine's identity, its paired machines, the requests submitted. */
#include <stdio.h>

#include "cmds.h"
#include "ferry/time.h"
#include "ferry/json.h"
#include "ferry/manifest.h"
#include "ferry/safetext.h"
#include "ferry/tool.h"
#include "ferry/statefile.h"

#define ABOUT                                                                                      \
    "Shows this machine's identity and fingerprint (the values the runbook asks to compare), "     \
    "the paired offline machines, and the requests submitted from here, one row each: its trip "   \
    "(the submit run that carried it with others), when, its media (what submit read the "         \
    "request from / wrote the answer to), the request file, to which service, and the expiry "     \
    "of the certificate each answer carried."

static const char *state_name(enum ferry_transfer_state st)
{
    switch (st) {
    case FERRY_TS_SUBMITTED: return "submitted";
    case FERRY_TS_FAILED: return "failed";
    default: return "?";
    }
}

static void json_row(struct ferry_json *j, const struct ferry_transfer *t, time_t now)
{
    char d[21];

    ferry_json_str(j, "kind", ferry_kind_name(t->kind));
    ferry_json_str(j, "server_name", t->subject); /* as offline status: the subject in X.509 */
    ferry_json_str(j, "guid", t->guid);
    ferry_time_iso(t->updated, d);
    ferry_json_str(j, "submitted", d);
    ferry_json_str(j, "service", t->service);
    ferry_json_str(j, "request", t->source_path); /* the request file carried, when recorded */
    ferry_cli_json_trip_media(j, t);
    if (t->new_not_after != 0) {
        ferry_time_date(t->new_not_after, d);
        ferry_json_str(j, "new_expiry", d);
        ferry_json_int(j, "days_left", ferry_time_days_until(t->new_not_after, now));
    }
}

/* One row: the transfer, its trip, its state, when it was submitted, its media, the expiry, then
 * the request file and the service on lines of their own, as they are long. */
static void text_row(FILE *f, const struct ferry_transfer *t, time_t now)
{
    char id[33], d[21], e[11] = "-", days[24] = "-", trip[9], media[40];

    ferry_transfer_id_hex(t->id, id);
    ferry_cli_trip_cell(t, trip);
    ferry_cli_media_cell(t, media);
    ferry_time_iso(t->updated, d);
    if (t->new_not_after != 0) {
        ferry_time_date(t->new_not_after, e);
        snprintf(days, sizeof(days), "%lld", ferry_time_days_until(t->new_not_after, now));
    }
    fprintf(f, "%.8s  %-8s  %-9s  %-20s  %-11s  %-10s  %5s  %s\n", id, trip, state_name(t->state),
            d, media, e, days, ferry_safe(t->subject));
    fprintf(f, "          request: %s\n          service: %s\n",
            t->source_path ? ferry_safe(t->source_path) : "-",
            t->service ? ferry_safe(t->service) : "-");
}

static void text_head(FILE *f)
{
    fprintf(f, "%-8s  %-8s  %-9s  %-20s  %-11s  %-10s  %5s  %s\n", "transfer", "trip", "state",
            "submitted (UTC)", "media", "expires", "days", "server");
}

static void text_totals(FILE *f, struct ferry_transfer *const *t, size_t n)
{
    (void)t;
    fprintf(f, "%zu request(s) submitted from here\n", n);
}

FERRY_STATUS_VIEW(ABOUT, "requests", state_name, text_head, text_row, text_totals, NULL, json_row);
