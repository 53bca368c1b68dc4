#!/bin/sh
# Seeds the command-line fuzz corpus (tests/fuzz/corpus/args): command lines from the README,
# words separated by NUL bytes as tests/fuzz/fuzz_args.c reads them.
# Run from anywhere: sh tests/vectors/args/mkvectors.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
corpus=$here/../../fuzz/corpus/args
rm -rf "$corpus"
mkdir -p "$corpus"
n=0
seed() {
    n=$((n + 1))
    printf '%s\0' "$@" | head -c -1 > "$corpus/$(printf 'seed-%02d' "$n")"
}
seed CONTOSO-RMSRenewalRequest.xml --to usb
seed CONTOSO-RMSRenewalRequest.xml --to usb:/media/stick --runbook out.pdf --json
seed --from usb:/media/stick --service https://127.0.0.1:8443/enrollment/enrollservice.asmx
seed --from images:/tmp/scans --root /usr/share/ferry/gte.pem -v
seed --to pdf:out.pdf --qr-version 25 --qr-ecc M --parity 43
seed --to screen --fps 2.5 --qr-ecc L
seed --to html:anim.html --fps=7 --home=/var/lib/ferry
seed --from camera:/dev/video0 -q
seed --from camera -vq -- -not-an-option
seed --to png:frames --parity '' --qr-version 41
seed --home
seed -x --unknown --to
seed --help
seed a b c d
