#!/usr/bin/env bash
# A really full stick: a small tmpfs mounted as the medium (skipped, exit 77, where this machine
# does not allow mount). Export onto it when it is full: exit 3, the message says the disk is
# full, the older package stays byte-identical, no temporary or partial file, the ledger
# unchanged; after space is freed the same export succeeds and the package verifies.
source "$(dirname "$0")/lib.sh"

FULL=$T/full-stick
mkdir -p "$FULL"
if ! mount -t tmpfs -o size=64k,mode=0755 tmpfs "$FULL" 2>/dev/null; then
  echo "SKIP: cannot mount a tmpfs here (not root, or the container forbids mount)"
  exit 77
fi
trap 'umount "$FULL" 2>/dev/null || true; cleanup' EXIT

cp "$FERRY_VECTORS/rms/req-plain.xml" "$SRV/SRV01RenewalRequest.xml"
REQ=$SRV/SRV01RenewalRequest.xml
init_and_pair
off export "$REQ" --to "usb:$FULL" --json >"$T/old.json" 2>/dev/null || fail "first export failed"
OLD=$(ls "$FULL"/FERRY/request-*.ferry)
OLD_SHA=$(sha256 "$OLD")
# fill what is left: a package (~3.3 KB) no longer fits
dd if=/dev/zero of="$FULL/filler" bs=4k 2>/dev/null || true
free=$(df --output=avail -B1 "$FULL" | tail -n1)
[ "$free" -lt 3000 ] || fail "the tmpfs still has $free bytes free"
before=$(off status --json)
d0=$(state_digest "$OFF_HOME")

expect_exit 3 off export "$REQ" --to "usb:$FULL"
grep -q "$FULL/FERRY/request-" <<<"$ERR" || fail "the message names no file: $ERR"
grep -q 'the disk is full' <<<"$ERR" || fail "the message does not say the disk is full: $ERR"
[ "$(sha256 "$OLD")" = "$OLD_SHA" ] || fail "the older package changed"
[ "$(ls "$FULL/FERRY" | grep -c '\.ferry$')" -eq 1 ] ||
  fail "a new package was left: $(ls "$FULL/FERRY")"
ls "$FULL/FERRY" | grep -q '\.tmp-' && fail "a temporary file was left: $(ls "$FULL/FERRY")"
[ "$(off status --json)" = "$before" ] || fail "the ledger changed"
[ "$(state_digest "$OFF_HOME")" = "$d0" ] || fail "the offline state changed"

rm -f "$FULL/filler"
off export "$REQ" --to "usb:$FULL" >/dev/null 2>&1 || fail "export after freeing space failed"
for f in "$FULL"/FERRY/request-*.ferry; do
  openssl cms -verify -inform DER -binary -in "$f" -CAfile "$OFF_HOME/identity.crt" \
    -out /dev/null 2>/dev/null || fail "$f does not verify"
done
echo "full tmpfs medium: refused cleanly, retried after freeing space"
