#!/usr/bin/env bash
# Three checks no test caught when each was broken on purpose (issue 14), tested where a user
# meets them, each asserting ferry's own message and that nothing changed:
#  1. import's direction check: a package the paired online machine signed for the *online* side
#     that carries an answer is not imported;
#  2. a world-writable (0602) X.509 --key is refused;
#  3. the UTF-8 check: 3-byte overlong forms and surrogates are refused by ferry's own check
#     ("not valid UTF-8 at byte N"), not left to libxml2.
source "$(dirname "$0")/lib.sh"

cp "$FERRY_VECTORS/rms/req-plain.xml" "$SRV/SRV01RenewalRequest.xml"
REQ=$SRV/SRV01RenewalRequest.xml
start_enrolld --lifetime-days 400
init_and_pair
listing() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 -r sha256sum); }

step "1. a peer-signed to-online package carrying an answer is not imported"
off export "$REQ" --to "usb:$STICK" >/dev/null 2>&1
on submit --from "usb:$STICK" --service "$URL" --root "$ROOT" >/dev/null 2>&1 || fail "submit"
RESP=$(ls "$STICK"/FERRY/response-*.ferry)
openssl cms -verify -noverify -inform DER -binary -in "$RESP" -out "$T/answer.xml" 2>/dev/null ||
  fail "openssl cannot open the answer"
grep -q '<direction>to-offline</direction>' "$T/answer.xml" || fail "no direction in the answer"
sed 's|<direction>to-offline</direction>|<direction>to-online</direction>|' "$T/answer.xml" \
  >"$T/wrongway.xml"
mkdir -p "$T/stick2/FERRY"
openssl cms -sign -binary -nodetach -outform DER -md sha256 -signer "$ON_HOME/identity.crt" \
  -inkey "$ON_HOME/identity.key" -in "$T/wrongway.xml" -out "$T/stick2/FERRY/response-x.ferry" \
  2>/dev/null || fail "openssl cms -sign"
before=$(state_digest "$OFF_HOME")
expect_exit 4 off import --from "usb:$T/stick2" --out "$T/wrongway-SLC.xml" -v # -v lists what is passed over
grep -q "response-x.ferry: ignored (a package for the online side)" <<<"$ERR" ||
  fail "the direction is not named: $ERR"
grep -q "no answer on this medium" <<<"$ERR" || fail "no verdict: $ERR"
[ ! -e "$T/wrongway-SLC.xml" ] || fail "a certificate was written"
[ "$(state_digest "$OFF_HOME")" = "$before" ] || fail "the offline state changed"
off status --json | grep -q '"state":"outstanding"' || fail "the request is no longer outstanding"
# the same answer the right way round is imported: the refusal was the direction alone
off import --from "usb:$STICK" --out "$T/right-SLC.xml" >/dev/null 2>&1 || fail "the real answer"

step "2. a world-writable X.509 --key (0602) is refused"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
  -subj "/CN=app.example.org" -keyout "$T/app.key" -out "$T/app.crt" 2>/dev/null
before=$(state_digest "$OFF_HOME")
for mode in 0602 0606 0622; do
  chmod "$mode" "$T/app.key"
  expect_exit 1 off request --cert "$T/app.crt" --key "$T/app.key" --out "$T/app.csr"
  grep -q -- "--key $T/app.key: readable or writable by any user (mode $mode).*chmod o-rwx" \
    <<<"$ERR" || fail "mode $mode not refused by ferry's check: $ERR"
  [ ! -e "$T/app.csr" ] || fail "mode $mode: a CSR was written"
done
[ "$(state_digest "$OFF_HOME")" = "$before" ] || fail "the offline state changed"
chmod 0600 "$T/app.key"
off request --cert "$T/app.crt" --key "$T/app.key" --out "$T/app.csr" >/dev/null 2>&1 ||
  fail "a 0600 key refused"

step "3. 3-byte overlong forms and surrogates: ferry's own UTF-8 refusal"
# the bad bytes go at the start of the request's EnrolleeInformation/Name text
for bad in 'e080af:overlong /' 'e08080:overlong NUL' 'eda080:surrogate D800' \
           'edbfbf:surrogate DFFF'; do
  hex=${bad%%:*}
  perl -pe 'BEGIN { $b = pack("H*", shift) } s/(<Name>)/$1$b/ && ($done = 1) unless $done' \
    "$hex" "$REQ" >"$SRV/bad-$hex.xml"
  cmp -s "$REQ" "$SRV/bad-$hex.xml" && fail "$bad: nothing inserted"
  at=$(perl -0777 -ne 'BEGIN { $b = pack("H*", shift) } print index($_, $b)' "$hex" "$SRV/bad-$hex.xml")
  stick0=$(listing "$STICK"); off0=$(state_digest "$OFF_HOME")
  expect_exit 1 off export "$SRV/bad-$hex.xml" --to "usb:$STICK"
  grep -q "$SRV/bad-$hex.xml: .*not valid UTF-8 at byte $at (line [0-9]*): ferry reads UTF-8 (or ASCII) XML only" \
    <<<"$ERR" || fail "${bad#*:}: not ferry's own UTF-8 refusal at byte $at: $ERR"
  [ "$(listing "$STICK")" = "$stick0" ] || fail "${bad#*:}: the stick changed"
  [ "$(state_digest "$OFF_HOME")" = "$off0" ] || fail "${bad#*:}: the state changed"
done

echo "PASS: guards"
