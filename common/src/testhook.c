/* Test seams: read only when FERRY_TEST_HOOKS is defined (CMake option FERRY_TEST_HOOKS). */
#include <stdlib.h>

#include "ferry/testhook.h"

const char *ferry_testhook_get(const char *name)
{
#ifdef FERRY_TEST_HOOKS
    return getenv(name);
#else
    (void)name;
    return NULL;
#endif
}
