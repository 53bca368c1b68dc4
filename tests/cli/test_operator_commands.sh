#!/usr/bin/env bash
# What an operator meets around the round trip: `cancel` of an outstanding transfer (its answer
# is then refused), `ferry-online status`, and messages that say what to do next for an unknown
# option, a medium used the wrong way round, and a home that has no state.
source "$(dirname "$0")/lib.sh"

cp "$FERRY_VECTORS/rms/req-plain.xml" "$SRV/SRV01RenewalRequest.xml"
REQ=$SRV/SRV01RenewalRequest.xml
start_enrolld
init_and_pair

step "pairing: a sheet to carry by hand, a prompt that asks for it, a stick note that warns"
mkdir -p "$T/stick2"
off pair --to "usb:$T/stick2" --sheet "$T/sheet.txt" >"$T/pair.out"
FP=$(groups "$(off status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["fingerprint"])')")
grep -q "^pairing sheet: *$T/sheet.txt" "$T/pair.out" || fail "pair --to: $(cat "$T/pair.out")"
grep -q "Pairing sheet: the offline machine" "$T/sheet.txt" || fail "sheet: $(cat "$T/sheet.txt")"
tr -s ' \n' ' ' <"$T/sheet.txt" | grep -q "${FP:0:19}" || fail "no fingerprint on the sheet"
grep -q "ferry-online pair --from MEDIUM" "$T/sheet.txt" || fail "sheet lacks the command"
off pair --to "usb:$T/stick2" --sheet "$T/sheet.pdf" >/dev/null
pdftotext -layout "$T/sheet.pdf" - | tr -s ' \n' ' ' | grep -q "${FP:0:19}" ||
  fail "no fingerprint in the PDF sheet"
grep -q "Do not compare with this file" "$T/stick2/FERRY/offline-identity.txt" ||
  fail "the stick's note does not warn: $(cat "$T/stick2/FERRY/offline-identity.txt")"
on pair --from "usb:$T/stick2" --yes >/dev/null 2>"$T/pairin.err"
grep -q "compare it with the pairing sheet printed on the other machine" "$T/pairin.err" ||
  fail "pair --from does not ask for the sheet: $(cat "$T/pairin.err")"
expect_exit 2 on pair --from "usb:$T/stick2" --sheet "$T/x.txt"

step "an unknown option before the command is called an option"
rc=0; out=$("$FERRY_OFFLINE" --homedir "$OFF_HOME" status 2>&1) || rc=$?
[ $rc -eq 2 ] || fail "exit $rc for --homedir"
grep -q "unknown option '--homedir'" <<<"$out" || fail "not called an option: $out"
grep -q "unknown command" <<<"$out" && fail "called a command: $out"
rc=0; out=$("$FERRY_ONLINE" --home "$ON_HOME" 2>&1) || rc=$?
[ $rc -eq 2 ] && grep -q "a command is needed" <<<"$out" || fail "no command: $rc $out"

step "no state here: one message, no repetition, says what to do"
expect_exit 4 "$FERRY_OFFLINE" status --home "$T/nothing"
[ "$(grep -o 'no ferry state here' <<<"$ERR" | wc -l)" -eq 1 ] || fail "repeated: $ERR"
grep -q 'ferry-offline init' <<<"$ERR" || fail "no advice: $ERR"

step "a medium the wrong way round names the one to use"
expect_exit 2 on submit --from "png:$T" --service "$URL" --root "$ROOT"
grep -q "images:PATH" <<<"$ERR" || fail "png: as input without the images: hint: $ERR"
expect_exit 2 off import --from "pdf:$T/x.pdf"
grep -q "images:PATH" <<<"$ERR" || fail "pdf: as input without the images: hint: $ERR"
expect_exit 2 off export "$REQ" --to "images:$T"
grep -q "png:DIR" <<<"$ERR" || fail "images: as output without the png: hint: $ERR"
ls "$STICK"/FERRY/request-*.ferry >/dev/null 2>&1 && fail "a refused export wrote a package"

step "a package given to export is named as such, with what to do"
mkdir -p "$T/pkgs" && printf 'x' >"$T/pkgs/request-0011aabb.ferry"
expect_exit 2 off export "$T/pkgs/request-0011aabb.ferry" --to "usb:$STICK"
grep -q "is a ferry package.*give the request itself" <<<"$ERR" || fail "export .ferry: $ERR"

