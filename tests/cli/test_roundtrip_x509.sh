#!/usr/bin/env bash
# The X.509 renewal round trip over a directory standing for the USB stick, on real parts:
# a current certificate and key (openssl-made, self-signed) -> ferry-offline request -> export ->
# ferry-online submit --protocol est (ferry-enrolld's EST over HTTPS on 127.0.0.1) -> import.
# Then --rekey with an EST-issued certificate, /simpleenroll with HTTP auth, and refusals.
source "$(dirname "$0")/lib.sh"

CERTS=$T/certs
mkdir -p "$CERTS"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
  -subj "/CN=app01.example.org/O=Example" -addext "subjectAltName=DNS:app01.example.org,DNS:app01" \
  -keyout "$CERTS/app01.key" -out "$CERTS/app01.crt" 2>/dev/null
chmod 600 "$CERTS/app01.key"

start_enrolld --lifetime-days 90 --est-user "est:s3cret"
EST=$(cat "$SVC/url")
init_and_pair

pubkey() { openssl x509 -in "$1" -noout -pubkey | openssl pkey -pubin -outform DER | sha256sum | cut -d' ' -f1; }
keypub() { openssl pkey -in "$1" -pubout -outform DER | sha256sum | cut -d' ' -f1; }

step "request: a key any user can read is refused (exit 1), nothing written"
chmod 604 "$CERTS/app01.key"
expect_exit 1 off request --cert "$CERTS/app01.crt" --key "$CERTS/app01.key" --out "$T/app01.csr"
grep -q "readable or writable by any user (mode 0604).*chmod o-rwx" <<<"$ERR" \
  || fail "world-readable key not named: $ERR"
[ ! -e "$T/app01.csr" ] || fail "a CSR was written from a world-readable key"
chmod 640 "$CERTS/app01.key"   # group-readable (ssl-cert) is accepted

step "request: same key, same subject and SAN"
off request --cert "$CERTS/app01.crt" --key "$CERTS/app01.key" --out "$T/app01.csr" --json \
  >"$T/request.json"
openssl req -in "$T/app01.csr" -noout -verify 2>/dev/null || fail "openssl refuses the CSR"
[ "$(openssl req -in "$T/app01.csr" -noout -subject)" = "subject=CN = app01.example.org, O = Example" ] ||
  fail "CSR subject: $(openssl req -in "$T/app01.csr" -noout -subject)"
grep -q "DNS:app01.example.org, DNS:app01" <<<"$(openssl req -in "$T/app01.csr" -noout -text)" ||
  fail "CSR lacks the certificate's subjectAltName"
[ "$(openssl req -in "$T/app01.csr" -noout -pubkey | openssl pkey -pubin -outform DER | sha256sum |
  cut -d' ' -f1)" = "$(keypub "$CERTS/app01.key")" ] || fail "CSR key is not the certificate's key"
[ ! -e "$T/app01.csr.key" ] || fail "a key was written without --rekey"
# on the wire: RFC 2045 base64 (RFC 7030 §4.2.1), 76 characters a line, each ended by CRLF
CSR_B64_SHA=$(openssl req -in "$T/app01.csr" -outform DER | base64 -w76 | sed 's/$/\r/' |
  sha256sum | cut -d' ' -f1)

