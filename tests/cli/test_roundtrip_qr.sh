#!/usr/bin/env bash
# The whole RMS renewal round trip over QR codes, on real parts: pairing both ways as PNG frames,
# the request out as PNG frames scanned back from the images and submitted over HTTPS to
# ferry-enrolld on 127.0.0.1, the answer back as a PDF rasterised by `pdftoppm -r 150` (as a
# 150 dpi scanner would) and imported. Byte-exact at every step: each package is also rebuilt
# from the codes with zbarimg and coreutils alone (the recipe of ferry/qrseq.h) and compared with
# the copy each side keeps, then verified with stock `openssl cms -verify`.
source "$(dirname "$0")/lib.sh"

cp "$FERRY_VECTORS/rms/req-plain.xml" "$SRV/SRV01RenewalRequest.xml"
REQ=$SRV/SRV01RenewalRequest.xml
REQ_SHA=$(sha256 "$REQ")

# recover OUT IMAGE...: rebuilds a package from QR images without ferry (the README's recipe
# for format version 2, ferry/qrseq.h); prints the session id the rebuilt message hashes to.
recover() {
  local out=$1 w f s
  shift
  w=$(mktemp -d "$T/recover.XXXXXX")
  for f in "$@"; do zbar2 "$f"; done >"$w/frames.txt" || true
  (
    cd "$w" || exit 1
    s=$(grep -m1 -Eo '^[FG][A-Z2-7]{7}' frames.txt)
    grep "^$s" frames.txt | awk '{ w = substr($0, 1, 1) == "G" ? 4 : 2;
        k = substr($0, 9, w); i = substr($0, 9 + w, w);
        if (i < k) print i, substr($0, 9 + 2 * w) }' | sort -u -k1,1 \
        | while read -r i d; do n=$(( (8 - ${#d} % 8) % 8 ));
            printf '%s%.*s\n' "$d" $n '======'; done | base32 -d > msg.z
  ) || fail "recover: base32 -d failed"
  python3 -c 'import sys,zlib;sys.stdout.buffer.write(zlib.decompress(sys.stdin.buffer.read()))' \
    <"$w/msg.z" >"$out" || fail "recover: zlib inflate failed"
  openssl dgst -sha256 -binary "$w/msg.z" | base32 | cut -c1-7
}

# item MANIFEST KIND OUT: the bytes of the first item of KIND in a verified manifest.
item() {
  xmllint --xpath "string(//*[local-name()='item'][@kind='$2'])" "$1" | base64 -d >"$3"
}
item_attr() {
  xmllint --xpath "string(//*[local-name()='item'][@kind='$2']/@$3)" "$1"
}

# progress_ok STDERR: per-frame progress "r of K" ending with "K of K".
progress_ok() {
  grep -Eq '[0-9]+ of [0-9]+' <<<"$1" || fail "no 'r of K' progress on stderr: $1"
  local last
  last=$(grep -Eo '[0-9]+ of [0-9]+$' <<<"$1" | tail -n1)
  [ -n "$last" ] && [ "${last%% of *}" = "${last##* of }" ] || fail "progress ended at '$last'"
}

start_enrolld --lifetime-days 400
off init --name "rms-offline" >/dev/null
on init --name "rms-online" >/dev/null

step "pair over QR (PNG frames both ways)"
on pair --to "png:$T/pair-online" >/dev/null
ls "$T"/pair-online/frame-*.png >/dev/null || fail "pair --to png wrote no frames"
expect_exit 0 off pair --from "images:$T/pair-online" --yes
expect_exit 0 off pair --to "png:$T/pair-offline"
expect_exit 0 on pair --from "images:$T/pair-offline" --yes
# the identity carried is byte-exact: the online peer's certificate is the offline's identity
grep -rqF "$(sed -n 2p "$OFF_HOME/identity.crt")" "$ON_HOME/peers" \
  || fail "the online side's peer is not the offline identity"
