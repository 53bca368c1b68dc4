/* ferry-offline's own verbs, each in cmd_<verb>.c; main.c's table lists them with the verbs both
 * tools share (cli/src/cmd_<verb>.c, main() in cli/src/tool.c). */
#ifndef FERRY_OFFLINE_CMDS_H
#define FERRY_OFFLINE_CMDS_H

#define PROG "ferry-offline"
#define SIDE FERRY_SIDE_OFFLINE

#include "ferry/tool.h"

ferry_verb_fn cmd_request, cmd_export, cmd_import, cmd_cancel, cmd_expiry;

/* What `status` (ferry_cmd_status) shows of this side's transfers: cmd_status.c. */
extern const struct ferry_status_view status_view;

#endif
