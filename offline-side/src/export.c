/* ferry-offline export: an RMS renewal request into a signed package on a medium. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ferry/buf.h"
#include "ferry/file.h"
#include "ferry/log.h"
#include "ferry/offline.h"
#include "ferry/package.h"
#include "ferry/rms.h"
#include "ferry/statefile.h"
#include "ferry/transport.h"
#include "ferry/usb.h"

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');

    return s ? s + 1 : path;
}

static ferry_err build_manifest(const char *request_path, const uint8_t *req, size_t len,
                                const struct ferry_rms_request *rq, const char *myname,
                                struct ferry_manifest **out)
{
    struct ferry_manifest *m = NULL;
    const char *name = base_name(request_path);
    ferry_err r;

    *out = NULL;
    if (!ferry_usb_name_ok(name))
        name = "RenewalRequest.xml";
    if ((r = ferry_manifest_new(FERRY_DIR_TO_ONLINE, &m)) != FERRY_OK)
        return r;
    if ((r = ferry_manifest_add_item(m, name, FERRY_ITEM_RMS_REQUEST, req, len)) != FERRY_OK ||
        (r = ferry_manifest_set_prop(m, "kind", "rms")) != FERRY_OK ||
        (r = ferry_manifest_set_prop(m, "guid", rq->guid)) != FERRY_OK ||
        (r = ferry_manifest_set_prop(m, "sender_name", myname)) != FERRY_OK)
        goto out;
    if (rq->server_name != NULL &&
        (r = ferry_manifest_set_prop(m, "server_name", rq->server_name)) != FERRY_OK)
        goto out;
    *out = m;
    m = NULL;
out:
    ferry_manifest_free(m);
    return r;
}

static ferry_err summary_text(const struct ferry_manifest *m, const char *request_path,
                              const char *server, const uint8_t sha[FERRY_SHA256_LEN],
                              struct ferry_buf *b)
{
    char id[33], groups[FERRY_FP_GROUPS_LEN], when[21];

    ferry_transfer_id_hex(m->transfer_id, id);
    ferry_hex_groups(sha, FERRY_SHA256_LEN, groups);
    ferry_time_iso(m->created, when);
    return ferry_buf_printf(b,
                            "ferry request package\n"
                            "what:      RMS server licensor certificate renewal request\n"
                            "server:    %s\n"
                            "from:      %s (offline machine), exported %s\n"
                            "transfer:  %s\n"
                            "SHA-256:   %s\n\n"
                            "Next step: on the online machine run\n"
                            "  ferry-online submit --from usb\n"
                            "and check it shows the same transfer id and SHA-256.\n",
                            server ? server : "(unknown)", base_name(request_path), when, id,
                            groups);
}

static ferry_err record(struct ferry_store *s, const struct ferry_manifest *m,
                        const char *request_path, const struct ferry_rms_request *rq,
                        const uint8_t pkg_sha[FERRY_SHA256_LEN], struct ferry_identity **peers,
                        size_t npeers)
{
    struct ferry_transfer t;
    char rp[PATH_MAX], fphex[65];
    uint8_t fp[FERRY_SHA256_LEN];

    memset(&t, 0, sizeof(t));
    memcpy(t.id, m->transfer_id, sizeof(t.id));
    t.direction = FERRY_DIR_TO_ONLINE;
    t.state = FERRY_TS_OUTSTANDING;
    memcpy(t.package_sha256, pkg_sha, FERRY_SHA256_LEN);
    memcpy(t.payload_sha256, m->items[0].sha256, FERRY_SHA256_LEN);
    t.kind = "rms";
    t.subject = rq->server_name;
    t.guid = rq->guid;
    t.source_path = realpath(request_path, rp) ? rp : (char *)request_path;
    if (npeers == 1) {
        ferry_identity_fingerprint(peers[0], fp);
        ferry_hex(fp, sizeof(fp), fphex);
        t.peer_fp = fphex;
    }
    t.created = t.updated = m->created;
    return ferry_store_transfer_add(s, &t);
}

ferry_err ferry_offline_export(struct ferry_store *s, const char *request_path,
                               const struct ferry_medium *to, const struct ferry_qr_opts *qo,
                               struct ferry_export_result *res)
{
    struct ferry_identity *me = NULL, **peers = NULL;
    struct ferry_rms_request *rq = NULL;
    struct ferry_manifest *m = NULL;
    struct ferry_buf summary;
    uint8_t *req = NULL, *pkg = NULL;
    size_t reqlen = 0, pkglen = 0, npeers = 0;
    const char *home = ferry_store_home(s);
    char name[64], label[64];
    struct ferry_qr_opts q2;
    int saved = 0;
    ferry_err r;

    memset(res, 0, sizeof(*res));
    ferry_buf_init(&summary, 8192);
    if ((r = ferry_state_keys(s, 0, &me, &peers, &npeers)) != FERRY_OK)
        goto out;
    if ((r = ferry_file_read(request_path, FERRY_RMS_MAX_REQUEST, &req, &reqlen)) != FERRY_OK)
        goto out;
    if ((r = ferry_rms_request_parse(req, reqlen, &rq)) != FERRY_OK) {
        r = ferry_errf(r, "%s: %s", request_path, ferry_err_detail());
        goto out;
    }
    if ((r = build_manifest(request_path, req, reqlen, rq, ferry_identity_name(me), &m)) !=
        FERRY_OK)
        goto out;
    if ((r = ferry_package_sign(m, me, &pkg, &pkglen)) != FERRY_OK)
        goto out;
    ferry_sha256(pkg, pkglen, res->package_sha256);
    ferry_transfer_id_hex(m->transfer_id, res->transfer_id);
    snprintf(name, sizeof(name), "request-%.8s.ferry", res->transfer_id);
    if ((r = summary_text(m, request_path, rq->server_name, res->package_sha256, &summary)) !=
        FERRY_OK)
        goto out;
    /* Kept copies first: import needs the exact request to bind the answer to. */
    if ((r = ferry_state_save(home, "requests", m->transfer_id, ".req", req, reqlen)) !=
            FERRY_OK ||
        (r = ferry_state_save(home, "packages", m->transfer_id, ".ferry", pkg, pkglen)) !=
            FERRY_OK)
        goto out;
    saved = 1;
    if ((r = ferry_transport_write(to, name, pkg, pkglen, (const char *)summary.data,
                                   ferry_transport_label(qo, "ferry transfer", res->transfer_id, &q2, label, sizeof(label)),
                                   &res->where)) != FERRY_OK)
        goto out;
    if ((r = record(s, m, request_path, rq, res->package_sha256, peers, npeers)) != FERRY_OK)
        goto out;
    saved = 0;
    ferry_store_audit(s, "export", res->transfer_id);
    res->paired = npeers > 0;
    if ((res->package_name = strdup(name)) == NULL ||
        (rq->server_name && (res->server_name = strdup(rq->server_name)) == NULL) ||
        (res->guid = strdup(rq->guid)) == NULL)
        r = FERRY_ERR_NOMEM;
out:
    if (saved) {
        ferry_state_remove(home, "requests", m->transfer_id, ".req");
        ferry_state_remove(home, "packages", m->transfer_id, ".ferry");
    }
    ferry_buf_free(&summary);
    ferry_manifest_free(m);
    ferry_rms_request_free(rq);
    ferry_identity_free(me);
    ferry_store_peers_free(peers, npeers);
    free(req);
    free(pkg);
    if (r != FERRY_OK)
        ferry_export_result_clear(res);
    return r;
}

void ferry_export_result_clear(struct ferry_export_result *res)
{
    FERRY_FREE(res->package_name);
    FERRY_FREE(res->where);
    FERRY_FREE(res->server_name);
    FERRY_FREE(res->guid);
}
