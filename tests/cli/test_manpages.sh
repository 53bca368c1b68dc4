#!/usr/bin/env bash
# The man pages against --help: every command, option (and its argument's name), global option,
# exit code and $VARIABLE of `ferry-offline|ferry-online [COMMAND] --help` is in the man page
# source (man/*.scd) and the generated page, and every option the man page documents for a
# command is in that command's --help. Each drift is reported on a line of its own
# (tests/cli/manpage_check.py). Then `man` renders each page.
source "$(dirname "$0")/lib.sh"
: "${FERRY_BUILD:?run from ctest (FERRY_BUILD)}"
if [ ! -f "$FERRY_BUILD/man/ferry-offline.1" ]; then
  echo "SKIP: the man pages were not generated (configured with -DFERRY_MAN=OFF)"
  exit 77
fi

rc=0
for tool in "$FERRY_OFFLINE" "$FERRY_ONLINE"; do
  n=$(basename "$tool")
  python3 "$FERRY_SRC/tests/cli/manpage_check.py" "$tool" "$FERRY_SRC/man/$n.1.scd" \
    "$FERRY_BUILD/man/$n.1" || rc=1
done

# `man NAME` renders each page from a man hierarchy laid out as cmake --install lays it out,
# with its NAME line.
mkdir -p "$T/man/man1" "$T/man/man7"
for page in ferry-offline.1 ferry-online.1 ferry.7; do
  cp "$FERRY_BUILD/man/$page" "$T/man/man${page##*.}/"
done
for page in ferry-offline.1 ferry-online.1 ferry.7; do
  name=${page%.*}
  out=$(MANWIDTH=100 man -E ascii -M "$T/man" "${page##*.}" "$name" 2>&1) ||
    { echo "man $name: $out"; rc=1; continue; }
  grep -q "^ *$name - " <<<"$out" || { echo "$page: no NAME line '$name - ...' when rendered"; rc=1; }
  lexgrog "$FERRY_BUILD/man/$page" >/dev/null || { echo "$page: lexgrog (whatis) cannot read its NAME"; rc=1; }
done

# The checker itself: a page that lacks an option and has one too many must be caught.
bad=$T/bad.1.scd
sed -e '/^\*--runbook\* _FILE_$/,/^$/d' -e 's/^\*--force\*$/*--force*\n\tx\n\n*--bogus-flag*/' \
  "$FERRY_SRC/man/ferry-offline.1.scd" >"$bad"
got=$(python3 "$FERRY_SRC/tests/cli/manpage_check.py" "$FERRY_OFFLINE" "$bad" \
  "$FERRY_BUILD/man/ferry-offline.1" 2>/dev/null) && fail "the checker passed a page with drift"
grep -q "export: option --runbook FILE is in .* but not in" <<<"$got" || fail "missed --runbook: $got"
grep -q "import: option --bogus-flag is documented in .* does not list it" <<<"$got" ||
  fail "missed --bogus-flag: $got"

[ $rc -eq 0 ] || fail "the man pages and --help have drifted (lines above); edit man/*.scd"
echo "ok: man pages and --help agree"
