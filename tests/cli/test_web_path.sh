#!/usr/bin/env bash
# RMS without the SOAP service: Microsoft's upload page in a browser. `submit --web DIR` writes
# the verified request file (byte-exact) for the page and sends nothing; `submit --answer-file`
# takes the response document the page returned, verifies it and binds it to the request like a
# SOAP answer, and packages it byte-exact; `import` writes it as <server>SLC.xml.
# The page's answer is the committed response document made for req-plain.xml (mkvectors.sh),
# in both encodings (UTF-16 with BOM, ASCII under a utf-16 declaration).
source "$(dirname "$0")/lib.sh"
# The committed document's renewal range is 2026-11-20 to 2027-11-20 (mkvectors.sh): the clock of
# every ferry command here is set inside it (2026-12-01 12:00 UTC), so the test does not start
# failing on 2027-11-20.
export FERRY_NOW=1796126400

V=$FERRY_VECTORS/rms
cp "$V/req-plain.xml" "$SRV/SRV01RenewalRequest.xml"
REQ=$SRV/SRV01RenewalRequest.xml

start_enrolld # running, so that a request sent by mistake would show in its received.log
touch "$SVC/received.log"
SEEN=$(sha256 "$SVC/received.log")
init_and_pair

step "export, then --web: the request file for the upload page, nothing sent or recorded"
off export "$REQ" --to "usb:$STICK" --json >"$T/export.json"
ID=$(grep -o '"transfer_id":"[^"]*"' "$T/export.json" | cut -d'"' -f4)
mkdir "$T/web"
on submit --from "usb:$STICK" --web "$T/web" >"$T/web.out" 2>"$T/web.err" ||
  fail "--web: $(cat "$T/web.err")"
cmp "$REQ" "$T/web/SRV01RenewalRequest.xml" || fail "--web did not write the request byte-exact"
grep -q "^upload:      $T/web/SRV01RenewalRequest.xml" "$T/web.out" || fail "--web: $(cat "$T/web.out")"
grep -q "https://activation.drm.microsoft.com/offlineenroll/Enrollment.aspx" "$T/web.out" ||
  fail "--web does not say where to upload: $(cat "$T/web.out")"
sha=$(grep '^SHA-256:' "$T/web.out" | cut -c14- | cut -d'(' -f1 | tr -d ' ' | tr 'A-F' 'a-f')
[ "$sha" = "$(sha256 "$REQ")" ] || fail "--web printed SHA-256 $sha"
grep -q -- "--answer-file" "$T/web.out" || fail "--web does not give the next command"
[ "$(sha256 "$SVC/received.log")" = "$SEEN" ] || fail "--web reached the service"
ls "$STICK"/FERRY/response-*.ferry >/dev/null 2>&1 && fail "--web packaged an answer"
on status --json | grep -q "\"${ID}\"" && fail "--web recorded the request: $(on status --json)"
on submit --from "usb:$STICK" --web "$T/web" >/dev/null 2>&1 || fail "--web twice refused"

# refusals: exit 1, nothing packaged, the request still pending
refused() { # FILE PATTERN [args]
  local f=$1 pat=$2 before; shift 2
  before=$(ls "$STICK"/FERRY/ | grep -c '^response-.*\.ferry$' || true)
  expect_exit 1 on submit --from "usb:$STICK" --answer-file "$f" "$@"
  grep -q -- "$pat" <<<"$ERR" || fail "$f: $ERR"
  grep -q -- "$(basename "$f")" <<<"$ERR" || fail "the refusal does not name $f: $ERR"
  [ "$(ls "$STICK"/FERRY/ | grep -c '^response-.*\.ferry$' || true)" = "$before" ] ||
    fail "$f: an answer was packaged"
}
step "refused: a flipped byte, a wrong --drm-root"
cp "$V/resp-document-utf16.xml" "$T/flipped.xml"
# a byte inside the SLC's signed BODY (its RANGETIME end, 2027-11-20 -> 2027-11-21)
off_at=$(python3 -c 'import sys; print(open(sys.argv[1], "rb").read().find("2027-11-20T".encode("utf-16-le")) + 18)' "$T/flipped.xml")
[ "$off_at" -gt 0 ] || fail "no RANGETIME UNTIL in the vector"
printf '1' | dd of="$T/flipped.xml" bs=1 seek="$off_at" conv=notrunc status=none
cmp -s "$V/resp-document-utf16.xml" "$T/flipped.xml" && fail "nothing was flipped"
refused "$T/flipped.xml" "DIGEST does not match"
refused "$V/resp-document-utf16.xml" "not the pinned --drm-root" --drm-root "$(printf '%064d' 0)"
expect_exit 2 on submit --from "usb:$STICK" --answer-file "$V/resp-document-utf16.xml" --web "$T/web"
[ "$(sha256 "$SVC/received.log")" = "$SEEN" ] || fail "a refusal reached the service"

