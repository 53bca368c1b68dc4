#!/usr/bin/env bash
# Killed at every step of a write: export, import and submit run under libferry_fault.so, which
# SIGKILLs the process at its Nth write/fsync/rename/unlink/close on the state or the stick (a
# write is cut in half first). N is drawn from a seeded generator over the steps a dry run counts.
# After each kill: the ledger opens (status exits 0, SQLite integrity ok, every outstanding
# transfer has its kept request), each package on the stick is the old one byte for byte or a
# complete new one (stock openssl verifies it), no partial --out file, and the same command run
# again succeeds. FERRY_KILL_SEED (default 1) moves every seed; a failure prints its seed.
source "$(dirname "$0")/lib.sh"

fault_setup
BASE=${FERRY_KILL_SEED:-1}
N_EXPORT=${FERRY_KILLS_EXPORT:-100} N_IMPORT=${FERRY_KILLS_IMPORT:-100}
N_SUBMIT=${FERRY_KILLS_SUBMIT:-30}
KILLS=0 CORRUPT=0

# an older round trip: what it leaves on the stick must come out of every kill whole
old_round_trip
OLD_STICK=$(cd "$STICK" && find . -type f -print0 | sort -z | xargs -0 sha256sum)
OFFCRT=$OFF_HOME/identity.crt ONCRT=$ON_HOME/identity.crt

# The prepared states each kill starts from (copied fresh every time).
mkdir -p "$T/prep-export" "$T/prep-import"
cp -a "$OFF_HOME" "$ON_HOME" "$STICK" "$T/prep-export/"
off export "$REQ" --to "usb:$STICK" >/dev/null 2>&1
cp -a "$OFF_HOME" "$ON_HOME" "$STICK" "$T/prep-import/" # for submit: request not yet submitted
on submit --from "usb:$STICK" --service "$URL" --root "$ROOT" >/dev/null 2>&1
mkdir -p "$T/prep-answer"
cp -a "$OFF_HOME" "$STICK" "$T/prep-answer/"            # for import: the answer on the stick

W=$T/w # the working copy of one run
fresh() { rm -rf "$W"; mkdir -p "$W/out"; cp -a "$T/$1/." "$W/"; }
woff() { local v=$1; shift; "$FERRY_OFFLINE" "$v" --home "$W/offline-home" "$@"; }
won() { local v=$1; shift; "$FERRY_ONLINE" "$v" --home "$W/online-home" "$@"; }

# count_steps PREP CMD...: how many steps CMD takes on a fresh copy of PREP.
count_steps() {
  local prep=$1
  shift
  fresh "$prep"
  FERRY_FAULT=count FERRY_FAULT_COUNT=$T/count FERRY_FAULT_PATH=$W/ LD_PRELOAD=$SHIM \
    "$@" >/dev/null 2>&1 || fail "dry run of $* failed"
  cat "$T/count"
}

bad() {
  echo "CORRUPT (seed $SEED, kill at step $AT of $STEPS, $WHAT): $*" >&2
  CORRUPT=$((CORRUPT + 1))
}

# ledger_ok HOME SIDE: opens, integrity, outstanding transfers keep their request copy.
ledger_ok() {
  local h=$1 side=$2 id
  if [ "$side" = offline ]; then
    "$FERRY_OFFLINE" status --home "$h" --json >"$W/status.json" 2>"$W/status.err" ||
      { bad "status fails: $(cat "$W/status.err")"; return 1; }
  fi
  [ "$(sqlite3 "$h/ledger.sqlite" 'PRAGMA integrity_check' 2>&1)" = ok ] ||
    { bad "SQLite integrity check fails"; return 1; }
  if [ "$side" = offline ]; then
    for id in $(sqlite3 "$h/ledger.sqlite" \
                "SELECT lower(hex(id)) FROM transfers WHERE state = 1" 2>/dev/null); do
      [ -s "$h/requests/$id.req" ] || bad "outstanding transfer $id has no kept request"
    done
  fi
}

