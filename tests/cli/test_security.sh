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
expect_exit 4 on submit --from "usb:$T/stick2" --service "$URL" --root "$ROOT"
grep -q "nothing new on the medium: .*submitted already" <<<"$ERR" ||
  fail "not recognised as submitted: $ERR"
[ "$(received)" -eq "$n" ] || fail "the malleated copy reached the service"
[ "$(state_digest "$ON_HOME")" = "$before" ] || fail "the online state changed"
ls "$T/stick2/FERRY"/response-* >/dev/null 2>&1 && fail "an answer was written"
# --again still submits it on purpose
on submit --from "usb:$T/stick2" --service "$URL" --root "$ROOT" --again >/dev/null 2>&1 ||
  fail "--again refused"
[ "$(received)" -eq $((n + 1)) ] || fail "--again did not reach the service"

step "a home writable by group or others is refused, as a readable key is"
H=$T/homes/h1
"$FERRY_OFFLINE" init --home "$H" --name h1 >/dev/null 2>&1 || fail "init"
before=$(state_digest "$H")
chmod 0777 "$H"
expect_exit 1 "$FERRY_OFFLINE" status --home "$H"
grep -q "$H: writable by group or others (mode 0777)" <<<"$ERR" || fail "0777 home: $ERR"
grep -q "chmod 700 $H" <<<"$ERR" || fail "no advice: $ERR"
chmod 0770 "$H"
expect_exit 1 "$FERRY_OFFLINE" import --home "$H" --from "usb:$STICK"
grep -q "writable by group or others (mode 0770)" <<<"$ERR" || fail "0770 home: $ERR"
chmod 0700 "$H"
[ "$(state_digest "$H")" = "$before" ] || fail "a refused home was changed"
"$FERRY_OFFLINE" status --home "$H" >/dev/null 2>&1 || fail "0700 home refused"

step "a home below a directory others may write to (not sticky) is refused"
mkdir -p "$T/open"; chmod 0777 "$T/open"
expect_exit 1 "$FERRY_OFFLINE" init --home "$T/open/h" --name h2
grep -q "lies in $T/open, which group or others may write to (mode 0777)" <<<"$ERR" ||
  fail "open parent: $ERR"
chmod 1777 "$T/open" # sticky, like /tmp: others cannot replace what is ours
"$FERRY_OFFLINE" init --home "$T/open/h" --name h2 >/dev/null 2>&1 || fail "sticky parent refused"

step "a home reached through a symlinked parent works (resolved once)"
mkdir -p "$T/real"; ln -s "$T/real" "$T/link"
"$FERRY_OFFLINE" init --home "$T/link/h" --name h3 >/dev/null 2>&1 || fail "init via a link"
[ -f "$T/real/h/ledger.sqlite" ] || fail "no ledger in the real folder"
"$FERRY_OFFLINE" status --home "$T/link/h" --json >"$T/st.json" 2>&1 || fail "status via a link"
"$FERRY_OFFLINE" pair --home "$T/link/h" --from "usb:$STICK" --yes >/dev/null 2>&1 ||
  fail "pair via a link"
"$FERRY_OFFLINE" status --home "$T/link/h" | grep -q "paired with: rms-online" ||
  fail "the pairing via a link did not stick"

step "a damaged ledger is refused with advice, also in a table the command does not read"
cp -a "$OFF_HOME" "$T/damaged"
root=$(sqlite3 "$T/damaged/ledger.sqlite" "SELECT rootpage FROM sqlite_master WHERE name = 'audit'")
psize=$(sqlite3 "$T/damaged/ledger.sqlite" "PRAGMA page_size")
printf '\x0d\xff\xff\xff\xff\xff\xff\xff' | dd of="$T/damaged/ledger.sqlite" bs=1 \
  seek=$(( (root - 1) * psize )) conv=notrunc status=none
check=$(sqlite3 "$T/damaged/ledger.sqlite" "PRAGMA integrity_check" 2>&1 || true)
[ "$check" != ok ] || fail "the damage was not done"
sqlite3 "$T/damaged/ledger.sqlite" "SELECT count(*) FROM transfers" >/dev/null ||
  fail "the damage reached the table status reads"
before=$(state_digest "$T/damaged")
expect_exit 3 "$FERRY_OFFLINE" status --home "$T/damaged"
grep -q "ledger.sqlite: the ledger is damaged" <<<"$ERR" || fail "no damage message: $ERR"
grep -q "put back ledger.sqlite from your last backup" <<<"$ERR" || fail "no advice: $ERR"
expect_exit 3 "$FERRY_OFFLINE" import --home "$T/damaged" --from "usb:$STICK"
[ "$(state_digest "$T/damaged")" = "$before" ] || fail "a damaged home was changed"

step "a service's fault text with C1 and bidi controls reaches neither terminal nor JSON raw"
stop_enrolld
mkdir -p "$T/svc2"
printf '<?xml version="1.0" encoding="utf-8"?>\n<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault><faultcode>soap:Server</faultcode><faultstring>denied \xe2\x80\xaeKO SI TLUSER\xe2\x80\xac \xc2\x9b2J\xc2\x85next \xe2\x81\xa6line\xe2\x81\xa9</faultstring></soap:Fault></soap:Body></soap:Envelope>\n' \
  >"$T/fault.xml"
ENROLLD_DIR=$T/svc2 start_enrolld --fault "body:$T/fault.xml"
rm -f "$STICK"/FERRY/*.ferry
off export "$REQ" --to "usb:$STICK" >/dev/null 2>&1
expect_exit 1 on submit --from "usb:$STICK" --service "$URL" --root "$ROOT"
grep -q 'the enrollment service refused: denied \\u202eKO SI TLUSER\\u202c \\u009b2J\\u0085next \\u2066line\\u2069' <<<"$ERR" ||
  fail "the fault text is not shown escaped: $ERR"
LC_ALL=C grep -q $'\xe2\x80\xae\|\xc2\x9b\|\xc2\x85\|\xe2\x81\xa6' <<<"$ERR" && fail "raw controls on stderr"
rc=0
on submit --from "usb:$STICK" --service "$URL" --root "$ROOT" --json >"$T/fault.json" 2>/dev/null || rc=$?
[ "$rc" -eq 1 ] || fail "--json: exit $rc"
grep -q 'denied \\u202eKO SI TLUSER\\u202c \\u009b2J\\u0085next' "$T/fault.json" ||
  fail "the JSON does not escape them: $(cat "$T/fault.json")"
LC_ALL=C grep -q $'\xe2\x80\xae\|\xc2\x9b\|\xc2\x85' "$T/fault.json" && fail "raw controls in JSON"

echo "PASS: security"
