#!/usr/bin/env bash
# Makes ferry's synthetic RMS test vectors (see FORMAT.md beside this script): requests, invalid
# requests, signed EnrollResponse chains and their tampered variants, and seeds the fuzz corpora.
# bash + the openssl command only. Keys are kept if present (so a re-run gives the same bytes:
# PKCS#1 v1.5 signatures are deterministic); --new-keys makes new ones.
#   usage: tests/vectors/rms/mkvectors.sh [--new-keys]
set -euo pipefail
export LC_ALL=C

HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$HERE
KEYS=$OUT/keys
CORPUS=$HERE/../../fuzz/corpus
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$KEYS" "$CORPUS/rms_request" "$CORPUS/rms_response"
[ "${1:-}" = "--new-keys" ] && rm -f "$KEYS"/*.pem

SOAP_NS=http://schemas.xmlsoap.org/soap/envelope/
RMS_NS=http://microsoft.com/DRM/EnrollmentService
NOTE_REQ="<!-- synthetic test vector made by ferry's mkvectors.sh, not a real RMS request -->"
NOTE_RESP="<!-- synthetic test vector made by ferry's mkvectors.sh, not a real RMS response -->"
LF=$'\n'
CRLF=$'\r\n'

# ---- keys -------------------------------------------------------------------------------------
mkkey() { # name bits
    local f=$KEYS/$1.pem
    [ -f "$f" ] && return 0
    {
        echo "synthetic test key made by ferry's mkvectors.sh (RSA $2), never used anywhere real"
        openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:$2" 2>/dev/null
    } >"$f"
}
mkkey server1 2048      # request 1 (plain, CRLF, BOM variants)
mkkey server2 2048      # request with the non-ASCII server name
mkkey server3 1024      # request with the GUID in braces, upper case (1024 bits: the minimum)
mkkey weak512 512       # refused: under 1024 bits
mkkey root 2048         # the stand-in enrollment service's self-signed root
mkkey rogue 2048        # signs the broken chains

pkcs1_b64() { # key -> base64 of the DER PKCS#1 RSAPublicKey
    openssl rsa -in "$KEYS/$1.pem" -RSAPublicKey_out -outform DER 2>/dev/null | openssl base64 -A
}

hex2bin() { # hex on stdin -> bytes on stdout (bash printf)
    local h i
    read -r h
    for ((i = 0; i < ${#h}; i += 2)); do printf "\\x${h:i:2}"; done
}

# XrML PUBLICKEY element of a key: exponent in decimal, modulus base64 big-endian.
publickey() {
    local hex e b64
    hex=$(openssl rsa -in "$KEYS/$1.pem" -noout -modulus 2>/dev/null | sed 's/^Modulus=//')
    e=$(openssl rsa -in "$KEYS/$1.pem" -noout -text 2>/dev/null |
        sed -n 's/^publicExponent: \([0-9]*\) .*/\1/p')
    b64=$(printf '%s\n' "$hex" | hex2bin | openssl base64 -A)
    printf '<PUBLICKEY><ALGORITHM>RSA</ALGORITHM><PARAMETER name="public-exponent"><VALUE encoding="integer32">%s</VALUE></PARAMETER><PARAMETER name="modulus"><VALUE encoding="base64" size="%d">%s</VALUE></PARAMETER></PUBLICKEY>' \
        "$e" $((${#hex} * 4)) "$b64"
}

# ---- requests ---------------------------------------------------------------------------------
# request KEYB64 GUID NAME [EOL] -> the Enroll envelope of FORMAT.md on stdout
request() {
    local key=$1 guid=$2 name=$3 eol=${4:-$LF} t
    t='<?xml version="1.0" encoding="utf-8"?>
'"$NOTE_REQ"'
<soap:Envelope xmlns:soap="'$SOAP_NS'"
               xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
               xmlns:xsd="http://www.w3.org/2001/XMLSchema">
  <soap:Body>
    <Enroll xmlns="'$RMS_NS'">
      <EnrollParameters>
        <RevocationInformation>
          <RevocationType>StandardRevocation</RevocationType>
        </RevocationInformation>
        <CertificatePublicKey>
          <aPublicKeyBytes>'$key'</aPublicKeyBytes>
          <Guid>'$guid'</Guid>
        </CertificatePublicKey>
        <EnrolleeInformation>
          <ServerName>'$name'</ServerName>
          <ContactEmail>rms-admin@example.test</ContactEmail>
          <Organization>Example Synthetic Org</Organization>
        </EnrolleeInformation>
      </EnrollParameters>
    </Enroll>
  </soap:Body>
</soap:Envelope>
'
    printf '%s' "${t//$LF/$eol}"
}

GUID1=3f2504e0-4f89-11d3-9a0c-0305e82c3301
GUID2=7c9e6679-7425-40de-944b-e07fc1f90ae7
GUID3_RAW='{A1B2C3D4-E5F6-4789-ABCD-EF0123456789}'
GUID3=a1b2c3d4-e5f6-4789-abcd-ef0123456789
GUID_ROOT=0e1f2d3c-4b5a-4968-8776-a5b4c3d2e1f0
GUID_ROGUE=deadbeef-0000-4000-8000-00000000bad0
GUID_OTHER=11111111-2222-4333-8444-555555555555
NAME1=rms01.example.test
NAME2='Serveur-Zürich-東京'
NAME3=RMS03.EXAMPLE.TEST
K1=$(pkcs1_b64 server1)
K2=$(pkcs1_b64 server2)
K3=$(pkcs1_b64 server3)
K512=$(pkcs1_b64 weak512)

request "$K1" "$GUID1" "$NAME1" >"$OUT/req-plain.xml"
request "$K1" "$GUID1" "$NAME1" "$CRLF" >"$OUT/req-crlf.xml"
{ printf '\xef\xbb\xbf'; request "$K1" "$GUID1" "$NAME1" "$CRLF"; } >"$OUT/req-bom.xml"
request "$K2" "$GUID2" "$NAME2" >"$OUT/req-nonascii.xml"
request "$K3" "$GUID3_RAW" "$NAME3" >"$OUT/req-guid-braces.xml"

# invalid requests
{
    echo "synthetic test vector made by ferry's mkvectors.sh: this is not XML at all"
    echo "Server=rms01.example.test Guid=$GUID1"
} >"$OUT/bad-not-xml.xml"
cat >"$OUT/bad-getlicensorcert.xml" <<EOF
<?xml version="1.0" encoding="utf-8"?>
$NOTE_REQ
<soap:Envelope xmlns:soap="$SOAP_NS">
  <soap:Body>
    <GetLicensorCertificate xmlns="http://microsoft.com/DRM/LicensingService">
      <RequestParams><LicensorCertificateRequest /></RequestParams>
    </GetLicensorCertificate>
  </soap:Body>
</soap:Envelope>
EOF
request "$K1" "$GUID1" "$NAME1" | sed '/aPublicKeyBytes/d' >"$OUT/bad-no-key.xml"
request 'MIIBCgKCAQEA!!not*base64!!' "$GUID1" "$NAME1" >"$OUT/bad-base64.xml"
request "$K512" "$GUID1" "$NAME1" >"$OUT/bad-rsa512.xml"
request "$K1" "3f2504e0-4f89-11d3-9a0c-0305e82c33" "$NAME1" >"$OUT/bad-guid.xml"
request "$K1" "$GUID1" "$NAME1" | sed '1s/encoding="utf-8"/encoding="iso-8859-1"/' \
    >"$OUT/bad-latin1.xml"
request "$K1" "$GUID1" "$NAME1" | sed "s#<Enroll xmlns=\"$RMS_NS\">#<Enroll xmlns=\"http://example.test/not-rms\">#" \
    >"$OUT/bad-namespace.xml"
request "$K1" "$GUID1" "$NAME1" |
    sed "s#^\(        <CertificatePublicKey>\)#\1<aPublicKeyBytes>$K2</aPublicKeyBytes>#" \
        >"$OUT/bad-two-keys.xml"
request "$K1" "$GUID1" "$NAME1" |
    sed '2a <!DOCTYPE soap:Envelope SYSTEM "http://example.test/rms.dtd">' >"$OUT/bad-doctype.xml"
cat >"$OUT/bad-billion-laughs.xml" <<EOF
<?xml version="1.0" encoding="utf-8"?>
$NOTE_REQ
<!DOCTYPE soap:Envelope [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<soap:Envelope xmlns:soap="$SOAP_NS">
  <soap:Body>
    <Enroll xmlns="$RMS_NS"><EnrollParameters>
      <RevocationInformation><RevocationType>StandardRevocation</RevocationType></RevocationInformation>
      <CertificatePublicKey><aPublicKeyBytes>$K1</aPublicKeyBytes><Guid>$GUID1</Guid></CertificatePublicKey>
      <EnrolleeInformation><ServerName>&lol9;</ServerName></EnrolleeInformation>
    </EnrollParameters></Enroll>
  </soap:Body>
</soap:Envelope>
EOF

# ---- responses --------------------------------------------------------------------------------
# body TYPE CERTGUID ISSUERKEY ISSUERGUID ISSUERNAME SUBJKEY SUBJGUID SUBJNAME FROM UNTIL EOL
# -> the BODY element (the signed bytes) on stdout
body() {
    local t
    t='<BODY type="LICENSE" version="3.0">
<ISSUEDTIME>'${9}'</ISSUEDTIME>
<DESCRIPTOR><OBJECT type="'$1'"><ID type="MS-GUID">{'$2'}</ID></OBJECT></DESCRIPTOR>
<ISSUER><OBJECT type="MS-DRM-Server"><ID type="MS-GUID">{'$4'}</ID><NAME>'$5'</NAME></OBJECT>
'$(publickey "$3")'</ISSUER>
<ISSUEDPRINCIPALS><PRINCIPAL internal-id="1"><OBJECT type="MS-DRM-Server"><ID type="MS-GUID">{'$7'}</ID><NAME>'$8'</NAME></OBJECT>
'$(publickey "$6")'</PRINCIPAL></ISSUEDPRINCIPALS>
<VALIDITYTIME><FROM>'${9}'</FROM><UNTIL>'${10}'</UNTIL></VALIDITYTIME>
</BODY>'
    printf '%s' "${t//$LF/${11}}"
}

# xrml BODYFILE SIGNKEY [DIGESTFILE] -> <XrML>BODY<SIGNATURE/></XrML>; the digest is over
# DIGESTFILE when given (to make a body whose digest was recomputed after tampering)
xrml() {
    local d s
    d=$(openssl dgst -sha256 -binary "${3:-$1}" | openssl base64 -A)
    openssl dgst -sha256 -sign "$KEYS/$2.pem" -out "$TMP/sig.bin" "$1"
    s=$(openssl base64 -A -in "$TMP/sig.bin")
    printf '<XrML xmlns="" version="1.2" xml:space="preserve">'
    cat "$1"
    printf '<SIGNATURE><ALGORITHM>RSA PKCS#1-V1.5</ALGORITHM><DIGEST><ALGORITHM>SHA256</ALGORITHM><VALUE encoding="base64" size="256">%s</VALUE></DIGEST><VALUE encoding="base64" size="%d">%s</VALUE></SIGNATURE></XrML>' \
        "$d" $(($(wc -c <"$TMP/sig.bin") * 8)) "$s"
}

# envelope EOL XRMLFILE... -> the EnrollResponse document
envelope() {
    local eol=$1 f
    shift
    printf '<?xml version="1.0" encoding="utf-8"?>%s%s%s' "$eol" "$NOTE_RESP" "$eol"
    printf '<soap:Envelope xmlns:soap="%s">%s  <soap:Body>%s' "$SOAP_NS" "$eol" "$eol"
    printf '    <EnrollResponse xmlns="%s">%s      <EnrollResult>%s' "$RMS_NS" "$eol" "$eol"
    for f in "$@"; do
        printf '        <Certificate>'
        cat "$f"
        printf '</Certificate>%s' "$eol"
    done
    printf '      </EnrollResult>%s    </EnrollResponse>%s  </soap:Body>%s</soap:Envelope>%s' \
        "$eol" "$eol" "$eol" "$eol"
}

ROOT_NAME='ferry synthetic enrollment root'
NOW_FROM=2026-11-20T10:00
NOW_UNTIL=2027-11-20T10:00
SLC=Server-Licensor-Certificate
ROOTT=Enrollment-Service-Root

# The root, self-signed (LF and CRLF copies).
body $ROOTT 5d1c0a2e-0000-4000-8000-000000000001 root $GUID_ROOT "$ROOT_NAME" \
    root $GUID_ROOT "$ROOT_NAME" 2026-01-01T00:00 2036-01-01T00:00 "$LF" >"$TMP/root.body"
xrml "$TMP/root.body" root >"$TMP/root.xrml"
body $ROOTT 5d1c0a2e-0000-4000-8000-000000000001 root $GUID_ROOT "$ROOT_NAME" \
    root $GUID_ROOT "$ROOT_NAME" 2026-01-01T00:00 2036-01-01T00:00 "$CRLF" >"$TMP/root-crlf.body"
xrml "$TMP/root-crlf.body" root >"$TMP/root-crlf.xrml"

# slc NAME SUBJKEY SUBJGUID SUBJNAME FROM UNTIL [ISSUERKEY SIGNKEY EOL] -> $TMP/NAME.{body,xrml}
slc() {
    SEQ=$((SEQ + 1))
    body $SLC 9a8b7c6d-1111-4222-8333-$(printf "%012d" $SEQ) "${7:-root}" $GUID_ROOT \
        "$ROOT_NAME" "$2" "$3" "$4" "$5" "$6" "${9:-$LF}" >"$TMP/$1.body"
    xrml "$TMP/$1.body" "${8:-root}" >"$TMP/$1.xrml"
}
SEQ=0 # DESCRIPTOR GUIDs numbered in order: the same on every run

slc valid server1 $GUID1 $NAME1 $NOW_FROM $NOW_UNTIL
envelope "$LF" "$TMP/valid.xrml" "$TMP/root.xrml" >"$OUT/resp-valid.xml"
{ printf '\xef\xbb\xbf'; cat "$OUT/resp-valid.xml"; } >"$OUT/resp-bom.xml"
slc crlf server1 $GUID1 $NAME1 $NOW_FROM $NOW_UNTIL root root "$CRLF"
envelope "$CRLF" "$TMP/crlf.xrml" "$TMP/root-crlf.xrml" >"$OUT/resp-crlf.xml"
# signed with LF, then the whole file converted to CRLF in transit: the signed bytes changed
envelope "$CRLF" "$TMP/valid.xrml" "$TMP/root.xrml" | sed 's/$/\r/; s/\r\r$/\r/' \
    >"$OUT/resp-crlf-converted.xml"
slc nonascii server2 $GUID2 "$NAME2" $NOW_FROM $NOW_UNTIL
envelope "$LF" "$TMP/nonascii.xrml" "$TMP/root.xrml" >"$OUT/resp-nonascii.xml"
slc braces server3 $GUID3 $NAME3 $NOW_FROM $NOW_UNTIL
envelope "$LF" "$TMP/braces.xrml" "$TMP/root.xrml" >"$OUT/resp-guid-braces.xml"

slc otherkey server2 $GUID1 $NAME1 $NOW_FROM $NOW_UNTIL
envelope "$LF" "$TMP/otherkey.xrml" "$TMP/root.xrml" >"$OUT/resp-other-key.xml"
slc otherguid server1 $GUID_OTHER $NAME1 $NOW_FROM $NOW_UNTIL
envelope "$LF" "$TMP/otherguid.xrml" "$TMP/root.xrml" >"$OUT/resp-other-guid.xml"
slc expired server1 $GUID1 $NAME1 2025-11-01T00:00 2026-11-01T00:00
envelope "$LF" "$TMP/expired.xrml" "$TMP/root.xrml" >"$OUT/resp-expired.xml"
slc future server1 $GUID1 $NAME1 2026-12-01T00:00 2027-12-01T00:00
envelope "$LF" "$TMP/future.xrml" "$TMP/root.xrml" >"$OUT/resp-not-yet-valid.xml"

# tampered: one character of the signed BODY changed after signing (UNTIL 2027 -> 2029)
sed 's#<UNTIL>2027-#<UNTIL>2029-#' "$TMP/valid.xrml" >"$TMP/tampered.xrml"
envelope "$LF" "$TMP/tampered.xrml" "$TMP/root.xrml" >"$OUT/resp-tampered.xml"
# tampered and the DIGEST recomputed: only the signature catches it
sed 's#<UNTIL>2027-#<UNTIL>2029-#' "$TMP/valid.body" >"$TMP/tampered2.body"
xrml "$TMP/valid.body" root "$TMP/tampered2.body" |
    sed 's#<UNTIL>2027-#<UNTIL>2029-#' >"$TMP/tampered2.xrml"
envelope "$LF" "$TMP/tampered2.xrml" "$TMP/root.xrml" >"$OUT/resp-tampered-redigested.xml"
# broken chains: the SLC names the rogue key as its issuer and is signed by it (linkage fails);
# the SLC names the root key but is signed by the rogue key (signature fails)
slc rogueissuer server1 $GUID1 $NAME1 $NOW_FROM $NOW_UNTIL rogue rogue
envelope "$LF" "$TMP/rogueissuer.xrml" "$TMP/root.xrml" >"$OUT/resp-broken-chain.xml"
slc roguesig server1 $GUID1 $NAME1 $NOW_FROM $NOW_UNTIL root rogue
envelope "$LF" "$TMP/roguesig.xrml" "$TMP/root.xrml" >"$OUT/resp-wrong-signer.xml"

# structure: one cert only, root first, nine certs, a <BODY> hidden in a comment
envelope "$LF" "$TMP/valid.xrml" >"$OUT/resp-single-cert.xml"
envelope "$LF" "$TMP/root.xrml" "$TMP/valid.xrml" >"$OUT/resp-root-first.xml"
envelope "$LF" "$TMP/valid.xrml" "$TMP/root.xrml" "$TMP/root.xrml" "$TMP/root.xrml" \
    "$TMP/root.xrml" "$TMP/root.xrml" "$TMP/root.xrml" "$TMP/root.xrml" "$TMP/root.xrml" \
    >"$OUT/resp-chain-too-long.xml"
envelope "$LF" "$TMP/valid.xrml" "$TMP/root.xrml" |
    sed 's#^      <EnrollResult>$#      <EnrollResult><!-- <BODY type="LICENSE"></BODY> -->#' \
        >"$OUT/resp-body-in-comment.xml"

cat >"$OUT/resp-fault.xml" <<EOF
<?xml version="1.0" encoding="utf-8"?>
$NOTE_RESP
<soap:Envelope xmlns:soap="$SOAP_NS">
  <soap:Body>
    <soap:Fault>
      <faultcode>soap:Server</faultcode>
      <faultstring>Server was unable to process request. ---&gt; The enrollment request is not valid for this service.</faultstring>
      <detail />
    </soap:Fault>
  </soap:Body>
</soap:Envelope>
EOF

# ---- fuzz corpora -----------------------------------------------------------------------------
rm -f "$CORPUS"/rms_request/*.xml "$CORPUS"/rms_response/*.xml
cp "$OUT"/req-*.xml "$OUT"/bad-*.xml "$CORPUS/rms_request/"
cp "$OUT"/resp-*.xml "$CORPUS/rms_response/"

# ---- self-check with openssl: every valid signature verifies ----------------------------------
for k in root; do
    openssl dgst -sha256 -verify <(openssl pkey -in "$KEYS/$k.pem" -pubout 2>/dev/null) \
        -signature <(sed -n 's#.*</DIGEST><VALUE encoding="base64" size="[0-9]*">\([^<]*\)</VALUE>.*#\1#p' \
            "$TMP/valid.xrml" | openssl base64 -d -A) "$TMP/valid.body" >/dev/null
done
echo "mkvectors.sh: vectors in $OUT, corpora in $CORPUS"
