/* ferry-offline cancel: ends an outstanding transfer (a request that will not be answered). */
#include <stdio.h>

#include "cmds.h"

#include "ferry/json.h"
#include "ferry/manifest.h"
#include "ferry/safetext.h"
#include "ferry/tool.h"

static const struct ferry_opt opts[] = {
    FERRY_CLI_GLOBAL_OPTS,
    {"reason", 0, "TEXT", "why, for the audit trail (e.g. \"stick lost\", \"exported twice\")"},
};

static const struct ferry_cmd_spec spec = {
    PROG,
    "cancel",
    "TRANSFER [--reason TEXT]",
    "Ends an outstanding transfer (id or unique prefix, see `status`): a request that was "
    "exported but will not be answered (a lost stick, a request exported twice, a renewal "
    "abandoned). The ledger keeps it as cancelled with an audit entry; an answer that still "
    "arrives for it is refused at import. Nothing on the stick or elsewhere is deleted.",
    opts,
    sizeof(opts) / sizeof(opts[0]),
    1};

int cmd_cancel(int argc, char **argv)
{
    struct ferry_args a;
    struct ferry_store *s = NULL;
    struct ferry_transfer *t = NULL;
    struct ferry_json j;
    const char *reason;
    char id[33];
    int rc;
    ferry_err r;

    if ((rc = ferry_cli_parse(&spec, argc, argv, &a)) >= 0)
        return rc;
    if (a.npos != 1) {
        r = ferry_errf(FERRY_ERR_USAGE, "give the TRANSFER to cancel (its id or a unique prefix, "
                                        "see `status`)");
        goto out;
    }
    reason = ferry_args_get(&a, spec.opts, spec.nopts, "reason");
    if ((r = ferry_cli_open_store(&spec, &a, SIDE, 0, &s)) != FERRY_OK ||
        (r = ferry_store_transfer_find(s, a.pos[0], &t)) != FERRY_OK ||
        (r = ferry_store_transfer_cancel(s, t->id, reason)) != FERRY_OK)
        goto out;
    ferry_transfer_id_hex(t->id, id);
    if (ferry_cli_json(&a)) {
        ferry_json_init(&j);
        ferry_json_str(&j, "transfer_id", id);
        ferry_json_str(&j, "state", "cancelled");
        ferry_json_str(&j, "server_name", t->subject);
        ferry_json_str(&j, "reason", reason);
        r = ferry_json_print(&j, stdout);
    } else {
        printf("cancelled:   %s\nserver:      %s\nrequest:     %s\n", id,
               t->subject ? ferry_safe(t->subject) : "(not named)",
               t->source_path ? ferry_safe(t->source_path) : "-");
    }
out:
    ferry_transfer_free(t);
    ferry_store_close(s);
    return ferry_cli_fail(&spec, r);
}