grep -rqF "$(sed -n 2p "$ON_HOME/identity.crt")" "$OFF_HOME/peers" \
  || fail "the offline side's peer is not the online identity"

step "export the request as PNG frames"
off export "$REQ" --to "png:$T/req-frames" --json >"$T/export.json" 2>"$T/export.err" \
  || fail "export --to png failed: $(cat "$T/export.err")"
ID=$(grep -o '"transfer_id":"[0-9a-f]*"' "$T/export.json" | cut -d'"' -f4)
[ -n "$ID" ] || fail "export printed no transfer id: $(cat "$T/export.json")"
[ "$(sha256 "$REQ")" = "$REQ_SHA" ] || fail "export changed the request file"
ls "$STICK"/FERRY 2>/dev/null && fail "export --to png wrote to the stick"
nframes=$(ls "$T"/req-frames/frame-*.png | wc -l)
[ "$nframes" -ge 2 ] || fail "only $nframes frames"
[ -f "$T/req-frames/README.txt" ] || fail "no README.txt beside the frames"
OFF_PKG=$OFF_HOME/packages/$ID.ferry
[ -f "$OFF_PKG" ] || fail "the offline side kept no copy at $OFF_PKG"

step "the PNG frames rebuild the request package byte-exact without ferry"
sess=$(recover "$T/req-recovered.ferry" "$T"/req-frames/frame-*.png)
grep -q "$sess" "$T/req-frames/README.txt" || fail "session $sess not in README.txt"
cmp "$T/req-recovered.ferry" "$OFF_PKG" || fail "frames do not rebuild the exported package"
openssl cms -verify -inform DER -binary -in "$OFF_PKG" -CAfile "$OFF_HOME/identity.crt" \
  -out "$T/manifest-req.xml" 2>/dev/null || fail "openssl cms -verify refused the request package"
item "$T/manifest-req.xml" rms-request "$T/req-item.xml"
cmp "$T/req-item.xml" "$REQ" || fail "the request package does not carry the request byte-exact"

step "the README's recipe, run exactly as printed there, rebuilds and verifies the package"
w=$(mktemp -d "$T/readme.XXXXXX")
cp "$T"/req-frames/frame-*.png "$w/"
cp "$OFF_HOME/identity.crt" "$w/SENDER.crt"
awk '/^### Recovering a package without ferry/ {on = 1; next} on && /^###/ {exit}
     on && /^    / {print substr($0, 5)}' "$FERRY_SRC/README.md" >"$w/recipe.sh"
grep -q 'base32 -d' "$w/recipe.sh" || fail "no recovery recipe found in README.md"
(cd "$w" && bash recipe.sh >recipe.out 2>recipe.err) || true # gzip exits 1, as it says
cmp -s "$w/package.ferry" "$OFF_PKG" || fail "README recipe: package.ferry differs: \
$(cat "$w/recipe.err")"
grep -qx "$sess" "$w/recipe.out" || fail "README recipe: no session id $sess printed"
cmp -s "$w/manifest.xml" "$T/manifest-req.xml" || fail "README recipe: openssl cms -verify failed"

step "submit: scan the PNG frames, answer as a PDF"
rc=0
on submit --from "images:$T/req-frames" --to "pdf:$T/answer.pdf" --service "$URL" \
  --root "$ROOT" --json >"$T/submit.json" 2>"$T/submit.err" || rc=$?
[ $rc -eq 0 ] || fail "submit exit $rc: $(cat "$T/submit.err")"
grep -q '"submitted":1' "$T/submit.json" || fail "submit: $(cat "$T/submit.json")"
progress_ok "$(cat "$T/submit.err")"
grep -Eq 'answer\.pdf: [0-9]+ QR codes on [0-9]+ A4 page\(s\): version [0-9]+-[LMQH], [0-9]+ x [0-9]+ per page, [0-9.]+ mm modules' \
  "$T/submit.err" || fail "submit did not print the paper layout it chose: $(cat "$T/submit.err")"
