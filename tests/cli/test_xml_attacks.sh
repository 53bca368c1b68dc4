#!/usr/bin/env bash
# XML attacks in every XML input at the command line (issue 5, item 5): the RMS request
# (export), the service's answer (submit), and the manifest of a correctly signed package in
# both directions (submit, import). Each attack is refused with exit 1 and a message that says
# why; the stick, the ledgers and the files are left exactly as they were; no external entity
# is ever fetched (a canary listener counts connections). Attacks: tests/cli/xml_attacks.pl.
source "$(dirname "$0")/lib.sh"

ATTACK=$(dirname "$0")/xml_attacks.pl
KINDS=(xxe-file xxe-http xxe-param laughs deep attr-10000000 attr-524288 bad-utf8
       bom-after-decl bom-twice bom-in-text utf16 utf16-bom utf16-laughs utf16-xxe-http)
declare -A WHY=(
  [xxe-file]="contains a DOCTYPE or entity declaration, refused"
  [xxe-http]="contains a DOCTYPE or entity declaration, refused"
  [xxe-param]="contains a DOCTYPE or entity declaration, refused"
  [laughs]="contains a DOCTYPE or entity declaration, refused"
  [deep]="XML nested too deep"
  [attr-10000000]="over the [0-9]+-byte (XML )?limit|answer larger than 4194304 bytes"
  [attr-524288]="an attribute of <h> is longer than 65536 bytes"
  [bad-utf8]="not valid UTF-8 at byte [0-9]+ \(line [0-9]+\)"
  [bom-after-decl]="a byte order mark \(U\+FEFF\) at byte [0-9]+ \(line 1\), where none belongs"
  [bom-twice]="a second byte order mark|starts with a byte order mark, which ferry never writes"
  [bom-in-text]="a byte order mark \(U\+FEFF\) at byte [0-9]+ \(line [0-9]+\), where none belongs"
  [utf16]="not encoded in UTF-8 \(it starts with a UTF-16 byte order mark\)"
  [utf16-bom]="not encoded in UTF-8 \(it starts with a UTF-16 byte order mark\)"
  [utf16-laughs]="not encoded in UTF-8 \(it starts with a UTF-16 byte order mark\)"
  [utf16-xxe-http]="not encoded in UTF-8 \(it starts with a UTF-16 byte order mark\)"
)
CASES=0

# A canary for the external entities: every attack that names a URL names this listener;
# nothing may ever connect to it.
perl -MIO::Socket::INET -e '
  my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 0, Listen => 5,
                                ReuseAddr => 1) or die "listen: $!";
  open(my $p, ">", "$ARGV[0].tmp") or die; print $p $s->sockport, "\n"; close $p;
  rename("$ARGV[0].tmp", $ARGV[0]) or die;
  alarm 300;
  while (my $c = $s->accept) { open(my $l, ">>", $ARGV[1]); print $l "connection\n"; close $l;
                               close $c }' "$T/canary.port" "$T/canary.log" >/dev/null 2>&1 &
CANARY_PID=$!
trap 'rc=$?; set +e; kill "$CANARY_PID" 2>/dev/null; (exit $rc); cleanup' EXIT
for _ in $(seq 100); do [ -s "$T/canary.port" ] && break; sleep 0.05; done
CANARY=$(cat "$T/canary.port") || fail "no canary listener"
curl -s -m 5 -o /dev/null "http://127.0.0.1:$CANARY/self-test" || true # the canary hears this
for _ in $(seq 100); do [ -s "$T/canary.log" ] && break; sleep 0.05; done
[ "$(wc -l <"$T/canary.log")" = 1 ] || fail "the canary listener does not count connections"

