#!/usr/bin/env bash
# The printed runbook through the CLIs: what pdftotext reads is what the tools print, the text
# form says the same, and paper QR pages in the runbook carry the package to the online side.
source "$(dirname "$0")/lib.sh"

# not named <server>RenewalRequest.xml: the server's name comes from EnrolleeInformation/Name
cp "$FERRY_VECTORS/rms/req-nonascii.xml" "$SRV/zurich-request.xml"
start_enrolld
init_and_pair
SERVER='Serveur-Zürich-東京'

step "export to paper (pdf) with the runbook"
off export "$SRV/zurich-request.xml" --to "pdf:$T/codes.pdf" --runbook "$T/runbook.pdf" \
  --json >"$T/export.json"
tid=$(grep -o '"transfer_id":"[^"]*"' "$T/export.json" | cut -d'"' -f4)
sha=$(groups "$(json_sha package_sha256 "$T/export.json")")
offfp=$(groups "$(off status --json | grep -o '"fingerprint":"[^"]*"' | head -n1 | cut -d'"' -f4)")
onfp=$(on pair --to "usb:$T/x" --json 2>/dev/null | grep -o '"fingerprint":"[^"]*"' | cut -d'"' -f4) || true
[ -n "$onfp" ] || { mkdir -p "$T/x"; onfp=$(on pair --to "usb:$T/x" --json | grep -o '"fingerprint":"[^"]*"' | cut -d'"' -f4); }
onfp=$(groups "$onfp")

pdftotext "$T/runbook.pdf" "$T/runbook.txt"
pdftotext -layout "$T/runbook.pdf" "$T/runbook-layout.txt"
for want in "$tid" "$SERVER" "$sha" "$offfp" "$onfp"; do
  grep -qF "$want" "$T/runbook.txt" || fail "pdftotext lacks '$want'"
  grep -qF "$want" "$T/runbook-layout.txt" || fail "pdftotext -layout lacks '$want'"
done
pages=$(pdfinfo "$T/runbook.pdf" | awk '/^Pages:/ {print $2}')
grep -qF "page $pages of $pages" "$T/runbook.txt" || fail "no 'page n of m' footer"

step "the text form says the same"
off runbook "${tid:0:8}" --text --medium "pdf:$T/codes.pdf" >"$T/rb-text.txt"
# long values wrap at group boundaries in the text form: compare with white space folded
tr -s ' \n' '  ' <"$T/rb-text.txt" >"$T/rb-folded.txt"
for want in "$tid" "$SERVER" "$sha" "$offfp" "$onfp"; do
  grep -qF "$want" "$T/rb-folded.txt" || fail "text runbook lacks '$want'"
done
# every word of the text form appears in the PDF's text
tr -s ' \t' '\n\n' <"$T/rb-text.txt" | grep -v '^$' | sort -u >"$T/w-text"
tr -s ' \t\f' '\n\n\n' <"$T/runbook.txt" | grep -v '^$' | sort -u >"$T/w-pdf"
missing=$(comm -23 "$T/w-text" "$T/w-pdf" | grep -v '^[_[:punct:]]*$' | head -n 5 || true)
[ -z "$missing" ] || fail "words of the text runbook not in the PDF: $missing"

step "the runbook's paper QR pages, printed and scanned at 150 dpi, carry the package"
mkdir -p "$T/scan"
pdftoppm -r 150 -png "$T/runbook.pdf" "$T/scan/page"
on submit --from "images:$T/scan" --to "usb:$STICK" --service "$URL" --root "$ROOT" --json \
  >"$T/submit.json" 2>"$T/submit.err" || fail "submit from the scanned runbook: $(cat "$T/submit.err")"
grep -q " of " "$T/submit.err" || fail "no 'r of K' progress on stderr"
posted_ok "$T/submit.json" "$SRV/zurich-request.xml"
grep -q '"server_name_from":"EnrolleeInformation/Name"' "$T/submit.json" ||
  fail "the server's name does not come from EnrolleeInformation/Name: $(cat "$T/submit.json")"

step "the online side prints the return runbook with the new expiry"
on runbook --out "$T/return.pdf"
pdftotext "$T/return.pdf" "$T/return.txt"
grep -qF "$tid" "$T/return.txt" || fail "return runbook lacks the transfer id"
new=$(on runbook --text | grep -oE '20[0-9]{2}-[0-9]{2}-[0-9]{2}' | sort -u | tail -n1)
grep -qF "$new" "$T/return.txt" || fail "return runbook lacks the new expiry $new"
echo "runbook ok"
