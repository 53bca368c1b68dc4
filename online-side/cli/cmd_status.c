/* ferry-online status: this machine's identity, its paired machines, the requests submitted. */
#include <stdio.h>

#include "cmds.h"
#include "ferry/codec.h"
#include "ferry/json.h"
#include "ferry/manifest.h"
#include "ferry/safetext.h"
#include "ferry/sidecmd.h"
#include "ferry/statefile.h"

static const struct ferry_opt opts[] = {
    FERRY_CLI_GLOBAL_OPTS,
    {"trip", 0, "TRIP", "only the requests of this trip (an id or 4+ hex digits of one)"},
};

static const struct ferry_cmd_spec spec = {
    PROG,
    "status",
    "[--trip TRIP]",
    "Shows this machine's identity and fingerprint (the values the runbook asks to compare), "
    "the paired offline machines, and the requests submitted from here, one row each: its trip "
    "(the submit run that carried it with others), when, its media (what submit read the "
    "request from / wrote the answer to), the request file, to which service, and the expiry "
    "of the certificate each answer carried.",
    opts,
    sizeof(opts) / sizeof(opts[0]),
    0};

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
    char id[33], d[21], trip[33];

    ferry_transfer_id_hex(t->id, id);
    ferry_transfer_id_hex(t->trip, trip);
    ferry_json_obj_begin(j, NULL);
    ferry_json_str(j, "transfer_id", id);
    ferry_json_str(j, "state", state_name(t->state));
    ferry_json_str(j, "kind", t->kind);
    ferry_json_str(j, "server_name", t->subject); /* as offline status: the subject in X.509 */
    ferry_json_str(j, "guid", t->guid);
    ferry_time_iso(t->updated, d);
    ferry_json_str(j, "submitted", d);
    ferry_json_str(j, "service", t->service);
    ferry_json_str(j, "request", t->source_path); /* the request file carried, when recorded */
    ferry_json_str(j, "trip", t->has_trip ? trip : NULL);
    ferry_json_str(j, "request_medium", t->request_medium);
    ferry_json_str(j, "answer_medium", t->answer_medium);
    if (t->new_not_after != 0) {
        ferry_time_date(t->new_not_after, d);
        ferry_json_str(j, "new_expiry", d);
        ferry_json_int(j, "days_left", ferry_days_until(t->new_not_after, now));
    }
    ferry_json_obj_end(j);
}

/* One row: the transfer, its trip, its state, when it was submitted, its media, the expiry, then
 * the request file and the service on lines of their own, as they are long. */
static void text_row(const struct ferry_transfer *t, time_t now)
{
    char id[33], d[21], e[11] = "-", days[24] = "-", trip[9], media[40];

    ferry_transfer_id_hex(t->id, id);
    ferry_cli_trip_cell(t, trip);
    ferry_cli_media_cell(t, media);
    ferry_time_iso(t->updated, d);
    if (t->new_not_after != 0) {
        ferry_time_date(t->new_not_after, e);
        snprintf(days, sizeof(days), "%lld", ferry_days_until(t->new_not_after, now));
    }
    printf("%.8s  %-8s  %-9s  %-20s  %-11s  %-10s  %5s  %s\n", id, trip, state_name(t->state), d,
           media, e, days, ferry_safe(t->subject));
    printf("          request: %s\n          service: %s\n",
           t->source_path ? ferry_safe(t->source_path) : "-",
           t->service ? ferry_safe(t->service) : "-");
}

int cmd_status(int argc, char **argv)
{
    struct ferry_args a;
    struct ferry_store *s = NULL;
    struct ferry_transfer **t = NULL;
    struct ferry_json j;
    struct ferry_identity *me = NULL, **peers = NULL;
    size_t n = 0, i, npeers = 0;
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
    if (ferry_cli_json(&a)) {
        ferry_json_init(&j);
        ferry_json_str(&j, "home", ferry_store_home(s));
        ferry_cli_identities(PROG, &j, me, peers, npeers);
        ferry_json_arr_begin(&j, "transfers");
        for (i = 0; i < n; i++)
            json_row(&j, t[i], now);
        ferry_json_arr_end(&j);
        r = ferry_json_print(&j, stdout);
        goto out;
    }
    ferry_cli_identities(PROG, NULL, me, peers, npeers);
    printf("\n%-8s  %-8s  %-9s  %-20s  %-11s  %-10s  %5s  %s\n", "transfer", "trip", "state",
           "submitted (UTC)", "media", "expires", "days", "server");
    for (i = 0; i < n; i++)
        text_row(t[i], now);
    printf("%zu request(s) submitted from here\n", n);
out:
    ferry_identity_free(me);
    ferry_store_peers_free(peers, npeers);
    ferry_transfers_free(t, n);
    ferry_store_close(s);
    return ferry_cli_fail(&spec, r);
}
