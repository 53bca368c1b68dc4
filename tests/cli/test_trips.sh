#!/usr/bin/env bash
# Trips and recorded media: export of several requests to a stick is one trip, submit of the
# stick is one trip; status shows each row's trip and media and filters by trip; the runbook
# takes the medium the ledger recorded (after a USB submit the return runbook names the stick
# and the exact import command, no --medium needed), covers a whole trip, and --medium only
# overrides. A ledger written by an older ferry opens, migrated, and shows its rows.
source "$(dirname "$0")/lib.sh"

V=$FERRY_VECTORS/rms
cp "$V/req-plain.xml" "$SRV/SRV01RenewalRequest.xml"
cp "$V/req-soap.xml" "$SRV/SRV02RenewalRequest.xml"
cp "$V/req-crlf.xml" "$SRV/SRV03RenewalRequest.xml"
cp "$V/req-nonascii.xml" "$SRV/SRV04RenewalRequest.xml"
start_enrolld --lifetime-days 400
init_and_pair

# field NAME FILE: the first "NAME":"value" of a JSON output
field() { grep -o "\"$1\":\"[^\"]*\"" "$2" | head -n1 | cut -d'"' -f4; }

step "export of three requests to the stick: one trip, one runbook for it"
off export "$SRV"/SRV0{1,2,3}RenewalRequest.xml --to "usb:$STICK" --runbook "$T/trip.txt" \
  --json >"$T/export.json"
TRIP=$(field trip "$T/export.json")
[[ $TRIP =~ ^[0-9a-f]{32}$ ]] || fail "no trip id in export --json: $(cat "$T/export.json")"
grep -q '"exported":3' "$T/export.json" || fail "export --json: $(cat "$T/export.json")"
mapfile -t IDS < <(grep -o '"transfer_id":"[0-9a-f]*"' "$T/export.json" | cut -d'"' -f4)
mapfile -t SHAS < <(grep -o '"package_sha256":"[0-9a-f]*"' "$T/export.json" | cut -d'"' -f4 |
  while read -r h; do groups "$h"; done) # JSON: plain hex; the runbook: groups of four
