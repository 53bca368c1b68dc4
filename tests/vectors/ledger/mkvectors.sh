#!/usr/bin/env bash
# Makes the old-version ledgers the schema migrations are tested from (tests/test_store.c): real
# ledger.sqlite files, written by the ferry binaries of that version, not by this one.
#   usage: tests/vectors/ledger/mkvectors.sh VERSION SRCDIR
#     VERSION  the ledger schema that source writes (1 or 2): names the files
#     SRCDIR   the source of that version (its tests/vectors give the request), built in
#              SRCDIR/build (ferry-offline, ferry-online, ferry-enrolld):
#                schema 1: git archive 0f208be^ (before `cancel`)
#                schema 2: git archive 5963c11 (before trips and media)
#
#   ledger-vN-offline.sqlite  SRV01 exported to a stick, submitted and imported (answered);
#                             SRV02 exported (outstanding); schema 2: SRV03 exported, then
#                             cancelled ("stick lost")
#   ledger-vN-online.sqlite   SRV01 submitted to ferry-enrolld (schema 2: with posted_sha256)
# The dates in the rows are those of the day it is run.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 VERSION SRCDIR" >&2; exit 2; }
VERSION=$1
SRC=$(cd "$2" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
export FERRY_OFFLINE=$SRC/build/offline-side/ferry-offline FERRY_ONLINE=$SRC/build/online-side/ferry-online
export FERRY_ENROLLD=$SRC/build/tests/enrollment-service/ferry-enrolld
export FERRY_VECTORS=$SRC/tests/vectors
source "$HERE/../../cli/lib.sh"

start_enrolld --lifetime-days 400
init_and_pair
for n in 1 2 3; do
  cp "$FERRY_VECTORS/rms/req-plain.xml" "$SRV/SRV0${n}RenewalRequest.xml"
done
off export "$SRV/SRV01RenewalRequest.xml" --to "usb:$STICK" >/dev/null
on submit --from "usb:$STICK" --service "$URL" --root "$ROOT" >/dev/null
off import --from "usb:$STICK" --out "$T/SRV01SLC.xml" >/dev/null
mkdir -p "$T/old" && mv "$STICK"/FERRY/*.ferry "$T/old/"
off export "$SRV/SRV02RenewalRequest.xml" --to "usb:$STICK" >/dev/null
if [ "$VERSION" -ge 2 ]; then
  off export "$SRV/SRV03RenewalRequest.xml" --to "usb:$STICK" --json >"$T/e3.json"
  off cancel "$(grep -o '"transfer_id":"[^"]*"' "$T/e3.json" | cut -d'"' -f4)" \
    --reason "stick lost" >/dev/null
fi
stop_enrolld
cp "$OFF_HOME/ledger.sqlite" "$HERE/ledger-v$VERSION-offline.sqlite"
cp "$ON_HOME/ledger.sqlite" "$HERE/ledger-v$VERSION-online.sqlite"
echo "wrote $HERE/ledger-v$VERSION-offline.sqlite and -online.sqlite"
