#!/usr/bin/env bash
# Network faults against ferry-enrolld at the command line (issue 5, item 4): for each fault,
# `ferry-online submit` over the USB round trip fails with the documented exit code and a
# message naming the service, what happened and what to do; the stick and the online state are
# exactly as before, and the request is still submittable (checked on a copy of both).
source "$(dirname "$0")/lib.sh"

cp "$FERRY_VECTORS/rms/req-plain.xml" "$SRV/SRV01RenewalRequest.xml"
init_and_pair
off export "$SRV/SRV01RenewalRequest.xml" --to "usb:$STICK" >/dev/null
ls "$STICK"/FERRY/request-*.ferry >/dev/null || fail "no request package on the stick"

stick_listing() { (cd "$STICK" && find . -type f -print0 | sort -z | xargs -0 sha256sum); }
TIMER=()
[ -x /usr/bin/time ] && TIMER=(/usr/bin/time -f '%M %e' -o "$T/time")

# the request is still submittable: submit a copy of the stick from a copy of the online state
# to the service without a fault
still_submittable() {
  rm -rf "$T/copy" && mkdir "$T/copy"
  cp -a "$ON_HOME" "$T/copy/home" && cp -a "$STICK" "$T/copy/stick"
  start_enrolld
  "$FERRY_ONLINE" submit --home "$T/copy/home" --from "usb:$T/copy/stick" --service "$URL" \
    --root "$ROOT" --json >"$T/copy/submit.json" 2>"$T/copy/err" ||
    fail "$1: the request cannot be submitted afterwards: $(cat "$T/copy/err")"
  stop_enrolld
  grep -q '"submitted":1' "$T/copy/submit.json" || fail "$1: $(cat "$T/copy/submit.json")"
  ls "$T/copy/stick"/FERRY/response-*.ferry >/dev/null 2>&1 || fail "$1: no answer on the copy"
}

# fault | exit code | what happened (ERE) | what to do (ERE) | extra submit flags
CASES=(
  "drip:300|3|did not answer in time, or answered too slowly|submit again later|--timeout 1"
  "reset|3|transfer closed|check the network and submit again later|"
  "redirect-http|3|redirects \(HTTP 302\) to http://127\.0\.0\.1|check the service URL|"
  "redirect-loop|3|to https://127\.0\.0\.1.*does not follow redirects|check the service URL|"
  "content-type:text/html|1|Content-Type is \"text/html\", not text/xml|URL is the service itself|"
  "content-type:application/x-odd|1|Content-Type is \"application/x-odd\"|URL is the service|"
  "gzip-bomb|1|Content-Encoding: gzip; ferry never decompresses|answer uncompressed|"
  "oversize:1073741824|1|answer larger than 4194304 bytes; refused|check the service URL|"
  "oversize-chunked:1073741824|1|answer larger than 4194304 bytes; refused|check the service URL|"
  "wrong-host-cert|1|certificate is not issued for this host name|wrong URL, or someone in between|"
  "expired-cert|1|certificate is outside its validity|check this machine's clock|"
  "tls10-only|1|only a TLS version older than 1\.2|must be upgraded|"
)
n=0
for c in "${CASES[@]}"; do
  IFS='|' read -r fault code what todo extra <<<"$c"
  step "fault $fault"
  listing=$(stick_listing)
  on_before=$(state_digest "$ON_HOME")
  start_enrolld --fault "$fault"
  rc=0
  # shellcheck disable=SC2086 # $extra is a list of flags
  "${TIMER[@]}" "${VG[@]}" "$FERRY_ONLINE" submit --home "$ON_HOME" --from "usb:$STICK" --service "$URL" \
    --root "$ROOT" $extra >"$T/out" 2>"$T/err" || rc=$?
  stop_enrolld
  ERR=$(cat "$T/err")
  [ "$rc" -eq "$code" ] || fail "$fault: exit $rc, want $code: $ERR"
  grep -qF "$URL" <<<"$ERR" || fail "$fault: the message does not name the service: $ERR"
  grep -qE "$what" <<<"$ERR" || fail "$fault: the message does not say /$what/: $ERR"
  grep -qE "$todo" <<<"$ERR" || fail "$fault: the message does not say /$todo/: $ERR"
  grep -q 'submitted:' "$T/out" && fail "$fault: submit printed a result: $(cat "$T/out")"
  [ "$(stick_listing)" = "$listing" ] || fail "$fault: the stick changed"
  [ "$(state_digest "$ON_HOME")" = "$on_before" ] || fail "$fault: the online state changed"
  case $fault in
    oversize*|gzip-bomb) # a 1 GiB answer: stopped at the cap at once, never held in memory
      if [ ${#TIMER[@]} -gt 0 ] && [ ${#VG[@]} -eq 0 ]; then
        read -r rss secs < <(tail -n1 "$T/time")
        echo "$fault: max RSS ${rss} KiB, ${secs} s" >&2
        [ "$rss" -lt 65536 ] || fail "$fault: max RSS $rss KiB: the answer was held in memory"
        awk -v s="$secs" 'BEGIN { exit !(s < 10) }' || fail "$fault: took $secs s"
      fi ;;
  esac
  still_submittable "$fault"
  n=$((n + 1))
done

step "after every fault: the real submit and import still work"
start_enrolld
on submit --from "usb:$STICK" --service "$URL" --root "$ROOT" --json >"$T/submit.json"
stop_enrolld
grep -q '"submitted":1' "$T/submit.json" || fail "final submit: $(cat "$T/submit.json")"
off import --from "usb:$STICK" --json >"$T/import.json"
grep -q '"imported":1' "$T/import.json" || fail "import: $(cat "$T/import.json")"
echo "network faults ok: $n faults, each refused with nothing written"
