/* ferry-offline verbs: each in cmd_<verb>.c */
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
