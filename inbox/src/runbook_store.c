#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ferry/file.h"
#include "ferry/log.h"
#include "ferry/manifest.h"
#include "ferry/runbook_store.h"
#include "ferry/statefile.h"
#include "ferry/trust.h"

/* What one listed transfer shows, owned here. */
struct rb_row {
    char id[33], sha[FERRY_FP_GROUPS_LEN], pkgname[64];
};

struct rb_hold {
    struct ferry_transfer *t;   /* the transfer, or the trip's first */
    struct ferry_transfer **tt; /* the trip's transfers (t is tt[0]), or NULL */
    size_t ntt;
    struct ferry_identity *me, **peers;
    size_t npeers;
    uint8_t *pkg;
    size_t pkglen;
    struct ferry_qr_opts qr; /* the options of the paper set `--to pdf:` printed */
    int has_qr;
    char id[33], sha[FERRY_FP_GROUPS_LEN], myfp[FERRY_FP_GROUPS_LEN], peerfp[FERRY_FP_GROUPS_LEN];
    char pkgname[64], trip[33];
    struct rb_row *rows;
    struct ferry_runbook_item *items;
    char anchor_fp[FERRY_FP_GROUPS_LEN], anchor_subject[256]; /* from service-anchor.txt */
    char anchor_service[520];
    time_t anchor_not_after;
};

/* A line "@key: value" of @text, copied into @out; 0 if absent. */
static int note_value(const char *text, const char *key, char *out, size_t cap)
{
    const char *p = text, *nl;
    size_t k = strlen(key);

    for (; p != NULL && *p != '\0'; p = nl != NULL ? nl + 1 : NULL) {
        nl = strchr(p, '\n');
        if (strncmp(p, key, k) == 0 && p[k] == ':' && p[k + 1] == ' ') {
            snprintf(out, cap, "%.*s", (int)((nl != NULL ? nl : p + strlen(p)) - (p + k + 2)),
                     p + k + 2);
            return 1;
        }
    }
    return 0;
}

/* 1 if @s is a SHA-256 in groups of four (as ferry prints it). */
static int groups_ok(const char *s)
{
    size_t i;

    if (s == NULL || strlen(s) != FERRY_FP_GROUPS_LEN - 1)
        return 0;
    for (i = 0; s[i] != '\0'; i++)
        if (i % 5 == 4 ? s[i] != ' ' : strchr("0123456789ABCDEF", s[i]) == NULL)
            return 0;
    return 1;
}