# stick_ok: the old packages byte-identical, every *.ferry complete and signed.
stick_ok() {
  local f now
  now=$(cd "$W/stick" && find . -type f -print0 | sort -z | xargs -0 sha256sum)
  while read -r line; do
    grep -qxF "$line" <<<"$now" || bad "old file changed or gone: $line"
  done <<<"$OLD_STICK"
  for f in "$W"/stick/FERRY/*.ferry; do
    case $(basename "$f") in
      request-*|offline-*) c=$OFFCRT ;;
      *) c=$ONCRT ;;
    esac
    openssl cms -verify -inform DER -binary -in "$f" -CAfile "$c" -out /dev/null 2>/dev/null ||
      bad "$(basename "$f") on the stick is not a whole package"
  done
}

# kill_run PREP NAME N CHECK CMD...: N seeded kills of CMD; CHECK runs after each, then a retry.
kill_run() {
  local prep=$1 name=$2 n=$3 check=$4 i rc
  shift 4
  WHAT=$name
  STEPS=$(count_steps "$prep" "$@")
  [ "$STEPS" -gt 5 ] || fail "$name: only $STEPS steps counted: the shim does not see the writes"
  step "$name: $n kills over $STEPS steps"
  for i in $(seq 1 "$n"); do
    SEED=$((BASE * 1000 + i)) RANDOM=$((BASE * 1000 + i)) AT=$((RANDOM % STEPS + 1))
    fresh "$prep"
    rc=0
    FERRY_FAULT=kill FERRY_FAULT_AFTER=$AT FERRY_FAULT_PATH=$W/ LD_PRELOAD=$SHIM \
      "$@" >/dev/null 2>&1 || rc=$?
    [ "$rc" -eq 137 ] || [ "$rc" -eq 0 ] || bad "exit $rc instead of dying"
    [ "$rc" -ne 137 ] || KILLS=$((KILLS + 1))
    local before=$CORRUPT
    $check
    [ "$CORRUPT" -eq "$before" ] || continue
    rc=0
    ERR=$("$@" 2>&1 >/dev/null) || rc=$?
    $check retry "$rc"
  done
}

check_export() {
  ledger_ok "$W/offline-home" offline && stick_ok
  [ "${1:-}" = retry ] || return 0
  [ "$2" -eq 0 ] || { bad "export again: exit $2: $ERR"; return; }
  grep -q '"state":"outstanding"' <(woff status --json 2>/dev/null) ||
    bad "nothing outstanding after the retried export"
}

check_import() {
  ledger_ok "$W/offline-home" offline || return 0
  stick_ok
  if [ -e "$W/out/SLC.xml" ] && ! cmp -s "$W/out/SLC.xml" "$SLC_WANT"; then
    bad "a partial or different out/SLC.xml"
  fi
  # a temporary beside it may outlive the kill; it never carries the final name
  ls "$W/out" | grep -v '^SLC.xml$' | grep -qv '^SLC.xml.tmp-' && bad "left in out/: $(ls "$W/out")"
  local inst
  inst=$(($(grep -o '"state":"written"' "$W/status.json" | wc -l) - INST0))
  [ "$inst" -le 1 ] || bad "installed twice"
  if [ "$inst" -ge 1 ] && ! cmp -s "$W/out/SLC.xml" "$SLC_WANT"; then
    bad "the ledger says installed but out/SLC.xml is not the certificate"
  fi
  [ "${1:-}" = retry ] || return 0
  # again: imported now, or already imported by the killed run (exit 4, "nothing new … already answered")
  if [ "$2" -ne 0 ] && ! { [ "$inst" -ge 1 ] && grep -q 'already answered' <<<"$ERR"; }; then
    bad "import again: exit $2: $ERR"
  fi
  cmp -s "$W/out/SLC.xml" "$SLC_WANT" || bad "no certificate after the retry"
}

check_submit() {
  ledger_ok "$W/online-home" online && stick_ok
  [ "${1:-}" = retry ] || return 0
  # again: submitted now, or already by the killed run (exit 4, "nothing new … submitted already")
  if [ "$2" -ne 0 ] && ! grep -q 'submitted already' <<<"$ERR"; then
    bad "submit again: exit $2: $ERR"
  fi
  ls "$W"/stick/FERRY/response-*.ferry >/dev/null 2>&1 || bad "no answer after the retry"
}

kill_run prep-export export "$N_EXPORT" check_export woff export "$REQ" --to "usb:$W/stick"
# what a complete import writes
fresh prep-answer
woff import --from "usb:$W/stick" --out "$W/out/SLC.xml" >/dev/null 2>&1 || fail "import failed"
INST0=$("$FERRY_OFFLINE" status --home "$T/prep-answer/offline-home" --json |
        grep -o '"state":"written"' | wc -l) # the older round trip's
SLC_WANT=$T/SLC-want.xml
cp "$W/out/SLC.xml" "$SLC_WANT"
kill_run prep-answer import "$N_IMPORT" check_import \
  woff import --from "usb:$W/stick" --out "$W/out/SLC.xml"
kill_run prep-import submit "$N_SUBMIT" check_submit \
  won submit --from "usb:$W/stick" --service "$URL" --root "$ROOT"

echo "kills: $KILLS, corrupted: $CORRUPT (runs: export $N_EXPORT, import $N_IMPORT, submit" \
  "$N_SUBMIT; seeds from $((BASE * 1000 + 1)))"
[ "$CORRUPT" -eq 0 ] || fail "$CORRUPT corrupted state(s) after kills"
# by default 230 runs: every export and import run must die where it was told to
[ "$KILLS" -ge $((N_EXPORT + N_IMPORT)) ] ||
  fail "only $KILLS kills landed (want >= $((N_EXPORT + N_IMPORT)))"
