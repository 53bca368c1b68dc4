#!/usr/bin/env bash
# Many certificates in one trip: N X.509 request packages on one medium (default 200), submitted
# to the stand-in EST CA (ferry-enrolld on 127.0.0.1) one at a time (--parallel 1) and eight at
# a time (--parallel 8), each run from the same stick and the same online state. Printed as a
# markdown table with the ratio; every answer of every run is then imported on the offline side
# and checked with `openssl verify`. Two service profiles: loopback as it is, and with 100 ms per
# answer (--fault delay:100), as a CA across a network answers.
#   usage: bench/bench_batch.sh [BUILD_DIR] [N]      (default: build, 200)
set -euo pipefail
BUILD=$(cd "${1:-build}" && pwd)
N=${2:-200}
export BUILD
source "$(dirname "$0")/../tests/cli/lib.sh"

now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"%.6f\", $1 }"; }

step "making $N certificates and keys (openssl), their requests and packages (ferry-offline)"
init_and_pair
rm -f "$STICK"/FERRY/*
mkdir -p "$T/certs"
for i in $(seq -w 1 "$N"); do
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
    -subj "/CN=host$i.example.org/O=Example" -addext "subjectAltName=DNS:host$i.example.org" \
    -addext "extendedKeyUsage=serverAuth" -keyout "$T/certs/host$i.key" \
    -out "$T/certs/host$i.crt" 2>/dev/null
  chmod 600 "$T/certs/host$i.key"
  off request --cert "$T/certs/host$i.crt" --key "$T/certs/host$i.key" \
    --out "$T/certs/host$i.csr" >/dev/null 2>&1
  off export "$T/certs/host$i.csr" --to "usb:$STICK" >/dev/null 2>&1
done
[ "$(ls "$STICK"/FERRY/request-*.ferry | wc -l)" = "$N" ] || fail "not $N packages on the stick"
cp -a "$STICK" "$T/stick0"
cp -a "$ON_HOME" "$T/online0"
cp -a "$OFF_HOME" "$T/offline0"

# run LABEL PARALLEL: submits the whole stick from the saved state; prints seconds; checks answers
run() {
  rm -rf "$STICK" "$ON_HOME" "$OFF_HOME"
  cp -a "$T/stick0" "$STICK"
  cp -a "$T/online0" "$ON_HOME"
  cp -a "$T/offline0" "$OFF_HOME"
  rm -f "$T"/certs/*.renewed.pem
  local t0 t1
  t0=$(now)
  on submit --from "usb:$STICK" --protocol est --service "$EST" --root "$ROOT" --parallel "$2" \
    --deadline 600 -q >/dev/null 2>"$T/$1.err" || fail "$1: $(tail -3 "$T/$1.err")"
  t1=$(now)
  [ "$(ls "$STICK"/FERRY/response-*.ferry | wc -l)" = "$N" ] || fail "$1: not $N answers"
  # import from the answers alone: 2N packages on one stick are more than a medium listing
  # takes (FERRY_USB_MAX_FILES, 256)
  rm -rf "$T/answers" && mkdir -p "$T/answers/FERRY"
  cp "$STICK"/FERRY/response-*.ferry "$T/answers/FERRY/"
  off import --from "usb:$T/answers" -q >/dev/null 2>"$T/$1.import.err" ||
    fail "$1: import: $(tail -3 "$T/$1.import.err")"
  local ok=0 f
  for f in "$T"/certs/*.renewed.pem; do
    openssl verify -CAfile "$SVC/est-ca.pem" "$f" >/dev/null 2>&1 && ok=$((ok + 1))
  done
  [ "$ok" = "$N" ] || fail "$1: $ok of $N answers verify"
  calc "$t1 - $t0"
}

declare -A secs
for profile in loopback delay100; do
  stop_enrolld
  if [ $profile = loopback ]; then start_enrolld --lifetime-days 90; else
    start_enrolld --lifetime-days 90 --fault delay:100; fi
  EST=$(cat "$SVC/url")
  step "$profile: --parallel 1"
  secs[$profile,1]=$(run "$profile-p1" 1)
  step "$profile: --parallel 8"
  secs[$profile,8]=$(run "$profile-p8" 8)
done

echo
echo "## Many certificates in one trip: $N X.509 request packages on one medium, EST to ferry-enrolld"
echo
echo "| service | --parallel 1 (s) | --parallel 8 (s) | ratio | per request, p8 (ms) | answers verified |"
echo "|---|---:|---:|---:|---:|---:|"
for profile in loopback delay100; do
  a=${secs[$profile,1]} b=${secs[$profile,8]}
  printf '| %s | %.2f | %.2f | %.2fx | %.1f | %d of %d, both runs |\n' \
    "$([ $profile = loopback ] && echo "127.0.0.1, as it is" || echo "127.0.0.1 + 100 ms per answer")" \
    "$a" "$b" "$(calc "$a / $b")" "$(calc "$b * 1000 / $N")" "$N" "$N"
done
echo
echo "Wall time of \`ferry-online submit\` alone (verify packages, /cacerts once, enroll, check, sign"
echo "and write every answer, ledger). Every answer of every run was imported and verified with"
echo "\`openssl verify\`. Machine: $(nproc) cores; the ledger write (fsync) of each answer is serial."
