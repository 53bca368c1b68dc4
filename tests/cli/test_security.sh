#!/usr/bin/env bash
# Findings of the security review (issue 14) at the CLI: replay keyed on what is signed.
source "$(dirname "$0")/lib.sh"

cp "$FERRY_VECTORS/rms/req-plain.xml" "$SRV/SRV01RenewalRequest.xml"
REQ=$SRV/SRV01RenewalRequest.xml
start_enrolld --lifetime-days 400
init_and_pair
received() { grep -c ' /enrollment/enrollservice.asmx ' "$SVC/received.log" 2>/dev/null || true; }

step "a malleated copy (ECDSA s -> n - s) of a submitted request is recognised as submitted"
off export "$REQ" --to "usb:$STICK" >/dev/null 2>&1
PKG=$(ls "$STICK"/FERRY/request-*.ferry)
form=$(python3 "$FERRY_SRC/tests/cli/malleate.py" "$PKG" "$T/malleated.ferry")
[ "$form" = low ] || fail "ferry signed with a high s ($form): not normalised"
cmp -s "$PKG" "$T/malleated.ferry" && fail "the malleated copy has the same bytes"
openssl cms -verify -inform DER -binary -in "$T/malleated.ferry" -CAfile "$OFF_HOME/identity.crt" \
  -out /dev/null 2>/dev/null || fail "stock openssl does not accept the malleated copy"
on submit --from "usb:$STICK" --service "$URL" --root "$ROOT" >/dev/null 2>&1 || fail "submit"
n=$(received)
mkdir -p "$T/stick2/FERRY"
cp "$T/malleated.ferry" "$T/stick2/FERRY/$(basename "$PKG")"
before=$(state_digest "$ON_HOME")
expect_exit 1 on submit --from "usb:$T/stick2" --service "$URL" --root "$ROOT"
grep -q "submitted already" <<<"$ERR" || fail "not recognised as submitted: $ERR"
[ "$(received)" -eq "$n" ] || fail "the malleated copy reached the service"
[ "$(state_digest "$ON_HOME")" = "$before" ] || fail "the online state changed"
ls "$T/stick2/FERRY"/response-* >/dev/null 2>&1 && fail "an answer was written"
# --again still submits it on purpose
on submit --from "usb:$T/stick2" --service "$URL" --root "$ROOT" --again >/dev/null 2>&1 ||
  fail "--again refused"
[ "$(received)" -eq $((n + 1)) ] || fail "--again did not reach the service"

echo "PASS: security"
