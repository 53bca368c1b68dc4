#!/usr/bin/env bash
# Media faults on the real binaries: a stick or a state disk that fills up (ENOSPC) or fails (EIO)
# at a write (at several byte offsets), an fsync, a rename or a close, injected by
# libferry_fault.so (LD_PRELOAD) into export, submit, import (--out and state), pair --to and init.
# After every fault: exit 3, a message naming the file and what to do, no partial or temporary
# file under a package's name, what was on the stick byte-identical, the state (files, ledger,
# `status --json`) unchanged; once the fault is gone the same command succeeds.
source "$(dirname "$0")/lib.sh"

fault_setup

# The fault points: mode, operation, FERRY_FAULT_AFTER (bytes let through for writes, else the
# number of the call that fails). A request package is ~3.3 KB, its summary ~0.5 KB.
F_COMMON=("enospc write 0" "enospc write 1" "enospc write 700" "eio write 1500"
          "enospc fsync 1" "eio fsync 2" "enospc rename 1" "eio close 1")
# a package and its summary on the stick: also the summary's write, fsyncs and rename
F_STICK=("${F_COMMON[@]}" "eio fsync 4" "eio fsync 5" "eio rename 2" "eio close 3")
F_PKG=("${F_STICK[@]}" "enospc write 2400")    # a request package is ~2.7 KB
F_PAIR=("${F_STICK[@]}" "enospc write 2100")   # an identity package ~2 KB
# the state directory: kept copies, then the ledger (journal and database writes and fsyncs)
F_HOME=("${F_COMMON[@]}" "eio fsync 4" "eio fsync 5" "enospc write 9000" "eio close 3")
CASES=0

# fault "MODE OP AFTER" PREFIX CMD...: CMD under the shim.
fault() {
  local spec=($1) p=$2
  shift 2
  FERRY_FAULT=${spec[0]} FERRY_FAULT_OP=${spec[1]} FERRY_FAULT_AFTER=${spec[2]} \
    FERRY_FAULT_PATH=$p LD_PRELOAD=$SHIM "$@"
}

# state_snap HOME TOOL: every file but the ledger byte for byte (temporaries included), the
# ledger's content and integrity, and what `status --json` shows (offline side).
state_snap() {
  local h=$1 tool=$2
  (cd "$h" && find . -type f ! -name 'ledger.sqlite*' -print0 | sort -z | xargs -0 -r sha256sum)
  sqlite3 "$h/ledger.sqlite" 'PRAGMA integrity_check' .dump
  if [ "$tool" = off ]; then "$FERRY_OFFLINE" status --home "$h" --json; fi
}

stick_snap() { (cd "$STICK" && find . -type f -print0 | sort -z | xargs -0 -r sha256sum); }

# expect_fault WHAT PATHFRAG "MODE OP AFTER" PREFIX CMD...: exit 3, message names the file and
# what to do.
expect_fault() {
  local what=$1 frag=$2 spec=$3 p=$4 rc=0
  shift 4
  ERR=$(fault "$spec" "$p" "$@" 2>&1 >/dev/null) || rc=$?
  CASES=$((CASES + 1))
  [ "$rc" -eq 3 ] || fail "$what [$spec]: exit $rc (want 3) -- $ERR"
  grep -qF "$frag" <<<"$ERR" || fail "$what [$spec]: the message names no $frag -- $ERR"
  grep -qE 'run the command again|use another|free some space|try again' <<<"$ERR" ||
    fail "$what [$spec]: the message says nothing to do -- $ERR"
}

# same WHAT BEFORE AFTER: the snapshots match.
same() {
  [ "$2" = "$3" ] && return 0
  diff <(echo "$2") <(echo "$3") >&2 || true
  fail "$1: changed"
}

# verifies PKG CERT: stock openssl accepts the whole package.
verifies() {
  openssl cms -verify -inform DER -binary -in "$1" -CAfile "$2" -out /dev/null 2>/dev/null
}

# an older round trip: what it leaves on the stick must stay byte-identical through every fault
old_round_trip
mkdir -p "$T/out"

# export (stick full or failing, then the offline state disk)
for where in stick home; do
  step "export: faults on the $where"
  [ "$where" = stick ] && P=$STICK/ F=("${F_PKG[@]}") || P=$OFF_HOME/ F=("${F_HOME[@]}")
  for spec in "${F[@]}"; do
    s0=$(stick_snap) h0=$(state_snap "$OFF_HOME" off)
    [ "$where" = stick ] && frag=$STICK || frag=$OFF_HOME
    expect_fault "export ($where)" "$frag" "$spec" "$P" off export "$REQ" --to "usb:$STICK"
    same "export ($where) [$spec]: the stick" "$s0" "$(stick_snap)"
    same "export ($where) [$spec]: the offline state" "$h0" "$(state_snap "$OFF_HOME" off)"
  done
done
step "export: retry without the fault"
off export "$REQ" --to "usb:$STICK" --json >"$T/export.json" 2>/dev/null ||
  fail "export after the faults failed"
NEW_ID=$(grep -o '"transfer_id":"[^"]*"' "$T/export.json" | cut -d'"' -f4)
PKG=$STICK/FERRY/request-${NEW_ID:0:8}.ferry
verifies "$PKG" "$OFF_HOME/identity.crt" || fail "the retried export's package does not verify"
[ "$(off status --json | grep -o '"state":"outstanding"' | wc -l)" -eq 1 ] ||
  fail "not exactly one transfer outstanding after the faults and the retry"

