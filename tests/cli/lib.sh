# Shared by the CLI tests and the demo: a stick, two machines' state, a running ferry-enrolld.
# Binaries come from $FERRY_OFFLINE / $FERRY_ONLINE / $FERRY_ENROLLD (set by ctest) or $BUILD.
set -euo pipefail

: "${FERRY_SRC:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${FERRY_VECTORS:=$FERRY_SRC/tests/vectors}"
if [ -n "${BUILD:-}" ]; then
  FERRY_OFFLINE=$BUILD/offline-side/ferry-offline
  FERRY_ONLINE=$BUILD/online-side/ferry-online
  FERRY_ENROLLD=$BUILD/tests/enrollment-service/ferry-enrolld
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/ferry-test.XXXXXX")
OFF_HOME=$T/offline-home      # state of the offline machine
ON_HOME=$T/online-home        # state of the online machine
STICK=$T/stick                # the directory standing for the USB stick
SRV=$T/rms-server             # where the RMS administrator exported the request
SVC=$T/enrolld                # the stand-in enrollment service's state
mkdir -p "$STICK" "$SRV" "$SVC"
ENROLLD_PID=
export FERRY_HOME=/nonexistent-use-home-flag

cleanup() {
  local rc=$?
  [ -n "$ENROLLD_PID" ] && kill "$ENROLLD_PID" 2>/dev/null && wait "$ENROLLD_PID" 2>/dev/null || true
  if [ $rc -eq 0 ] || [ -z "${FERRY_KEEP:-}" ]; then rm -rf "$T"; else echo "kept $T" >&2; fi
  return $rc
}
trap cleanup EXIT

VG=()
if [ -n "${FERRY_VALGRIND:-}" ]; then
  VG=(valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect
      --errors-for-leak-kinds=definite,indirect)
fi
# The global option must follow the verb: ferry-offline VERB --home DIR ...
off() { local v=$1; shift; "${VG[@]}" "$FERRY_OFFLINE" "$v" --home "$OFF_HOME" "$@"; }
on() { local v=$1; shift; "${VG[@]}" "$FERRY_ONLINE" "$v" --home "$ON_HOME" "$@"; }

fail() { echo "FAIL: $*" >&2; exit 1; }
step() { printf '\n\033[1m-- %s\033[0m\n' "$*" >&2; }

# start_enrolld [ferry-enrolld flags...]: starts the service on a free port; sets URL, ROOT.
start_enrolld() {
  local dir=${ENROLLD_DIR:-$SVC}
  rm -f "$dir/url"
  "$FERRY_ENROLLD" --listen 127.0.0.1:0 --state "$dir" "$@" >"$dir/log" 2>&1 &
  ENROLLD_PID=$!
  local i
  for i in $(seq 1 300); do
    [ -s "$dir/url" ] && break
    kill -0 "$ENROLLD_PID" 2>/dev/null || { cat "$dir/log" >&2; fail "ferry-enrolld died"; }
    sleep 0.1
  done
  [ -s "$dir/url" ] || fail "ferry-enrolld did not start"
  URL="$(cat "$dir/url")/enrollment/enrollservice.asmx"
  ROOT=$dir/root.pem
}

stop_enrolld() {
  [ -n "$ENROLLD_PID" ] && kill "$ENROLLD_PID" 2>/dev/null && wait "$ENROLLD_PID" 2>/dev/null || true
  ENROLLD_PID=
}

# init_and_pair: both machines get identities and pair over the stick.
init_and_pair() {
  off init --name "rms-offline" >/dev/null
  on init --name "rms-online" >/dev/null
  on pair --to "usb:$STICK" >/dev/null
  off pair --from "usb:$STICK" --yes >/dev/null
  off pair --to "usb:$STICK" >/dev/null
  on pair --from "usb:$STICK" --yes >/dev/null
}

# expect_exit CODE CMD...: runs CMD, asserts its exit code, keeps its stderr in $ERR.
expect_exit() {
  local want=$1; shift
  local rc=0
  ERR=$("$@" 2>&1 >/dev/null) || rc=$?
  [ "$rc" -eq "$want" ] || fail "exit $rc (want $want) from: $* -- $ERR"
}

# state_digest: what must not change when a bad input is refused (the offline ledger and files).
state_digest() {
  (cd "$1" && find . -type f ! -name '*.tmp-*' -print0 | sort -z | xargs -0 sha256sum) | sha256sum
}

sha256() { sha256sum "$1" | cut -d' ' -f1; }

