/* ferry-offline verbs: cmd_<verb>.c each, except init, pair and runbook, which main.c hands to
 * ferry_cmd_init/_pair/_runbook (media/src/sidecmd.c, shared with ferry-online). */
#ifndef FERRY_OFFLINE_CMDS_H
#define FERRY_OFFLINE_CMDS_H

#define PROG "ferry-offline"
#define SIDE "offline"

int cmd_init(int argc, char **argv);
int cmd_pair(int argc, char **argv);
int cmd_request(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_cancel(int argc, char **argv);
int cmd_runbook(int argc, char **argv);
int cmd_expiry(int argc, char **argv);

#endif
