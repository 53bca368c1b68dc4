#!/usr/bin/env bash
# The test hooks are compiled into test builds only (CMake FERRY_TEST_HOOKS, ferry/testhook.h):
# ferry-offline as a release build makes it ($FERRY_OFFLINE_RELEASE: testhook.c without the
# option, as in the Debian packages) runs on the real clock with FERRY_NOW set and does not
# stall where FERRY_TEST_STALL says; the test build ($FERRY_OFFLINE) does both, so the checks
# can fail.
source "$(dirname "$0")/lib.sh"
: "${FERRY_OFFLINE_RELEASE:?set by ctest: ferry-offline built without the test hooks}"
SLC=$FERRY_VECTORS/rms/resp-document-utf16.xml
PINNED=946684800 # 2000-01-01

days_left() { sed -n 's/.*"days_left":\(-\{0,1\}[0-9]*\).*/\1/p' <<<"$1"; }
renewal() { sed -n 's/.*"renewal_date":"\([0-9-]*\)".*/\1/p' <<<"$1"; }

step "FERRY_NOW: the release binary counts the days from today, the test binary from 2000-01-01"
real=$("$FERRY_OFFLINE_RELEASE" expiry "$SLC" --json) || fail "release expiry refused $SLC"
pinned=$(FERRY_NOW=$PINNED "$FERRY_OFFLINE_RELEASE" expiry "$SLC" --json) || fail "release expiry with FERRY_NOW"
test_build=$(FERRY_NOW=$PINNED "$FERRY_OFFLINE" expiry "$SLC" --json) || fail "test expiry with FERRY_NOW"
renew=$(renewal "$real")
[ -n "$renew" ] || fail "no renewal date in: $real"
# what the real date gives (UTC days, rounded as ferry_time_days_until does; +-1 around midnight)
want=$(( ($(date -u -d "$renew" +%s) - $(date -u +%s) + 43200) / 86400 ))
want_pinned=$(( ($(date -u -d "$renew" +%s) - PINNED + 43200) / 86400 ))
for got in "$(days_left "$real")" "$(days_left "$pinned")"; do
  [ -n "$got" ] && [ $((got - want)) -ge -1 ] && [ $((got - want)) -le 1 ] ||
    fail "release binary: $got days left to $renew, the real date gives $want (FERRY_NOW=$PINNED is a test hook)"
done
[ "$(days_left "$test_build")" = "$want_pinned" ] ||
  fail "test binary: $(days_left "$test_build") days left with FERRY_NOW=$PINNED, want $want_pinned: the hook is not live, this test proves nothing"
echo "release: $(days_left "$pinned") days left to $renew with FERRY_NOW=$PINNED set; test build: $want_pinned" >&2

step "FERRY_TEST_STALL: the release binary does not stop inside the ledger transaction"
stall() { # BINARY HOME: (run with &: it execs) init, the stall hook armed at "identity"
  FERRY_TEST_STALL=identity FERRY_TEST_STALL_FD=3 exec "$1" init --home "$2" --name hooks \
    3>>"$T/marker" >/dev/null 2>&1
}
: >"$T/marker"
stall "$FERRY_OFFLINE_RELEASE" "$T/rel-home" &
pid=$!
for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$pid" 2>/dev/null; then
  kill -9 "$pid"
  fail "release init did not finish within 30 s with FERRY_TEST_STALL set"
fi
wait "$pid" || fail "release init failed with FERRY_TEST_STALL set"
[ ! -s "$T/marker" ] || fail "the release binary reached the stall hook"
"$FERRY_OFFLINE_RELEASE" status --home "$T/rel-home" >/dev/null || fail "release init left no usable state"
stall "$FERRY_OFFLINE" "$T/test-home" &
pid=$!
for _ in $(seq 1 100); do [ -s "$T/marker" ] && break; sleep 0.1; done
kill -9 "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
[ -s "$T/marker" ] || fail "the test binary did not stall at FERRY_TEST_STALL=identity: this test proves nothing"
echo "OK"
