/* ferry — the two sides: the offline (air-gapped) machine and the online (connected) one. */
#ifndef FERRY_SIDE_H
#define FERRY_SIDE_H

enum ferry_side {
    FERRY_SIDE_OFFLINE = 1,
    FERRY_SIDE_ONLINE,
};

/** @side's name as the ledger, the identity packages and the messages spell it ("offline",
 * "online"); NULL for anything else. */
const char *ferry_side_name(enum ferry_side side);

/** The other side (FERRY_SIDE_OFFLINE for FERRY_SIDE_ONLINE and the reverse). */
enum ferry_side ferry_side_other(enum ferry_side side);

#endif
