/* ferry — the RMS SOAP Enroll call (MS-RMPR) over the HTTPS client of http.c. */
#include <stdint.h>
#include <string.h>

#include <curl/curl.h>

#include "ferry/enroll.h"
#include "http_int.h"

#define RMS_SOAP_ACTION "SOAPAction: \"http://microsoft.com/DRM/EnrollmentService/Enroll\""

ferry_err ferry_enroll_rms(const char *url, const uint8_t *req, size_t len,
                           const struct ferry_http_opts *o, struct ferry_http_result *res)
{
    ferry_err r = FERRY_ERR_INTERNAL;
    struct exchange ex;
    char anchor[600];

    memset(res, 0, sizeof(*res));
    if ((r = ferry_http_exchange_init(&ex, url, "RMS Enroll", o, anchor, sizeof(anchor))) !=
        FERRY_OK)
        goto out;
    ex.body = req;
    ex.len = len;
    ex.soap = 1;
    if (!ferry_http_add_header(&ex.hdrs, "Content-Type: text/xml; charset=utf-8") ||
        !ferry_http_add_header(&ex.hdrs, RMS_SOAP_ACTION) ||
        !ferry_http_add_header(&ex.hdrs, "Expect:") ||
        !ferry_http_add_header(&ex.hdrs, "Accept-Encoding: identity")) {
        r = FERRY_ERR_NOMEM;
        goto out;
    }
    r = ferry_http_exchange_run(&ex, o, res);
out:
    curl_slist_free_all(ex.hdrs);
    return r;
}
