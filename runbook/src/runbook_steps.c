/* ferry — the runbook's content: what each operator does and checks, in the order they meet it.
 * A printer of many lines: errors are kept in the context (sticky) and checked once at the end,
 * as a printf-style writer would, so each line stays one line. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ferry/time.h"
#include "ferry/rms.h"
#include "runbook_int.h"

struct ctx {
    const struct ferry_runbook *rb;
    struct rb_doc *d;
    char sec; /* section letter of the steps being written */
    int step; /* last step number in the section */
    ferry_err r;
};

static void add(struct ctx *c, enum rb_kind k, const char *key, const char *text, int mono,
                int indent)
{
    if (c->r == FERRY_OK)
        c->r = rb_add(c->d, k, key, text, mono, indent);
}

static void addv(struct ctx *c, enum rb_kind k, const char *key, const char *fmt, va_list ap)
{
    char text[2 * RB_MAX_VALUE + 1024];
    int n = vsnprintf(text, sizeof(text), fmt, ap);

    if (c->r == FERRY_OK && (n < 0 || (size_t)n >= sizeof(text)))
        c->r = ferry_errf(FERRY_ERR_INTERNAL, "runbook: a paragraph is too long");
    add(c, k, key, text, 0, 0);
}

static void para(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void para(struct ctx *c, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    addv(c, RB_PARA, NULL, fmt, ap);
    va_end(ap);
}

static void step(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void step(struct ctx *c, const char *fmt, ...)
{
    char num[16];
    va_list ap;

    snprintf(num, sizeof(num), "%c%d.", c->sec, ++c->step);
    va_start(ap, fmt);
    addv(c, RB_STEP, num, fmt, ap);
    va_end(ap);
}

static void section(struct ctx *c, char sec, const char *title)
{
    c->sec = sec;
    c->step = 0;
    add(c, RB_HEADING, NULL, title, 0, 0);
}

static void kv(struct ctx *c, const char *key, const char *value, int mono, int indent)
{
    add(c, RB_KV, key, value != NULL && value[0] != '\0' ? value : NULL, mono, indent);
}

/* The leg's direction, as a transfer's and a trip's facts both give it. */
static void kv_direction(struct ctx *c, int req)
{
    kv(c, "Direction",
       req ? "request: offline machine \xE2\x86\x92 online machine"
           : "response: online machine \xE2\x86\x92 offline machine",
       0, 0);
}

/* "YYYY-MM-DD HH:MM UTC" into @out, or NULL for 0 (unknown). */
static const char *when(time_t t, char out[32])
{
    if (t == 0)
        return NULL;
    ferry_time_minute(t, out); /* as submit and import show times */
    return out;
}

static const char *medium_desc(enum ferry_medium_kind k)
{
    switch (k) {
    case FERRY_MEDIUM_USB: return "USB stick";
    case FERRY_MEDIUM_SCREEN: return "QR codes on a screen";
    case FERRY_MEDIUM_PDF: return "QR codes on paper";
    case FERRY_MEDIUM_PNG: return "QR code image files";
    case FERRY_MEDIUM_HTML: return "QR codes in an HTML page";
    default: return NULL;
    }
}

/* MEDIUM argument for the writing and the reading side. */
static const char *medium_to(enum ferry_medium_kind k)
{
    switch (k) {
    case FERRY_MEDIUM_USB: return "usb";
    case FERRY_MEDIUM_SCREEN: return "screen";
    case FERRY_MEDIUM_PDF: return "pdf:FILE";
    case FERRY_MEDIUM_PNG: return "png:DIR";
    case FERRY_MEDIUM_HTML: return "html:FILE";
    default: return "MEDIUM";
    }
}

static const char *medium_from(enum ferry_medium_kind k)
{
    switch (k) {
    case FERRY_MEDIUM_USB: return "usb";
    case FERRY_MEDIUM_SCREEN: return "camera";
    case FERRY_MEDIUM_HTML: return "camera";
    case FERRY_MEDIUM_PDF: return "images:DIR";
    case FERRY_MEDIUM_PNG: return "images:DIR";
    default: return "MEDIUM";
    }
}

static int is_rms(const struct ferry_runbook *rb)
{
    return rb->kind == FERRY_KIND_RMS;
}

static int is_x509(const struct ferry_runbook *rb)
{
    return rb->kind == FERRY_KIND_X509;
}

/* The subject's label in the kind's words; an unknown kind's as X.509's (as before: "Subject"). */
static const char *subject_label(const struct ferry_runbook *rb)
{
    const struct ferry_kind_info *k = ferry_kind_get(rb->kind);

    return k != NULL ? k->subject_label : ferry_kind_get(FERRY_KIND_X509)->subject_label;
}

/* A trip of several transfers: one runbook lists them all under "The transfers". */
static int is_trip(const struct ferry_runbook *rb)
{
    return rb->nitems > 1 && rb->items != NULL;
}

/* RMS: the new expiry is the SLC's renewal date; its VALIDITYTIME, often years later, beside it. */
static void valid_until(struct ctx *c)
{
    char t[32];

    if (is_rms(c->rb) && c->rb->valid_until != 0)
        kv(c, "Valid until (VALIDITYTIME)", when(c->rb->valid_until, t), 0, 1);
}

static void rms_dates_note(struct ctx *c)
{
    char t[32];

    if (c->rb->valid_until != 0)
        kv(c, "New certificate valid until", when(c->rb->valid_until, t), 0, 0);
    add(c, RB_PARA, NULL,
        "RMS: the new expiry is the SLC's renewal date (the ISSUE right's RANGETIME, MS-RMPR "
        "3.1.6.2); its VALIDITYTIME can run years longer. Renew by the first date.",
        0, 0);
}

static const char *kind_desc(const struct ferry_runbook *rb)
{
    const struct ferry_kind_info *k = ferry_kind_get(rb->kind);

    return k != NULL ? k->what : NULL;
}

static void transfer_block(struct ctx *c)
{
    const struct ferry_runbook *rb = c->rb;
    int req = rb->leg == FERRY_RUNBOOK_REQUEST;
    char t[32];

    add(c, RB_HEADING, NULL, "This transfer", 0, 0);
    kv(c, "Transfer id", rb->transfer_id, 1, 0);
    if (rb->trip_id != NULL)
        kv(c, "Trip", rb->trip_id, 1, 0);
    kv_direction(c, req);
    kv(c, "Medium", medium_desc(rb->medium), 0, 0);
    kv(c, "Certificate", kind_desc(rb), 0, 0);
    kv(c, subject_label(rb), rb->server_name, 0, 0);
    if (is_rms(rb) || rb->guid != NULL)
        kv(c, "Server GUID", rb->guid, 1, 0);
    if (req)
        kv(c, "Request file", rb->request_file, 0, 0);
    kv(c, "Package file", rb->package_file, 0, 0);
    kv(c, "Package made", when(rb->created, t), 0, 0);
    kv(c, "Package SHA-256", rb->package_sha256, 1, 0);
    kv(c, "Current certificate expires", when(rb->current_not_after, t), 0, 0);
    if (!req)
        kv(c, "New certificate expires", when(rb->new_not_after, t), 0, 0);
    if (!req && is_rms(rb))
        rms_dates_note(c);
}

/* One transfer of the trip: a box to tick when its values were seen, and the values. */
static void trip_item(struct ctx *c, size_t i)
{
    const struct ferry_runbook *rb = c->rb;
    const struct ferry_runbook_item *it = &rb->items[i];
    int req = rb->leg == FERRY_RUNBOOK_REQUEST;
    char num[24], t[32];

    snprintf(num, sizeof(num), "T%zu.", i + 1);
    add(c, RB_STEP, num, it->server_name != NULL ? it->server_name : "(not named)", 0, 0);
    kv(c, "Transfer id", it->transfer_id, 1, 1);
    if (is_rms(rb) || it->guid != NULL)
        kv(c, "Server GUID", it->guid, 1, 1);
    if (req)
        kv(c, "Request file", it->request_file, 0, 1);
    kv(c, "Package file", it->package_file, 0, 1);
    kv(c, "Package SHA-256", it->package_sha256, 1, 1);
    if (req) {
        kv(c, "Current expiry", when(it->current_not_after, t), 0, 1);
    } else {
        kv(c, "New expiry", when(it->new_not_after, t), 0, 1);
        if (is_rms(rb) && it->valid_until != 0)
            kv(c, "Valid until (VALIDITYTIME)", when(it->valid_until, t), 0, 1);
    }
}

/* What the trip's transfers share, then each of them. */
static void trip_block(struct ctx *c)
{
    const struct ferry_runbook *rb = c->rb;
    int req = rb->leg == FERRY_RUNBOOK_REQUEST;
    char t[32], n[32];
    size_t i;

    add(c, RB_HEADING, NULL, "This trip", 0, 0);
    kv(c, "Trip", rb->trip_id, 1, 0);
    snprintf(n, sizeof(n), "%zu", rb->nitems);
    kv(c, "Transfers", n, 0, 0);
    kv_direction(c, req);
    kv(c, "Medium", medium_desc(rb->medium), 0, 0);
    kv(c, "Certificates", kind_desc(rb), 0, 0);
    kv(c, req ? "Packages made" : "Answers made", when(rb->created, t), 0, 0);
    if (!req && is_rms(rb))
        add(c, RB_PARA, NULL,
            "RMS: the new expiry is the SLC's renewal date (the ISSUE right's RANGETIME, MS-RMPR "
            "3.1.6.2); its VALIDITYTIME can run years longer. Renew by the first date.",
            0, 0);
    add(c, RB_HEADING, NULL, "The transfers", 0, 0);
    para(c, "Every transfer of this trip travels on the same medium in one run. Where a step says "
            "\xE2\x80\x9C"
            "each transfer\xE2\x80\x9D, find each one's values below in the "
            "command's output and tick its box; a transfer whose values differ stops only that "
            "transfer.");
    for (i = 0; i < rb->nitems; i++)
        trip_item(c, i);
}

static void identity(struct ctx *c, const char *tool, const char *name, const char *fp)
{
    step(c, "Check this machine's identity: run the command below and compare the "
            "fingerprint it shows with the one printed here, group by group.");
    add(c, RB_CMD, NULL, tool, 1, 0);
    kv(c, "Identity", name, 0, 1);
    kv(c, "Fingerprint", fp, 1, 1);
}

/* The sending side puts the package on the medium. */
static void send_steps(struct ctx *c)
{
    const struct ferry_runbook *rb = c->rb;
    const char *id = rb->transfer_id != NULL ? rb->transfer_id : "";

    switch (rb->medium) {
    case FERRY_MEDIUM_USB:
        if (is_trip(rb)) {
            step(c,
                 "Check that the USB stick holds the %zu package files listed under "
                 "\xE2\x80\x9CThe transfers\xE2\x80\x9D, then eject it (unmount) before "
                 "removing it.",
                 rb->nitems);
            step(c, "Label the stick with the first eight digits of the trip id: %.8s.",
                 rb->trip_id);
            break;
        }
        step(c, "Check that the USB stick holds the package file named above and nothing "
                "else of this transfer, then eject it (unmount) before removing it.");
        step(c, "Label the stick with the first eight digits of the transfer id: %.8s.", id);
        break;
    case FERRY_MEDIUM_PDF:
        step(c, "Print the QR pages at the end of this runbook at 100 %% scale (no "
                "\xE2\x80\x9C"
                "fit to page\xE2\x80\x9D). Check that every code is labelled "
                "with the transfer id and that no frame number is missing.");
        step(c, "Keep the QR pages with this runbook; they travel together.");
        break;
    case FERRY_MEDIUM_SCREEN:
    case FERRY_MEDIUM_HTML:
        step(c, "Leave the codes showing until the other machine reports the package "
                "complete. Do not leave the machine unattended meanwhile.");
        break;
    default:
        step(c, "Copy the written files to the carrier medium and check the copy is "
                "complete.");
        break;
    }
}

/* The receiving side takes the package from the medium. */
static void receive_step(struct ctx *c)
{
    switch (c->rb->medium) {
    case FERRY_MEDIUM_USB:
        step(c, "Insert the USB stick. Do not open, copy or edit the package by hand.");
        break;
    case FERRY_MEDIUM_PDF:
        step(c, "Scan the QR pages at 150 dpi or more into one folder (PNG, JPEG or "
                "PDF files). Missing or damaged codes are tolerated up to a point: ferry "
                "says which frames it still needs.");
        break;
    case FERRY_MEDIUM_SCREEN:
    case FERRY_MEDIUM_HTML:
        step(c, "Point the camera at the other machine's screen in the next command; it "
                "counts the codes received as \xE2\x80\x9Cr of K\xE2\x80\x9D.");
        break;
    default: step(c, "Copy the image files into one folder on this machine."); break;
    }
}

static void package_checks(struct ctx *c, const char *sender_fp)
{
    const struct ferry_runbook *rb = c->rb;

    if (is_trip(rb)) {
        kv(c, "Each transfer",
           "transfer id, package SHA-256 and name as listed under \xE2\x80\x9CThe "
           "transfers\xE2\x80\x9D",
           0, 1);
        kv(c, "Sender fingerprint", sender_fp, 1, 1);
        return;
    }
    kv(c, "Transfer id", rb->transfer_id, 1, 1);
    kv(c, "Package SHA-256", rb->package_sha256, 1, 1);
    kv(c, "Sender fingerprint", sender_fp, 1, 1);
    kv(c, subject_label(rb), rb->server_name, 0, 1);
    if (is_rms(rb) || rb->guid != NULL)
        kv(c, "Server GUID", rb->guid, 1, 1);
}

static void handover(struct ctx *c, const char *what)
{
    add(c, RB_HEADING, NULL, what, 0, 0);
    add(c, RB_SIGN, "Handed over by", NULL, 0, 0);
    add(c, RB_SIGN, "Received by", NULL, 0, 0);
}

/* Room for a command in a step (the text form's 78 columns less the step's indent). */
#define CMD_COLS 66

/* "@cmd @opt @url": one command line when it fits, else two joined by a backslash, so that no
 * URL is broken where a shell would not join it (the text form outdents a long one). */
static void cmd_url(struct ctx *c, const char *cmd, const char *opt, const char *url)
{
    char line[RB_MAX_VALUE + 256];

    if (url == NULL) {
        add(c, RB_CMD, NULL, cmd, 1, 0);
        return;
    }
    snprintf(line, sizeof(line), "%s %s %s", cmd, opt, url);
    if (strlen(line) <= CMD_COLS) {
        add(c, RB_CMD, NULL, line, 1, 0);
        return;
    }
    snprintf(line, sizeof(line), "%s %s \\", cmd, opt);
    add(c, RB_CMD, NULL, line, 1, 0);
    add(c, RB_CMD, NULL, url, 1, 0);
}

/* The service submit posts to: the one recorded, else (RMS) Microsoft's. */
static const char *service_of(const struct ferry_runbook *rb)
{
    return rb->service_url != NULL ? rb->service_url : is_rms(rb) ? FERRY_DEFAULT_RMS_URL : NULL;
}

static void anchor_step(struct ctx *c)
{
    const struct ferry_runbook *rb = c->rb;
    const char *url = service_of(rb);
    char t[32];

    if (!is_rms(rb)) { /* EST: the CA's TLS anchor goes to submit (--root CA-TLS.pem) */
        step(c, "Have the CA's TLS anchor at hand: submit --protocol est verifies the CA's "
                "HTTPS certificate against --root FILE, else the system trust store.");
        kv(c, "Service URL", url, 1, 1);
        return;
    }
    step(c, "Check the enrollment service and store its trust anchor for submit (nothing is "
            "submitted). It must say \xE2\x80\x9C"
            "the enrollment service answers\xE2\x80\x9D and \xE2\x80\x9Cstored:\xE2\x80\x9D with "
            "the anchor SHA-256 below (the one the online machine used last time; if blank, "
            "write in the one the service's CA publishes before you start). If it says "
            "\xE2\x80\x9C"
            "chains to it: no\xE2\x80\x9D, this machine's store lacks the anchor: run it again "
            "with --root FILE (the service's root CA certificate) or with --pin and that "
            "SHA-256. Anything else: stop and see \xE2\x80\x9CIf a check fails\xE2\x80\x9D.");
    cmd_url(c, "ferry-online check-root", "--service", url); /* the service URL, whole */
    kv(c, "Trust anchor", rb->anchor_subject, 0, 1);
    kv(c, "Anchor SHA-256", rb->anchor_fp, 1, 1);
    kv(c, "Anchor expires", when(rb->anchor_not_after, t), 0, 1);
}

static void expected_new(struct ctx *c)
{
    const struct ferry_runbook *rb = c->rb;
    char t[32], buf[96];
    const char *e = NULL;

    if (is_trip(rb)) {
        step(c, "Check the new certificate it reports for each transfer: same server, and an "
                "expiry later than the current one listed under \xE2\x80\x9CThe "
                "transfers\xE2\x80\x9D. Write each expiry shown next to its transfer.");
        return;
    }
    step(c, "Check the new certificate it reports: same server, and an expiry later than the "
            "current one. Write the expiry it shows on the line below.");
    kv(c, "Current expiry", when(rb->current_not_after, t), 0, 1);
    if (rb->lifetime_days_expected > 0 && rb->created != 0)
        e = when(rb->created + (time_t)rb->lifetime_days_expected * 86400, t);
    if (e != NULL) {
        snprintf(buf, sizeof(buf), "about %.10s (%d days after issue)", e,
                 rb->lifetime_days_expected);
        kv(c, "New expiry expected", buf, 0, 1);
    } else if (rb->lifetime_days_expected > 0) {
        snprintf(buf, sizeof(buf), "about %d days after issue", rb->lifetime_days_expected);
        kv(c, "New expiry expected", buf, 0, 1);
    }
    kv(c, "New expiry shown", NULL, 0, 1);
}

/* `ferry-offline export FILE... --to MEDIUM` for every request of the trip, or with REQUEST...
 * when the names do not fit one command line of the runbook. */
static void trip_export_cmd(struct ctx *c)
{
    const struct ferry_runbook *rb = c->rb;
    char cmd[RB_MAX_VALUE + 128];
    size_t i, n = (size_t)snprintf(cmd, sizeof(cmd), "ferry-offline export");
    int fits = 1;

    for (i = 0; i < rb->nitems && fits; i++) {
        const char *f = rb->items[i].request_file;
        fits = f != NULL && n + strlen(f) + 64 < sizeof(cmd);
        if (fits)
            n += (size_t)snprintf(cmd + n, sizeof(cmd) - n, " %s", f);
    }
    if (!fits)
        n = (size_t)snprintf(cmd, sizeof(cmd), "ferry-offline export REQUEST...");
    snprintf(cmd + n, sizeof(cmd) - n, " --to %s", medium_to(rb->medium));
    add(c, RB_CMD, NULL, cmd, 1, 0);
    if (!fits)
        para(c, "REQUEST...: every request file listed under \xE2\x80\x9CThe "
                "transfers\xE2\x80\x9D, in one command.");
}

/* X.509: what to do when submit refuses the answer because the CA changed the certificate. */
static void accept_changes_step(struct ctx *c, const char *submit_cmd)
{
    char cmd[RB_MAX_VALUE + 160];

    if (!is_x509(c->rb))
        return;
    step(c, "If submit refuses an answer because the CA changed the certificate (it lists "
            "what differs from the renewed one: subject, subjectAltName, key usage, extended "
            "key usage, validity or key type), nothing of that transfer is packaged, and the "
            "certificate the CA issued is kept in the online state "
            "(certs/TRANSFER.refused.pem). Only if the certificate's owner accepts the "
            "changes, package the kept certificate without enrolling again:");
    snprintf(cmd, sizeof(cmd), "%s --accept-changes", submit_cmd);
    add(c, RB_CMD, NULL, cmd, 1, 0);
    kv(c, "Changes accepted by", NULL, 0, 1);
}

static void request_leg(struct ctx *c)
{
    const struct ferry_runbook *rb = c->rb;
    char cmd[RB_MAX_VALUE + 128];

    section(c, 'A', "A. On the offline machine");
    identity(c, "ferry-offline status", rb->offline_name, rb->offline_fp);
    if (is_trip(rb)) {
        step(c, "Export the requests in one run (done already if this runbook was printed by "
                "the export). Check that the export shows each transfer's id and package "
                "SHA-256 as listed under \xE2\x80\x9CThe transfers\xE2\x80\x9D, and this trip "
                "id.");
        trip_export_cmd(c);
        kv(c, "Trip", rb->trip_id, 1, 1);
    } else {
        step(c, "Export the request (done already if this runbook was printed by the export). "
                "Check that the export shows this transfer id and package SHA-256.");
        snprintf(cmd, sizeof(cmd), "ferry-offline export %s --to %s",
                 rb->request_file != NULL ? rb->request_file : "REQUEST", medium_to(rb->medium));
        add(c, RB_CMD, NULL, cmd, 1, 0);
        kv(c, "Transfer id", rb->transfer_id, 1, 1);
        kv(c, "Package SHA-256", rb->package_sha256, 1, 1);
    }
    send_steps(c);
    handover(c, "Hand-over: offline machine to online machine");
    section(c, 'B', "B. On the online machine");
    anchor_step(c);
    receive_step(c);
    step(c,
         "Submit the %s%s. Before it contacts the service, check that it shows these values, and "
         "that this machine's own identity is the online one.",
         is_trip(rb) ? "requests, all in one run" : "request",
         is_x509(rb) ? "" : " (no --root: it uses the anchor check-root stored)");
    snprintf(cmd, sizeof(cmd), "ferry-online submit --from %s --to %s%s%s", medium_from(rb->medium),
             medium_to(rb->medium), is_x509(rb) ? " --protocol est --service " : "",
             !is_x509(rb)              ? ""
             : rb->service_url != NULL ? rb->service_url
                                       : "URL");
    if (is_x509(rb)) /* the whole line: the --accept-changes step repeats it */
        add(c, RB_CMD, NULL, cmd, 1, 0);
    else
        cmd_url(c, cmd, "--service",
                service_of(rb) != NULL && strcmp(service_of(rb), FERRY_DEFAULT_RMS_URL) != 0
                    ? service_of(rb)
                    : NULL);
    package_checks(c, rb->offline_fp);
    kv(c, "Online identity", rb->online_name, 0, 1);
    kv(c, "Online fingerprint", rb->online_fp, 1, 1);
    expected_new(c);
    accept_changes_step(c, cmd);
    if (is_trip(rb)) {
        step(c, "Print the return runbook for the answers of this submit (its trip: one "
                "runbook lists every answer) and follow it to carry them back.");
        add(c, RB_CMD, NULL, "ferry-online runbook", 1, 0);
    } else {
        step(c, "Print the return runbook for the response package and follow it to carry the "
                "answer back.");
        snprintf(cmd, sizeof(cmd), "ferry-online runbook %s",
                 rb->transfer_id != NULL ? rb->transfer_id : "TRANSFER");
        add(c, RB_CMD, NULL, cmd, 1, 0);
    }
    add(c, RB_HEADING, NULL, "Request submitted", 0, 0);
    add(c, RB_SIGN, "Submitted by", NULL, 0, 0);
}

static void install_step(struct ctx *c)
{
    char t[32];

    if (is_rms(c->rb)) {
        step(c, "In the RMS administration page, import the response file as the server "
                "licensor certificate, then check that the page shows the new expiry date.");
    } else {
        step(c, "Install the certificate where the service expects it, restart the service, "
                "and check the expiry of the installed certificate.");
        add(c, RB_CMD, NULL, "openssl x509 -noout -enddate -in CERT", 1, 0);
    }
    if (is_trip(c->rb)) {
        kv(c, "New expiry", "each one's, as listed under \xE2\x80\x9CThe transfers\xE2\x80\x9D", 0,
           1);
        return;
    }
    kv(c, "New expiry", when(c->rb->new_not_after, t), 0, 1);
    valid_until(c);
}

/* X.509: where the import is described, what an answer packaged with --accept-changes means. */
static void accepted_changes_note(struct ctx *c)
{
    if (!is_x509(c->rb))
        return;
    para(c, "X.509: when the CA changed a certificate (subject, subjectAltName, key usage, "
            "extended key usage, validity or key type), submit refused it, kept the issued "
            "certificate in the online state (certs/TRANSFER.refused.pem), and packaged it only "
            "when run again with --accept-changes after the certificate's owner agreed. Such "
            "an answer imports like any other: check with the owner that the changes submit "
            "listed are the ones agreed before you install it.");
}

static void response_leg(struct ctx *c)
{
    const struct ferry_runbook *rb = c->rb;
    char cmd[128], t[32];

    section(c, 'A', "A. On the online machine");
    if (is_trip(rb)) {
        step(c, "Check that the submit wrote a response package for each transfer listed under "
                "\xE2\x80\x9CThe transfers\xE2\x80\x9D: it showed each one's transfer id, "
                "new expiry and package SHA-256, and this trip id.");
        kv(c, "Trip", rb->trip_id, 1, 1);
    } else {
        step(c, "Check that the submit wrote the response package for this transfer: it showed "
                "this transfer id, new expiry and package SHA-256, in this order.");
        kv(c, "Transfer id", rb->transfer_id, 1, 1);
        kv(c, "New expiry", when(rb->new_not_after, t), 0, 1);
        valid_until(c);
        kv(c, "Package SHA-256", rb->package_sha256, 1, 1);
    }
    send_steps(c);
    handover(c, "Hand-over: online machine to offline machine");
    section(c, 'B', "B. On the offline machine");
    identity(c, "ferry-offline status", rb->offline_name, rb->offline_fp);
    receive_step(c);
    step(c, "%s",
         is_trip(rb) ? "Import the responses, all in one run. Before you accept them, "
                       "check that it shows these values and that each new "
                       "certificate expires later than the current one."
                     : "Import the response. Before you accept it, check that it "
                       "shows these values and that the new certificate expires "
                       "later than the current one.");
    snprintf(cmd, sizeof(cmd), "ferry-offline import --from %s", medium_from(rb->medium));
    add(c, RB_CMD, NULL, cmd, 1, 0);
    package_checks(c, rb->online_fp);
    if (!is_trip(rb)) {
        kv(c, "Current expiry", when(rb->current_not_after, t), 0, 1);
        kv(c, "New expiry", when(rb->new_not_after, t), 0, 1);
        valid_until(c);
    }
    accepted_changes_note(c);
    install_step(c);
    step(c, "Check that the transfer is closed: status lists it as \xE2\x80\x9C"
            "certificate written\xE2\x80\x9D.");
    add(c, RB_CMD, NULL, "ferry-offline status", 1, 0);
    add(c, RB_HEADING, NULL, "Certificate imported", 0, 0);
    add(c, RB_SIGN, "Imported by", NULL, 0, 0);
}

static void failures(struct ctx *c)
{
    int qr = c->rb->medium != FERRY_MEDIUM_USB;

    add(c, RB_HEADING, NULL, "If a check fails", 0, 0);
    para(c, "Stop at once. Next to the step, write FAILED and what the screen showed; sign "
            "and date it; tell the security officer. Do not go on with this transfer.");
    para(c, "A fingerprint differs: the package was made by another identity, or the wrong "
            "machines are paired. Do not submit or import it. Pair again only when security "
            "agrees.");
    para(c, "The transfer id or the SHA-256 differs: this is not the package this runbook is "
            "for, or it changed on the way. Do not use it; wipe the medium and export again.");
    para(c, "The server name or GUID differs: the request belongs to another server. Check "
            "the request file on the offline machine.");
    para(c, "The service does not chain to the anchor, or its SHA-256 differs from the one "
            "above or the one the CA publishes: do not submit. ferry-online check-root "
            "--service says what it saw; store another anchor (--root FILE or --pin) only "
            "under change control; ferry-online check-root --forget removes the stored one.");
    para(c, "The service refuses or cannot be reached: note the message and the time, and "
            "try again later. Never edit the request file: it must stay byte for byte as "
            "exported.");
    para(c, "The new certificate does not expire later than the current one, or names "
            "another server: do not install it; keep the package for the investigation.");
    if (qr)
        para(c, "Codes will not scan: ferry lists the frames it still needs. Any K distinct "
                "frames rebuild the package, so rescan or reprint only what is missing.");
}

/* The recipe of qrseq.h ("RECOVERY WITHOUT FERRY"), lines cut to fit 76 columns. */
static const char *const recipe[] = {
    "for f in page-*.png; do zbarimg --nodbus --raw -q -Sdisable -Sqrcode.enable \\",
    "    \"$f\" -Sx-density=2 -Sy-density=2 \"$f\"; done > frames.txt",
    "s=$(grep -m1 -Eo '^[FG][A-Z2-7]{7}' frames.txt)",
    "grep \"^$s\" frames.txt | awk '{ w = substr($0, 1, 1) == \"G\" ? 4 : 2;",
    "    k = substr($0, 9, w); i = substr($0, 9 + w, w);",
    "    if (i < k) print i, substr($0, 9 + 2 * w) }' | sort -u -k1,1 \\",
    "    | while read -r i d; do n=$(( (8 - ${#d} % 8) % 8 ));",
    "        printf '%s%.*s\\n' \"$d\" $n '======'; done | base32 -d > msg.z",
    "openssl dgst -sha256 -binary msg.z | base32 | cut -c1-7",
    "python3 -c 'import sys,zlib; sys.stdout.buffer.write(",
    "    zlib.decompress(sys.stdin.buffer.read()))' < msg.z > package.ferry",
};

static const char *const recipe_gzip[] = {
    "(printf '\\037\\213\\010\\000\\000\\000\\000\\000\\000\\003'; \\",
    "    tail -c +3 msg.z) | gzip -dc > package.ferry",
};

static void by_hand(struct ctx *c)
{
    const struct ferry_qrseq *q = c->d->seq;
    size_t i;

    add(c, RB_QR, NULL, NULL, 0, 0);
    add(c, RB_BREAK, NULL, NULL, 0, 0);
    add(c, RB_HEADING, NULL, "Rebuilding the package by hand (if ferry is lost)", 0, 0);
    if (q != NULL)
        para(c,
             "The codes carry %zu data frames and %zu parity frames, session %s. Each "
             "code's text is a 12-character header (F, the session, the number of data frames "
             "and the code's index, both in base 36), then Base32. The data frames alone, in "
             "index order, are the Base32 of the zlib-compressed package (zero-padded).",
             ferry_qrseq_k(q), ferry_qrseq_count(q) - ferry_qrseq_k(q), ferry_qrseq_session(q));
    para(c, "Scan every QR page to an image file (150 dpi or more), then run these commands "
            "with coreutils, zbar-tools, openssl and python3. They need every data frame; "
            "parity frames are only for ferry.");
    for (i = 0; i < sizeof(recipe) / sizeof(recipe[0]); i++)
        add(c, RB_CODE, NULL, recipe[i], 1, 0);
    para(c,
         "The openssl line must print the session id%s%s. Without python3, gzip inflates "
         "the data given a gzip header; it warns \xE2\x80\x9Cunexpected end of "
         "file\xE2\x80\x9D and exits 1, but writes everything:",
         q != NULL ? " " : "", q != NULL ? ferry_qrseq_session(q) : "");
    for (i = 0; i < sizeof(recipe_gzip) / sizeof(recipe_gzip[0]); i++)
        add(c, RB_CODE, NULL, recipe_gzip[i], 1, 0);
    para(c, "Then verify the package signature as usual: openssl cms -verify -inform DER "
            "-binary -CAfile PEER.crt -in package.ferry");
}

/* One machine's pairing sheet: its fingerprint on paper, carried by hand to the other machine,
 * where `pair --from` shows the fingerprint read off the medium. The comparison is out of band
 * only if the paper does not travel with the stick. */
static void pairing_sheet(struct ctx *c)
{
    const struct ferry_runbook *rb = c->rb;
    int off = rb->pairing_side == FERRY_SIDE_OFFLINE;
    const char *side = ferry_side_name(rb->pairing_side);
    const char *other = ferry_side_name(ferry_side_other(rb->pairing_side));
    char buf[64];

    snprintf(buf, sizeof(buf), "Pairing sheet: the %s machine", side);
    add(c, RB_TITLE, NULL, buf, 0, 0);
    para(c,
         "This sheet carries the %s machine's fingerprint to the %s machine by hand. Carry "
         "this paper separately from the stick (or the QR codes) that carries the identity: "
         "whoever could change what is on the stick could change a fingerprint written there "
         "too, but not this sheet. Do not compare with the .txt file on the stick.",
         side, other);
    kv(c, "Machine", off ? rb->offline_name : rb->online_name, 0, 0);
    kv(c, "Fingerprint", off ? rb->offline_fp : rb->online_fp, 1, 0);
    kv(c, "Printed", when(rb->created, buf), 0, 0);
    section(c, 'P', "On the other machine");
    step(c,
         "Carry the stick (or the QR codes) with the identity to the %s machine, and this "
         "sheet by another hand or in another pocket.",
         other);
    step(c, "On the %s machine run the command below. It shows the fingerprint it read.", other);
    snprintf(buf, sizeof(buf), "ferry-%s pair --from MEDIUM", other);
    add(c, RB_CMD, NULL, buf, 1, 0);
    step(c, "Compare that fingerprint with the one on this sheet, group by group (16 groups of "
            "four). Answer y only if every group matches; otherwise answer n, keep the stick "
            "apart and find out where it has been.");
    add(c, RB_SIGN, "Compared by", NULL, 0, 0);
}

ferry_err rb_steps_build(const struct ferry_runbook *rb, struct rb_doc *d)
{
    struct ctx c = {rb, d, 'A', 0, FERRY_OK};
    int req = rb->leg == FERRY_RUNBOOK_REQUEST;

    if (rb->leg == FERRY_RUNBOOK_PAIRING) {
        pairing_sheet(&c);
        return c.r;
    }

    add(&c, RB_TITLE, NULL,
        req ? "Certificate renewal: request (leg 1 of 2)"
            : "Certificate renewal: response (leg 2 of 2)",
        0, 0);
    para(&c, "Follow the steps in order and tick each box when it is done. Every value "
             "printed here must match what the screen shows, character for character. Stop "
             "at the first check that fails and turn to \xE2\x80\x9CIf a check fails\xE2\x80\x9D.");
    if (is_trip(rb))
        trip_block(&c);
    else
        transfer_block(&c);
    if (req)
        request_leg(&c);
    else
        response_leg(&c);
    failures(&c);
    if (rb->medium == FERRY_MEDIUM_PDF && !is_trip(rb))
        by_hand(&c);
    return c.r;
}
