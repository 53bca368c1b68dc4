#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "ferry/safetext.h"
#include "ferry/json.h"
#include "ferry/manifest.h"
#include "ferry/sidecmd.h"
#include "ferry/statefile.h"

static const struct ferry_opt opts[] = {
    FERRY_CLI_GLOBAL_OPTS,
    {"trip", 0, "TRIP", "only the transfers of this trip (an id or 4+ hex digits of one)"},
};

static const struct ferry_cmd_spec spec = {
    PROG,
    "status",
    "[--trip TRIP]",
    "Shows this machine's identity and fingerprint, the paired online machines, and the "
    "requests exported from here, one row each: its trip (the export run that carried it with "
    "others), its state, when it was exported, its media (what export wrote to / what import "
    "read the answer from), the request file; outstanding ones, and those answered with the "
    "written certificate, its expiry and the days left. RMS: \"expires\" is the SLC's renewal "
    "date (the ISSUE right's RANGETIME), \"valid to\" its VALIDITYTIME.",
    opts,
    sizeof(opts) / sizeof(opts[0]),
    0};

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
    char id[33], d[11], at[21], trip[33];

    ferry_transfer_id_hex(t->id, id);
    ferry_transfer_id_hex(t->trip, trip);
    ferry_json_obj_begin(j, NULL);
    ferry_json_str(j, "transfer_id", id);
    ferry_json_str(j, "state", state_name(t->state));
    ferry_json_str(j, "server_name", t->subject);
    ferry_json_str(j, "guid", t->guid);
    ferry_time_date(t->created, d);
    ferry_json_str(j, "exported", d);
    ferry_time_iso(t->created, at);
    ferry_json_str(j, "exported_at", at);
    ferry_json_str(j, "request", t->source_path);
    ferry_json_str(j, "trip", t->has_trip ? trip : NULL);
    ferry_json_str(j, "request_medium", t->request_medium);
    ferry_json_str(j, "answer_medium", t->answer_medium);
    if (t->state == FERRY_TS_ANSWERED) {
        ferry_time_date(t->new_not_after, d);
        ferry_json_str(j, "new_expiry", d);
        ferry_json_int(j, "days_left", ferry_days_until(t->new_not_after, now));
        if (t->valid_until != 0) { /* RMS: new_expiry is the SLC's renewal date (RANGETIME) */
            ferry_json_str(j, "renewal_date", d);
            ferry_time_date(t->valid_until, d);
            ferry_json_str(j, "valid_until", d);
        }
        ferry_json_str(j, "certificate", t->installed_path);
    }
    ferry_json_obj_end(j);
}

/* One row: the transfer, its trip, its state, when it was exported, its media, the expiry, then the
 * request file (and the certificate written) on lines of their own, as paths are long. */
static void text_row(const struct ferry_transfer *t, time_t now)
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
        snprintf(days, sizeof(days), "%lld", ferry_days_until(t->new_not_after, now));
    } else {
        snprintf(v, sizeof(v), "-");
    }
    printf("%.8s  %-8s  %-19s  %-20s  %-11s  %-10s  %5s  %-10s  %s\n", id, trip,
           t->state == FERRY_TS_ANSWERED ? "certificate written" : state_name(t->state), at, media,
           e, days, v, ferry_safe(t->subject));
    printf("          request:     %s\n", t->source_path ? ferry_safe(t->source_path) : "-");
    if (t->state == FERRY_TS_ANSWERED && t->installed_path != NULL)
        printf("          certificate: %s (install it as the runbook says)\n",
               ferry_safe(t->installed_path));
}

int cmd_status(int argc, char **argv)
{
    struct ferry_args a;
    struct ferry_store *s = NULL;
    struct ferry_transfer **t = NULL;
    struct ferry_json j;
    struct ferry_identity *me = NULL, **peers = NULL;
    size_t n = 0, i, outstanding = 0, npeers = 0;
    time_t now = ferry_now();
    const char *trip;
    int rc;
    ferry_err r;

    if ((rc = ferry_cli_parse(&spec, argc, argv, &a)) >= 0)
        return rc;
    if ((r = ferry_cli_open_store(&spec, &a, SIDE, 0, &s)) != FERRY_OK ||
        (r = ferry_state_keys(s, 0, &me, &peers, &npeers)) != FERRY_OK ||
        (r = ferry_store_transfers(s, &t, &n)) != FERRY_OK)
        goto out;
    if ((trip = ferry_args_get(&a, spec.opts, spec.nopts, "trip")) != NULL &&
        (r = ferry_cli_trip_filter(s, trip, t, &n)) != FERRY_OK)
        goto out;
    for (i = 0; i < n; i++)
        outstanding += t[i]->state == FERRY_TS_OUTSTANDING;
    if (ferry_cli_json(&a)) {
        ferry_json_init(&j);
        ferry_json_str(&j, "home", ferry_store_home(s));
        ferry_cli_identities(PROG, &j, me, peers, npeers);
        ferry_json_int(&j, "outstanding", (long long)outstanding);
        ferry_json_arr_begin(&j, "transfers");
        for (i = 0; i < n; i++)
            json_row(&j, t[i], now);
        ferry_json_arr_end(&j);
        r = ferry_json_print(&j, stdout);
        goto out;
    }
    ferry_cli_identities(PROG, NULL, me, peers, npeers);
    printf("\n%-8s  %-8s  %-19s  %-20s  %-11s  %-10s  %5s  %-10s  %s\n", "transfer", "trip",
           "state", "exported (UTC)", "media", "expires", "days", "valid to", "server");
    for (i = 0; i < n; i++)
        text_row(t[i], now);
    printf("%zu transfer(s), %zu outstanding\n", n, outstanding);
    if (n > 0)
        printf("RMS: \"expires\" is the SLC's renewal date (ISSUE right RANGETIME), \"valid to\" "
               "its VALIDITYTIME\n");
out:
    ferry_identity_free(me);
    ferry_store_peers_free(peers, npeers);
    ferry_transfers_free(t, n);
    ferry_store_close(s);
    return ferry_cli_fail(&spec, r);
}
