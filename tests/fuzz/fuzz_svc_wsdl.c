/* Fuzz target: check-root --service's judge of a ?WSDL answer, ferry_svc_wsdl_judge
 * (online-side/src/svccheck.c; corpus tests/fuzz/corpus/svc_wsdl). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ferry/svccheck.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char why[256];
    int ok = ferry_svc_wsdl_judge(data, size, why, sizeof(why));

    if ((ok != 0 && ok != 1) || why[0] == '\0' || strlen(why) >= sizeof(why))
        __builtin_trap();
    return 0;
}