[ ${#IDS[@]} -eq 3 ] && [ ${#SHAS[@]} -eq 3 ] || fail "three transfers wanted: $(cat "$T/export.json")"
[ "$(grep -o "\"trip\":\"$TRIP\"" "$T/export.json" | wc -l)" -eq 4 ] ||
  fail "every transfer carries the trip: $(cat "$T/export.json")"
[ "$(ls "$STICK"/FERRY/request-*.ferry | wc -l)" -eq 3 ] || fail "three packages on the stick"

step "the trip's runbook lists every transfer, one export command, the return runbook"
tr -s ' \n' '  ' <"$T/trip.txt" >"$T/trip-folded.txt"
for i in 0 1 2; do
  grep -qF "${IDS[$i]}" "$T/trip.txt" || fail "trip runbook lacks transfer ${IDS[$i]}"
  grep -qF "${SHAS[$i]}" "$T/trip-folded.txt" || fail "trip runbook lacks SHA-256 ${SHAS[$i]}"
  grep -qE "^\[ \] T$((i + 1))\. SRV0$((i + 1))$" "$T/trip.txt" || fail "no box for transfer $((i + 1))"
done
grep -qF "ferry runbook · trip $TRIP · 3 transfers" "$T/trip.txt" || fail "trip runbook header"
grep -qE "^Medium: +USB stick$" "$T/trip.txt" || fail "the trip's medium is not the stick"
grep -qF "ferry-offline export SRV01RenewalRequest.xml SRV02RenewalRequest.xml SRV03RenewalRequest.xml --to usb" \
  "$T/trip-folded.txt" || fail "no one export command for the trip"
grep -qF "first eight digits of the trip id: ${TRIP:0:8}." "$T/trip-folded.txt" || fail "stick label"
grep -qE "^ +ferry-online runbook$" "$T/trip.txt" || fail "no return runbook command for the trip"
# `runbook` alone: the latest transfer's trip; a transfer named: that transfer alone
off runbook --text >"$T/latest.txt"
cmp -s "$T/latest.txt" "$T/trip.txt" || fail "runbook without TRANSFER is not the latest trip's"
off runbook "${IDS[1]:0:8}" --text >"$T/one.txt"
grep -qF "ferry runbook · transfer ${IDS[1]}" "$T/one.txt" || fail "runbook TRANSFER: $(head -n2 "$T/one.txt")"
grep -qF "${IDS[0]}" "$T/one.txt" && fail "a single transfer's runbook lists another"
grep -qE "^Trip: +$TRIP$" "$T/one.txt" || fail "a single transfer's runbook names its trip"
off runbook --trip "${TRIP:0:6}" --out "$T/trip.pdf"
pdftotext "$T/trip.pdf" "$T/trip-pdf.txt"
for i in 0 1 2; do grep -qF "${IDS[$i]}" "$T/trip-pdf.txt" || fail "trip PDF lacks ${IDS[$i]}"; done
expect_exit 2 off runbook "${IDS[0]}" --trip "$TRIP"
expect_exit 2 off runbook --trip 12g4
expect_exit 4 off runbook --trip "$([ "${TRIP:0:1}" = 0 ] && echo 1111 || echo 0000)"

step "status: the trip and media of each row; --trip shows one trip"
cp "$SRV/SRV04RenewalRequest.xml" "$T/SRV04RenewalRequest.xml"
off export "$T/SRV04RenewalRequest.xml" --to "pdf:$T/srv04.pdf" --json >"$T/export4.json"
ID4=$(field transfer_id "$T/export4.json")
TRIP4=$(field trip "$T/export4.json")
[ -n "$TRIP4" ] && [ "$TRIP4" != "$TRIP" ] || fail "another run, another trip: $TRIP4"
off status >"$T/status.txt"
for i in 0 1 2; do
  grep -qE "^${IDS[$i]:0:8}  ${TRIP:0:8}  outstanding .* usb/- .* SRV0$((i + 1))$" "$T/status.txt" ||
    fail "status row of ${IDS[$i]}: $(cat "$T/status.txt")"
done
grep -qE "^${ID4:0:8}  ${TRIP4:0:8}  outstanding .* pdf/- " "$T/status.txt" || fail "status row 4: $(cat "$T/status.txt")"
off status --trip "${TRIP:0:8}" >"$T/status-trip.txt"
[ "$(grep -c "^[0-9a-f]\{8\}  ${TRIP:0:8}  " "$T/status-trip.txt")" -eq 3 ] ||
  fail "status --trip: $(cat "$T/status-trip.txt")"
grep -q "^${ID4:0:8}" "$T/status-trip.txt" && fail "status --trip shows another trip's row"
grep -q '"request_medium":"pdf"' <<<"$(off status --trip "$TRIP4" --json)" || fail "status --json media"
expect_exit 4 off status --trip ffffffffffffffffffffffffffffffff
# the paper transfer's runbook is for paper, from the ledger alone
grep -qE "^Medium: +QR codes on paper$" <<<"$(off runbook "$ID4" --text)" || fail "recorded pdf medium not used"

step "several requests go to a stick only; a refused one does not stop the others"
expect_exit 2 off export "$SRV/SRV01RenewalRequest.xml" "$SRV/SRV02RenewalRequest.xml" --to "png:$T/png"
grep -q "a QR medium (png) carries one package" <<<"$ERR" || fail "QR multi-export: $ERR"
echo "not a request" >"$T/bogus.xml"
cp "$V/req-plain.xml" "$T/SRV05RenewalRequest.xml"
mkdir -p "$T/stick2"
rc=0
off export "$T/bogus.xml" "$T/SRV05RenewalRequest.xml" --to "usb:$T/stick2" >"$T/part.out" 2>"$T/part.err" || rc=$?
[ $rc -ne 0 ] || fail "a refused request left exit 0"
grep -q "bogus.xml: refused" "$T/part.err" || fail "the refused one is not named: $(cat "$T/part.err")"
grep -q "1 of 2 request(s) refused" "$T/part.err" || fail "no summary: $(cat "$T/part.err")"
grep -q "^server: *SRV05" "$T/part.out" || fail "the good one was not exported: $(cat "$T/part.out")"
[ "$(ls "$T/stick2"/FERRY/request-*.ferry | wc -l)" -eq 1 ] || fail "one package on the second stick"

step "submit of the stick: one trip; the return runbook is for the stick, every answer in it"
on submit --from "usb:$STICK" --service "$URL" --root "$ROOT" --json >"$T/submit.json"
grep -q '"submitted":3' "$T/submit.json" || fail "submit: $(cat "$T/submit.json")"
OTRIP=$(field trip "$T/submit.json")
[[ $OTRIP =~ ^[0-9a-f]{32}$ ]] || fail "no trip in submit --json: $(cat "$T/submit.json")"
on status --trip "$OTRIP" --json >"$T/on-status.json"
[ "$(grep -o '"request_medium":"usb","answer_medium":"usb"' "$T/on-status.json" | wc -l)" -eq 3 ] ||
  fail "online status media: $(cat "$T/on-status.json")"
on runbook --text >"$T/return.txt"
grep -qF "ferry runbook · trip $OTRIP · 3 transfers" "$T/return.txt" || fail "return runbook: $(head -n3 "$T/return.txt")"
grep -qE "^Medium: +USB stick$" "$T/return.txt" || fail "return runbook does not name the stick"
grep -qE "^ +ferry-offline import --from usb$" "$T/return.txt" || fail "no exact import command"
for i in 0 1 2; do grep -qF "${IDS[$i]}" "$T/return.txt" || fail "return runbook lacks ${IDS[$i]}"; done

step "a USB round trip of one transfer: the return runbook names usb and the exact import"
rm -f "$STICK"/FERRY/*.ferry
cp "$V/req-soap.xml" "$SRV/SRV06RenewalRequest.xml"
off export "$SRV/SRV06RenewalRequest.xml" --to "usb:$STICK" --json >"$T/export6.json"
ID6=$(field transfer_id "$T/export6.json")
on submit --from "usb:$STICK" --service "$URL" --root "$ROOT" >/dev/null 2>&1
on runbook "$ID6" --text >"$T/return6.txt"
grep -qF "ferry runbook · transfer $ID6" "$T/return6.txt" || fail "single return runbook"
grep -qE "^Medium: +USB stick$" "$T/return6.txt" || fail "return runbook: medium not usb"
grep -qE "^ +ferry-offline import --from usb$" "$T/return6.txt" ||
  fail "return runbook lacks 'ferry-offline import --from usb': $(grep -A2 'Import the' "$T/return6.txt")"
grep -q "MEDIUM" "$T/return6.txt" && fail "a blank MEDIUM left in the return runbook"
# that command imports it (the stick is a folder here: usb:DIR)
off import --from "usb:$STICK" --json >"$T/import6.json" || fail "the import failed"
grep -q "\"transfer_id\":\"$ID6\",\"imported\":true" "$T/import6.json" || fail "import: $(cat "$T/import6.json")"
grep -q "\"transfer_id\":\"$ID6\".*\"request_medium\":\"usb\",\"answer_medium\":\"usb\"" <<<"$(off status --json)" ||
  fail "offline status does not record the answer's medium"

step "--medium overrides (a kind; pdf accepted), a reading medium is refused"
on runbook "$ID6" --text --medium pdf >"$T/return-pdf.txt"
grep -qE "^Medium: +QR codes on paper$" "$T/return-pdf.txt" || fail "--medium pdf not taken"
grep -qE "^ +ferry-offline import --from images:DIR$" "$T/return-pdf.txt" || fail "--medium pdf import command"
grep -qE "^Medium: +QR codes on paper$" <<<"$(on runbook "$ID6" --text --medium "pdf:$T/x.pdf")" ||
  fail "--medium pdf:FILE not taken"
expect_exit 2 on runbook "$ID6" --medium camera
grep -q "usb, png, pdf, html or screen" <<<"$ERR" || fail "--medium camera: $ERR"
expect_exit 2 on runbook "$ID6" --medium floppy

step "X.509: the runbook says when to use --accept-changes"
off export "$FERRY_VECTORS/x509/csr.pem" --to "usb:$T/stick2" --json >"$T/export-x.json"
IDX=$(field transfer_id "$T/export-x.json")
off runbook "$IDX" --text >"$T/x509.txt"
tr -s ' \n' '  ' <"$T/x509.txt" >"$T/x509-folded.txt"
grep -qF "ferry-online submit --from usb --to usb --protocol est --service URL --accept-changes" \
  "$T/x509-folded.txt" || fail "no --accept-changes command in the X.509 runbook"
grep -qF "certs/TRANSFER.refused.pem" "$T/x509-folded.txt" || fail "where the refused chain is kept"
grep -qF "Only if the certificate's owner accepts the changes" "$T/x509-folded.txt" || fail "when to use it"
grep -q "accept-changes" "$T/one.txt" && fail "an RMS runbook mentions --accept-changes"

step "a ledger of schema 1 (before trips) opens, migrated; its rows show without trip or media"
H=$T/old-home
"$FERRY_OFFLINE" init --home "$H" --name old >/dev/null
cp "$FERRY_VECTORS/ledger/ledger-v1-offline.sqlite" "$H/ledger.sqlite"
"$FERRY_OFFLINE" status --home "$H" >"$T/old-status.txt" 2>"$T/old-status.err" ||
  fail "status on a schema 1 ledger: $(cat "$T/old-status.err")"
grep -q "ledger updated (schema 1 -> 4)" "$T/old-status.err" || fail "no migration note: $(cat "$T/old-status.err")"
[ "$(grep -cE '^[0-9a-f]{8}  - +(outstanding|certificate written) .* - +.* rms01' "$T/old-status.txt")" -eq 2 ] || fail "old rows: $(cat "$T/old-status.txt")"
old=$(grep -E '^[0-9a-f]{8}  - +outstanding' "$T/old-status.txt" | cut -c1-8)
grep -qE "^Medium: +_+$" <<<"$("$FERRY_OFFLINE" runbook "$old" --home "$H" --text)" ||
  fail "an old transfer's runbook does not leave the medium blank"
grep -qE "^Medium: +USB stick$" <<<"$("$FERRY_OFFLINE" runbook "$old" --home "$H" --text --medium usb)" ||
  fail "--medium does not fill an old transfer's medium"
echo "trips ok: trip ${TRIP:0:8} of 3 exported, ${OTRIP:0:8} of 3 submitted"