step "ferry-online status shows its identity and what was submitted"
off export "$REQ" --to "usb:$STICK" >"$T/export.out"
TID=$(sed -n 's/^transfer: *//p' "$T/export.out" | head -n1)
[ -n "$TID" ] || TID=$(off status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["transfers"][0]["transfer_id"])')
on status >"$T/on-status0.out"
grep -q '^identity: *rms-online' "$T/on-status0.out" || fail "online status: $(cat "$T/on-status0.out")"
grep -q '^paired with: rms-offline' "$T/on-status0.out" || fail "online status lacks the peer"
grep -q '^0 request(s) submitted' "$T/on-status0.out" || fail "online status before submit"
on submit --from "usb:$STICK" --service "$URL" --root "$ROOT" >/dev/null 2>&1
on status >"$T/on-status.out"
grep -qE "^${TID:0:8}  [0-9a-f]{8}  submitted" "$T/on-status.out" || fail "no submitted row: $(cat "$T/on-status.out")"
grep -q "service: $URL" "$T/on-status.out" || fail "no service in the row"
on status --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
t = d["transfers"][0]
assert d["fingerprint"] and d["peers"][0]["name"] == "rms-offline", d
assert t["state"] == "submitted" and t["service"] == sys.argv[1] and t["new_expiry"], t
' "$URL" || fail "online status --json"

step "cancel: the outstanding transfer ends, its answer is refused, the state is kept"
expect_exit 2 off cancel
expect_exit 2 off cancel xyz1
expect_exit 4 off cancel 0000
off cancel "${TID:0:8}" --reason "stick lost in transit" >"$T/cancel.out"
grep -q "^cancelled: *$TID" "$T/cancel.out" || fail "cancel output: $(cat "$T/cancel.out")"
off status --json | python3 -c '
import json, sys
t = json.load(sys.stdin)["transfers"][0]
assert t["state"] == "cancelled", t
' || fail "status does not show cancelled"
sqlite3 "$OFF_HOME/ledger.sqlite" "SELECT detail FROM audit WHERE event = 'transfer-cancel'" |
  grep -q "stick lost in transit" || fail "no audit entry for the cancel"
expect_exit 1 off cancel "${TID:0:8}"
grep -q "cancelled already" <<<"$ERR" || fail "cancel twice: $ERR"
before=$(state_digest "$OFF_HOME")
expect_exit 1 off import --from "usb:$STICK" --out "$T/SLC.xml"
grep -q "was cancelled here on" <<<"$ERR" || fail "answer to a cancelled transfer: $ERR"
[ -e "$T/SLC.xml" ] && fail "an answer to a cancelled transfer was written"
[ "$(state_digest "$OFF_HOME")" = "$before" ] || fail "a refused import changed the state"

step "a new export of the same request goes through as a new transfer"
rm -f "$STICK"/FERRY/request-*.ferry "$STICK"/FERRY/response-*.ferry
off export "$REQ" --to "usb:$STICK" >/dev/null
on submit --from "usb:$STICK" --service "$URL" --root "$ROOT" >/dev/null 2>&1
off import --from "usb:$STICK" --out "$T/SLC.xml" >/dev/null 2>&1 || fail "new transfer not imported"
[ -s "$T/SLC.xml" ] || fail "no certificate written"
step "submit checks where the answer goes before it sends anything"
off export "$REQ" --to "usb:$STICK" >/dev/null 2>&1
sent=$(wc -l <"$SVC/received.log")
printf 'x' >"$T/a-file"
expect_exit 4 on submit --from "usb:$STICK" --to "usb:$T/no-such-stick" --service "$URL" --root "$ROOT"
expect_exit 2 on submit --from "usb:$STICK" --to "pdf:$T/a-file/answer.pdf" --service "$URL" --root "$ROOT"
grep -q "is not a folder" <<<"$ERR" || fail "pdf under a file: $ERR"
expect_exit 2 on submit --from "usb:$STICK" --to "png:$T/a-file" --service "$URL" --root "$ROOT"
if mkdir -p "$T/ro" && mount -t tmpfs -o ro,size=1m tmpfs "$T/ro" 2>/dev/null; then
  expect_exit 3 on submit --from "usb:$STICK" --to "usb:$T/ro" --service "$URL" --root "$ROOT"
  umount "$T/ro"
  grep -q "Read-only file system.*nothing was sent" <<<"$ERR" || fail "read-only stick: $ERR"
else
  echo "note: no read-only tmpfs here (mount not allowed); that case is not run" >&2
fi
[ "$(wc -l <"$SVC/received.log")" -eq "$sent" ] || fail "the service received a request"
on submit --from "usb:$STICK" --service "$URL" --root "$ROOT" >/dev/null 2>&1 ||
  fail "the request was not submittable after the refusals"
TID2=$(off status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["transfers"][0]["transfer_id"])')
off import --from "usb:$STICK" --out "$T/SLC0.xml" >/dev/null 2>&1 || fail "import $TID2"
[ -s "$T/SLC0.xml" ] || fail "no certificate for $TID2"

echo "operator commands: ok"
