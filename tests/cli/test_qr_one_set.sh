#!/usr/bin/env bash
# One QR set per transfer and direction: the PDF `--to pdf:` writes and the runbook's QR pages
# carry the same frames (session, version, ECC, K, parity), also when the QR options were given
# and the runbook is printed later; pages of both, mixed, rebuild the package.
source "$(dirname "$0")/lib.sh"

cp "$FERRY_VECTORS/rms/req-nonascii.xml" "$SRV/r.xml"
start_enrolld
init_and_pair

# codes FILE...: every QR text zbarimg reads off the PNG files, one per line, sorted, each page
# read twice (zbar2: on one 5 x 6 page of v9-Q codes its full sweep read 0 of 29, the half 24)
codes() {
  local f
  for f in "$@"; do zbar2 "$f" || true; done | sort -u
}

# qr_pages PDF: the page numbers of the runbook's QR pages
qr_pages() {
  local i n
  n=$(pdfinfo "$1" | awk '/^Pages:/ {print $2}')
  for i in $(seq 1 "$n"); do
    grep -q '^QR codes [0-9]* to [0-9]* of ' <<<"$(pdftotext -f "$i" -l "$i" "$1" -)" && echo "$i"
  done
  return 0
}

# labelled PDF: the "frame i of N" labels pdftotext finds, one "i N" per line, sorted
labelled() {
  grep -oE 'frame [0-9]+ of [0-9]+' <<<"$(pdftotext -layout "$@" -)" | awk '{print $2, $4}' | sort -n
}

