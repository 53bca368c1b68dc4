#!/usr/bin/env bash
# Makes the old-version ledgers the schema migrations are tested from (tests/test_store.c): real
# ledger.sqlite files, written by the ferry binaries of that version, not by this one.
#   usage: tests/vectors/ledger/mkvectors.sh VERSION SRCDIR
#     VERSION  the ledger schema that source writes (1, 2 or 3): names the files
#     SRCDIR   the source of that version (its tests/vectors give the request), built in
#              SRCDIR/build (ferry-offline, ferry-online, ferry-enrolld):
#                schema 1: git archive 0f208be^ (before `cancel`)
#                schema 2: git archive 5963c11 (before trips and media)
#                schema 3: git archive c1df47a (before the X.509 paths in the ledger)
#
#   ledger-vN-offline.sqlite  SRV01 exported to a stick, submitted and imported (answered);
#                             SRV02 exported (outstanding); schema 2: SRV03 exported, then
#                             cancelled ("stick lost"); schema 3: an X.509 request for
#                             app01 (request --rekey) exported (outstanding), its record of the
#                             certificate and new key kept beside it as requests/<id>.cert,
#                             copied to ledger-v3-offline.cert
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
if [ "$VERSION" -ge 3 ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
    -subj "/CN=app01.example.org" -keyout "$SRV/app01.key" -out "$SRV/app01.crt" 2>/dev/null
  chmod 600 "$SRV/app01.key"
  off request --cert "$SRV/app01.crt" --key "$SRV/app01.key" --rekey --out "$SRV/app01.csr" >/dev/null
  off export "$SRV/app01.csr" --to "usb:$STICK" --json >"$T/e4.json"
  cp "$OFF_HOME/requests/$(grep -o '"transfer_id":"[^"]*"' "$T/e4.json" | cut -d'"' -f4).cert" \
    "$HERE/ledger-v$VERSION-offline.cert"
fi
stop_enrolld
cp "$OFF_HOME/ledger.sqlite" "$HERE/ledger-v$VERSION-offline.sqlite"
cp "$ON_HOME/ledger.sqlite" "$HERE/ledger-v$VERSION-online.sqlite"
echo "wrote $HERE/ledger-v$VERSION-offline.sqlite and -online.sqlite"
