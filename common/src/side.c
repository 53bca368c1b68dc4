/* ferry — the sides' names (ferry/side.h). The one place they are spelled. */
#include <stddef.h>

#include "ferry/side.h"

const char *ferry_side_name(enum ferry_side side)
{
    switch (side) {
    case FERRY_SIDE_OFFLINE: return "offline";
    case FERRY_SIDE_ONLINE: return "online";
    }
    return NULL;
}

enum ferry_side ferry_side_other(enum ferry_side side)
{
    return side == FERRY_SIDE_OFFLINE ? FERRY_SIDE_ONLINE : FERRY_SIDE_OFFLINE;
}
