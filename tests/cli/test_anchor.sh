#!/bin/bash
# The trust anchor (issue 9, item 2), on a machine whose trust store lacks the service's anchor
# (empty $SSL_CERT_FILE and $SSL_CERT_DIR): submit refuses before contacting the service and
# names check-root --service; check-root --service URL --root FILE (or --pin SHA-256) stores
# the anchor in the online state with an audit entry; submit then completes with no --root;
# an anchor stored for another service, an expired one and a forgotten one are refused with
# nothing received by the service.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# received: how many requests the stand-in got on its RMS endpoint
received() { awk '$2 == "/enrollment/enrollservice.asmx" && $3 != e' e=$EMPTY "$SVC/received.log" 2>/dev/null | wc -l; }
EMPTY=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 # SHA-256 of nothing

mkdir -p "$T/empty-dir"; : >"$T/empty.pem"
export SSL_CERT_FILE=$T/empty.pem SSL_CERT_DIR=$T/empty-dir # this machine's store lacks it
cp "$FERRY_VECTORS/rms/req-plain.xml" "$SRV/SRV01RenewalRequest.xml"
start_enrolld
init_and_pair
off export "$SRV/SRV01RenewalRequest.xml" --to "usb:$STICK" >/dev/null 2>&1
# groups of four, as ferry prints fingerprints
groups() { openssl x509 -in "$1" -noout -fingerprint -sha256 | cut -d= -f2 | tr -d : | sed 's/..../& /g; s/ $//'; }
ROOT_FP=$(groups "$ROOT")

step "no anchor stored, the store lacks the GTE root: check-root says so, submit refuses"
expect_exit 1 on check-root
OUT=$(on check-root 2>&1 || true)
grep -q "verdict:     absent" <<<"$OUT" || fail "check-root: $OUT"
expect_exit 1 on submit --from "usb:$STICK" --service "$URL"
grep -qF "ferry-online check-root --service $URL" <<<"$ERR" || fail "submit does not name check-root: $ERR"
grep -qF "Nothing was sent" <<<"$ERR" || fail "submit: $ERR"
[ "$(received)" = 0 ] || fail "the service received a request: $(cat "$SVC/received.log")"

