#!/usr/bin/env bash
# A small hostile stick: 300 hard links of one 12 MiB file, 6 distinct 12 MiB files that look
# like packages from outside, 1100 small old decoys named like requests (more than the 1024
# package files a reader looks at), and the real request
# package. The reader holds one candidate at a time, reads a file once whatever its names, caps
# what it reads from the medium, and looks at this side's newest packages first: the real
# package is submitted and peak RSS stays under 100 MB (/usr/bin/time -v).
source "$(dirname "$0")/lib.sh"

cp "$FERRY_VECTORS/rms/req-plain.xml" "$SRV/SRV01RenewalRequest.xml"
start_enrolld --lifetime-days 400
init_and_pair
# identities left by the pairing are removed: only the hostile files and the request remain
rm -f "$STICK"/FERRY/*
F=$STICK/FERRY
mkdir -p "$F"

# the outer shape of a package (ContentInfo SEQUENCE spanning the whole 12 MiB file, the
# signedData OID, [0], SignedData SEQUENCE), then noise: only reading it tells it is not one
big() {
  local n=$((12 * 1024 * 1024))
  perl -e 'my $n = $ARGV[0]; my $l0 = $n - 6; my $l1 = $l0 - 11 - 6; my $l2 = $l1 - 6;
           print pack("CCN", 0x30, 0x84, $l0), pack("H*", "06092a864886f70d010702"),
                 pack("CCN", 0xa0, 0x84, $l1), pack("CCN", 0x30, 0x84, $l2)' "$n" >"$1"
  head -c $((n - 29)) /dev/urandom >>"$1"
  [ "$(stat -c %s "$1")" -eq "$n" ] || fail "big file has the wrong size"
}
big "$F/request-00000000.ferry"
for i in $(seq 1 300); do ln "$F/request-00000000.ferry" "$F/request-link$i.ferry"; done
for i in $(seq 1 6); do big "$F/request-big$i.ferry"; done
for i in $(seq 1 1100); do head -c 100 /dev/urandom >"$F/request-old$i.ferry"; done
touch -d '2020-01-01' "$F"/request-old*.ferry "$F"/request-big*.ferry "$F"/request-00000000.ferry

off export "$SRV/SRV01RenewalRequest.xml" --to "usb:$STICK" --json >"$T/export.json"
ID=$(grep -o '"transfer_id":"[^"]*"' "$T/export.json" | cut -d'"' -f4)
[ -n "$ID" ] || fail "no transfer id"
echo "stick: $(ls "$F" | wc -l) names, $(du -sm "$STICK" | cut -f1) MB on disk" >&2

rc=0
# Under ASan (./ferry-dev sanitize) freed blocks wait in a 256 MB quarantine before reuse, which
# would count every 12 MiB read ever freed; with a small quarantine RSS measures what is held.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4" \
/usr/bin/time -v "$FERRY_ONLINE" submit --home "$ON_HOME" --from "usb:$STICK" --service "$URL" \
  --root "$ROOT" >"$T/submit.out" 2>"$T/submit.err" || rc=$?
rss=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$T/submit.err")
secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$T/submit.err")
echo "submit: exit $rc, peak RSS $rss KiB, wall $secs" >&2
[ -n "$rss" ] || fail "no RSS measured: $(tail -n 30 "$T/submit.err")"
[ "$rss" -lt 100000 ] || fail "peak RSS $rss KiB is over 100 MB"
[ -f "$F/response-${ID:0:8}.ferry" ] || fail "the real request was not submitted: $(tail -n 20 "$T/submit.err")"
grep -q "imported\|submitted" "$T/submit.out" || grep -q "response-${ID:0:8}" "$T/submit.out" ||
  fail "submit did not report the real package: $(cat "$T/submit.out")"
[ "$(grep -c ' /enrollment/enrollservice.asmx ' "$SVC/received.log")" -eq 1 ] ||
  fail "the service did not receive exactly one request"
grep -q "300 file name(s) on the medium are further names (hard links)" "$T/submit.err" ||
  fail "the hard links were not reported: $(grep -v '^\s' "$T/submit.err" | head)"
grep -q "more package file(s) on the medium were not looked at" "$T/submit.err" ||
  fail "the files not looked at were not reported"
grep -q "its limit of 48 MiB from the medium" "$T/submit.err" ||
  fail "the read cap was not reported"
grep -q "request-${ID:0:8}.ferry" "$T/submit.err" && grep "request-${ID:0:8}.ferry" "$T/submit.err" |
  grep -q "refused\|not looked" && fail "the real package was refused or skipped"

echo "PASS: hostile stick (peak RSS $rss KiB, $secs)"