# same_set CODES_PDF RUNBOOK_PDF NAME: the two carry the same frames. Pages rasterised at 150 dpi
# as a scan would be; zbarimg misses a code now and then on a full page, so it compares what it
# reads: one session and K (the 11-character header prefix), one frame length (version, ECC),
# and the same text for every index read off both; the labels name the same N frames.
same_set() {
  local p
  mkdir -p "$T/$3/pdf" "$T/$3/rb"
  pdftoppm -r 150 -png "$1" "$T/$3/pdf/page"
  for p in $(qr_pages "$2"); do pdftoppm -r 150 -png -f "$p" -l "$p" "$2" "$T/$3/rb/p$(printf %03d "$p")"; done
  ls "$T/$3/rb"/*.png >/dev/null 2>&1 || fail "$3: the runbook has no QR pages"
  codes "$T/$3/pdf"/*.png >"$T/$3/pdf.txt"
  codes "$T/$3/rb"/*.png >"$T/$3/rb.txt"
  [ -s "$T/$3/pdf.txt" ] && [ -s "$T/$3/rb.txt" ] || fail "$3: no code read off $1 or $2"
  grep -qvE '^F[A-Z2-7]{7}[0-9A-Z]{4}' "$T/$3/pdf.txt" "$T/$3/rb.txt" && fail "$3: not a ferry frame"
  [ "$(cut -c1-11 "$T/$3/pdf.txt" "$T/$3/rb.txt" | sort -u | wc -l)" -eq 1 ] ||
    fail "$3: two sessions or two K: $(cut -c1-11 "$T/$3/pdf.txt" "$T/$3/rb.txt" | sort -u | head -n 3)"
  [ "$(awk '{print length($0)}' "$T/$3/pdf.txt" "$T/$3/rb.txt" | sort -u | wc -l)" -eq 1 ] ||
    fail "$3: frames of two lengths (two versions or ECC levels)"
  join <(cut -c12-13 "$T/$3/pdf.txt" | paste - "$T/$3/pdf.txt" | sort) \
    <(cut -c12-13 "$T/$3/rb.txt" | paste - "$T/$3/rb.txt" | sort) |
    awk '$2 != $3 {bad++} {n++} END {exit !(n > 0 && bad == 0)}' ||
    fail "$3: a frame index carries other data in the runbook (or none read off both)"
  [ "$(labelled "$1")" = "$(labelled "$2")" ] || fail "$3: the labels name other frames"
  echo "$3: $(wc -l <"$T/$3/pdf.txt") and $(wc -l <"$T/$3/rb.txt") codes read, one set" >&2
}

step "request leg: --to pdf: and --runbook at once carry the same frames"
off export "$SRV/r.xml" --to "pdf:$T/codes.pdf" --runbook "$T/runbook.pdf" 2>"$T/export.err"
grep -qE 'QR codes on [0-9]+ A4 page' "$T/export.err" || fail "no layout line: $(cat "$T/export.err")"
same_set "$T/codes.pdf" "$T/runbook.pdf" req-default

step "request leg with --qr-version/--qr-ecc/--parity, runbook printed later"
off export "$SRV/r.xml" --to "pdf:$T/codes2.pdf" --qr-version 9 --qr-ecc Q --parity 60 --json \
  >"$T/export2.json" 2>"$T/export2.err"
grep -q 'version 9-Q' "$T/export2.err" || fail "the options were not used: $(cat "$T/export2.err")"
tid2=$(grep -o '"transfer_id":"[^"]*"' "$T/export2.json" | cut -d'"' -f4)
off runbook "${tid2:0:8}" --medium "pdf:$T/codes2.pdf" --out "$T/runbook2.pdf"
grep -q 'version 9-Q' <<<"$(pdftotext "$T/runbook2.pdf" -)" || fail "the runbook does not name version 9-Q"
same_set "$T/codes2.pdf" "$T/runbook2.pdf" req-options

step "a broken record of the paper set is refused with what to do"
rec=$(ls "$OFF_HOME"/packages/"$tid2"*.qr)
cp "$rec" "$T/rec.bak"
printf 'paper v99-Z parity 1\n' >"$rec"
expect_exit 1 off runbook "${tid2:0:8}" --medium "pdf:$T/codes2.pdf" --out "$T/bad.pdf"
grep -q 'export again' <<<"$ERR" || fail "no advice for a broken record: $ERR"
cp "$T/rec.bak" "$rec"

step "return leg: the answer on paper and the return runbook, pages mixed, rebuild it"
on submit --from "images:$T/req-default/pdf" --to "pdf:$T/answer.pdf" --service "$URL" \
  --root "$ROOT" 2>"$T/submit.err" || fail "submit: $(cat "$T/submit.err")"
on runbook --medium "pdf:$T/answer.pdf" --out "$T/return.pdf"
same_set "$T/answer.pdf" "$T/return.pdf" answer
k=$(head -n1 "$T/answer/pdf.txt" | cut -c9-10)
k=$((36#$k))
np=$(ls "$T/answer/pdf"/*.png | wc -l)
[ "$np" -ge 2 ] || fail "the answer fits one page ($np): no pages to mix"
# the first page of the PDF, and QR pages of the runbook from the last one back while they hold
# fewer than K codes: neither part alone rebuilds the answer, both together do
mkdir -p "$T/mixed"
cp "$T/answer/pdf/$(ls "$T/answer/pdf" | head -n1)" "$T/mixed/a-pdf.png"
labelled -f 1 -l 1 "$T/answer.pdf" | cut -d' ' -f1 >"$T/mixed-a.txt"
: >"$T/mixed-b.txt"
rbp=($(qr_pages "$T/return.pdf"))
for ((j = ${#rbp[@]} - 1; j >= 0; j--)); do
  p=${rbp[$j]}
  labelled -f "$p" -l "$p" "$T/return.pdf" | cut -d' ' -f1 >"$T/page.txt"
  [ $(($(wc -l <"$T/mixed-b.txt") + $(wc -l <"$T/page.txt"))) -lt "$k" ] || break
  cat "$T/page.txt" >>"$T/mixed-b.txt"
  cp "$T/answer/rb/p$(printf %03d "$p")"*.png "$T/mixed/b-rb-$p.png"
done
na=$(wc -l <"$T/mixed-a.txt")
nb=$(wc -l <"$T/mixed-b.txt")
nab=$(sort -u "$T/mixed-a.txt" "$T/mixed-b.txt" | wc -l)
[ "$na" -lt "$k" ] && [ "$nb" -gt 0 ] && [ "$nab" -ge "$k" ] ||
  fail "cannot mix: $na codes from the PDF, $nb from the runbook, $nab distinct, K = $k"
echo "mixed: $na codes from the PDF's page 1, $nb from the runbook's last QR pages, K = $k" >&2
off import --from "images:$T/mixed" --out "$T/SLC.xml" -v >"$T/import.out" 2>"$T/import.err" ||
  fail "import of the mixed pages: $(tail -n 5 "$T/import.err")"
grep -qi 'inconsistent' "$T/import.err" && fail "a frame was refused as inconsistent"
grep -q 'from another transfer\|foreign' "$T/import.err" && fail "frames of another set were read"
echo "qr one set ok"
