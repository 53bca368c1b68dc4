/* Fuzz target: the /proc/self/mountinfo parser and the candidate filter. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ferry/log.h"
#include "usb_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ferry_mount *m = NULL;
    size_t n = 0, i;

    ferry_log_set_level(FERRY_LOG_ERROR);
    if (ferry_usb_mountinfo_parse((const char *)data, size, &m, &n) != 0)
        return 0;
    for (i = 0; i < n; i++) {
        /* every field is set and no longer than the input (escapes only shrink) */
        if (m[i].source == NULL || m[i].root == NULL || m[i].fstype == NULL ||
            strlen(m[i].mountpoint) > size || strlen(m[i].source) > size)
            abort();
        (void)ferry_usb_mount_candidate("/nonexistent-ferry-sysfs", &m[i]);
    }
    ferry_usb_mounts_free(m, n);
    return 0;
}
