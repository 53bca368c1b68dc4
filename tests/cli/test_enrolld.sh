#!/bin/bash
# CLI contract of ferry-enrolld (README): --listen 127.0.0.1:0 --state DIR writes DIR/root.pem,
# DIR/drm-root.sha256 and DIR/url, appends "<UTC time> <path> <sha256> <status> [shape=...]" to
# DIR/received.log, --pidfile, clean exit on SIGTERM/SIGINT, CA reused on restart, the MS-RMPR
# Enroll answer (four strings) and its WSDL, EST certificate accepted by openssl verify.
set -euo pipefail
: "${FERRY_ENROLLD:?}" "${FERRY_SRC:?}"
T=$(mktemp -d)
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
S=$T/state
REQ=$FERRY_SRC/tests/enrollment-service/fixtures/request.xml

start() { # start [args...]: background server, waits for DIR/url
    "$FERRY_ENROLLD" --listen 127.0.0.1:0 --state "$S" --pidfile "$T/pid" "$@" 2>>"$T/err" &
    PID=$!
    for _ in $(seq 600); do [ -s "$S/url" ] && break; sleep 0.1; done
    [ -s "$S/url" ] || fail "no $S/url"
    URL=$(cat "$S/url")
}
stop() { # stop SIGNAL: the server exits 0 and removes url and pidfile
    kill -"$1" "$PID"; local rc=0; wait "$PID" || rc=$?; PID=
    [ "$rc" = 0 ] || fail "exit $rc after SIG$1"
    [ ! -e "$S/url" ] || fail "url left behind"; [ ! -e "$T/pid" ] || fail "pidfile left behind"
}

