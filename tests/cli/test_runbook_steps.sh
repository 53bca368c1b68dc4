#!/usr/bin/env bash
# The printed runbook followed as an operator does (issue 9), both legs of an RMS transfer over
# USB against the stand-in: for every step that lists values to compare, the step's command is
# run (with this test's stick, homes and service) and every value is found verbatim in its
# output, in the step's order. submit and import show theirs before anything irreversible:
# answered no under --confirm, nothing reaches the service and no certificate is written.
# The stick's summary files name the same values.
source "$(dirname "$0")/lib.sh"

# rb_parse RUNBOOK: the runbook read as an operator reads it, one record a line:
#   V<TAB>STEP<TAB>KEY<TAB>VALUE   a value step STEP lists to compare, in its order
#   S<TAB>STEP<TAB>COMMAND<TAB>N   after its values: the step's command ("-": none), N values
# Layout (runbook/src/runbook_text.c): "[ ] A1. text", the text continued at 8 columns; a command
# at 12; a value as "        Key:" padded to column 30 (one space after a longer key), a wrapped
# value continued at its value column (after a ':' without a space). Blanks to fill in by hand
# ("____") and expectations ("... expected") are not values a command shows.
rb_parse() {
  awk 'BEGIN { OFS = "\t" }
    function endval() {
      if (key != "" && val !~ /^____/ && key !~ /expected$/) { print "V", id, key, val; n++ }
      key = ""; col = 0
    }
    function endstep() {
      endval()
      if (id != "") print "S", id, (cmd == "" ? "-" : cmd), n + 0
      id = ""; cmd = ""; n = 0
    }
    /^\[ \] [A-Z][0-9]+\. / { endstep(); id = substr($3, 1, length($3) - 1); next }
    id == "" { next }
    $0 == "" { endval(); next }
    /^[^ ]/ { endstep(); next }
    col > 0 && length($0) > col && substr($0, 1, col) ~ /^ *$/ && substr($0, col + 1, 1) != " " {
      val = val (val ~ /:$/ ? "" : " ") substr($0, col + 1); next
    }
    { endval() }
    /^            [^ ]/ { cmd = (cmd == "" ? "" : cmd " ") substr($0, 13); next }
    /^        [A-Z][^:]*: +[^ ]/ {
      k = substr($0, 9); k = substr(k, 1, index(k, ":") - 1)
      match(substr($0, 10 + length(k)), /^ +/); start = 9 + length(k) + RLENGTH
      if (start == 30 || (start == 10 + length(k) && start > 30)) {
        key = k; val = substr($0, start + 1); col = start
      }
    }
    END { endstep() }' "$1"
}

# rb_values PARSED STEP: KEY<TAB>VALUE of each value STEP lists.
rb_values() { awk -F'\t' -v id="$2" '$1 == "V" && $2 == id { print $3 "\t" $4 }' "$1"; }

# rb_check PARSED STEP OUT: every value STEP lists is in the file OUT verbatim, in the step's
# order; names each one missing or out of order.
rb_check() {
  awk -F'\t' -v id="$2" -v out="$3" '
    BEGIN { while ((getline l < out) > 0) text = text l "\n" }
    $1 == "V" && $2 == id {
      n++
      at = index(substr(text, pos + 1), $4)
      if (at == 0) {
        print "step " id ": " $3 ": \"" $4 "\" " (index(text, $4) ? "out of the runbook order" : "missing") " in " out
        bad++
      } else {
        pos += at + length($4) - 1
      }
    }
    END { if (n == 0) print "step " id " lists no value to compare"; exit (n == 0 || bad > 0) }' "$1"
}
cp "$FERRY_VECTORS/rms/req-plain.xml" "$SRV/SRV01RenewalRequest.xml"
REQ=$SRV/SRV01RenewalRequest.xml
start_enrolld --lifetime-days 400
init_and_pair

# fixture RUNBOOK_COMMAND: sets CMD to that command with this test's stick (usb), request file,
# state homes and stand-in service.
fixture() {
  local -a w args=()
  local a
  read -r -a w <<<"$1"
  for a in "${w[@]:2}"; do
    case $a in
    usb) args+=("usb:$STICK") ;;
    "$(basename "$REQ")") args+=("$REQ") ;;
    *) args+=("$a") ;;
    esac
  done
  case ${w[0]} in
  ferry-offline) CMD=("${VG[@]}" "$FERRY_OFFLINE" "${w[1]}" --home "$OFF_HOME" "${args[@]}") ;;
  ferry-online) CMD=("${VG[@]}" "$FERRY_ONLINE" "${w[1]}" --home "$ON_HOME" "${args[@]}") ;;
  *) fail "a runbook command that is not ferry's: $1" ;;
  esac
  case ${w[1]} in submit | check-root) CMD+=(--service "$URL" --root "$ROOT") ;; esac
}