# attack KIND SRC OUT: the attack, its URLs pointing at the canary.
attack() { XML_ATTACK_URL=http://127.0.0.1:$CANARY perl "$ATTACK" "$1" "$2" "$3"; }
listing() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 -r sha256sum); }
# why KIND: the refusal names the cause of KIND
why() {
  local line
  line=$(grep -E "${WHY[$1]}" <<<"$ERR" | head -n1) || true
  [ -n "$line" ] || fail "$2 $1: the message does not say why: $ERR"
  echo "$2 $1: $line" | cut -c1-260 >&2
}
# extract PACKAGE OUT: the manifest of a package, as signed
extract() {
  openssl cms -verify -noverify -inform DER -binary -in "$1" -out "$2" 2>/dev/null ||
    fail "openssl cannot open $1"
}
# sign HOME IN OUT: a package of manifest IN, signed with HOME's identity by stock openssl
sign() {
  openssl cms -sign -binary -nodetach -outform DER -md sha256 -signer "$1/identity.crt" \
    -inkey "$1/identity.key" -in "$2" -out "$3" 2>/dev/null || fail "openssl cms -sign $2"
}

cp "$FERRY_VECTORS/rms/req-plain.xml" "$SRV/SRV01RenewalRequest.xml"
REQ=$SRV/SRV01RenewalRequest.xml
init_and_pair

step "request: ferry-offline export refuses each attack; nothing on the stick, nothing outstanding"
stick0=$(listing "$STICK")
off0=$(state_digest "$OFF_HOME")
for k in "${KINDS[@]}"; do
  attack "$k" "$REQ" "$SRV/attack-$k.xml"
  expect_exit 1 off export "$SRV/attack-$k.xml" --to "usb:$STICK"
  grep -qF "$SRV/attack-$k.xml" <<<"$ERR" || fail "request $k: the file is not named: $ERR"
  why "$k" request
  grep -q "XML_PARSE\|indicate encoding" <<<"$ERR" && fail "request $k: libxml2's words: $ERR"
  [ "$(listing "$STICK")" = "$stick0" ] || fail "request $k: the stick changed"
  [ "$(state_digest "$OFF_HOME")" = "$off0" ] || fail "request $k: the offline state changed"
  CASES=$((CASES + 1))
done
off status --json | grep -q '"state":"outstanding"' && fail "a refused export is outstanding"

step "export the genuine request"
off export "$REQ" --to "usb:$STICK" >/dev/null
PKG=$(ls "$STICK"/FERRY/request-*.ferry)
cp "$PKG" "$T/request.ferry"
extract "$PKG" "$T/request-manifest.xml"

step "request manifest: a package signed by the paired offline identity, manifest attacked"
stick0=$(listing "$STICK")
on0=$(state_digest "$ON_HOME")
start_enrolld
sign "$OFF_HOME" "$T/request-manifest.xml" "$PKG" # control: stock openssl's package is taken
cp -a "$ON_HOME" "$T/on-copy" && cp -a "$STICK" "$T/stick-copy"
"$FERRY_ONLINE" submit --home "$T/on-copy" --from "usb:$T/stick-copy" --service "$URL" \
  --root "$ROOT" >/dev/null 2>"$T/err" || fail "control: openssl-signed request: $(cat "$T/err")"
rm -rf "$T/on-copy" "$T/stick-copy" "$SVC/received.log"
for k in "${KINDS[@]}"; do
  attack "$k" "$T/request-manifest.xml" "$T/m-$k.xml"
  sign "$OFF_HOME" "$T/m-$k.xml" "$PKG"
  stick1=$(listing "$STICK")
  expect_exit 1 on submit --from "usb:$STICK" --service "$URL" --root "$ROOT"
  grep -qF "$(basename "$PKG")" <<<"$ERR" || fail "request manifest $k: file not named: $ERR"
  why "$k" "request manifest"
  [ "$(listing "$STICK")" = "$stick1" ] || fail "request manifest $k: the stick changed"
  [ "$(state_digest "$ON_HOME")" = "$on0" ] || fail "request manifest $k: online state changed"
  [ -s "$SVC/received.log" ] && fail "request manifest $k: something reached the service"
  CASES=$((CASES + 1))
done
stop_enrolld
cp "$T/request.ferry" "$PKG"
[ "$(listing "$STICK")" = "$stick0" ] || fail "the stick is not back as it was"