# zbarqr IMAGE: the QR codes zbarimg reads in IMAGE, one per line (the 1-D decoders are off:
# on QR images they report phantom DataBar codes). zbar2 IMAGE: the same, reading the image
# twice, every line then every other line, as the README's recipe does (at 150 dpi zbar's full
# sweep misses a code now and then that the half sweep finds); duplicates are the caller's.
zbarqr() { zbarimg --nodbus --raw -q -Sdisable -Sqrcode.enable "$@"; }
zbar2() { zbarqr "$1" -Sx-density=2 -Sy-density=2 "$1"; }

# json_sha KEY FILE: the SHA-256 printed as "KEY":"ABCD EF01 ..." in FILE, as lower-case hex.
json_sha() { grep -o "\"$1\":\"[0-9A-F ]*\"" "$2" | head -n1 | cut -d'"' -f4 | tr -d ' ' | tr 'A-F' 'a-f'; }

# last_received: the SHA-256 of the last body the stand-in got on its RMS endpoint.
last_received() {
  awk '$2 == "/enrollment/enrollservice.asmx" {print $3}' "$SVC/received.log" 2>/dev/null | tail -n1
}

# posted_ok SUBMIT_JSON REQUEST: submit --json says it carried REQUEST (its SHA-256) and the
# stand-in received exactly the bytes submit says it posted, as a SOAP Enroll with VersionData
# and oInput (the WSDL's shape).
posted_ok() {
  [ "$(json_sha request_sha256 "$1")" = "$(sha256 "$2")" ] ||
    fail "submit's request_sha256 is not $2's SHA-256: $(cat "$1")"
  [ "$(last_received)" = "$(json_sha posted_sha256 "$1")" ] ||
    fail "the service received $(last_received), submit says it posted $(json_sha posted_sha256 "$1")"
  tail -n1 "$SVC/received.log" | grep -q "shape=Envelope+VersionData+oInput" ||
    fail "the service did not get a SOAP Enroll with VersionData and oInput: $(tail -n1 "$SVC/received.log")"
}

# slc_date ELEMENT FILE: the first (the SLC's) ELEMENT/UNTIL date (YYYY-MM-DD) in a response
# document (UTF-16) or answer: ELEMENT is RANGETIME (the renewal date) or VALIDITYTIME.
slc_date() {
  { if [ "$(head -c2 "$2" | od -An -tx1 | tr -d ' ')" = fffe ]; then iconv -f UTF-16 -t UTF-8 "$2"; else cat "$2"; fi; } |
    grep -o "&lt;$1&gt;&lt;FROM&gt;[^&]*&lt;/FROM&gt;&lt;UNTIL&gt;[0-9-]*" | head -n1 | sed 's/.*UNTIL&gt;//'
}

# flip FILE OFFSET: flips bits of one byte in place (perl-base is on every Debian machine).
flip() {
  perl -e 'open(my $f, "+<", $ARGV[0]) or die; binmode $f; seek($f, $ARGV[1], 0);
           read($f, my $c, 1) == 1 or die; seek($f, $ARGV[1], 0); print $f chr(ord($c) ^ 0x5a);
           close($f) or die' "$1" "$2"
}

# fault_setup: for the tests that inject faults with libferry_fault.so ($SHIM) and check the
# ledger with sqlite3.
fault_setup() {
  SHIM=${FERRY_FAULT_LIB:-${FERRY_BUILD:-}/tests/faults/libferry_fault.so}
  [ -f "$SHIM" ] || fail "no fault shim at $SHIM (build the ferry_fault target)"
  # ASan wants its runtime first; the shim is built without sanitizers and may come before it.
  export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
  command -v sqlite3 >/dev/null ||
    fail "sqlite3 is needed for the ledger integrity check: ./ferry-dev deps"
}

# old_round_trip: pairs the machines (service running) and leaves an earlier renewal behind:
# $REQ exported, submitted and imported (to $T/old-SLC.xml). Its two packages are moved to
# $T/old-packages, so that each later run has exactly one package to handle; their summaries
# and the identity packages stay on the stick.
old_round_trip() {
  cp "$FERRY_VECTORS/rms/req-plain.xml" "$SRV/SRV01RenewalRequest.xml" # bare EnrollParameters
  REQ=$SRV/SRV01RenewalRequest.xml
  start_enrolld --lifetime-days 400
  init_and_pair
  off export "$REQ" --to "usb:$STICK" >/dev/null 2>&1
  on submit --from "usb:$STICK" --service "$URL" --root "$ROOT" >/dev/null 2>&1
  off import --from "usb:$STICK" --out "$T/old-SLC.xml" >/dev/null 2>&1
  mkdir -p "$T/old-packages"
  mv "$STICK"/FERRY/request-*.ferry "$STICK"/FERRY/response-*.ferry "$T/old-packages/"
}
