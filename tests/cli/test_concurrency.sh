#!/usr/bin/env bash
# One writer per home and per stick: two submits, and two imports, started at the same moment on
# the same home and stick, 20 times each. Exactly one of each pair succeeds; the service hears
# one request; the certificate and its kept copy exist afterwards; the ledger says installed.
# Also: a command waits for a lock held by another process, then names its pid (exit 3); a
# read-only command shares the home with another reader; a rollback leaves a file it did not
# write.
source "$(dirname "$0")/lib.sh"

TRIALS=${FERRY_CONCURRENCY_TRIALS:-20}
cp "$FERRY_VECTORS/rms/req-plain.xml" "$SRV/SRV01RenewalRequest.xml"
REQ=$SRV/SRV01RenewalRequest.xml
start_enrolld --lifetime-days 400
init_and_pair
off export "$REQ" --to "usb:$STICK" >/dev/null 2>&1
ID=$(basename "$(ls "$STICK"/FERRY/request-*.ferry)" .ferry); ID=${ID#request-}
cp -a "$ON_HOME" "$T/on-snap"; cp -a "$STICK" "$T/stick-snap"

# hold_lock MODE PATH: another process (perl) holds a flock on PATH (a file or a directory);
# sets HOLDER to its pid.
hold_lock() {
  perl -e 'use Fcntl qw(:flock); open(my $f, "<", $ARGV[1]) or open($f, ">>", $ARGV[1]) or die;
           flock($f, $ARGV[0] eq "shared" ? LOCK_SH : LOCK_EX) or die; print "held\n";
           $| = 1; sleep 30' "$1" "$2" >"$T/holder.out" 2>&1 & HOLDER=$!
  local i
  for i in $(seq 1 100); do grep -q held "$T/holder.out" && return 0; sleep 0.05; done
  fail "the lock holder did not start"
}
release_lock() { kill "$HOLDER"; wait "$HOLDER" 2>/dev/null || true; }

received() { grep -c ' /enrollment/enrollservice.asmx ' "$SVC/received.log" 2>/dev/null || true; }

# race NAME CMD...: starts CMD twice at once (outputs in $T/race-NAME.{1,2}); sets OK to the
# number of runs that exited 0 and CODES to both exit codes.
race() {
  local name=$1; shift
  "$@" >"$T/race-$name.1" 2>&1 & local p1=$!
  "$@" >"$T/race-$name.2" 2>&1 & local p2=$!
  local c1=0 c2=0
  wait $p1 || c1=$?
  wait $p2 || c2=$?
  CODES="$c1 $c2"
  OK=$(( (c1 == 0) + (c2 == 0) ))
}

step "two submits at once, $TRIALS times"
for i in $(seq 1 "$TRIALS"); do
  rm -rf "$ON_HOME" "$STICK"; cp -a "$T/on-snap" "$ON_HOME"; cp -a "$T/stick-snap" "$STICK"
  before=$(received)
  race "submit$i" on submit --from "usb:$STICK" --service "$URL" --root "$ROOT"
  after=$(received)
  [ "$OK" -eq 1 ] || fail "trial $i: $OK submits succeeded (exit $CODES): $(cat "$T"/race-submit$i.*)"
  [ $((after - before)) -eq 1 ] || fail "trial $i: the service received $((after - before)) requests"
  for c in $CODES; do
    # 4: the other run got there first, nothing new on the stick; 3: the lock wait ran out
    [ "$c" -eq 0 ] || [ "$c" -eq 1 ] || [ "$c" -eq 3 ] || [ "$c" -eq 4 ] || fail "trial $i: exit $c"
  done
  ls "$STICK"/FERRY/response-*.ferry >/dev/null 2>&1 || fail "trial $i: no answer on the stick"
  ls "$ON_HOME"/packages/*.answer.ferry >/dev/null 2>&1 || fail "trial $i: no kept answer"
done
grep -q "already" "$T"/race-submit*.* || fail "no run reported the request as submitted already"

step "two imports at once, $TRIALS times"
# the stick now holds the answer of the last trial; the offline home is snapped before import
cp -a "$OFF_HOME" "$T/off-snap"
for i in $(seq 1 "$TRIALS"); do
  rm -rf "$OFF_HOME"; cp -a "$T/off-snap" "$OFF_HOME"
  out=$T/imp$i/SRV01SLC.xml; mkdir -p "$T/imp$i"
  race "import$i" off import --from "usb:$STICK" --out "$out"
  [ "$OK" -eq 1 ] || fail "trial $i: $OK imports succeeded (exit $CODES): $(cat "$T"/race-import$i.*)"
  [ -s "$out" ] || fail "trial $i: the certificate $out is gone: $(cat "$T"/race-import$i.*)"
  kept=$(ls "$OFF_HOME"/certs/*.xml 2>/dev/null | grep -v '\.service-answer\.xml$') ||
    fail "trial $i: the kept copy is gone"
  cmp -s "$out" "$kept" || fail "trial $i: kept copy differs"
  ls "$OFF_HOME"/certs/*.service-answer.xml >/dev/null 2>&1 ||
    fail "trial $i: the service's raw answer is not kept"
  off status --json | grep -q '"state":"written"' || fail "trial $i: not written"
done

step "a lock held by another process: wait, then exit 3 naming its pid"
rm -rf "$OFF_HOME"; cp -a "$T/off-snap" "$OFF_HOME"
before=$(state_digest "$OFF_HOME")
hold_lock exclusive "$OFF_HOME/lock"
start=$(date +%s)
FERRY_LOCK_WAIT=1 expect_exit 3 off import --from "usb:$STICK" --out "$T/locked.xml"
grep -q "in use by another ferry run (pid $HOLDER)" <<<"$ERR" || fail "no holder pid: $ERR"
grep -q "waiting up to 1 s" <<<"$ERR" || fail "no waiting message: $ERR"
[ $(( $(date +%s) - start )) -le 5 ] || fail "waited too long"
[ ! -e "$T/locked.xml" ] || fail "import wrote while the home was locked"
[ "$(state_digest "$OFF_HOME")" = "$before" ] || fail "state changed while locked"
FERRY_LOCK_WAIT=1 expect_exit 3 off status
release_lock

step "readers share the home: status runs beside a shared holder, import does not"
hold_lock shared "$OFF_HOME/lock"
FERRY_LOCK_WAIT=1 off status >/dev/null 2>&1 || fail "status blocked by another reader"
FERRY_LOCK_WAIT=1 expect_exit 3 off import --from "usb:$STICK" --out "$T/locked.xml"
release_lock

step "the stick is locked too: an export to a stick another run holds waits, then exit 3"
hold_lock exclusive "$STICK/FERRY"
FERRY_LOCK_WAIT=1 expect_exit 3 off export "$REQ" --to "usb:$STICK"
grep -q "the medium .* is in use by another ferry run (pid $HOLDER)" <<<"$ERR" || fail "$ERR"
release_lock

echo "PASS: concurrency ($TRIALS submit and $TRIALS import races)"
