#!/usr/bin/env bash
# The whole RMS renewal round trip over a directory standing for the USB stick, on real parts:
# two FERRY_HOMEs, pairing, export, submit over HTTPS to ferry-enrolld on 127.0.0.1, import.
# The first request is a bare EnrollParameters (MS-RMPR 3.6.4.2.1.1: wrapped in the WSDL's
# envelope), the second a SOAP Enroll with VersionData (posted as it is).
source "$(dirname "$0")/lib.sh"

REQ_VECTOR=$FERRY_VECTORS/rms/req-plain.xml
cp "$REQ_VECTOR" "$SRV/SRV01RenewalRequest.xml"
REQ=$SRV/SRV01RenewalRequest.xml
REQ_SHA=$(sha256 "$REQ")

start_enrolld --lifetime-days 400
init_and_pair

step "export"
off export "$REQ" --to "usb:$STICK" --json >"$T/export.json"
grep -q '"transfer_id"' "$T/export.json" || fail "export printed no transfer id"
[ "$(sha256 "$REQ")" = "$REQ_SHA" ] || fail "export changed the request file"
PKG_REQ=$(ls "$STICK"/FERRY/request-*.ferry)
[ -f "${PKG_REQ%.ferry}.txt" ] || fail "no summary beside the request package"
off status --json | grep -q '"state":"outstanding"' || fail "request not outstanding"

step "stock openssl verifies the request package"
openssl cms -verify -inform DER -binary -in "$PKG_REQ" -CAfile "$OFF_HOME/identity.crt" \
  -out "$T/manifest-req.xml" 2>/dev/null || fail "openssl cms -verify refused the request package"

step "submit"
on submit --from "usb:$STICK" --service "$URL" --root "$ROOT" --json >"$T/submit.json"
grep -q '"submitted":1' "$T/submit.json" || fail "submit: $(cat "$T/submit.json")"
posted_ok "$T/submit.json" "$REQ"
grep -q '"posted_as_is":false' "$T/submit.json" || fail "a bare EnrollParameters was posted as is"
[ "$(last_received)" != "$REQ_SHA" ] || fail "the bare request went unwrapped"
grep -q '"server_name":"SRV01","server_name_from":"the file name"' "$T/submit.json" ||
  grep -q '"server_name_from":"the file name"' "$T/submit.json" || fail "server name source: $(cat "$T/submit.json")"
FP=$(cat "$SVC/drm-root.sha256")
[ "$(json_sha drm_root_sha256 "$T/submit.json")" = "$FP" ] || fail "DRM root printed is not the stand-in's $FP"
PKG_RESP=$(ls "$STICK"/FERRY/response-*.ferry)
openssl cms -verify -inform DER -binary -in "$PKG_RESP" -CAfile "$ON_HOME/identity.crt" \
  -out /dev/null 2>/dev/null || fail "openssl cms -verify refused the response package"

step "import"
off import --from "usb:$STICK" --json >"$T/import.json"
grep -q '"imported":1' "$T/import.json" || fail "import: $(cat "$T/import.json")"
SLC=$SRV/SRV01SLC.xml
[ -f "$SLC" ] || fail "no $SLC written"
# the file for the RMS console: the 3.6.4.2.1.2 response document, UTF-16LE with its BOM
[ "$(head -c2 "$SLC" | od -An -tx1 | tr -d ' ')" = fffe ] || fail "$SLC has no UTF-16LE BOM"
iconv -f UTF-16 -t UTF-8 "$SLC" | grep -q '^<?xml version="1.0" encoding="utf-16"?><EnrollResponse xmlns="http://microsoft.com/DRM/EnrollmentService"><LicensorCertificateChain><SLC>&lt;XrML' ||
  fail "$SLC is not the response document"
# the expiry printed is the renewal date the service issued (the SLC's ISSUE right RANGETIME),
# VALIDITYTIME beside it
renew=$(slc_date RANGETIME "$SLC")
valid=$(slc_date VALIDITYTIME "$SLC")
printed=$(grep -o '"new_expiry":"[^"]*"' "$T/import.json" | cut -d'"' -f4)
pvalid=$(grep -o '"valid_until":"[^"]*"' "$T/import.json" | cut -d'"' -f4)
[ -n "$renew" ] && [ "$renew" = "$printed" ] || fail "expiry printed $printed, renewal date issued $renew"
[ -n "$valid" ] && [ "$valid" = "$pvalid" ] || fail "validity printed $pvalid, issued $valid"
[ "$renew" != "$valid" ] || fail "RANGETIME and VALIDITYTIME end alike: the test shows nothing"
off status --json | grep -q "\"new_expiry\":\"$renew\",.*\"valid_until\":\"$valid\"" ||
  fail "status does not show both dates: $(off status --json)"
