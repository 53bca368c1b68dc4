#!/bin/sh
# Regenerates the check-root test vectors (run from anywhere; writes beside this script).
# Keys are thrown away: only the certificates matter. Dates are fixed so that the tests can pin
# "now" around them:
#   lookalike.pem   same subject DN as the GTE CyberTrust Global Root, a new RSA key (1998-2030)
#   other-a.pem     "ferry test root A", 2000-01-01 .. 2050-01-01
#   other-b.pem     "ferry test root B", 2000-01-01 .. 2050-01-01 (also other-b.der, DER)
#   expired.pem     "ferry test expired root", 2000-01-01 .. 2010-01-01
#   garbage.pem     not a certificate
#   fingerprints.txt  SHA-256 of each, as `openssl x509 -fingerprint -sha256` prints it
set -eu
cd "$(dirname "$0")"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

cat > "$T/ca.cnf" <<'CNF'
[ca]
default_ca = d
[d]
dir = .
database = $ENV::T/index.txt
new_certs_dir = $ENV::T
serial = $ENV::T/serial
default_md = sha256
policy = p
unique_subject = no
copy_extensions = none
[p]
countryName = optional
organizationName = optional
organizationalUnitName = optional
commonName = supplied
[v3]
basicConstraints = critical,CA:true
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
CNF
export T

# selfsign NAME SUBJECT START END
selfsign() {
    : > "$T/index.txt"
    openssl rand -hex 8 > "$T/serial"
    openssl req -new -newkey rsa:2048 -nodes -keyout "$T/$1.key" -subj "$2" \
        -out "$T/$1.csr" 2>/dev/null
    openssl ca -batch -config "$T/ca.cnf" -selfsign -keyfile "$T/$1.key" -in "$T/$1.csr" \
        -startdate "$3" -enddate "$4" -extensions v3 -notext -out "$T/$1.pem" 2>/dev/null
    openssl x509 -in "$T/$1.pem" -out "$1.pem"
}

selfsign lookalike "/C=US/O=GTE Corporation/OU=GTE CyberTrust Solutions, Inc./CN=GTE CyberTrust Global Root" \
    19980813000000Z 20300101000000Z
selfsign other-a "/CN=ferry test root A" 20000101000000Z 20500101000000Z
selfsign other-b "/CN=ferry test root B" 20000101000000Z 20500101000000Z
selfsign expired "/CN=ferry test expired root" 20000101000000Z 20100101000000Z
openssl x509 -in other-b.pem -outform DER -out other-b.der
printf 'this is not a certificate\n-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n' \
    > garbage.pem
for f in lookalike other-a other-b expired; do
    printf '%s %s\n' "$f" "$(openssl x509 -in $f.pem -noout -fingerprint -sha256 | cut -d= -f2)"
done > fingerprints.txt