step "response: ferry-enrolld answers with the attack; submit refuses, nothing packaged"
# control: the unmodified vector is a valid answer to this very request (same key and GUID)
start_enrolld --fault "body:$FERRY_VECTORS/rms/resp-valid.xml"
cp -a "$ON_HOME" "$T/on-copy" && cp -a "$STICK" "$T/stick-copy"
"$FERRY_ONLINE" submit --home "$T/on-copy" --from "usb:$T/stick-copy" --service "$URL" \
  --root "$ROOT" >/dev/null 2>"$T/err" || fail "control: resp-valid.xml refused: $(cat "$T/err")"
stop_enrolld
rm -rf "$T/on-copy" "$T/stick-copy"
for k in "${KINDS[@]}"; do
  attack "$k" "$FERRY_VECTORS/rms/resp-valid.xml" "$T/r-$k.xml"
  start_enrolld --fault "body:$T/r-$k.xml"
  expect_exit 1 on submit --from "usb:$STICK" --service "$URL" --root "$ROOT"
  stop_enrolld
  grep -qF "$(basename "$PKG")" <<<"$ERR" || fail "response $k: file not named: $ERR"
  why "$k" response
  grep -q "answer was refused\|answer larger" <<<"$ERR" ||
    fail "response $k: does not say it is the service's answer: $ERR"
  [ "$(listing "$STICK")" = "$stick0" ] || fail "response $k: the stick changed"
  [ "$(state_digest "$ON_HOME")" = "$on0" ] || fail "response $k: the online state changed"
  CASES=$((CASES + 1))
done

step "submit the genuine request"
start_enrolld
on submit --from "usb:$STICK" --service "$URL" --root "$ROOT" >/dev/null
stop_enrolld
RESP=$(ls "$STICK"/FERRY/response-*.ferry)
cp "$RESP" "$T/response.ferry"
extract "$RESP" "$T/response-manifest.xml"

step "response manifest: a package signed by the paired online identity, manifest attacked"
off0=$(state_digest "$OFF_HOME")
sign "$ON_HOME" "$T/response-manifest.xml" "$RESP" # control: stock openssl's package is taken
cp -a "$OFF_HOME" "$T/off-copy" && cp -a "$STICK" "$T/stick-copy"
"$FERRY_OFFLINE" import --home "$T/off-copy" --from "usb:$T/stick-copy" --out "$T/control.xml" \
  >/dev/null 2>"$T/err" || fail "control: openssl-signed response: $(cat "$T/err")"
[ -s "$T/control.xml" ] || fail "control: nothing installed"
rm -rf "$T/off-copy" "$T/stick-copy"
for k in "${KINDS[@]}"; do
  attack "$k" "$T/response-manifest.xml" "$T/rm-$k.xml"
  sign "$ON_HOME" "$T/rm-$k.xml" "$RESP"
  stick1=$(listing "$STICK")
  expect_exit 1 off import --from "usb:$STICK"
  why "$k" "response manifest"
  grep -qF "$(basename "$RESP")" <<<"$ERR" || fail "response manifest $k: file not named: $ERR"
  [ "$(listing "$STICK")" = "$stick1" ] || fail "response manifest $k: the stick changed"
  [ "$(state_digest "$OFF_HOME")" = "$off0" ] || fail "response manifest $k: offline state changed"
  [ -e "$SRV/SRV01SLC.xml" ] && fail "response manifest $k: a certificate was installed"
  CASES=$((CASES + 1))
done
off status --json | grep -q '"state":"outstanding"' || fail "the request is no longer outstanding"

step "the genuine answer still imports"
cp "$T/response.ferry" "$RESP"
off import --from "usb:$STICK" >/dev/null
[ -s "$SRV/SRV01SLC.xml" ] || fail "the genuine answer did not install"

kill "$CANARY_PID" 2>/dev/null; wait "$CANARY_PID" 2>/dev/null || true
[ "$(wc -l <"$T/canary.log")" = 1 ] ||
  fail "an external entity was fetched: $(($(wc -l <"$T/canary.log") - 1)) connection(s)"
echo "xml attacks ok: ${#KINDS[@]} attacks x 4 inputs = $CASES cases, each refused, nothing written"
