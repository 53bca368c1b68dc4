#!/bin/sh
# Regenerates ferry's package test vectors with the stock openssl command, so that ferry is
# tested against packages it did not make. Outputs are committed; tests never run this.
#   alice.{key,crt}, bob.{key,crt}   two pairing identities (ECDSA P-256, self-signed)
#   payload-*.bin                    the item payloads (BOM-prefixed XML, CRLF text, binary)
#   manifest.xml                     a manifest from alice carrying them (sender = alice)
#   alice.ferry                      openssl cms -sign -binary over manifest.xml, by alice
#   bob.ferry                        the same manifest signed by bob (sender mismatch / unpaired)
#   tampered-content.ferry           alice.ferry with one byte of the manifest changed
#   tampered-signature.ferry         alice.ferry with the last byte (in the signature) changed
#   truncated-*.ferry                alice.ferry cut short
#   manifest-*.xml                   manifests that must be refused (DTD, version 2, bad digest)
#   identity-manifest.xml, alice-identity.ferry
#                                    a pairing package: alice's certificate (DER) as its one
#                                    identity item, signed by alice
# and copies the seeds into tests/fuzz/corpus/{package,manifest}/.
set -eu
cd "$(dirname "$0")"
CORPUS=../../fuzz/corpus

mkid() {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -noenc -sha256 \
        -days 7300 -subj "/CN=$1" -keyout "$1.key" -out "$1.crt" \
        -addext "keyUsage=critical,digitalSignature" 2>/dev/null
}
fp() { openssl x509 -in "$1" -outform DER | sha256sum | cut -c1-64; }
b64() { base64 -w 76 "$1"; }
sha() { sha256sum "$1" | cut -c1-64; }
size() { wc -c <"$1" | tr -d ' '; }

rm -f ./*.key ./*.crt ./*.ferry ./*.xml ./*.bin
mkid alice
mkid bob

printf '\357\273\277<?xml version="1.0" encoding="utf-8"?>\r\n<Enroll>synthetic</Enroll>\r\n' \
    >payload-bom.bin
printf 'line one\r\nline two\r\n' >payload-crlf.bin
head -c 300 /dev/urandom >payload-random.bin

item() { # name kind file
    printf '    <item name="%s" kind="%s" size="%s" sha256="%s">\n%s\n    </item>\n' \
        "$1" "$2" "$(size "$3")" "$(sha "$3")" "$(b64 "$3")"
}

manifest() { # version sender-fp
    cat <<XML
<?xml version="1.0" encoding="UTF-8"?>
<!-- test vector made by tests/vectors/package/mkvectors.sh -->
<manifest xmlns="urn:ferry:manifest:1" version="$1">
  <direction>to-online</direction>
  <transfer-id>00112233445566778899aabbccddeeff</transfer-id>
  <created>2024-05-01T12:00:00Z</created>
  <sender>$2</sender>
  <props>
    <prop key="server">SRV01 &amp; "friends" &lt;test&gt;</prop>
  </props>
  <items>
$(item SRV01RenewalRequest.xml rms-request payload-bom.bin)
$(item notes.txt pkcs10 payload-crlf.bin)
$(item random.bin x509-chain payload-random.bin)
  </items>
</manifest>
XML
}

ALICE_FP=$(fp alice.crt)
manifest 1 "$ALICE_FP" >manifest.xml
manifest 2 "$ALICE_FP" >manifest-version2.xml
sed 's/^<manifest /<!DOCTYPE manifest [ <!ENTITY x "boom"> ]>\n<manifest /' manifest.xml \
    >manifest-dtd.xml
# the CRLF payload's digest with its last hex digit changed
CRLF_SHA=$(sha payload-crlf.bin)
BAD_SHA=$(printf '%s' "$CRLF_SHA" | sed 's/.$//')$(printf '%s' "$CRLF_SHA" | tail -c1 |
    tr '0-9a-f' '1-9a-f0')
sed "s/$CRLF_SHA/$BAD_SHA/" manifest.xml >manifest-baddigest.xml

openssl x509 -in alice.crt -outform DER -out alice.der
cat >identity-manifest.xml <<XML
<?xml version="1.0" encoding="UTF-8"?>
<manifest xmlns="urn:ferry:manifest:1" version="1">
  <direction>to-offline</direction>
  <transfer-id>ffeeddccbbaa99887766554433221100</transfer-id>
  <created>2024-05-01T12:00:00Z</created>
  <sender>$ALICE_FP</sender>
  <items>
$(item alice.der identity alice.der)
  </items>
</manifest>
XML
rm alice.der

sign() { # key-owner out [in]
    openssl cms -sign -binary -nodetach -outform DER -md sha256 -in "${3:-manifest.xml}" \
        -signer "$1.crt" -inkey "$1.key" -out "$2"
}
sign alice alice.ferry
sign bob bob.ferry
sign alice alice-identity.ferry identity-manifest.xml

LEN=$(size alice.ferry)
# one byte inside the manifest text: the "to-online" direction sits early in the content
OFF=$(grep -abo 'to-online' alice.ferry | head -1 | cut -d: -f1)
cp alice.ferry tampered-content.ferry
printf 'X' | dd of=tampered-content.ferry bs=1 seek="$OFF" conv=notrunc 2>/dev/null
cp alice.ferry tampered-signature.ferry
LAST=$(tail -c1 alice.ferry | od -An -tu1 | tr -d ' ')
printf "$(printf '\\%03o' $(((LAST + 1) % 256)))" |
    dd of=tampered-signature.ferry bs=1 seek=$((LEN - 1)) conv=notrunc 2>/dev/null
head -c $((LEN - 1)) alice.ferry >truncated-1.ferry
head -c $((LEN / 2)) alice.ferry >truncated-half.ferry
head -c 16 alice.ferry >truncated-16.ferry

mkdir -p "$CORPUS/package" "$CORPUS/manifest"
rm -f "$CORPUS"/package/*.ferry "$CORPUS"/manifest/*.xml
cp ./*.ferry "$CORPUS/package/"
cp ./manifest*.xml ./identity-manifest.xml "$CORPUS/manifest/"
echo "alice fingerprint: $ALICE_FP"
