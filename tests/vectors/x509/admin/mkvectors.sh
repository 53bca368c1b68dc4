#!/usr/bin/env bash
# Certificates and keys as administrators keep them, made by the real tools: `openssl ca` (the
# text dump before the PEM block) and easy-rsa 3 (Debian package easy-rsa, which runs `openssl ca`
# with its own profiles), plus bundles, DER and key variants. Throw-away test CAs made here.
#   usage: tests/vectors/x509/admin/mkvectors.sh      (needs openssl and easy-rsa)
#
#   ca-text.crt        `openssl ca -out`: "Certificate:\n    Data: ..." text, then the PEM block
#                      (RSA 2048 key: ca-text.key, traditional "RSA PRIVATE KEY" PEM)
#   ca-notext.crt      the same certificate, `openssl ca -notext` (PEM only)
#   ca-root.pem        the openssl-ca root
#   bundle.pem         ca-text.crt's PEM, then ca-root.pem (leaf first, as servers load them)
#   bundle-ca-first.pem ca-root.pem, then the leaf (some tools write them so)
#   leaf.der           the leaf in DER
#   easyrsa.crt        easy-rsa `build-server-full app01 nopass` (EC P-256), as pki/issued/ writes it
#   easyrsa.key        its key (PKCS#8 PEM, pki/private/)
#   easyrsa-ca.crt     the easy-rsa CA
#   key-params.pem     ca-text.key's twin for the EC leaf: "EC PARAMETERS" block, then the key
#                      (`openssl ecparam -genkey` output), for ec-text.crt
#   ec-text.crt        an EC certificate from `openssl ca` (text + PEM) for key-params.pem
#   key.der            ca-text.key in DER (PKCS#8)
#   combined.pem       key and certificate in one file (haproxy habit): key first, then leaf
set -euo pipefail
export LC_ALL=C
HERE=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cd "$TMP"
DAYS=7300

# --- openssl ca, the way its manual sets it up
mkdir -p demoCA/newcerts
: >demoCA/index.txt
echo 1000 >demoCA/serial
cat >ca.cnf <<CNF
[ ca ]
default_ca = CA_default
[ CA_default ]
dir = ./demoCA
database = \$dir/index.txt
new_certs_dir = \$dir/newcerts
serial = \$dir/serial
certificate = ./root.pem
private_key = ./root.key
default_md = sha256
policy = policy_any
copy_extensions = copy
unique_subject = no
[ policy_any ]
countryName = optional
organizationName = optional
commonName = supplied
[ server ]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid,issuer
CNF
openssl req -x509 -newkey rsa:2048 -nodes -keyout root.key -days $DAYS \
    -subj "/C=DE/O=ferry test vectors/CN=openssl-ca root" -out root.pem 2>/dev/null
openssl genrsa -traditional -out leaf.key 2048 2>/dev/null
openssl req -new -key leaf.key -subj "/C=DE/O=Example/CN=app01.example.org" \
    -addext "subjectAltName=DNS:app01.example.org,IP:192.0.2.10" -out leaf.csr
openssl ca -batch -config ca.cnf -extensions server -days $DAYS -in leaf.csr -out leaf.crt 2>/dev/null
openssl x509 -in leaf.crt -out leaf-notext.crt
openssl ecparam -name prime256v1 -genkey -out ec.key
openssl req -new -key ec.key -subj "/C=DE/O=Example/CN=app02.example.org" \
    -addext "subjectAltName=DNS:app02.example.org" -out ec.csr
openssl ca -batch -config ca.cnf -extensions server -days $DAYS -in ec.csr -out ec.crt 2>/dev/null

# --- easy-rsa 3, as its README runs it
EASYRSA=/usr/share/easy-rsa/easyrsa
[ -x "$EASYRSA" ] || { echo "easy-rsa is not installed (apt-get install easy-rsa)" >&2; exit 1; }
export EASYRSA_PKI=$TMP/pki EASYRSA_BATCH=1 EASYRSA_ALGO=ec EASYRSA_CURVE=prime256v1 \
    EASYRSA_CA_EXPIRE=$DAYS EASYRSA_CERT_EXPIRE=$DAYS
"$EASYRSA" init-pki >/dev/null 2>&1
EASYRSA_REQ_CN="ferry test easy-rsa CA" "$EASYRSA" build-ca nopass >/dev/null 2>&1
"$EASYRSA" --subject-alt-name="DNS:app01.example.org,DNS:app01" build-server-full app01 nopass \
    >/dev/null 2>&1

cd "$HERE"
cp "$TMP/leaf.crt" ca-text.crt
cp "$TMP/leaf.key" ca-text.key
cp "$TMP/leaf-notext.crt" ca-notext.crt
cp "$TMP/root.pem" ca-root.pem
cat ca-notext.crt ca-root.pem >bundle.pem
cat ca-root.pem ca-notext.crt >bundle-ca-first.pem
openssl x509 -in ca-notext.crt -outform DER -out leaf.der
openssl pkcs8 -topk8 -nocrypt -in ca-text.key -outform DER -out key.der
cat ca-text.key ca-text.crt >combined.pem
cp "$TMP/ec.key" key-params.pem
cp "$TMP/ec.crt" ec-text.crt
cp "$TMP/pki/issued/app01.crt" easyrsa.crt
cp "$TMP/pki/private/app01.key" easyrsa.key
cp "$TMP/pki/ca.crt" easyrsa-ca.crt
chmod 600 ./*.key key-params.pem combined.pem key.der
CORPUS=$HERE/../../../fuzz/corpus/certfile
mkdir -p "$CORPUS"
cp ca-text.crt ca-notext.crt bundle.pem bundle-ca-first.pem leaf.der combined.pem ec-text.crt \
    easyrsa.crt key-params.pem "$CORPUS/"
echo "vectors written to $HERE (and the certfile fuzz corpus)"
