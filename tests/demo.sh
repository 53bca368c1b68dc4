#!/usr/bin/env bash
# The main job, end to end on one machine: two FERRY_HOMEs stand for the two machines, a
# directory stands for the USB stick, and ferry-enrolld on 127.0.0.1 stands for the enrollment
# service. Usage: tests/demo.sh BUILD_DIR
BUILD=$(cd "${1:?usage: demo.sh BUILD_DIR}" && pwd)
source "$(dirname "$0")/cli/lib.sh"

show() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
runoff() { show "ferry-offline $*"; off "$@"; }
runon() { show "ferry-online $*"; on "$@"; }

cp "$FERRY_VECTORS/rms/req-plain.xml" "$SRV/SRV01RenewalRequest.xml"
step "the stand-in enrollment service (HTTPS on 127.0.0.1, its own CA)"
start_enrolld --lifetime-days 365
echo "service: $URL"
echo "anchor:  $ROOT"

step "1. each machine gets its identity; they pair over the stick"
runoff init --name "RMS server (offline)"
runon init --name "connected workstation"
runon pair --to "usb:$STICK"
runoff pair --from "usb:$STICK" --yes
runoff pair --to "usb:$STICK"
runon pair --from "usb:$STICK" --yes

step "2. offline: export the renewal request onto the stick, with its runbook"
runoff export "$SRV/SRV01RenewalRequest.xml" --to "usb:$STICK" --runbook "$T/runbook.txt"
ls -l "$STICK/FERRY"

step "3. online: check the trust store, submit, package the answer"
runon check-root --root "$ROOT" || true
runon submit --from "usb:$STICK" --service "$URL" --root "$ROOT" \
  --drm-root "$(cat "$SVC/drm-root.sha256")" | tee "$T/submit.out"

step "4. offline: import the certificate and read its new expiry"
runoff import --from "usb:$STICK"
runoff status
runoff expiry "$SRV/SRV01SLC.xml"

# submit printed the SHA-256 of the file it carried and of the bytes it posted (the file wrapped
# in the WSDL's SOAP envelope): the service received exactly those bytes
hex() { tr -d ' ' | tr 'A-F' 'a-f'; }
carried=$(sed -n 's/^request: *SHA-256 \([0-9A-F ]*\) (.*/\1/p' "$T/submit.out" | hex)
posted=$(sed -n 's/^posted: *SHA-256 \([0-9A-F ]*\) (.*/\1/p' "$T/submit.out" | hex)
want=$(sha256 "$SRV/SRV01RenewalRequest.xml")
[ "$carried" = "$want" ] || fail "submit carried other bytes than were exported"
[ "$(last_received)" = "$posted" ] || fail "the service received other bytes than submit posted"
printf '\n\033[1mdone:\033[0m the request travelled byte-exact (SHA-256 %s);\n' "$want"
printf 'the service received the SOAP request built from it (SHA-256 %s)\n' "$posted"
