#!/usr/bin/env bash
# PDF input is bounded before rendering: a sub-1 KB PDF of three 14400 x 14400 pt pages and a
# small PDF of 500 blank pages (made by mkpdfs.py) are each refused in under 5 s, with a message
# that says why; a page over the size limit later in a document is named.
source "$(dirname "$0")/lib.sh"

init_and_pair
python3 "$FERRY_SRC/tests/cli/mkpdfs.py" "$T"
echo "huge.pdf $(stat -c %s "$T/huge.pdf") bytes, blank500.pdf $(stat -c %s "$T/blank500.pdf") bytes" >&2
[ "$(stat -c %s "$T/huge.pdf")" -lt 1024 ] || fail "huge.pdf is not small"
pdfinfo "$T/huge.pdf" | grep -q "Pages: *3" || fail "poppler does not read huge.pdf as 3 pages"
pdfinfo "$T/blank500.pdf" | grep -q "Pages: *500" || fail "poppler does not read blank500.pdf"

# timed NAME WANT_EXIT PATTERN: import --from images:$T/NAME; exit code, message, under 5 s
timed() {
  local start end
  start=$(date +%s%N)
  expect_exit "$2" off import --from "images:$T/$1"
  end=$(date +%s%N)
  echo "$1: refused in $(( (end - start) / 1000000 )) ms: $ERR" >&2
  [ $(( (end - start) / 1000000 )) -lt 5000 ] || fail "$1 took over 5 s"
  grep -q "$3" <<<"$ERR" || fail "$1: no '$3' in: $ERR"
  grep -q "$T/$1" <<<"$ERR" || fail "$1: the file is not named: $ERR"
  ls "$TMPDIR_PDF"/ferry-pdf-* >/dev/null 2>&1 && fail "$1: a temporary folder was left"
  return 0
}
export TMPDIR_PDF=$T/tmp
mkdir -p "$TMPDIR_PDF"
export TMPDIR=$TMPDIR_PDF
timed huge.pdf 1 "page 1 is 14400 x 14400 pt, .* over the 64-megapixel limit: not rendered"
timed blank500.pdf 1 "500 pages, more than the 100 a ferry QR sequence fills: not rendered"

echo "PASS: pdf bounds"