step "request: certificates as administrators keep them (openssl ca -out, easy-rsa, bundle, DER)"
ADMIN=$FERRY_VECTORS/x509/admin
for pair in ca-text.crt:ca-text.key easyrsa.crt:easyrsa.key bundle-ca-first.pem:ca-text.key \
  leaf.der:key.der ec-text.crt:key-params.pem; do
  c=${pair%%:*} k=${pair##*:}
  install -m 600 "$ADMIN/$k" "$T/admin-$k"
  off request --cert "$ADMIN/$c" --key "$T/admin-$k" --out "$T/admin-$c.csr" >/dev/null ||
    fail "request --cert $c: $ERR"
  openssl req -in "$T/admin-$c.csr" -noout -verify 2>/dev/null || fail "$c: openssl refuses the CSR"
  want=$(openssl x509 -in "$ADMIN/$c" -inform "$([ "${c##*.}" = der ] && echo DER || echo PEM)" \
    -noout -subject 2>/dev/null || true)
  case $c in bundle-ca-first.pem) want=$(openssl x509 -in "$ADMIN/ca-notext.crt" -noout -subject) ;; esac
  [ "$(openssl req -in "$T/admin-$c.csr" -noout -subject)" = "$want" ] ||
    fail "$c: CSR subject $(openssl req -in "$T/admin-$c.csr" -noout -subject), want $want"
done
grep -q "DNS:app01.example.org, IP Address:192.0.2.10" \
  <<<"$(openssl req -in "$T/admin-ca-text.crt.csr" -noout -text)" || fail "openssl-ca SAN not copied"
grep -q "TLS Web Server Authentication" <<<"$(openssl req -in "$T/admin-easyrsa.crt.csr" -noout -text)" ||
  fail "easy-rsa EKU not carried in the request"

step "export the PKCS#10"
off export "$T/app01.csr" --to "usb:$STICK" --json >"$T/export.json"
grep -q '"kind":"x509"' "$T/export.json" || fail "export: $(cat "$T/export.json")"
grep -q "\"cert_path\":\"$CERTS/app01.crt\"" "$T/export.json" || fail "cert path not recorded"
ID1=$(grep -o '"transfer_id":"[^"]*"' "$T/export.json" | cut -d'"' -f4)
[ ! -e "$OFF_HOME/requests/$ID1.cert" ] || fail "export kept a record beside the transfer (the ledger holds the paths)"
off status --json | grep -q '"state":"outstanding"' || fail "request not outstanding"
off runbook --text --out "$T/runbook.txt" >/dev/null
grep -q "Subject.*CN=app01.example.org" "$T/runbook.txt" || fail "runbook: $(head -30 "$T/runbook.txt")"

step "submit over EST (simplereenroll, HTTP auth from the environment)"
expect_exit 1 on submit --from "usb:$STICK" --protocol est --service "$EST" --root "$ROOT"
grep -q "401\|refused\|auth" <<<"$ERR" || fail "no auth: $ERR"
# no terminal (setsid) and no $FERRY_EST_PASSWORD: refused, never a password from argv
setsid -w "$FERRY_ONLINE" submit --home "$ON_HOME" --from "usb:$STICK" --protocol est \
  --service "$EST" --root "$ROOT" --again --est-user est </dev/null >/dev/null 2>"$T/submit.err" &&
  fail "submitted without a password"
grep -q "FERRY_EST_PASSWORD" "$T/submit.err" || fail "no password advice: $(cat "$T/submit.err")"
FERRY_EST_PASSWORD=s3cret on submit --from "usb:$STICK" --protocol est --service "$EST" \
  --root "$ROOT" --est-user est --again --json >"$T/submit.json" || fail "submit: $(cat "$T/submit.json")"
grep -q '"submitted":1' "$T/submit.json" || fail "submit: $(cat "$T/submit.json")"
got=$(awk '$2 == "/.well-known/est/simplereenroll" {print $3}' "$SVC/received.log" | tail -n1)
[ "$got" = "$CSR_B64_SHA" ] || fail "the service received $got, the request is $CSR_B64_SHA"
PKG_RESP=$(ls "$STICK"/FERRY/response-*.ferry)
openssl cms -verify -inform DER -binary -in "$PKG_RESP" -CAfile "$ON_HOME/identity.crt" \
  -out /dev/null 2>/dev/null || fail "openssl cms -verify refused the response package"

step "import"
off import --from "usb:$STICK" --json >"$T/import.json" || fail "import: $(cat "$T/import.json")"
NEW=$CERTS/app01.renewed.pem
[ -f "$NEW" ] || fail "no $NEW written"
openssl verify -CAfile "$SVC/est-ca.pem" "$NEW" >/dev/null || fail "new cert does not verify"
[ "$(pubkey "$NEW")" = "$(keypub "$CERTS/app01.key")" ] || fail "new cert is not for the old key"
[ "$(grep -c 'BEGIN CERTIFICATE' "$NEW")" -ge 2 ] || fail "no CA certificate after the leaf"
issued=$(date -u -d "$(openssl x509 -in "$NEW" -noout -enddate | cut -d= -f2)" +%F)
printed=$(grep -o '"new_expiry":"[^"]*"' "$T/import.json" | cut -d'"' -f4)
[ "$issued" = "$printed" ] || fail "expiry printed $printed, issued $issued"
off status --json | grep -q '"state":"written"' || fail "transfer not marked written"

step "replay: nothing new (exit 4)"
expect_exit 4 off import --from "usb:$STICK" --out "$T/again.pem"
grep -q "already answered" <<<"$ERR" || fail "replay: $ERR"
[ ! -e "$T/again.pem" ] || fail "replay wrote a certificate"

step "--rekey, from the EST-issued certificate, /simpleenroll"
rm -f "$STICK"/FERRY/*
openssl x509 -in "$NEW" -out "$CERTS/app02.crt"
off request --cert "$CERTS/app02.crt" --key "$CERTS/app01.key" --rekey --out "$T/app02.csr" >/dev/null
[ "$(stat -c %a "$T/app02.csr.key")" = 600 ] || fail "new key not 0600"
[ "$(keypub "$T/app02.csr.key")" != "$(keypub "$CERTS/app01.key")" ] || fail "--rekey kept the key"
cp "$T/app02.csr" "$T/app02.csr.before"
expect_exit 3 off request --cert "$CERTS/app02.crt" --key "$CERTS/app01.key" --rekey --out "$T/app02.csr"
cmp -s "$T/app02.csr" "$T/app02.csr.before" || fail "the CSR changed although its key was refused"
grep -q "exists: a key is never overwritten" <<<"$ERR" || fail "existing new key overwritten: $ERR"
off export "$T/app02.csr" --to "usb:$STICK" >/dev/null
FERRY_EST_PASSWORD=s3cret on submit --from "usb:$STICK" --protocol est --service "$EST" \
  --root "$ROOT" --est-user est --est-enroll >/dev/null || fail "submit --est-enroll"
grep -q "/.well-known/est/simpleenroll " "$SVC/received.log" || fail "not sent to /simpleenroll"
off import --from "usb:$STICK" >"$T/import2.txt" 2>"$T/import2.err" || fail "import 2"
grep -q "app02.csr.key" "$T/import2.err" || fail "no reminder of the new key: $(cat "$T/import2.err")"
[ "$(pubkey "$CERTS/app02.renewed.pem")" = "$(keypub "$T/app02.csr.key")" ] || fail "rekeyed cert key"
openssl verify -CAfile "$SVC/est-ca.pem" "$CERTS/app02.renewed.pem" >/dev/null || fail "verify 2"

step "refusals: wrong key for the certificate, a package of the other mode"
openssl genpkey -algorithm ec -pkeyopt ec_paramgen_curve:P-256 -out "$T/other.key" 2>/dev/null
expect_exit 1 off request --cert "$CERTS/app01.crt" --key "$T/other.key" --out "$T/x.csr"
grep -q "not the certificate's key" <<<"$ERR" || fail "wrong key: $ERR"
[ ! -e "$T/x.csr" ] || fail "a CSR was written for a wrong key"
rm -f "$STICK"/FERRY/*
off export "$T/app01.csr" --to "usb:$STICK" >/dev/null
expect_exit 2 on submit --from "usb:$STICK" --service "$URL" --root "$ROOT"
grep -q "protocol est" <<<"$ERR" || fail "rms protocol on a PKCS#10: $ERR"
# A fresh request of app01 on an empty stick (the stand-in restarted with other EST faults).
fresh_request() { # name
  rm -f "$STICK"/FERRY/*
  off request --cert "$CERTS/app01.crt" --key "$CERTS/app01.key" --out "$T/$1.csr" >/dev/null
  off export "$T/$1.csr" --to "usb:$STICK" >/dev/null
}
est_submit() { on submit --from "usb:$STICK" --protocol est --service "$EST" --root "$ROOT" "$@"; }

step "202 with Retry-After: 90 and --deadline 30: exit 4, when to submit again, still submittable"
stop_enrolld
start_enrolld --lifetime-days 90 --est-fault pending:90:1
EST=$(cat "$SVC/url")
fresh_request app03
expect_exit 4 est_submit --deadline 30
grep -q "wait 90 s, past the deadline" <<<"$ERR" || fail "no wait named: $ERR"
grep -Eq "submit again after 20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z" <<<"$ERR" || fail "no time: $ERR"
ls "$STICK"/FERRY/response-*.ferry >/dev/null 2>&1 && fail "an answer was written for a pending request"

step "the same package, within a long deadline: the CA's wait is waited for"
stop_enrolld
start_enrolld --lifetime-days 90 --est-fault pending:3:1
EST=$(cat "$SVC/url")
t0=$(date +%s) seen=$(wc -l <"$SVC/received.log")
est_submit --deadline 120 >/dev/null || fail "submit after the wait"
[ $(( $(date +%s) - t0 )) -ge 3 ] || fail "Retry-After: 3 was not waited for"
tail -n +$((seen + 1)) "$SVC/received.log" | awk '{print $2, $4}' >"$T/pending.log"
printf '%s\n' "/.well-known/est/cacerts 200" "/.well-known/est/simplereenroll 202" \
  "/.well-known/est/simplereenroll 200" | cmp -s - "$T/pending.log" ||
  fail "received: $(cat "$T/pending.log")"
off import --from "usb:$STICK" --out "$T/app03.pem" >/dev/null || fail "import after a pending answer"

step "a CA that drops the subjectAltName: refused with the difference, the issued chain kept"
stop_enrolld
start_enrolld --lifetime-days 90 --est-fault drop:san
EST=$(cat "$SVC/url")
fresh_request app04
expect_exit 1 est_submit
grep -q "subjectAltName: lacks DNS:app01.example.org, DNS:app01" <<<"$ERR" || fail "no diff: $ERR"
grep -q "with --accept-changes" <<<"$ERR" || fail "no advice: $ERR"
KEPT=$(ls "$ON_HOME"/certs/*.refused.pem) || fail "the issued chain was not kept"
grep -qF "kept in $KEPT" <<<"$ERR" || fail "where it is kept is not said: $ERR"
openssl verify -CAfile "$SVC/est-ca.pem" "$KEPT" >/dev/null || fail "the kept chain does not verify"
ls "$STICK"/FERRY/response-*.ferry >/dev/null 2>&1 && fail "an answer was packaged"
enrolls=$(grep -c simplereenroll "$SVC/received.log")
est_submit --accept-changes >"$T/accept.txt" || fail "submit --accept-changes"
grep -q "changed by the CA:" "$T/accept.txt" || fail "accepted changes not shown: $(cat "$T/accept.txt")"
grep -q "^  subjectAltName: lacks DNS:app01.example.org, DNS:app01" "$T/accept.txt" ||
  fail "submit: the change is not on a line of its own: $(cat "$T/accept.txt")"
[ "$(grep -c simplereenroll "$SVC/received.log")" = "$enrolls" ] || fail "enrolled a second time"
[ ! -e "$KEPT" ] || fail "the kept chain stayed after it was packaged"
off import --from "usb:$STICK" --out "$T/app04.pem" --json >"$T/import04.json" \
  2>"$T/import04.err" || fail "import with the changes: $(cat "$T/import04.err")"
# the offline side holds the certificate renewed: it shows, before writing, what differs from it
grep -q "^changed from the certificate renewed:" "$T/import04.err" ||
  fail "import does not show the changes: $(cat "$T/import04.err")"
grep -q "^  subjectAltName: lacks DNS:app01.example.org, DNS:app01" "$T/import04.err" ||
  fail "import: no SAN difference: $(cat "$T/import04.err")"
grep -Eq "^  validity: was [0-9]+ days, now 90 days" "$T/import04.err" ||
  fail "import: no validity difference: $(cat "$T/import04.err")"
grep -q '"changes":"subjectAltName: lacks' "$T/import04.json" || fail "import --json: $(cat "$T/import04.json")"
openssl x509 -in "$T/app04.pem" -noout -ext subjectAltName 2>/dev/null | grep -q DNS &&
  fail "the imported certificate has a SAN: not the CA's"
true

step "a CA that wants a TLS client certificate: the CA's words, and what it must allow instead"
stop_enrolld
start_enrolld --est-fault client-cert
EST=$(cat "$SVC/url")
fresh_request app05
expect_exit 1 est_submit
grep -q "HTTP 401, the CA says \"The server was unable to authorize the request.\"" <<<"$ERR" ||
  fail "the CA's text is not shown: $ERR"
grep -q "must allow HTTP Basic or Digest authentication" <<<"$ERR" || fail "no advice: $ERR"
step "three packages in one trip, one still pending: the other two are answered and packaged"
stop_enrolld
start_enrolld --lifetime-days 90 --est-fault pending:90:1
EST=$(cat "$SVC/url")
rm -f "$STICK"/FERRY/*
for n in 1 2 3; do # three certificates (copies: the same key), each renewed beside itself
  cp "$CERTS/app01.crt" "$CERTS/batch$n.crt"
  off request --cert "$CERTS/batch$n.crt" --key "$CERTS/app01.key" --out "$T/batch$n.csr" >/dev/null
  off export "$T/batch$n.csr" --to "usb:$STICK" >/dev/null
done
rc=0
est_submit --deadline 30 --parallel 3 --json >"$T/batch.json" 2>"$T/batch.err" || rc=$?
[ "$rc" = 4 ] || fail "a batch with one pending request: exit $rc, want 4: $(cat "$T/batch.err")"
grep -q '"submitted":2' "$T/batch.json" || fail "batch: $(cat "$T/batch.json")"
[ "$(ls "$STICK"/FERRY/response-*.ferry | wc -l)" = 2 ] || fail "not two answers on the stick"
grep -q "submit again after" "$T/batch.json" || fail "no time for the pending one: $(cat "$T/batch.json")"
est_submit --parallel 3 >/dev/null 2>"$T/batch2.err" || fail "the pending one: $(cat "$T/batch2.err")"
[ "$(ls "$STICK"/FERRY/response-*.ferry | wc -l)" = 3 ] || fail "the third answer is missing"
off import --from "usb:$STICK" --json >"$T/batch-import.json" || fail "import of the batch: $(cat "$T/batch-import.json")"
for n in 1 2 3; do
  openssl verify -CAfile "$SVC/est-ca.pem" "$CERTS/batch$n.renewed.pem" >/dev/null ||
    fail "batch$n.renewed.pem does not verify"
done
echo "x509 round trip ok: new expiry $printed"
