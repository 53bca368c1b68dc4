/* ferry — `status`, both tools: the identities, then the side's table of transfers. */

#include <stdio.h>

#include "ferry/safetext.h"
#include "ferry/tool.h"

/* `status --trip TRIP`: keeps only the transfers of the trip @prefix names (the others are
 * freed, *n shrinks); FERRY_ERR_USAGE/NOT_FOUND with a message for an unknown trip. */
static ferry_err trip_filter(struct ferry_store *s, const char *prefix, struct ferry_transfer **t,
                             size_t *n)
{
    uint8_t trip[FERRY_TRANSFER_ID_LEN];
    size_t i, k = 0;
    ferry_err r;

    if ((r = ferry_store_trip_find(s, prefix, trip)) != FERRY_OK)
        return r;
    for (i = 0; i < *n; i++) {
        if (t[i]->has_trip && memcmp(t[i]->trip, trip, sizeof(trip)) == 0)
            t[k++] = t[i];
        else
            ferry_transfer_free(t[i]);
    }
    *n = k;
    return FERRY_OK;
}

void ferry_cli_trip_cell(const struct ferry_transfer *t, char out[9])
{
    char hex[2 * FERRY_TRANSFER_ID_LEN + 1];

    if (!t->has_trip) {
        snprintf(out, 9, "-");
        return;
    }
    ferry_hex(t->trip, sizeof(t->trip), hex);
    snprintf(out, 9, "%.8s", hex);
}

void ferry_cli_media_cell(const struct ferry_transfer *t, char out[40])
{
    if (t->request_medium == NULL && t->answer_medium == NULL)
        snprintf(out, 40, "-");
    else
        snprintf(out, 40, "%.16s/%.16s", t->request_medium ? t->request_medium : "-",
                 t->answer_medium ? t->answer_medium : "-");
}

/* This machine's identity and fingerprint and the paired machines, as text on @f, or as "name",
 * "fingerprint" and "peers" in @j when it is not NULL. */
static void identities(FILE *f, const char *prog, struct ferry_json *j,
                       const struct ferry_identity *me, struct ferry_identity *const *peers,
                       size_t npeers)
{
    char fp[FERRY_FP_GROUPS_LEN];
    size_t i;

    ferry_identity_fingerprint_groups(me, fp);
    if (j != NULL) {
        ferry_json_str(j, "name", ferry_identity_name(me));
        ferry_json_hex_text(j, "fingerprint", fp);
        ferry_json_arr_begin(j, "peers");
    } else {
        fprintf(f, "identity:    %s\nfingerprint: %s\n", ferry_identity_name(me), fp);
    }
    for (i = 0; i < npeers; i++) {
        ferry_identity_fingerprint_groups(peers[i], fp);
        if (j != NULL) {
            ferry_json_obj_begin(j, NULL);
            ferry_json_str(j, "name", ferry_identity_name(peers[i]));
            ferry_json_hex_text(j, "fingerprint", fp);
            ferry_json_obj_end(j);
        } else {
            fprintf(f, "paired with: %s\n             %s\n",
                    ferry_safe(ferry_identity_name(peers[i])), fp);
        }
    }
    if (j != NULL)
        ferry_json_arr_end(j);
    else if (npeers == 0)
        fprintf(f, "paired with: nobody yet (run `%s pair`)\n", prog);
}

void ferry_cli_json_trip_media(struct ferry_json *j, const struct ferry_transfer *t)
{
    char trip[33];

    ferry_transfer_id_hex(t->trip, trip);
    ferry_json_str(j, "trip", t->has_trip ? trip : NULL);
    ferry_json_str(j, "request_medium", t->request_medium);
    ferry_json_str(j, "answer_medium", t->answer_medium);
}

/* The status table, after the identities: @v's headings, rows and totals. */
static void status_text(FILE *out, const struct ferry_status_view *v,
                        struct ferry_transfer *const *t, size_t n, time_t now)
{
    size_t i;

    fputc('\n', out);
    v->head(out);
    for (i = 0; i < n; i++)
        v->row(out, t[i], now);
    v->totals(out, t, n);
}

static ferry_err status_json(FILE *out, const char *prog, const struct ferry_status_view *v,
                             struct ferry_store *s, const struct ferry_identity *me,
                             struct ferry_identity *const *peers, size_t npeers,
                             struct ferry_transfer *const *t, size_t n, time_t now)
{
    struct ferry_json j;
    char id[33];
    size_t i;

    ferry_json_init(&j);
    ferry_json_str(&j, "home", ferry_store_home(s));
    identities(out, prog, &j, me, peers, npeers);
    if (v->json_head != NULL)
        v->json_head(&j, t, n);
    ferry_json_arr_begin(&j, "transfers");
    for (i = 0; i < n; i++) {
        ferry_transfer_id_hex(t[i]->id, id);
        ferry_json_obj_begin(&j, NULL);
        ferry_json_str(&j, "transfer_id", id);
        ferry_json_str(&j, "state", v->state_name(t[i]->state));
        v->json_row(&j, t[i], now);
        ferry_json_obj_end(&j);
    }
    ferry_json_arr_end(&j);
    return ferry_json_print(&j, out);
}

int ferry_cmd_status(const struct ferry_tool *tool, int argc, char **argv)
{
    const char *prog = tool->prog;
    const struct ferry_status_view *v = tool->status;
    FILE *out = stdout;
    char trip_help[128];
    const struct ferry_opt opts[] = {
        FERRY_CLI_GLOBAL_OPTS,
        {"trip", 0, "TRIP", trip_help},
    };
    const struct ferry_cmd_spec spec = {
        prog, "status", "[--trip TRIP]", v->about, opts, sizeof(opts) / sizeof(opts[0]), 0};
    struct ferry_args a;
    struct ferry_store *s = NULL;
    struct ferry_transfer **t = NULL;
    struct ferry_identity *me = NULL, **peers = NULL;
    size_t n = 0, npeers = 0;
    time_t now = ferry_time_now();
    const char *trip;
    int rc;
    ferry_err r;

    snprintf(trip_help, sizeof(trip_help),
             "only the %s of this trip (an id or 4+ hex digits of one)", v->rows);
    if ((rc = ferry_cli_parse(&spec, argc, argv, &a)) >= 0)
        return rc;
    if ((r = ferry_cli_open_store(&spec, &a, tool->side, 0, &s)) != FERRY_OK ||
        (r = ferry_store_identity(s, &me)) != FERRY_OK ||
        (r = ferry_store_peers(s, &peers, &npeers)) != FERRY_OK ||
        (r = ferry_store_transfers(s, &t, &n)) != FERRY_OK)
        goto out;
    if ((trip = ferry_args_get(&a, spec.opts, spec.nopts, "trip")) != NULL &&
        (r = trip_filter(s, trip, t, &n)) != FERRY_OK)
        goto out;
    if (ferry_cli_json(&a)) {
        r = status_json(out, prog, v, s, me, peers, npeers, t, n, now);
        goto out;
    }
    identities(out, prog, NULL, me, peers, npeers);
    status_text(out, v, t, n, now);
out:
    ferry_identity_free(me);
    ferry_store_peers_free(peers, npeers);
    ferry_transfers_free(t, n);
    ferry_store_close(s);
    return ferry_cli_fail(&spec, r);
}