# `expiry` reads the written file on its own (no state) and says the same
"$FERRY_OFFLINE" expiry "$SLC" --json >"$T/expiry.json" || fail "expiry refused $SLC"
grep -q "\"renewal_date\":\"$renew\",\"days_left\":[0-9]*,\"valid_until\":\"$valid\"" "$T/expiry.json" ||
  fail "expiry: $(cat "$T/expiry.json")"
grep -q '"verified":"chain"' "$T/expiry.json" || fail "expiry did not verify the chain"
# the service's raw answer is kept for audit, and an independent verifier accepts it
ID1=$(grep -o '"transfer_id":"[^"]*"' "$T/export.json" | cut -d'"' -f4)
RAW=$OFF_HOME/certs/$ID1.service-answer.xml
[ -f "$RAW" ] || fail "the service's answer is not kept in the state ($RAW)"
python3 "$FERRY_SRC/tests/tools/xrml_verify.py" answer "$RAW" --request "$REQ" --root-fp "$FP" \
  >"$T/verify.out" 2>&1 || fail "the independent verifier refuses the kept answer: $(cat "$T/verify.out")"
off status --json | grep -q '"state":"written"' || fail "transfer not marked written"
off import --from "usb:$STICK" --out "$T/x.xml" >/dev/null 2>&1 && fail "second import succeeded"

step "a second renewal, a SOAP Enroll request, with the first one's packages still on the stick"
cp "$FERRY_VECTORS/rms/req-soap.xml" "$REQ"
off export "$REQ" --to "usb:$STICK" --json >"$T/export2.json"
ID2=$(grep -o '"transfer_id":"[^"]*"' "$T/export2.json" | cut -d'"' -f4)
[ "$(ls "$STICK"/FERRY/request-*.ferry | wc -l)" -eq 2 ] || fail "expected two request packages"
on submit --from "usb:$STICK" --service "$URL" --root "$ROOT" --json >"$T/submit2.json" \
  2>"$T/submit2.err" || fail "second submit failed: $(cat "$T/submit2.err")"
grep -q '"ok":true,"submitted":1' "$T/submit2.json" || fail "submit2: $(cat "$T/submit2.json")"
posted_ok "$T/submit2.json" "$REQ"
[ "$(last_received)" = "$(sha256 "$REQ")" ] || fail "the SOAP request was not posted as it is"
grep -q "ignored" "$T/submit2.err" && fail "old files listed without -v: $(cat "$T/submit2.err")"
grep -q "^ferry-online: 1 request(s) on the medium submitted before: skipped (-v lists them)" \
  "$T/submit2.err" || fail "no one-line summary of the old request: $(cat "$T/submit2.err")"
expect_exit 4 on submit --from "usb:$STICK" --service "$URL" --root "$ROOT" -v
grep -q "skipped: .*submitted already" <<<"$ERR" || fail "-v does not list the skipped: $ERR"
grep -q "nothing new on the medium" <<<"$ERR" || fail "no 'nothing new': $ERR"
off import --from "usb:$STICK" --out "$T/SLC2.xml" --drm-root "$FP" >"$T/import2.out" \
  2>"$T/import2.err" || fail "second import failed: $(cat "$T/import2.err")"
grep -q "imported: .*(transfer ${ID2:0:8}" "$T/import2.out" || fail "import2: $(cat "$T/import2.out")"
grep -q "1 answer(s) on the medium imported before: skipped" "$T/import2.err" \
  || fail "the first answer was not reported as skipped: $(cat "$T/import2.err")"
expect_exit 4 off import --from "usb:$STICK" --out "$T/SLC3.xml" -v
grep -q "skipped: transfer .* already answered and imported" <<<"$ERR" || fail "import -v: $ERR"
[ ! -e "$T/SLC3.xml" ] || fail "a third import wrote a certificate"
step "a pinned DRM root that is not the chain's: submit refuses, nothing packaged"
cp "$FERRY_VECTORS/rms/req-crlf.xml" "$REQ"
off export "$REQ" --to "usb:$STICK" >/dev/null
expect_exit 1 on submit --from "usb:$STICK" --service "$URL" --root "$ROOT" \
  --drm-root "$(printf '%064d' 0)"
grep -q "certificate 4 (CA certificate) is signed by the root key .*not the pinned --drm-root" <<<"$ERR" ||
  fail "wrong --drm-root: $ERR"
echo "round trip ok: request $REQ_SHA, new expiry (renewal date) $printed, valid until $valid"