posted_ok "$T/submit.json" "$REQ" # the bare request in the WSDL's envelope, as submit says
[ "$(wc -l <"$SVC/received.log")" -eq 1 ] || fail "the service got more than one request"
ANS_PKG=$ON_HOME/packages/$ID.answer.ferry
[ -f "$ANS_PKG" ] || fail "the online side kept no answer copy at $ANS_PKG"
pdfinfo "$T/answer.pdf" >"$T/pdfinfo.txt" 2>&1 || fail "pdfinfo refused the answer PDF"
pages=$(awk '/^Pages:/ {print $2}' "$T/pdfinfo.txt")
[ "${pages:-0}" -ge 1 ] || fail "answer PDF has no pages"
grep -Eq 'Page size: +595(\.[0-9]+)? x 841' "$T/pdfinfo.txt" || fail "answer PDF is not A4"

step "rasterise the PDF at 150 dpi (pdftoppm), as a scanner would"
mkdir -p "$T/answer-scan"
pdftoppm -r 150 -png "$T/answer.pdf" "$T/answer-scan/page" || fail "pdftoppm failed"
[ "$(ls "$T"/answer-scan/page-*.png | wc -l)" -eq "$pages" ] || fail "pdftoppm page count"

step "the scanned pages rebuild the answer package byte-exact without ferry"
recover "$T/ans-recovered.ferry" "$T"/answer-scan/page-*.png >/dev/null
cmp "$T/ans-recovered.ferry" "$ANS_PKG" || fail "the PDF does not rebuild the answer package"
openssl cms -verify -inform DER -binary -in "$ANS_PKG" -CAfile "$ON_HOME/identity.crt" \
  -out "$T/manifest-ans.xml" 2>/dev/null || fail "openssl cms -verify refused the answer package"
item "$T/manifest-ans.xml" rms-response "$T/ans-item.xml"
[ "$(sha256 "$T/ans-item.xml")" = "$(item_attr "$T/manifest-ans.xml" rms-response sha256)" ] \
  || fail "answer item does not match its manifest digest"
item "$T/manifest-ans.xml" rms-service-answer "$T/ans-raw.xml"
python3 "$FERRY_SRC/tests/tools/xrml_verify.py" answer "$T/ans-raw.xml" --request "$REQ" \
  --root-fp "$(cat "$SVC/drm-root.sha256")" >"$T/verify.out" 2>&1 ||
  fail "the service's answer carried back does not verify independently: $(cat "$T/verify.out")"

step "import from the rasterised pages"
rc=0
off import --from "images:$T/answer-scan" --json >"$T/import.json" 2>"$T/import.err" || rc=$?
[ $rc -eq 0 ] || fail "import exit $rc: $(cat "$T/import.err")"
grep -q '"imported":1' "$T/import.json" || fail "import: $(cat "$T/import.json")"
progress_ok "$(cat "$T/import.err")"
SLC=$SRV/SRV01SLC.xml
[ -f "$SLC" ] || fail "no $SLC written"
cmp "$SLC" "$T/ans-item.xml" || fail "the SLC written differs from the response document carried"
issued=$(slc_date RANGETIME "$SLC")
printed=$(grep -o '"new_expiry":"[^"]*"' "$T/import.json" | cut -d'"' -f4)
[ -n "$issued" ] && [ "$issued" = "$printed" ] || fail "expiry printed $printed, renewal date $issued"
off status --json | grep -q '"state":"installed"' || fail "transfer not marked installed"

step "the same pages again: nothing new (answered already), exit 4"
expect_exit 4 off import --from "images:$T/answer-scan" --out "$T/again.xml"
grep -q "nothing new on the medium: .*already answered" <<<"$ERR" || fail "again: $ERR"
[ -e "$T/again.xml" ] && fail "a replayed answer was written"
echo "QR round trip ok: $nframes request frames, $pages answer page(s), request $REQ_SHA, \
expiry $printed"