step "--answer-file: the page's response document, verified, bound and packaged"
on submit --from "usb:$STICK" --answer-file "$V/resp-document-utf16.xml" --json >"$T/ans.json" \
  2>"$T/ans.err" || fail "--answer-file: $(cat "$T/ans.err")"
grep -q '"submitted":1' "$T/ans.json" || fail "--answer-file: $(cat "$T/ans.json")"
grep -q '"from_upload_page":true' "$T/ans.json" || fail "not marked as the page's: $(cat "$T/ans.json")"
[ "$(sha256 "$SVC/received.log")" = "$SEEN" ] || fail "--answer-file reached the service"
PIN=$(json_sha drm_root_sha256 "$T/ans.json")
on status --json | grep -q "$ID" || fail "the transfer is not recorded as submitted"
expect_exit 4 on submit --from "usb:$STICK" --answer-file "$V/resp-document-utf16.xml"
expect_exit 4 on submit --from "usb:$STICK" --web "$T/web"
grep -q "submitted already" <<<"$ERR" || fail "--web after the answer: $ERR"
rm "$T/web/SRV01RenewalRequest.xml"
on submit --from "usb:$STICK" --web "$T/web" --again >/dev/null 2>&1 || fail "--web --again refused"
cmp "$REQ" "$T/web/SRV01RenewalRequest.xml" || fail "--web --again did not write the request"

step "import: the SLC written is the page's document, byte-exact; expiry = RANGETIME end"
off import --from "usb:$STICK" --drm-root "$PIN" --json >"$T/import.json" 2>"$T/import.err" ||
  fail "import: $(cat "$T/import.err")"
SLC=$SRV/SRV01SLC.xml
cmp "$V/resp-document-utf16.xml" "$SLC" || fail "$SLC is not the page's response document"
renew=$(slc_date RANGETIME "$SLC")
printed=$(grep -o '"new_expiry":"[^"]*"' "$T/import.json" | cut -d'"' -f4)
[ -n "$renew" ] && [ "$renew" = "$printed" ] || fail "expiry printed $printed, RANGETIME ends $renew"
[ ! -e "$OFF_HOME/certs/$ID.service-answer.xml" ] || fail "a raw SOAP answer appeared from nowhere"

step "the ASCII-bytes encoding; and a response document for another GUID"
cp "$V/req-guid-nobraces.xml" "$SRV/SRV03RenewalRequest.xml"
off export "$SRV/SRV03RenewalRequest.xml" --to "usb:$STICK" >/dev/null
refused "$V/resp-document-ascii.xml" "its principal is GUID .*the request was for GUID"
STICK2=$T/stick2
mkdir "$STICK2"
off export "$REQ" --to "usb:$STICK2" >/dev/null
on submit --from "usb:$STICK2" --answer-file "$V/resp-document-ascii.xml" >"$T/ascii.out" \
  2>"$T/ascii.err" || fail "ASCII document: $(cat "$T/ascii.err")"
off import --from "usb:$STICK2" --out "$T/SLC-ascii.xml" >/dev/null 2>"$T/import2.err" ||
  fail "import of the ASCII document: $(cat "$T/import2.err")"
cmp "$V/resp-document-ascii.xml" "$T/SLC-ascii.xml" || fail "the ASCII document was not kept byte-exact"
[ "$(sha256 "$SVC/received.log")" = "$SEEN" ] || fail "the web path reached the service"
[ -n "${FERRY_SHOW:-}" ] && cat "$T/web.out" "$T/ascii.out"
echo "web path ok: request $(sha256 "$REQ"), renewal date $printed"
