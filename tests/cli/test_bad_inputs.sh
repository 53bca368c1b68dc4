#!/usr/bin/env bash
# Every bad input of the USB round trip: a clear message, the documented exit code, and the
# state left exactly as it was.
source "$(dirname "$0")/lib.sh"

V=$FERRY_VECTORS/rms
cp "$V/req-plain.xml" "$SRV/SRV01RenewalRequest.xml"
REQ=$SRV/SRV01RenewalRequest.xml
start_enrolld
init_and_pair

step "bad requests are refused by export (exit 1), nothing recorded"
before=$(state_digest "$OFF_HOME")
for bad in bad-not-xml.xml bad-getlicensorcert.xml bad-doctype.xml bad-billion-laughs.xml; do
  cp "$V/$bad" "$SRV/$bad"
  expect_exit 1 off export "$SRV/$bad" --to "usb:$STICK"
  echo "$ERR" | grep -q "$bad" || fail "message does not name the file: $ERR"
done
[ "$(state_digest "$OFF_HOME")" = "$before" ] || fail "a refused export changed the state"
ls "$STICK"/FERRY/request-*.ferry >/dev/null 2>&1 && fail "a refused export wrote a package"
expect_exit 4 off export "$SRV/missing.xml" --to "usb:$STICK"
expect_exit 2 off export "$REQ"
expect_exit 2 off export "$REQ" --to floppy

step "export the good request"
off export "$REQ" --to "usb:$STICK" >/dev/null
PKG=$(ls "$STICK"/FERRY/request-*.ferry)
cp "$PKG" "$T/good-request.ferry"

step "tampered and truncated request packages are refused by submit (exit 1)"
on_before=$(state_digest "$ON_HOME")
size=$(stat -c %s "$PKG")
for pos in 0 1 17 $((size / 3)) $((size / 2)) $((size - 300)) $((size - 1)); do
  cp "$T/good-request.ferry" "$PKG"
  flip "$PKG" $pos
  expect_exit 1 on submit --from "usb:$STICK" --service "$URL" --root "$ROOT"
done
for len in 0 1 100 $((size / 2)) $((size - 1)); do
  head -c $len "$T/good-request.ferry" >"$PKG"
  expect_exit 1 on submit --from "usb:$STICK" --service "$URL" --root "$ROOT"
done
[ -s "$SVC/received.log" ] && fail "a tampered package reached the service"
[ "$(state_digest "$ON_HOME")" = "$on_before" ] || fail "a refused submit changed the online state"
cp "$T/good-request.ferry" "$PKG"

step "a package from an unpaired identity is refused (exit 1)"
STRANGER=$T/stranger-home
"$FERRY_OFFLINE" init --home "$STRANGER" --name stranger >/dev/null
mkdir -p "$T/stick2"
"$FERRY_OFFLINE" export "$REQ" --home "$STRANGER" --to "usb:$T/stick2" >/dev/null
expect_exit 1 on submit --from "usb:$T/stick2" --service "$URL" --root "$ROOT"
echo "$ERR" | grep -qi "unpaired" || fail "no 'unpaired' in: $ERR"

step "the service: wrong anchor (exit 1), SOAP fault (exit 1), 500 twice then success"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=other-root \
  -keyout "$T/other.key" -out "$T/other.pem" -days 2 2>/dev/null
expect_exit 1 on submit --from "usb:$STICK" --service "$URL" --root "$T/other.pem"
echo "$ERR" | grep -qi "pinned root\|chain" || fail "unclear TLS error: $ERR"
stop_enrolld
start_enrolld --fault soap-fault
expect_exit 1 on submit --from "usb:$STICK" --service "$URL" --root "$ROOT"
stop_enrolld
start_enrolld --fault oversize:$((8 * 1024 * 1024))
expect_exit 1 on submit --from "usb:$STICK" --service "$URL" --root "$ROOT"
echo "$ERR" | grep -qi "larger\|too large" || fail "unclear size error: $ERR"
stop_enrolld
start_enrolld --fault delay:4000
expect_exit 3 on submit --from "usb:$STICK" --service "$URL" --root "$ROOT" --timeout 1
stop_enrolld
[ "$(state_digest "$ON_HOME")" = "$on_before" ] || fail "a failed submit changed the online state"
ls "$STICK"/FERRY/response-*.ferry >/dev/null 2>&1 && fail "a failed submit wrote an answer"

rm -f "$SVC/received.log"
start_enrolld --fault http500:2
on submit --from "usb:$STICK" --service "$URL" --root "$ROOT" --json >"$T/submit.json" ||
  fail "500 twice then success did not succeed: $(cat "$T/submit.json")"
grep -q '"attempts":3' "$T/submit.json" || fail "expected 3 attempts: $(cat "$T/submit.json")"
stop_enrolld
expect_exit 4 on submit --from "usb:$STICK" --service "$URL" --root "$ROOT"
echo "$ERR" | grep -q "nothing new on the medium: .*submitted already" ||
  fail "a second submit did not say there was nothing new: $ERR"
echo "$ERR" | grep -q "failed\|refused" && fail "a harmless re-run reported a failure: $ERR"

step "import refusals leave the state whole"
RESP=$(ls "$STICK"/FERRY/response-*.ferry)
cp "$RESP" "$T/good-response.ferry"
before=$(state_digest "$OFF_HOME")
rsize=$(stat -c %s "$RESP")
for pos in 3 $((rsize / 2)) $((rsize - 2)); do
  cp "$T/good-response.ferry" "$RESP"
  flip "$RESP" $pos
  expect_exit 1 off import --from "usb:$STICK"
done
head -c $((rsize / 2)) "$T/good-response.ferry" >"$RESP"
expect_exit 1 off import --from "usb:$STICK"
[ "$(state_digest "$OFF_HOME")" = "$before" ] || fail "a refused import changed the state"
[ -e "$SRV/SRV01SLC.xml" ] && fail "a refused import wrote the certificate"

step "a response for a request that is not outstanding here (another offline machine)"
OTHER=$T/other-offline
"$FERRY_OFFLINE" init --home "$OTHER" --name other >/dev/null
"$FERRY_OFFLINE" pair --home "$OTHER" --from "usb:$STICK" --yes >/dev/null
cp "$T/good-response.ferry" "$RESP"
expect_exit 1 "$FERRY_OFFLINE" import --home "$OTHER" --from "usb:$STICK"
echo "$ERR" | grep -qi "did not export" || fail "unclear: $ERR"

step "import once; the same answer again: nothing new on the medium (exit 4)"
off import --from "usb:$STICK" >/dev/null
after=$(state_digest "$OFF_HOME")
expect_exit 4 off import --from "usb:$STICK" --out "$T/again.xml"
echo "$ERR" | grep -q "nothing new on the medium: .*already" || fail "unclear replay message: $ERR"
echo "$ERR" | grep -q "refused" && fail "a harmless re-run reported a refusal: $ERR"
[ "$(state_digest "$OFF_HOME")" = "$after" ] || fail "a replay changed the state"
echo "bad inputs ok"