step "check-root --service without an anchor: not stored, says the pin to keep"
expect_exit 1 on check-root --service "$URL"
OUT=$(on check-root --service "$URL" 2>&1 || true)
grep -qF "chains to it: no" <<<"$OUT" || fail "$OUT"
LEAF_FP=$(grep -m1 "SHA-256: " <<<"$OUT" | sed 's/.*SHA-256: //') # [0], the last one presented
grep -qF "issuer:  CN=ferry-enrolld TLS root" <<<"$OUT" && [ ${#LEAF_FP} = 79 ] || fail "$OUT"
grep -qF "ferry-online check-root --service $URL --pin '$LEAF_FP'" <<<"$OUT" || fail "no pin to keep: $OUT"
[ ! -e "$ON_HOME/anchor.pem" ] || fail "an anchor was stored although the chain is not anchored"

step "--pin: the presented certificate with that SHA-256 is stored"
OUT=$(on check-root --service "$URL" --pin "$LEAF_FP") || fail "check-root --pin: $OUT"
grep -qF "stored:      $ON_HOME/anchor.pem (new)" <<<"$OUT" || fail "not stored: $OUT"
grep -qF "SHA-256 $LEAF_FP, from --pin $LEAF_FP" <<<"$OUT" || fail "$OUT"
expect_exit 1 on check-root --service "$URL" --pin "$(tr 0-9A-F 1-9A-F0 <<<"$LEAF_FP")"

step "--root FILE replaces it: the root it verified up to, and how to undo"
OUT=$(on check-root --service "$URL" --root "$ROOT") || fail "check-root --root: $OUT"
for t in "stored:      $ON_HOME/anchor.pem (replaced the one stored before)" \
  "SHA-256 $ROOT_FP, from --root $ROOT" "submit uses it without --root, as --root $ON_HOME/anchor.pem" \
  "undo:        ferry-online check-root --forget" "verified up to: CN=ferry-enrolld TLS root"; do
  grep -qF -- "$t" <<<"$OUT" || fail "no '$t' in: $OUT"
done
[ "$(groups "$ON_HOME/anchor.pem")" = "$ROOT_FP" ] || fail "anchor.pem is not the root"
sqlite3 "$ON_HOME/ledger.sqlite" "select detail from audit where event = 'anchor'" >"$T/audit"
grep -qF "stored $LEAF_FP for $URL (from --pin" "$T/audit" || fail "audit: $(cat "$T/audit")"
grep -qF "stored $ROOT_FP for $URL (from --root $ROOT); replaced $LEAF_FP" "$T/audit" ||
  fail "audit: $(cat "$T/audit")"
OUT=$(on check-root) || fail "check-root with the stored anchor: $OUT"
grep -qF "looked in:   $ON_HOME/anchor.pem" <<<"$OUT" && grep -q "usable:      yes" <<<"$OUT" || fail "$OUT"
OUT=$(on check-root --service "$URL") || fail "check-root --service, stored anchor: $OUT"
grep -qF "anchor:      $ON_HOME/anchor.pem (stored by check-root)" <<<"$OUT" || fail "$OUT"

step "submit with no --root completes over the stored anchor"
on submit --from "usb:$STICK" --service "$URL" --json >"$T/submit.json" 2>"$T/submit.err" ||
  fail "submit: $(cat "$T/submit.err")"
grep -qF "trust anchor: $ON_HOME/anchor.pem (SHA-256 $ROOT_FP)" "$T/submit.err" || fail "$(cat "$T/submit.err")"
posted_ok "$T/submit.json" "$SRV/SRV01RenewalRequest.xml"
N=$(received)

step "the next request runbook prints the anchor (from the signed answer) and the commands"
off import --from "usb:$STICK" --out "$T/SLC.xml" >/dev/null 2>&1 || fail "import"
grep -qF "sha256: $ROOT_FP" "$OFF_HOME/service-anchor.txt" || fail "not noted: $(cat "$OFF_HOME/service-anchor.txt")"
mkdir -p "$T/old"; mv "$STICK"/FERRY/*.ferry "$T/old/"
off export "$SRV/SRV01RenewalRequest.xml" --to "usb:$STICK" >/dev/null 2>&1
off runbook --text >"$T/rb.txt"
FOLD=$(tr -s ' \n' '  ' <"$T/rb.txt")
grep -qF "Anchor SHA-256: $ROOT_FP" <<<"$FOLD" || fail "runbook lacks the anchor: $(cat "$T/rb.txt")"
grep -qF "Trust anchor: CN=ferry-enrolld TLS root" <<<"$FOLD" || fail "runbook: $(cat "$T/rb.txt")"
grep -A1 'ferry-online submit --from [A-Za-z:]* --to [A-Za-z:]* --service \\$' "$T/rb.txt" |
  grep -qF "$URL" || fail "submit line: $(cat "$T/rb.txt")"
grep -A1 'ferry-online check-root --service \\$' "$T/rb.txt" | grep -qF "$URL" ||
  fail "check-root line: $(cat "$T/rb.txt")"
! grep -q -- "--root" <<<"$(grep -A1 'ferry-online submit' "$T/rb.txt")" || fail "--root on the submit line"
# the value the step lists is in the output of the step's command
OUT=$(on check-root --service "$URL") || fail "$OUT"
grep -qF "SHA-256 $ROOT_FP, from --root $ROOT" <<<"$OUT" && grep -qF "(unchanged)" <<<"$OUT" || fail "$OUT"

step "unusable anchors: another service, expired, forgotten: refused, nothing received"
off export "$SRV/SRV01RenewalRequest.xml" --to "usb:$STICK" >/dev/null 2>&1
OTHER=${URL/127.0.0.1/localhost}
expect_exit 1 on submit --from "usb:$STICK" --service "$OTHER"
grep -qF "is for $URL, not $OTHER" <<<"$ERR" || fail "$ERR"
cp "$ON_HOME/anchor.pem" "$T/anchor.keep"
cp "$FERRY_SRC/online-side/data/gte-cybertrust-global-root.pem" "$ON_HOME/anchor.pem"
printf 'service: %s\n' "$URL" | cat - "$ON_HOME/anchor.pem" >"$T/a" && mv "$T/a" "$ON_HOME/anchor.pem"
expect_exit 1 on submit --from "usb:$STICK" --service "$URL"
grep -qF "expired on 2018-08-13" <<<"$ERR" || fail "$ERR"
cp "$T/anchor.keep" "$ON_HOME/anchor.pem"
OUT=$(on check-root --forget) || fail "forget: $OUT"
grep -qF "removed:     $ON_HOME/anchor.pem (SHA-256 $ROOT_FP" <<<"$OUT" || fail "$OUT"
[ ! -e "$ON_HOME/anchor.pem" ] || fail "still there"
grep -qF "nothing to remove" <<<"$(on check-root --forget)" || fail "forget twice"
expect_exit 1 on submit --from "usb:$STICK" --service "$URL"
grep -qF "check-root --service $URL" <<<"$ERR" || fail "$ERR"
[ "$(received)" = "$N" ] || fail "the service received a refused submission: $(cat "$SVC/received.log")"
expect_exit 2 on check-root --forget --service "$URL"
expect_exit 2 on check-root --pin "$ROOT_FP"
expect_exit 2 on check-root --service "$URL" --pin "$ROOT_FP" --root "$ROOT"
echo ok
