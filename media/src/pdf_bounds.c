/* ferry — a PDF is measured before it is rendered: pdfinfo reports pages and page sizes,
 * refused beyond the bounds; every poppler child runs with a wall-time deadline and a memory
 * cap, so an 880-byte PDF of huge pages or a small one of 500 blank pages is refused at once. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ferry/file.h"
#include "ferry/testhook.h"
#include "pdf_int.h"

#define PDF_INFO_MAX (1u << 20)

struct timespec ferry_pdf_deadline(void)
{
    const char *v = ferry_testhook_get("FERRY_PDF_WALL_TEST");
    struct timespec t;
    long s = FERRY_PDF_WALL_S, w;
    char *end;

    if (v != NULL && (w = strtol(v, &end, 10)) > 0 && *end == '\0' && w < FERRY_PDF_WALL_S)
        s = w;
    clock_gettime(CLOCK_MONOTONIC, &t);
    t.tv_sec += s;
    return t;
}

static int past(const struct timespec *d)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec > d->tv_sec || (now.tv_sec == d->tv_sec && now.tv_nsec >= d->tv_nsec);
}

ferry_err ferry_pdf_run(char *const argv[], const char *out, const char *pdf,
                        const struct timespec *deadline, int *status)
{
    struct timespec nap = {0, 10 * 1000000L};
    pid_t pid, w;
    int st = 0;

    *status = -1;
    if ((pid = fork()) < 0)
        return ferry_errf(FERRY_ERR_IO, "cannot start %s: %s", argv[0], strerror(errno));
    if (pid == 0) {
        struct rlimit rl = {FERRY_PDF_MEM_BYTES, FERRY_PDF_MEM_BYTES};
        int null = open("/dev/null", O_WRONLY), o = -1;

        if (out != NULL)
            o = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0600);
        if (null >= 0) {
            dup2(o >= 0 ? o : null, STDOUT_FILENO);
            dup2(null, STDERR_FILENO);
        }
        setrlimit(RLIMIT_AS, &rl);
        execvp(argv[0], argv);
        _exit(127);
    }
    for (;;) {
        w = waitpid(pid, &st, WNOHANG);
        if (w == pid)
            break;
        if (w < 0 && errno != EINTR)
            return ferry_errf(FERRY_ERR_IO, "waiting for %s: %s", argv[0], strerror(errno));
        if (past(deadline)) {
            kill(pid, SIGKILL);
            while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
                ;
            return ferry_errf(FERRY_ERR_TOO_LARGE,
                              "%s: looking at the PDF took longer than %d s: stopped; scan the "
                              "pages with ferry codes to PNG or JPEG images instead",
                              pdf, FERRY_PDF_WALL_S);
        }
        nanosleep(&nap, NULL);
    }
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    if (WIFSIGNALED(st) && (WTERMSIG(st) == SIGSEGV || WTERMSIG(st) == SIGABRT ||
                            WTERMSIG(st) == SIGKILL || WTERMSIG(st) == SIGBUS))
        return ferry_errf(FERRY_ERR_TOO_LARGE,
                          "%s: the PDF renderer gave up (out of its %llu MiB of memory?): scan "
                          "the pages with ferry codes to PNG or JPEG images instead",
                          pdf, FERRY_PDF_MEM_BYTES >> 20);
    return FERRY_OK;
}

ferry_err ferry_pdf_check(const char *pdf, const char *tmpdir, int dpi,
                          unsigned long long max_pixels, const struct timespec *deadline,
                          int *pages)
{
    char *info = ferry_path_join(tmpdir, "pdfinfo.txt"), *line, *save = NULL, last[16], *arg = NULL;
    char *argv[8];
    uint8_t *text = NULL;
    size_t len = 0;
    int status, n = -1, page;
    double w, h;
    ferry_err r;

    *pages = 0;
    if (info == NULL)
        return FERRY_ERR_NOMEM;
    if (pdf[0] == '-' && (arg = ferry_path_join(".", pdf)) == NULL) {
        free(info);
        return FERRY_ERR_NOMEM;
    }
    snprintf(last, sizeof(last), "%d", FERRY_PDF_MAX_PAGES + 1);
    argv[0] = "pdfinfo";
    argv[1] = "-f";
    argv[2] = "1";
    argv[3] = "-l";
    argv[4] = last;
    argv[5] = arg != NULL ? arg : (char *)pdf;
    argv[6] = NULL;
    if ((r = ferry_pdf_run(argv, info, pdf, deadline, &status)) != FERRY_OK)
        goto out;
    if (status == 127) {
        r = ferry_errf(FERRY_ERR_NOT_FOUND,
                       "%s: scanning PDF files needs pdfinfo and pdftoppm: install "
                       "poppler-utils, or scan the pages to PNG/JPEG images",
                       pdf);
        goto out;
    }
    if (status != 0 || (r = ferry_file_read(info, PDF_INFO_MAX, &text, &len)) != FERRY_OK) {
        r = ferry_errf(FERRY_ERR_FORMAT, "%s: pdfinfo could not read it (status %d): is it a PDF?",
                       pdf, status);
        goto out;
    }
    for (line = strtok_r((char *)text, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        if (sscanf(line, "Pages: %d", &n) == 1 && n > FERRY_PDF_MAX_PAGES) {
            r = ferry_errf(FERRY_ERR_TOO_LARGE,
                           "%s: %d pages, more than the %d a ferry QR sequence fills: not "
                           "rendered; scan only the pages with ferry codes",
                           pdf, n, FERRY_PDF_MAX_PAGES);
            goto out;
        }
        if (sscanf(line, "Page %d size: %lf x %lf", &page, &w, &h) == 3) {
            double px = (w / 72.0 * dpi) * (h / 72.0 * dpi);
            if (!(w > 0 && h > 0) || px > (double)max_pixels) {
                r = ferry_errf(FERRY_ERR_TOO_LARGE,
                               "%s: page %d is %.0f x %.0f pt, %.0f megapixels at %d dpi, over "
                               "the %llu-megapixel limit: not rendered; scan the page to a PNG "
                               "or JPEG image instead",
                               pdf, page, w, h, px / 1048576.0, dpi, max_pixels >> 20);
                goto out;
            }
        }
    }
    if (n < 1) {
        r = ferry_errf(FERRY_ERR_FORMAT, "%s: pdfinfo found no pages: is it a PDF?", pdf);
        goto out;
    }
    *pages = n;
    r = FERRY_OK;
out:
    if (info != NULL)
        unlink(info);
    free(text);
    free(info);
    free(arg);
    return r;
}
