/* ferry-online verbs: each in cmd_<verb>.c */
#ifndef FERRY_ONLINE_CMDS_H
#define FERRY_ONLINE_CMDS_H

#define PROG "ferry-online"
#define SIDE "online"

int cmd_check_root(int argc, char **argv);
int cmd_submit(int argc, char **argv);
int cmd_status(int argc, char **argv);

#endif
