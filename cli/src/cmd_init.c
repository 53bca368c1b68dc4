/* ferry — `init`, both tools: this machine's state and pairing identity. */

#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include "ferry/tool.h"

static const struct ferry_opt init_opts[] = {
    FERRY_CLI_GLOBAL_OPTS,
    {"name", 0, "NAME", "a name for this machine's identity (default: host name)"},
};

static void print_identity(const struct ferry_args *a, const char *home,
                           const struct ferry_identity *id, int created)
{
    char fp[FERRY_FP_GROUPS_LEN];
    struct ferry_json j;

    ferry_identity_fingerprint_groups(id, fp);
    if (ferry_cli_json(a)) {
        ferry_json_init(&j);
        ferry_json_str(&j, "home", home);
        ferry_json_str(&j, "name", ferry_identity_name(id));
        ferry_json_hex_text(&j, "fingerprint", fp);
        ferry_json_bool(&j, "created", created);
        ferry_json_print(&j, stdout);
        return;
    }
    printf("identity:    %s%s\nfingerprint: %s\nstate:       %s\n", ferry_identity_name(id),
           created ? "" : " (existing)", fp, home);
}

int ferry_cmd_init(const struct ferry_tool *tool, int argc, char **argv)
{
    const char *prog = tool->prog;
    enum ferry_side side = tool->side;
    const struct ferry_cmd_spec spec = {
        prog,
        "init",
        "[--name NAME]",
        "Creates this machine's ferry state and its pairing identity (an ECDSA P-256 key, kept "
        "0600, and a self-signed certificate). Running it again shows the existing identity.",
        init_opts,
        sizeof(init_opts) / sizeof(init_opts[0]),
        0};
    struct ferry_args a;
    struct ferry_store *s = NULL;
    struct ferry_identity *id = NULL;
    char host[HOST_NAME_MAX + 1], name[128];
    const char *given;
    int rc, created = 1;
    ferry_err r;

    if ((rc = ferry_cli_parse(&spec, argc, argv, &a)) >= 0)
        return rc;
    if ((given = ferry_args_get(&a, spec.opts, spec.nopts, "name")) == NULL) {
        if (gethostname(host, sizeof(host)) != 0)
            snprintf(host, sizeof(host), "ferry");
        host[sizeof(host) - 1] = '\0';
        snprintf(name, sizeof(name), "%s (%s)", host, ferry_side_name(side));
        given = name;
    }
    if ((r = ferry_cli_open_store(&spec, &a, side, 1, &s)) != FERRY_OK)
        goto out;
    r = ferry_store_identity_create(s, given, &id);
    if (r == FERRY_ERR_EXISTS) {
        created = 0;
        r = ferry_store_identity(s, &id);
    }
    if (r != FERRY_OK)
        goto out;
    if (created)
        ferry_store_audit(s, "init", ferry_identity_name(id));
    print_identity(&a, ferry_store_home(s), id, created);
out:
    ferry_identity_free(id);
    ferry_store_close(s);
    return ferry_cli_fail(&spec, r);
}
