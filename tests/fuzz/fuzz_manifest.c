/* Fuzz target: ferry_manifest_parse() on arbitrary bytes. Seeds: tests/vectors/package
 * manifests (copied to tests/fuzz/corpus/manifest by mkvectors.sh). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "ferry/log.h"
#include "ferry/manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ferry_manifest *m = NULL;
    uint8_t *xml = NULL;
    size_t xl;

    ferry_log_set_level(FERRY_LOG_ERROR);
    if (ferry_manifest_parse(data, size, &m) == FERRY_OK) {
        /* whatever parses must serialise and parse again */
        if (ferry_manifest_serialize(m, &xml, &xl) == FERRY_OK) {
            struct ferry_manifest *again = NULL;
            if (ferry_manifest_parse(xml, xl, &again) != FERRY_OK)
                abort();
            ferry_manifest_free(again);
        }
        free(xml);
    }
    ferry_manifest_free(m);
    return 0;
}
