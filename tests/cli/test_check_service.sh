#!/bin/bash
# ferry-online check-root --service URL (issue 8, item 7b): against ferry-enrolld on 127.0.0.1,
# the chain the service presents (checked against openssl's reading of the same certificate),
# whether it chains to the anchor, whether ?WSDL is the enrollment service's WSDL, and a plain
# "does not answer" for every way it can fail; exit codes 0 / 1 / 3 and --json; nothing is
# submitted (the service's own log shows only GETs with empty bodies).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

EMPTY=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 # SHA-256 of nothing

# check EXIT TEXT... -- ARGS: check-root with ARGS exits EXIT and prints each TEXT (on stdout or
# stderr); $OUT is its stdout
check() {
  local want=$1; shift
  local texts=()
  while [ "$1" != -- ]; do texts+=("$1"); shift; done
  shift
  local rc=0 t
  OUT=$("$FERRY_ONLINE" check-root "$@" 2>"$T/stderr") || rc=$? # OUT: stdout only
  ALL="$OUT
$(cat "$T/stderr")"
  [ "$rc" = "$want" ] || fail "check-root $*: exit $rc, want $want: $ALL"
  for t in "${texts[@]}"; do grep -qF -- "$t" <<<"$ALL" || fail "check-root $*: no '$t' in: $ALL"; done
}

step "the stand-in answers as the service, pinned"
start_enrolld
FP=$(openssl x509 -in "$SVC/ca/tls.pem" -noout -fingerprint -sha256 | cut -d= -f2 | tr -d : |
     sed 's/..../& /g; s/ $//')
check 0 "[0] subject: CN=127.0.0.1,O=ferry-enrolld (test only)" \
  "issuer:  CN=ferry-enrolld TLS root,O=ferry-enrolld (test only)" "SHA-256: $FP" \
  "chains to it: yes" "HTTP 200, Enroll operation in http://microsoft.com/DRM/EnrollmentService" \
  "WSDL SHA-256: $(sha256 "$FERRY_SRC/tests/vectors/rms/spec/ms-rmpr-6.6-enrollservice.wsdl")" \
  "the enrollment service answers at $URL (nothing was submitted)" -- --service "$URL" --root "$ROOT"
NB=$(date -u -d "$(openssl x509 -in "$SVC/ca/tls.pem" -noout -startdate | cut -d= -f2)" +%Y-%m-%dT%H:%M:%SZ)
grep -qF "valid:   $NB to " <<<"$OUT" || fail "validity: $OUT"
check 0 -- --service "$URL" --root "$ROOT" --json
python3 - "$OUT" "$FP" <<'PY'
import json, sys
j = json.loads(sys.argv[1])
assert j["answers"] is True and j["stage"] == "ok" and j["chains_to_anchor"] is True, j
assert j["chain"][0]["sha256"] == sys.argv[2].replace(" ", "").lower(), j["chain"]
assert j["wsdl_is_enrollment_service"] is True and j["wsdl_http_status"] == 200, j
PY
# nothing was submitted: only GETs without a body reached the service
[ -s "$SVC/received.log" ] || fail "no request logged"
awk -v e=$EMPTY '$3 != e || $4 != 200 || NF != 4 {bad=1} END {exit bad}' "$SVC/received.log" ||
  fail "check-root sent something: $(cat "$SVC/received.log")"

step "not the enrollment service: HTTP 404, and an answer that is not its WSDL"
check 1 "HTTP 404" "not the enrollment service at this URL" -- \
  --service "${URL%/enrollment/enrollservice.asmx}/nothere" --root "$ROOT"
check 1 "not with the enrollment service's WSDL" -- \
  --service "${URL%/enrollment/enrollservice.asmx}/.well-known/est/cacerts" --root "$ROOT"

step "another anchor: the chain is shown and said not to chain to it"
check 1 "SHA-256: $FP" "chains to it: no" "does not verify against $SVC/est-ca.pem" \
  "Pin the anchor it chains to: --root FILE" -- --service "$URL" --root "$SVC/est-ca.pem"
check 1 "chains to it: no" "does not verify against the system trust store" -- --service "$URL" \
  --ca-file "$SVC/est-ca.pem"
check 2 "no PEM certificate" -- --service "$URL" --root "$FERRY_SRC/README.md"
stop_enrolld

step "the service does not answer: refused, timeout, TLS, DNS"
PORT=${URL#https://127.0.0.1:}; PORT=${PORT%%/*}
check 3 "the service does not answer: nothing accepts connections on 127.0.0.1 port $PORT " \
  -- --service "$URL" --root "$ROOT"
check 3 -- --service "$URL" --root "$ROOT" --json
grep -q '"stage":"connect"' <<<"$OUT" && grep -q '"answers":false' <<<"$OUT" || fail "json: $OUT"
start_enrolld --fault delay:8000
check 3 "the service does not answer GET ?WSDL" "timed out" -- --service "$URL" --root "$ROOT" --timeout 1
stop_enrolld
start_enrolld --fault tls10-only
check 3 "the service does not answer over TLS 1.2 or later" -- --service "$URL" --root "$ROOT"
stop_enrolld
start_enrolld --fault wrong-host-cert
check 1 "subject: CN=wrong.example" "chains to it: no" "not issued for this host name" -- \
  --service "$URL" --root "$ROOT"
stop_enrolld
check 3 "does not resolve" "the service is gone" -- --service https://no-such-host.invalid/enrollment/enrollservice.asmx

step "usage"
check 2 "https://" -- --service "http://127.0.0.1:1/enrollment/enrollservice.asmx"
check 2 "--timeout and --pin go with --service" -- --timeout 5
check 2 "--timeout is 1 to 600" -- --service "$URL" --timeout 0
echo ok