# declined NAME: runs CMD --confirm on a terminal answering n; its output to $T/NAME.
declined() {
  local rc=0
  printf 'n\n' | script -qec "$(printf '%q ' "${CMD[@]}" --confirm)" /dev/null >"$T/$1" 2>&1 || rc=$?
  [ "$rc" -eq 1 ] || fail "$1: --confirm answered n exits $rc (want 1): $(cat "$T/$1")"
  grep -q "the operator answered no; nothing was" "$T/$1" || fail "$1: $(cat "$T/$1")"
}

# check LEG STEP OUT: every value step STEP of runbook LEG lists is in OUT, in order.
check() {
  rb_check "$T/$1.parsed" "$2" "$3" >"$T/check.out" ||
    fail "$1 step $2 ($(awk -F'\t' -v id="$2" '$1 == "S" && $2 == id {print $3}' "$T/$1.parsed")): $(cat "$T/check.out")
--- runbook step:
$(rb_values "$T/$1.parsed" "$2")
--- output:
$(cat "$3")"
  checked=$((checked + 1))
}

# follow LEG: every step of the runbook $T/LEG.txt that lists values, checked against the
# output of its command (a step without one: the command before it, else the submit).
follow() {
  local leg=$1 rec id cmd n last=$T/out.submit
  while IFS=$'\t' read -r rec id cmd n; do
    [ "$rec" = S ] || continue
    if [ "$cmd" != - ]; then
      fixture "$cmd"
      case $cmd in
      "ferry-offline export "*)
        [ "${CMD[*]}" = "${EXPORTED[*]}" ] || fail "$leg $id: the runbook says '$cmd', the export was ${EXPORTED[*]}"
        last=$T/out.export ;;
      *" submit "* | *" import "*)
        last=$T/out.${cmd#* }
        last=${last%% *}
        [ -f "$last" ] || fail "$leg $id: $cmd was not run before its step was checked" ;;
      *)
        last=$T/out.$leg.$id
        [ "$n" -eq 0 ] || "${CMD[@]}" >"$last" 2>&1 || fail "$leg $id: $cmd: $(cat "$last")" ;;
      esac
    fi
    [ "$n" -eq 0 ] || check "$leg" "$id" "$last"
  done <"$T/$leg.parsed"
}

checked=0
step "leg 1: export, its runbook"
EXPORTED=("${VG[@]}" "$FERRY_OFFLINE" export --home "$OFF_HOME" "$REQ" --to "usb:$STICK")
"${EXPORTED[@]}" >"$T/out.export" 2>&1 || fail "export: $(cat "$T/out.export")"
ID=$(basename "$(ls "$STICK"/FERRY/request-*.ferry)" .ferry)
ID=${ID#request-}
off runbook "$ID" --text --medium usb >"$T/leg1.txt"
rb_parse "$T/leg1.txt" >"$T/leg1.parsed"
SUBMIT=$(awk '$1 == "ferry-online" && $2 == "submit"' "$T/leg1.txt" | sed 's/^ *//')
[ -n "$SUBMIT" ] || fail "leg 1 gives no submit command"
printf '%s\n' "$SUBMIT" | grep -q "^ferry-online submit --from usb" || fail "leg 1's submit: $SUBMIT"

step "submit: without a terminal --confirm is refused before anything is read"
fixture "$SUBMIT"
expect_exit 2 setsid -w "${CMD[@]}" --confirm </dev/null
grep -q -- "--confirm asks y/N on the terminal, and there is none" <<<"$ERR" || fail "no tty: $ERR"

step "submit --confirm answered n: every value shown, nothing sent"
declined submit.no
[ ! -s "$SVC/received.log" ] || fail "declined, yet the service received: $(cat "$SVC/received.log")"
B3=$(awk -F'\t' '$1 == "S" && $3 ~ /^ferry-online submit/ {print $2}' "$T/leg1.parsed")
check leg1 "$B3" "$T/submit.no"

step "submit: the values, then the service"
"${CMD[@]}" >"$T/out.submit" 2>&1 || fail "submit: $(cat "$T/out.submit")"
[ -s "$SVC/received.log" ] || fail "the service received nothing"
# shown before it contacts the service: the last value precedes the first line about sending
last_value=$(rb_values "$T/leg1.parsed" "$B3" | tail -n1 | cut -f2)
shown_at=$(grep -nF "$last_value" "$T/out.submit" | head -n1 | cut -d: -f1)
sent_at=$(grep -n "submitting" "$T/out.submit" | head -n1 | cut -d: -f1)
[ -n "$shown_at" ] && [ -n "$sent_at" ] && [ "$shown_at" -lt "$sent_at" ] ||
  fail "the values are not shown before the request is sent: $(cat "$T/out.submit")"

step "leg 1, step by step"
follow leg1

step "the request's summary on the stick names the values (but this machine's own)"
while IFS=$'\t' read -r key value; do
  case $key in Online*) continue ;; esac
  grep -qF "$value" "$STICK"/FERRY/request-"$ID".txt ||
    fail "request-$ID.txt lacks $key $value: $(cat "$STICK"/FERRY/request-"$ID".txt)"
