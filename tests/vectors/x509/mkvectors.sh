#!/usr/bin/env bash
# Makes ferry's X.509-mode test vectors with the openssl command only, and seeds the pkcs10 and
# pkcs7 fuzz corpora. Everything is a throw-away test CA, made here; validity 20 years from
# the day it is run (tests that need "expired" move $FERRY_NOW instead).
#   usage: tests/vectors/x509/mkvectors.sh
#
#   ca.pem/ca.key            the issuing CA (self-signed, P-256)
#   other-ca.pem/.key        another CA, same name shape
#   app.crt/app.key          the current certificate to renew (self-signed, CN+O, SAN)
#   csr.pem, csr.der         a renewal request for app.key (openssl-made, same subject, SAN)
#   csr-badsig.der           csr.der with a flipped signature bit
#   csr-trailing.der         csr.der with a byte after it
#   issued.pem               what the CA issues for csr.pem
#   issued.p7b, issued-p7.pem  certs-only PKCS#7 (DER, PEM) with issued.pem and ca.pem
#   cacerts.p7b              certs-only PKCS#7 with ca.pem (as EST /cacerts answers)
#   chain-good.pem           issued.pem + ca.pem (the x509-chain item)
#   chain-wrong-key.pem      a certificate for another key, same subject, same CA + ca.pem
#   chain-other-subject.pem  a certificate for app.key with another subject + ca.pem
#   chain-other-ca.pem       issued by other-ca for app.key + ca.pem (does not chain)
#   chain-leaf-only.pem      issued.pem without CA certificates
set -euo pipefail
export LC_ALL=C
HERE=$(cd "$(dirname "$0")" && pwd)
CORPUS=$HERE/../../fuzz/corpus
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cd "$HERE"
mkdir -p "$CORPUS/pkcs10" "$CORPUS/pkcs7"
DAYS=7300
SUBJ="/CN=app.example.test/O=ferry test vectors"

ec() { openssl genpkey -algorithm ec -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
ca() { # name CN
    ec "$1.key"
    openssl req -x509 -new -key "$1.key" -days $DAYS -subj "/CN=$2/O=ferry test vectors" \
        -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
        -out "$1.pem" 2>/dev/null
}
sign() { # csr ca out
    printf 'basicConstraints=CA:FALSE\nsubjectAltName=DNS:app.example.test,DNS:app\n' >"$TMP/ext"
    openssl x509 -req -in "$1" -CA "$2.pem" -CAkey "$2.key" -days 365 -set_serial "0x$(openssl rand -hex 8)" \
        -extfile "$TMP/ext" -out "$3" 2>/dev/null
}
ca ca "ferry test EST CA"
ca other-ca "ferry test other CA"
ec app.key
openssl req -x509 -new -key app.key -days $DAYS -subj "$SUBJ" \
    -addext "subjectAltName=DNS:app.example.test,DNS:app" -out app.crt 2>/dev/null
openssl req -new -key app.key -subj "$SUBJ" -addext "subjectAltName=DNS:app.example.test,DNS:app" \
    -out csr.pem
openssl req -in csr.pem -outform DER -out csr.der
cp csr.der csr-badsig.der
n=$(stat -c %s csr-badsig.der)
printf '\x01' | dd of=csr-badsig.der bs=1 seek=$((n - 8)) conv=notrunc 2>/dev/null
# make sure the byte really changed (xor-like: pick another value if it was 0x01)
cmp -s csr.der csr-badsig.der && printf '\x02' | dd of=csr-badsig.der bs=1 seek=$((n - 8)) conv=notrunc 2>/dev/null
{ cat csr.der; printf '\0'; } >csr-trailing.der

sign csr.pem ca issued.pem
openssl crl2pkcs7 -nocrl -certfile issued.pem -certfile ca.pem -outform DER -out issued.p7b
openssl crl2pkcs7 -nocrl -certfile issued.pem -certfile ca.pem -out issued-p7.pem
openssl crl2pkcs7 -nocrl -certfile ca.pem -outform DER -out cacerts.p7b
cat issued.pem ca.pem >chain-good.pem
cp issued.pem chain-leaf-only.pem

ec "$TMP/other.key"
openssl req -new -key "$TMP/other.key" -subj "$SUBJ" -out "$TMP/other.csr"
sign "$TMP/other.csr" ca "$TMP/wrong-key.pem"
cat "$TMP/wrong-key.pem" ca.pem >chain-wrong-key.pem

openssl req -new -key app.key -subj "/CN=someone-else.example.test/O=ferry test vectors" \
    -out "$TMP/other-subj.csr"
sign "$TMP/other-subj.csr" ca "$TMP/other-subj.pem"
cat "$TMP/other-subj.pem" ca.pem >chain-other-subject.pem

sign csr.pem other-ca "$TMP/other-ca-leaf.pem"
cat "$TMP/other-ca-leaf.pem" ca.pem >chain-other-ca.pem

# fuzz seeds
cp csr.pem csr.der csr-badsig.der csr-trailing.der "$CORPUS/pkcs10/"
cp issued.p7b issued-p7.pem cacerts.p7b chain-good.pem chain-other-ca.pem "$CORPUS/pkcs7/"
echo "x509 vectors written to $HERE"
