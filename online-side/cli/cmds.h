/* ferry-online's own verbs, each in cmd_<verb>.c; main.c's table lists them with the verbs both
 * tools share (cli/src/cmd_<verb>.c, main() in cli/src/tool.c). */
#ifndef FERRY_ONLINE_CMDS_H
#define FERRY_ONLINE_CMDS_H

#define PROG "ferry-online"
#define SIDE FERRY_SIDE_ONLINE

#include "ferry/tool.h"

ferry_verb_fn cmd_check_root, cmd_submit;

/* What `status` (ferry_cmd_status) shows of this side's transfers: cmd_status.c. */
extern const struct ferry_status_view status_view;

#endif
