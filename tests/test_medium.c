/* medium: the MEDIUM argument. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ferry/medium.h"

static void test_medium(void **state)
{
    static const struct {
        const char *in;
        int kind;
        const char *path;
    } ok[] = {
        {"usb", FERRY_MEDIUM_USB, NULL},
        {"usb:/media/x", FERRY_MEDIUM_USB, "/media/x"},
        {"png:out", FERRY_MEDIUM_PNG, "out"},
        {"pdf:a.pdf", FERRY_MEDIUM_PDF, "a.pdf"},
        {"html:a.html", FERRY_MEDIUM_HTML, "a.html"},
        {"screen", FERRY_MEDIUM_SCREEN, NULL},
        {"camera", FERRY_MEDIUM_CAMERA, NULL},
        {"camera:/dev/video2", FERRY_MEDIUM_CAMERA, "/dev/video2"},
        {"images:scans/", FERRY_MEDIUM_IMAGES, "scans/"},
    };
    static const char *bad[] = {"floppy", "png", "png:", "screen:x", "images", "", "usbx:/a"};
    struct ferry_medium m;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        assert_int_equal(ferry_medium_parse(ok[i].in, &m), FERRY_OK);
        assert_int_equal(m.kind, ok[i].kind);
        if (ok[i].path == NULL)
            assert_null(m.path);
        else
            assert_string_equal(m.path, ok[i].path);
        ferry_medium_clear(&m);
    }
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(ferry_medium_parse(bad[i], &m), FERRY_ERR_USAGE);
    assert_true(ferry_medium_writable(FERRY_MEDIUM_PDF));
    assert_false(ferry_medium_writable(FERRY_MEDIUM_CAMERA));
    assert_true(ferry_medium_readable(FERRY_MEDIUM_IMAGES));
    assert_false(ferry_medium_readable(FERRY_MEDIUM_SCREEN));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_medium),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
