/* ferry — test seams: environment variables that only a test build reads. */
#ifndef FERRY_TESTHOOK_H
#define FERRY_TESTHOOK_H

/**
 * The value of the test hook @name (FERRY_NOW, FERRY_TEST_STALL, FERRY_TEST_STALL_FD,
 * FERRY_MOUNTINFO, FERRY_SYSFS, FERRY_PDF_WALL_TEST) in a build configured with
 * FERRY_TEST_HOOKS=ON (the default when the tests are built); NULL in any other build, whatever
 * the environment holds, so a release binary runs on the real clock, mount table and sysfs.
 * Borrowed from the environment, as getenv(3) returns it. Every hook is read through here
 * (`ferry-dev lint` refuses getenv of them anywhere else); testhook.c is the one file the
 * option changes.
 */
const char *ferry_testhook_get(const char *name);

#endif
