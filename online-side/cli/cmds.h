/* ferry-online's own verbs, each in cmd_<verb>.c; init, pair and runbook are static in main.c
 * and hand over to ferry_cmd_init/_pair/_runbook (media/src/sidecmd.c, shared with
 * ferry-offline). */
#ifndef FERRY_ONLINE_CMDS_H
#define FERRY_ONLINE_CMDS_H

#define PROG "ferry-online"
#define SIDE "online"

int cmd_check_root(int argc, char **argv);
int cmd_submit(int argc, char **argv);
int cmd_status(int argc, char **argv);

#endif