done < <(rb_values "$T/leg1.parsed" "$B3")

step "the checker fails on a value missing or out of order"
grep -v "Server GUID" "$T/out.submit" >"$T/broken"
rb_check "$T/leg1.parsed" "$B3" "$T/broken" >"$T/check.out" && fail "a missing GUID passed"
grep -q "Server GUID: .* missing" "$T/check.out" || fail "checker: $(cat "$T/check.out")"
awk '/Sender fingerprint:/ {held = $0; next} {print} /Server name:/ {print held}' \
  "$T/out.submit" >"$T/broken"
rb_check "$T/leg1.parsed" "$B3" "$T/broken" >"$T/check.out" && fail "a value out of order passed"
grep -q "out of the runbook order" "$T/check.out" || fail "checker: $(cat "$T/check.out")"

step "leg 2: the return runbook, import"
on runbook "$ID" --text --medium usb >"$T/leg2.txt"
rb_parse "$T/leg2.txt" >"$T/leg2.parsed"
IMPORT=$(awk '$1 == "ferry-offline" && $2 == "import"' "$T/leg2.txt" | sed 's/^ *//')
[ "$IMPORT" = "ferry-offline import --from usb" ] || fail "leg 2's import: $IMPORT"
fixture "$IMPORT"
expect_exit 2 setsid -w "${CMD[@]}" --confirm </dev/null
declined import.no
[ ! -e "$SRV/SRV01SLC.xml" ] || fail "declined, yet the certificate was written"
B3=$(awk -F'\t' '$1 == "S" && $3 ~ /^ferry-offline import/ {print $2}' "$T/leg2.parsed")
check leg2 "$B3" "$T/import.no"
rb_check "$T/leg2.parsed" "$B3" "$STICK/FERRY/response-$ID.txt" >"$T/check.out" ||
  fail "response-$ID.txt: $(cat "$T/check.out")"
"${CMD[@]}" >"$T/out.import" 2>&1 || fail "import: $(cat "$T/out.import")"
[ -f "$SRV/SRV01SLC.xml" ] || fail "import wrote no certificate"
follow leg2

step "status: one row per transfer with its time, medium and request file; the word for the state"
off status >"$T/status.off"
grep -Eq "^${ID:0:8}  [0-9a-f]{8}  certificate written +[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z  usb/usb +" \
  "$T/status.off" ||
  fail "offline status row: $(cat "$T/status.off")"
grep -qF "request:     $REQ" "$T/status.off" || fail "offline status: no request file: $(cat "$T/status.off")"
grep -qF "certificate: $SRV/SRV01SLC.xml" "$T/status.off" || fail "offline status: $(cat "$T/status.off")"
grep -q "installed" "$T/status.off" && fail "offline status says installed: $(cat "$T/status.off")"
on status >"$T/status.on"
grep -Eq "^${ID:0:8}  [0-9a-f]{8}  submitted +[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z  usb/usb +" \
  "$T/status.on" ||
  fail "online status row: $(cat "$T/status.on")"
grep -qF "request: SRV01RenewalRequest.xml" "$T/status.on" || fail "online status: $(cat "$T/status.on")"
off status --json | grep -q '"state":"written"' || fail "status --json: $(off status --json)"

step "a wrong --service path: HTTP 404 says where the service is, nothing recorded"
expect_exit 1 on submit --from "usb:$STICK" --service "${URL%/enrollment/enrollservice.asmx}/enroll" \
  --root "$ROOT" --again
grep -q "HTTP 404.*check --service: the path must end in /enrollment/enrollservice.asmx" <<<"$ERR" ||
  fail "404: $ERR"

[ "$checked" -ge 8 ] || fail "only $checked steps checked: the runbook lists fewer values than it did"
cat "$T"/leg1.parsed "$T"/leg2.parsed; echo "runbook steps ok: $checked steps checked over both legs"
