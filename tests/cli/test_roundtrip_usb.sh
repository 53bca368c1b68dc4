#!/usr/bin/env bash
# The whole RMS renewal round trip over a directory standing for the USB stick, on real parts:
# two FERRY_HOMEs, pairing, export, submit over HTTPS to ferry-enrolld on 127.0.0.1, import.
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
got=$(awk '$2 == "/enrollment/enrollservice.asmx" {print $3}' "$SVC/received.log" | tail -n1)
[ "$got" = "$REQ_SHA" ] || fail "the service received $got, the request is $REQ_SHA"
PKG_RESP=$(ls "$STICK"/FERRY/response-*.ferry)
openssl cms -verify -inform DER -binary -in "$PKG_RESP" -CAfile "$ON_HOME/identity.crt" \
  -out /dev/null 2>/dev/null || fail "openssl cms -verify refused the response package"

step "import"
off import --from "usb:$STICK" --json >"$T/import.json"
grep -q '"imported":1' "$T/import.json" || fail "import: $(cat "$T/import.json")"
SLC=$SRV/SRV01SLC.xml
[ -f "$SLC" ] || fail "no $SLC written"
# the expiry printed is the one the service issued (VALIDITYTIME/UNTIL of the SLC)
issued=$(grep -o '<UNTIL>[^<]*</UNTIL>' "$SLC" | head -n1 | sed 's/<[^>]*>//g' | cut -c1-10)
printed=$(grep -o '"new_expiry":"[^"]*"' "$T/import.json" | cut -d'"' -f4)
[ -n "$issued" ] && [ "$issued" = "$printed" ] || fail "expiry printed $printed, issued $issued"
off status --json | grep -q '"state":"installed"' || fail "transfer not marked installed"
off import --from "usb:$STICK" --out "$T/x.xml" >/dev/null 2>&1 && fail "second import succeeded"

step "a second renewal with the first one's packages still on the stick: they are skipped"
off export "$REQ" --to "usb:$STICK" --json >"$T/export2.json"
ID2=$(grep -o '"transfer_id":"[^"]*"' "$T/export2.json" | cut -d'"' -f4)
[ "$(ls "$STICK"/FERRY/request-*.ferry | wc -l)" -eq 2 ] || fail "expected two request packages"
on submit --from "usb:$STICK" --service "$URL" --root "$ROOT" --json >"$T/submit2.json" \
  2>"$T/submit2.err" || fail "second submit failed: $(cat "$T/submit2.err")"
grep -q '"ok":true,"submitted":1' "$T/submit2.json" || fail "submit2: $(cat "$T/submit2.json")"
grep -q "ignored" "$T/submit2.err" && fail "old files listed without -v: $(cat "$T/submit2.err")"
grep -q "^ferry-online: 1 request(s) on the medium submitted before: skipped (-v lists them)" \
  "$T/submit2.err" || fail "no one-line summary of the old request: $(cat "$T/submit2.err")"
expect_exit 4 on submit --from "usb:$STICK" --service "$URL" --root "$ROOT" -v
grep -q "skipped: .*submitted already" <<<"$ERR" || fail "-v does not list the skipped: $ERR"
grep -q "nothing new on the medium" <<<"$ERR" || fail "no 'nothing new': $ERR"
off import --from "usb:$STICK" --out "$T/SLC2.xml" >"$T/import2.out" 2>"$T/import2.err" \
  || fail "second import failed: $(cat "$T/import2.err")"
grep -q "imported: .*(transfer ${ID2:0:8}" "$T/import2.out" || fail "import2: $(cat "$T/import2.out")"
grep -q "1 answer(s) on the medium imported before: skipped" "$T/import2.err" \
  || fail "the first answer was not reported as skipped: $(cat "$T/import2.err")"
expect_exit 4 off import --from "usb:$STICK" --out "$T/SLC3.xml" -v
grep -q "skipped: transfer .* already answered and imported" <<<"$ERR" || fail "import -v: $ERR"
[ ! -e "$T/SLC3.xml" ] || fail "a third import wrote a certificate"
echo "round trip ok: request $REQ_SHA, new expiry $printed"