start
[[ "$URL" =~ ^https://127\.0\.0\.1:[0-9]+$ ]] || fail "url: $URL"
[ "$(cat "$T/pid")" = "$PID" ] || fail "pidfile"
grep -q "CA:TRUE" <<<"$(openssl x509 -in "$S/root.pem" -noout -text)" || fail "root.pem is not a CA"
code=$(curl -sS --cacert "$S/root.pem" -o "$T/ans.xml" -w '%{http_code}' \
    -H 'Content-Type: text/xml; charset=utf-8' \
    -H 'SOAPAction: "http://microsoft.com/DRM/EnrollmentService/Enroll"' \
    --data-binary @"$REQ" "$URL/enrollment/enrollservice.asmx")
[ "$code" = 200 ] || fail "enroll: HTTP $code"
grep -q '<EnrollResponse xmlns="http://microsoft.com/DRM/EnrollmentService"><EnrollResult><LicensorCertificateChain>' "$T/ans.xml" || fail "no EnrollResponse"
[ "$(grep -o '<string>&lt;XrML xmlns=&quot;&quot; version=&quot;1.2&quot;&gt;' "$T/ans.xml" | wc -l)" = 4 ] \
    || fail "not four XrML strings"
[[ "$(cat "$S/drm-root.sha256")" =~ ^[0-9a-f]{64}$ ]] || fail "drm-root.sha256"
read -r t p h st note < <(tail -n1 "$S/received.log")
[[ "$t" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$ ]] || fail "log time $t"
[ "$p" = /enrollment/enrollservice.asmx ] || fail "log path $p"
[ "$h" = "$(sha256sum < "$REQ" | cut -d' ' -f1)" ] || fail "log sha256 $h"
[ "$st" = 200 ] || fail "log status $st"
[ "$note" = shape=Envelope+VersionData+oInput ] || fail "log shape $note"
# the bare EnrollParameters file is refused with a SOAP fault, and the log says what it was
code=$(curl -sS --cacert "$S/root.pem" -o "$T/f.xml" -w '%{http_code}' \
    -H 'Content-Type: text/xml; charset=utf-8' \
    -H 'SOAPAction: "http://microsoft.com/DRM/EnrollmentService/Enroll"' \
    --data-binary @"$FERRY_SRC/tests/enrollment-service/fixtures/request-bare.xml" \
    "$URL/enrollment/enrollservice.asmx")
[ "$code" = 500 ] && grep -q '<soap:Fault><faultcode>soap:Client</faultcode>' "$T/f.xml" || fail "bare: $code"
[ "$(tail -n1 "$S/received.log" | cut -d' ' -f4-)" = "500 shape=EnrollParameters" ] || fail "bare log"
# the WSDL of MS-RMPR 6.6, as published
curl -sS --cacert "$S/root.pem" -o "$T/w.xml" "$URL/enrollment/enrollservice.asmx?WSDL"
cmp -s "$T/w.xml" "$FERRY_SRC/tests/vectors/rms/spec/ms-rmpr-6.6-enrollservice.wsdl" || fail "WSDL"
# localhost is in the certificate too
curl -sS --cacert "$S/root.pem" -o /dev/null "https://localhost:${URL##*:}/.well-known/est/cacerts" \
    || fail "localhost name"
cp "$S/root.pem" "$T/root1.pem"
cp "$S/drm-root.sha256" "$T/drm1"
stop TERM

start --lifetime-days 10
cmp -s "$S/root.pem" "$T/root1.pem" || fail "restart made a new CA"
cmp -s "$S/drm-root.sha256" "$T/drm1" || fail "restart made a new DRM root key"
openssl req -new -newkey rsa:2048 -nodes -keyout "$T/k.pem" -subj /CN=est.example \
    -outform DER -out "$T/csr.der" 2>/dev/null
openssl base64 -in "$T/csr.der" > "$T/csr.b64"
code=$(curl -sS --cacert "$S/root.pem" -o "$T/cert.b64" -w '%{http_code}' \
    -H 'Content-Type: application/pkcs10' --data-binary @"$T/csr.b64" \
    "$URL/.well-known/est/simpleenroll")
[ "$code" = 200 ] || fail "simpleenroll: HTTP $code"
openssl base64 -d -in "$T/cert.b64" | openssl pkcs7 -inform DER -print_certs -out "$T/cert.pem"
openssl verify -CAfile "$S/est-ca.pem" "$T/cert.pem" >/dev/null || fail "EST cert does not verify"
days=$(( ( $(date -d "$(openssl x509 -in "$T/cert.pem" -noout -enddate | cut -d= -f2)" +%s) - $(date +%s) ) / 86400 ))
[ "$days" -ge 9 ] && [ "$days" -le 10 ] || fail "--lifetime-days 10 gave $days days"
stop INT

# --fault body:FILE answers the RMS Enroll with FILE's bytes as they are, 200, text/xml ...
printf '\357\273\277<x>\377 not even well-formed' >"$T/body.bin"
start --fault "body:$T/body.bin"
code=$(curl -sS --cacert "$S/root.pem" -o "$T/got.bin" -w '%{http_code} %{content_type}' \
    -H 'Content-Type: text/xml; charset=utf-8' \
    -H 'SOAPAction: "http://microsoft.com/DRM/EnrollmentService/Enroll"' \
    --data-binary @"$REQ" "$URL/enrollment/enrollservice.asmx")
[ "$code" = "200 text/xml; charset=utf-8" ] || fail "body fault: $code"
cmp -s "$T/body.bin" "$T/got.bin" || fail "body fault: not the file's bytes"
# ... but only for a request the service takes: a refused one still gets its fault
code=$(curl -sS --cacert "$S/root.pem" -o "$T/got.bin" -w '%{http_code}' \
    -H 'Content-Type: text/xml; charset=utf-8' \
    -H 'SOAPAction: "http://microsoft.com/DRM/EnrollmentService/Enroll"' \
    --data-binary @"$FERRY_SRC/tests/enrollment-service/fixtures/request-bare.xml" \
    "$URL/enrollment/enrollservice.asmx")
[ "$code" = 500 ] && grep -q 'bare EnrollParameters' "$T/got.bin" || fail "body fault, bad request: $code"
stop TERM
rc=0; "$FERRY_ENROLLD" --listen 127.0.0.1:0 --state "$S" --fault "body:$T/missing" \
    2>"$T/e2" || rc=$?
[ "$rc" = 2 ] && grep -q "$T/missing" "$T/e2" || fail "body fault, missing file: $rc"

# usage errors exit 2
rc=0; "$FERRY_ENROLLD" --state "$S" 2>/dev/null || rc=$?; [ "$rc" = 2 ] || fail "no --listen: $rc"
rc=0; "$FERRY_ENROLLD" --listen 127.0.0.1:0 --state "$S" --fault nope 2>/dev/null || rc=$?
[ "$rc" = 2 ] || fail "bad fault: $rc"
echo "ok"