# submit (the answer written to the stick; then the online state disk)
for where in stick home; do
  step "submit: faults on the $where"
  [ "$where" = stick ] && P=$STICK/ F=("${F_PKG[@]}") || P=$ON_HOME/ F=("${F_HOME[@]}")
  [ "$where" = stick ] && frag=$STICK || frag=$ON_HOME
  for spec in "${F[@]}"; do
    s0=$(stick_snap) h0=$(state_snap "$ON_HOME" on)
    expect_fault "submit ($where)" "$frag" "$spec" "$P" \
      on submit --from "usb:$STICK" --service "$URL" --root "$ROOT"
    same "submit ($where) [$spec]: the stick" "$s0" "$(stick_snap)"
    same "submit ($where) [$spec]: the online state" "$h0" "$(state_snap "$ON_HOME" on)"
  done
done
step "submit: retry without the fault"
on submit --from "usb:$STICK" --service "$URL" --root "$ROOT" >/dev/null 2>&1 ||
  fail "submit after the faults failed"
RESP=$STICK/FERRY/response-${NEW_ID:0:8}.ferry
verifies "$RESP" "$ON_HOME/identity.crt" || fail "the retried submit's answer does not verify"

# import (--out on a failing disk; then the offline state disk)
for where in out home; do
  step "import: faults on the $where"
  [ "$where" = out ] && P=$T/out F=("${F_COMMON[@]}") || P=$OFF_HOME/ F=("${F_HOME[@]}")
  [ "$where" = out ] && frag=$T/out/SLC.xml || frag=$OFF_HOME
  for spec in "${F[@]}"; do
    s0=$(stick_snap) h0=$(state_snap "$OFF_HOME" off)
    expect_fault "import ($where)" "$frag" "$spec" "$P" \
      off import --from "usb:$STICK" --out "$T/out/SLC.xml"
    [ -z "$(ls -A "$T/out")" ] || fail "import ($where) [$spec]: left $(ls "$T/out")"
    same "import ($where) [$spec]: the stick" "$s0" "$(stick_snap)"
    same "import ($where) [$spec]: the offline state" "$h0" "$(state_snap "$OFF_HOME" off)"
  done
done
step "import --force over a file, the ledger failing after the write: the file is put back"
cp "$T/old-SLC.xml" "$T/keep-me.xml" && chmod 640 "$T/keep-me.xml"
for spec in "enospc write 0" "eio fsync 1"; do
  k0=$(sha256sum <"$T/keep-me.xml") h0=$(state_snap "$OFF_HOME" off)
  expect_fault "import --force (ledger)" "$OFF_HOME" "$spec" "$OFF_HOME/ledger" \
    off import --from "usb:$STICK" --out "$T/keep-me.xml" --force
  [ "$(sha256sum <"$T/keep-me.xml")" = "$k0" ] || fail "import --force [$spec]: the file it replaced is lost"
  [ "$(stat -c %a "$T/keep-me.xml")" = 640 ] || fail "import --force [$spec]: mode not kept"
  same "import --force [$spec]: the offline state" "$h0" "$(state_snap "$OFF_HOME" off)"
done
rm -f "$T/keep-me.xml"

step "import: retry without the fault"
off import --from "usb:$STICK" --out "$T/out/SLC.xml" >/dev/null 2>&1 ||
  fail "import after the faults failed"
cmp -s "$T/out/SLC.xml" "$T/old-SLC.xml" && fail "the retried import wrote the old answer"
[ -n "$(slc_date RANGETIME "$T/out/SLC.xml")" ] || fail "the retried import wrote no certificate"

# pair --to: the identity package has a fixed name; the old one stays whole or the new one is
# complete (the fault came after the rename), never half
step "pair --to: faults on the stick"
IDPKG=$STICK/FERRY/offline-identity.ferry
for spec in "${F_PAIR[@]}"; do
  old=$(sha256 "$IDPKG") h0=$(state_snap "$OFF_HOME" off)
  expect_fault "pair --to" "$STICK" "$spec" "$STICK/" off pair --to "usb:$STICK"
  if [ "$(sha256 "$IDPKG")" != "$old" ]; then
    verifies "$IDPKG" "$OFF_HOME/identity.crt" || fail "pair --to [$spec]: a broken $IDPKG"
  fi
  ls "$STICK/FERRY" | grep -q '\.tmp-' && fail "pair --to [$spec]: a temporary file is left"
  same "pair --to [$spec]: the offline state" "$h0" "$(state_snap "$OFF_HOME" off)"
done
off pair --to "usb:$STICK" >/dev/null 2>&1 || fail "pair --to after the faults failed"
verifies "$IDPKG" "$OFF_HOME/identity.crt" || fail "the retried identity package does not verify"

# init on a failing disk: no half identity, and init works once the disk does
step "init: faults on the new state directory"
for spec in "${F_HOME[@]}"; do
  H=$T/init-home
  rm -rf "$H"
  expect_fault "init" "$H" "$spec" "$H" "$FERRY_OFFLINE" init --home "$H" --name x
  [ ! -e "$H/identity.key" ] || [ -s "$H/identity.crt" ] ||
    fail "init [$spec]: a key without its certificate"
  ls -A "$H" 2>/dev/null | grep -q '\.tmp-' && fail "init [$spec]: a temporary file is left"
  "$FERRY_OFFLINE" init --home "$H" --name x >/dev/null 2>&1 ||
    fail "init [$spec]: init after the fault failed"
  "$FERRY_OFFLINE" status --home "$H" >/dev/null 2>&1 || fail "init [$spec]: no usable state"
done

echo "media faults: $CASES cases (8-13 fault points x 10 targets), all refused cleanly"