/* 1 if @s is one printable line of at most @max bytes. */
static int line_ok(const char *s, size_t max)
{
    size_t i;

    if (s == NULL || strlen(s) > max)
        return 0;
    for (i = 0; s[i] != '\0'; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return 0;
    return 1;
}

ferry_err ferry_runbook_note_anchor(const char *home, const struct ferry_manifest *m)
{
    const char *fp = ferry_manifest_prop(m, "tls_anchor_sha256");
    const char *subj = ferry_manifest_prop(m, "tls_anchor_subject");
    const char *until = ferry_manifest_prop(m, "tls_anchor_not_after");
    const char *svc = ferry_manifest_prop(m, "service");
    char text[1024], *path;
    time_t t;
    int n;
    ferry_err r;

    if (fp == NULL)
        return FERRY_OK;
    if (!groups_ok(fp) || (subj != NULL && !line_ok(subj, 255)) ||
        (svc != NULL && !line_ok(svc, 512)) ||
        (until != NULL && ferry_time_parse(until, &t) != FERRY_OK))
        return ferry_errf(FERRY_ERR_FORMAT, "the package names a TLS anchor that is not one");
    n = snprintf(text, sizeof(text),
                 "The TLS anchor the online machine last submitted over (from its signed answer "
                 "package); the request runbook prints it.\nsha256: %s\nsubject: %s\n"
                 "not_after: %s\nservice: %s\n",
                 fp, subj != NULL ? subj : "", until != NULL ? until : "", svc != NULL ? svc : "");
    if (n < 0 || (size_t)n >= sizeof(text))
        return ferry_errf(FERRY_ERR_FORMAT, "the package's TLS anchor is too long");
    if ((path = ferry_path_join(home, FERRY_SERVICE_ANCHOR_FILE)) == NULL)
        return FERRY_ERR_NOMEM;
    r = ferry_file_write_atomic(path, text, (size_t)n, 0644);
    free(path);
    return r;
}

/* Offline: the anchor noted from the last answer, into @h (left empty when there is none). */
static void noted_anchor(const char *home, struct rb_hold *h)
{
    char *path = ferry_path_join(home, FERRY_SERVICE_ANCHOR_FILE), *text = NULL, until[32];
    uint8_t *buf = NULL;
    size_t len = 0;

    if (path == NULL || ferry_file_read(path, 4096, &buf, &len) != FERRY_OK ||
        (text = strndup((const char *)buf, len)) == NULL) {
        ferry_err_clear();
        goto out;
    }
    if (note_value(text, "sha256", h->anchor_fp, sizeof(h->anchor_fp)) && groups_ok(h->anchor_fp)) {
        note_value(text, "subject", h->anchor_subject, sizeof(h->anchor_subject));
        note_value(text, "service", h->anchor_service, sizeof(h->anchor_service));
        if (note_value(text, "not_after", until, sizeof(until)) &&
            ferry_time_parse(until, &h->anchor_not_after) != FERRY_OK) {
            h->anchor_not_after = 0;
            ferry_err_clear();
        }
    } else {
        h->anchor_fp[0] = '\0';
    }
out:
    free(text);
    free(buf);
    free(path);
}

static ferry_err find_transfer(struct ferry_store *s, const struct ferry_runbook_req *q,
                               struct ferry_transfer **out)
{
    ferry_err r;
    int offline = q->side == FERRY_SIDE_OFFLINE;

    *out = NULL;
    if (q->transfer == NULL) {
        r = ferry_store_transfer_latest(s, offline ? FERRY_TS_OUTSTANDING : FERRY_TS_SUBMITTED,
                                        out);
        if (r == FERRY_ERR_NOT_FOUND)
            r = ferry_store_transfer_latest(s, 0, out);
        if (r == FERRY_ERR_NOT_FOUND)
            r = ferry_errf(r, "no transfer recorded yet: %s first",
                           offline ? "export a request" : "submit a request");
        return r;
    }
    return ferry_store_transfer_find(s, q->transfer, out);
}

/* The trip's transfers when the runbook covers a trip: q->trip, or the latest transfer's trip
 * when no transfer is named and it holds several. h->tt stays NULL for one transfer. */
static ferry_err find_trip(struct ferry_store *s, const struct ferry_runbook_req *q,
                           struct rb_hold *h)
{
    uint8_t trip[FERRY_TRANSFER_ID_LEN];
    ferry_err r;

    if (q->trip != NULL) {
        if ((r = ferry_store_trip_find(s, q->trip, trip)) != FERRY_OK)
            return r;
    } else if (q->transfer == NULL && h->t->has_trip) {
        memcpy(trip, h->t->trip, sizeof(trip));
    } else {
        return FERRY_OK;
    }
    if ((r = ferry_store_trip_transfers(s, trip, &h->tt, &h->ntt)) != FERRY_OK)
        return r;
    ferry_hex(trip, sizeof(trip), h->trip);
    ferry_transfer_free(h->t); /* from now on h->t is h->tt[0], freed with h->tt */
    h->t = h->tt[0];
    if (h->ntt > FERRY_RUNBOOK_MAX_ITEMS)
        return ferry_errf(FERRY_ERR_TOO_LARGE,
                          "trip %.8s holds %zu transfers, more than the %d one runbook lists: "
                          "print runbooks of single transfers (runbook TRANSFER)",
                          h->trip, h->ntt, FERRY_RUNBOOK_MAX_ITEMS);
    if (h->ntt == 1 && q->trip == NULL) { /* a trip of one: the transfer's own runbook */
        free(h->tt);
        h->tt = NULL;
        h->ntt = 0;
    }
    return FERRY_OK;
}

static struct ferry_identity *peer_of(struct rb_hold *h)
{
    uint8_t fp[FERRY_SHA256_LEN];
    char hex[65];
    size_t i;

    for (i = 0; i < h->npeers; i++) {
        ferry_identity_fingerprint(h->peers[i], fp);
        ferry_hex(fp, sizeof(fp), hex);
        if (h->t->peer_fp != NULL && strcmp(hex, h->t->peer_fp) == 0)
            return h->peers[i];
    }
    return h->npeers == 1 ? h->peers[0] : NULL;
}

/* The QR set `--to pdf:` printed for the package (ferry_runbook_keep_qr), when it went to
 * paper: the runbook's QR pages then carry the same frames. */
static ferry_err load_qr(const char *home, const uint8_t id[FERRY_TRANSFER_ID_LEN], int offline,
                         struct rb_hold *h)
{
    uint8_t *rec = NULL;
    size_t n = 0;
    ferry_err r;

    r = ferry_state_load(home, "packages", id, offline ? ".qr" : ".answer.qr",
                         FERRY_QR_PAPER_RECORD_MAX, &rec, &n);
    if (r == FERRY_ERR_NOT_FOUND) {
        ferry_err_clear();
        return FERRY_OK; /* not printed: the defaults, as `--to pdf:` would print them */
    }
    if (r == FERRY_OK && (r = ferry_qr_paper_parse((const char *)rec, n, &h->qr)) != FERRY_OK) {
        char why[256];

        snprintf(why, sizeof(why), "%s", ferry_err_detail());
        r = ferry_errf(r, "%s (kept in the state's packages/ folder): export again to paper", why);
    }
    h->has_qr = r == FERRY_OK;
    free(rec);
    return r;
}

/* The kept package of @t (*pkg NULL when none is kept), its SHA-256 in groups, its name. */
static ferry_err row_load(struct ferry_store *s, int offline, const struct ferry_transfer *t,
                          struct rb_row *w, uint8_t **pkg, size_t *pkglen)
{
    uint8_t sha[FERRY_SHA256_LEN];
    ferry_err r;

    *pkg = NULL;
    ferry_transfer_id_hex(t->id, w->id);
    w->sha[0] = '\0';
    r = ferry_state_load(ferry_store_home(s), "packages", t->id,
                         offline ? ".ferry" : ".answer.ferry", FERRY_MAX_PACKAGE_BYTES, pkg,
                         pkglen);
    if (r != FERRY_OK && r != FERRY_ERR_NOT_FOUND)
        return r;
    ferry_err_clear();
    if (*pkg != NULL) {
        ferry_sha256(*pkg, *pkglen, sha);
        ferry_hex_groups(sha, sizeof(sha), w->sha);
    }
    snprintf(w->pkgname, sizeof(w->pkgname), "%s-%.8s.ferry", offline ? "request" : "response",
             w->id);
    return FERRY_OK;
}

static const char *base_name(const char *path)
{
    const char *b = path != NULL ? strrchr(path, '/') : NULL;

    return b != NULL ? b + 1 : path;
}

/* Every transfer of the trip, as the runbook lists it. */
static ferry_err gather_items(struct ferry_store *s, int offline, struct rb_hold *h,
                              struct ferry_runbook *rb)
{
    uint8_t *pkg = NULL;
    size_t i, len = 0;
    ferry_err r;

    if ((h->rows = calloc(h->ntt, sizeof(*h->rows))) == NULL ||
        (h->items = calloc(h->ntt, sizeof(*h->items))) == NULL)
        return FERRY_ERR_NOMEM;
    for (i = 0; i < h->ntt; i++) {
        const struct ferry_transfer *t = h->tt[i];
        struct ferry_runbook_item *it = &h->items[i];
        if ((r = row_load(s, offline, t, &h->rows[i], &pkg, &len)) != FERRY_OK)
            return r;
        free(pkg);
        it->transfer_id = h->rows[i].id;
        it->server_name = t->subject;
        it->guid = t->guid;
        it->request_file = base_name(t->source_path);
        it->package_file = h->rows[i].pkgname;
        it->package_sha256 = h->rows[i].sha[0] != '\0' ? h->rows[i].sha : NULL;
        it->current_not_after = t->old_not_after;
        it->new_not_after = t->new_not_after;
        it->valid_until = t->valid_until;
    }
    rb->items = h->items;
    rb->nitems = h->ntt;
    rb->trip_id = h->trip;
    return FERRY_OK;
}

/* The medium of this side's leg as the ledger recorded it (0 when unknown or not one a
 * package is written to). */
static enum ferry_medium_kind recorded_medium(const struct ferry_transfer *t, int offline)
{
    const char *name = offline ? t->request_medium : t->answer_medium;
    enum ferry_medium_kind k = 0;

    if (name == NULL || ferry_medium_kind_parse(name, &k) != FERRY_OK || !ferry_medium_writable(k))
        k = 0;
    ferry_err_clear();
    return k;
}

static ferry_err gather(struct ferry_store *s, const struct ferry_runbook_req *q, struct rb_hold *h,
                        struct ferry_runbook *rb)
{
    int offline = q->side == FERRY_SIDE_OFFLINE;
    struct ferry_identity *peer;
    struct rb_row one;
    ferry_err r;

    if ((q->trip == NULL && (r = find_transfer(s, q, &h->t)) != FERRY_OK) ||
        (r = find_trip(s, q, h)) != FERRY_OK ||
        (r = ferry_trust_keys(s, 0, &h->me, &h->peers, &h->npeers)) != FERRY_OK)
        return r;
    memset(rb, 0, sizeof(*rb));
    if ((r = row_load(s, offline, h->t, &one, &h->pkg, &h->pkglen)) != FERRY_OK)
        return r;
    if (h->pkg != NULL && (r = load_qr(ferry_store_home(s), h->t->id, offline, h)) != FERRY_OK)
        return r;
    memcpy(h->id, one.id, sizeof(h->id));
    memcpy(h->sha, one.sha, sizeof(h->sha));
    memcpy(h->pkgname, one.pkgname, sizeof(h->pkgname));
    if (h->tt != NULL && (r = gather_items(s, offline, h, rb)) != FERRY_OK)
        return r;
    if (h->tt == NULL && h->t->has_trip) {
        ferry_hex(h->t->trip, FERRY_TRANSFER_ID_LEN, h->trip);
        rb->trip_id = h->trip;
    }
    ferry_identity_fingerprint_groups(h->me, h->myfp);
    if ((peer = peer_of(h)) != NULL)
        ferry_identity_fingerprint_groups(peer, h->peerfp);
    rb->leg = offline ? FERRY_RUNBOOK_REQUEST : FERRY_RUNBOOK_RESPONSE;
    rb->medium = q->medium != 0 ? q->medium : recorded_medium(h->t, offline);
    rb->transfer_id = h->id;
    rb->kind = h->t->kind;
    rb->server_name = h->t->subject;
    rb->guid = h->t->guid;
    rb->request_file = base_name(h->t->source_path);
    rb->package_file = h->pkgname;
    rb->package_sha256 = h->sha[0] != '\0' ? h->sha : NULL;
    rb->offline_name = offline ? ferry_identity_name(h->me)
                       : peer  ? ferry_identity_name(peer)
                               : NULL;
    rb->offline_fp = offline ? h->myfp : peer ? h->peerfp : NULL;
    rb->online_name =
        offline ? (peer ? ferry_identity_name(peer) : NULL) : ferry_identity_name(h->me);
    rb->online_fp = offline ? (peer ? h->peerfp : NULL) : h->myfp;
    rb->service_url = h->t->service;
    rb->anchor_subject = q->anchor_subject;
    rb->anchor_fp = q->anchor_fp;
    rb->anchor_not_after = q->anchor_not_after;
    if (offline && rb->anchor_fp == NULL) {
        noted_anchor(ferry_store_home(s), h);
        rb->anchor_fp = h->anchor_fp[0] ? h->anchor_fp : NULL;
        rb->anchor_subject = h->anchor_fp[0] && h->anchor_subject[0] ? h->anchor_subject : NULL;
        rb->anchor_not_after = h->anchor_fp[0] ? h->anchor_not_after : 0;
        if (rb->service_url == NULL && h->anchor_fp[0] && h->anchor_service[0])
            rb->service_url = h->anchor_service; /* the service it was used for */
    }
    rb->current_not_after = h->t->old_not_after;
    rb->new_not_after = h->t->new_not_after;
    rb->valid_until = h->t->valid_until;
    rb->created = h->t->created;
    rb->package = h->tt == NULL ? h->pkg : NULL; /* a trip's runbook embeds no QR pages */
    rb->package_len = h->tt == NULL ? h->pkglen : 0;
    rb->qr = h->has_qr ? &h->qr : NULL;
    return FERRY_OK;
}

static ferry_err emit(const struct ferry_runbook *rb, const struct ferry_runbook_req *q)
{
    int to_stdout = q->out == NULL || strcmp(q->out, "-") == 0;
    size_t ol = q->out ? strlen(q->out) : 0;
    int text = q->text || to_stdout || (ol > 4 && strcmp(q->out + ol - 4, ".txt") == 0);
    char *txt = NULL;
    ferry_err r;

    if (!text)
        return ferry_runbook_pdf(rb, q->paper ? q->paper : FERRY_PAPER_A4, q->out);
    if ((r = ferry_runbook_text(rb, &txt)) != FERRY_OK)
        return r;
    if (to_stdout) {
        r = q->tty == NULL || fputs(txt, q->tty) < 0 || fflush(q->tty) != 0 ? FERRY_ERR_IO
                                                                            : FERRY_OK;
    } else {
        r = ferry_file_write_atomic(q->out, txt, strlen(txt), 0644);
    }
    free(txt);
    return r;
}

ferry_err ferry_runbook_for_transfer(struct ferry_store *s, const struct ferry_runbook_req *q)
{
    struct rb_hold h;
    struct ferry_runbook rb;
    ferry_err r;

    memset(&h, 0, sizeof(h));
    if ((r = gather(s, q, &h, &rb)) == FERRY_OK && (r = emit(&rb, q)) == FERRY_OK &&
        q->out != NULL && strcmp(q->out, "-") != 0) {
        if (h.tt != NULL)
            ferry_log(FERRY_LOG_INFO, "runbook for trip %.8s (%zu transfers) written to %s", h.trip,
                      h.ntt, q->out);
        else
            ferry_log(FERRY_LOG_INFO, "runbook for transfer %.8s written to %s", h.id, q->out);
    }
    if (h.tt != NULL)
        ferry_transfers_free(h.tt, h.ntt); /* h.t is h.tt[0] */
    else
        ferry_transfer_free(h.t);
    ferry_identity_free(h.me);
    ferry_store_peers_free(h.peers, h.npeers);
    free(h.pkg);
    free(h.rows);
    free(h.items);
    return r;
}

ferry_err ferry_runbook_keep_qr(const struct ferry_medium *m, const char *home,
                                const uint8_t id[FERRY_TRANSFER_ID_LEN], const char *ext,
                                const uint8_t *pkg, size_t len, const struct ferry_qr_opts *qo)
{
    struct ferry_qr_paper paper;
    char rec[FERRY_QR_PAPER_RECORD_MAX];
    ferry_err r;

    if (m->kind != FERRY_MEDIUM_PDF) { /* a record of an earlier PDF no longer holds */
        ferry_state_remove(home, "packages", id, ext);
        return FERRY_OK;
    }
    if ((r = ferry_qr_paper_set(pkg, len, qo, &paper, NULL)) != FERRY_OK)
        return r;
    ferry_qr_paper_format(&paper, rec);
    return ferry_state_save(home, "packages", id, ext, (const uint8_t *)rec, strlen(rec));
}
