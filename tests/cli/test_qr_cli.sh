#!/usr/bin/env bash
# QR media at the command line: lost frames (seeded; FERRY_SEED=N replays a run), too many lost
# (exit 4 naming the missing frames as they are numbered on the labels and file names), frames
# of another transfer mixed into the folder (refused, never mixed in), no camera, HTML and
# terminal output, and the QR flags (accepted; invalid values exit 2 and change nothing).
# Every check runs; the failures are listed together at the end.
source "$(dirname "$0")/lib.sh"

SEED=${FERRY_SEED:-$(( $(date +%s) % 100000 ))}
echo "seed $SEED (rerun with FERRY_SEED=$SEED)" >&2
FAILED=()
check() { echo "CHECK FAILED: $*" >&2; FAILED+=("$*"); }

V=$FERRY_VECTORS/rms
for i in 1 2 3; do
  src=(req-plain.xml req-crlf.xml req-nonascii.xml)
  cp "$V/${src[$((i - 1))]}" "$SRV/SRV0${i}RenewalRequest.xml"
done
start_enrolld
init_and_pair

QRF=(--qr-version 10 --qr-ecc M) # ~20 frames for a request: room to lose some
# frames_of DIR: sets N (all frames) and K (data frames) from DIR/README.txt.
frames_of() {
  N=$(grep -Eo '[0-9]+ frames\.' "$1/README.txt" | grep -Eo '[0-9]+')
  K=$(grep -Eo 'any [0-9]+ distinct' "$1/README.txt" | grep -Eo '[0-9]+')
  [ -n "$N" ] && [ -n "$K" ] || fail "cannot read N and K from $1/README.txt"
}
# pick SEED COUNT DIR: COUNT frame files of DIR chosen by SEED, one per line.
pick() {
  ls "$3"/frame-*.png | awk -v seed="$1" 'BEGIN {srand(seed)} {print rand() "\t" $0}' \
    | sort -k1,1 | head -n "$2" | cut -f2
}
# recipe FRAMES.TXT OUT: the README's recovery without ferry (format version 2): the data frames
# of the first transfer in FRAMES.TXT, in index order, Base32-decoded and inflated into OUT.
recipe() {
  local s
  s=$(grep -m1 -Eo '^[FG][A-Z2-7]{7}' "$1") || return 1
  grep "^$s" "$1" | awk '{ w = substr($0, 1, 1) == "G" ? 4 : 2;
      k = substr($0, 9, w); i = substr($0, 9 + w, w);
      if (i < k) print i, substr($0, 9 + 2 * w) }' | sort -u -k1,1 \
      | while read -r i d; do n=$(( (8 - ${#d} % 8) % 8 ));
          printf '%s%.*s\n' "$d" $n '======'; done | base32 -d >"$2.z" \
    && python3 -c 'import sys,zlib;sys.stdout.buffer.write(zlib.decompress(sys.stdin.buffer.read()))' \
      <"$2.z" >"$2"
}
submit_images() { # submit --json goes to $T/submit-<dir>.json
  on submit --from "images:$1" --to "png:$T/answer-$(basename "$1")" --service "$URL" \
    --root "$ROOT" --json >"$T/submit-$(basename "$1").json"
}
# carried REQ DIR: submit says it carried REQ byte-exact, and the service got what it posted.
carried() {
  [ "$(json_sha request_sha256 "$T/submit-$2.json")" = "$(sha256 "$1")" ] &&
    [ "$(last_received)" = "$(json_sha posted_sha256 "$T/submit-$2.json")" ]
}

step "export three requests as PNG frames (--qr-version 10 --qr-ecc M)"
for i in 1 2 3; do
  expect_exit 0 off export "$SRV/SRV0${i}RenewalRequest.xml" --to "png:$T/req$i" "${QRF[@]}"
done
frames_of "$T/req1"
echo "request 1: $N frames, any $K rebuild it" >&2
[ "$K" -ge 8 ] && [ "$N" -ge $((K + K / 2)) ] || fail "want >= 8 data frames, 50% parity: $N/$K"

step "too many frames lost: exit 4, the missing data frames named as on the labels"
mkdir "$T/toofew"
cp "$T"/req1/frame-*.png "$T/toofew/"
pick "$SEED" $((N - K + 1)) "$T/toofew" | xargs rm -f
expect_exit 4 submit_images "$T/toofew"
[ -s "$SVC/received.log" ] && check "an incomplete sequence reached the service"
grep -q "$((K - 1)) of $K" <<<"$ERR" || check "no '$((K - 1)) of $K' in: $ERR"
want=$(for n in $(seq 1 "$K"); do
         f=$(printf '%s/toofew/frame-%03d.png' "$T" "$n"); [ -e "$f" ] || echo "$n"; done)
got=$(grep -o 'missing data frames [0-9, .]*' <<<"$ERR" | sed 's/missing data frames //' \
      | tr -c '0-9\n' '\n' | grep -v '^$' || true)
[ "$(sort -n <<<"$got")" = "$(sort -n <<<"$want")" ] \
  || check "missing frames listed: $(echo $got); deleted data frames (frame-NNN.png): $(echo $want)"

step "30% of the frames lost (seed $SEED): still rebuilt byte-exact and submitted"
mkdir "$T/lossy"
cp "$T"/req1/frame-*.png "$T/lossy/"
pick "$SEED" $((N * 3 / 10)) "$T/lossy" | xargs rm -f
echo "kept: $(cd "$T/lossy" && echo frame-*.png)" >&2
rc=0
ERR=$(submit_images "$T/lossy" 2>&1) || rc=$?
[ $rc -eq 0 ] || check "30% lost: exit $rc: $ERR"
carried "$SRV/SRV01RenewalRequest.xml" lossy \
  || check "30% lost: the service did not receive request 1 byte-exact"
grep -q "$K of $K" <<<"$ERR" || check "30% lost: progress did not reach $K of $K: $ERR"

step "frames of another transfer among ours: refused, never mixed in"
frames_of "$T/req2"
mkdir "$T/mixed"
cp "$T"/req2/frame-*.png "$T/mixed/"
for f in "$T"/req1/frame-00[2-6].png; do # sort just after ours: frame-002b.png ...
  b=$(basename "$f" .png); cp "$f" "$T/mixed/${b}b.png"
done
rm -f "$T"/mixed/frame-01[0-2].png # lose three of ours, so the foreign ones are all read
rc=0
ERR=$(submit_images "$T/mixed" 2>&1) || rc=$?
[ $rc -eq 0 ] || check "mixed folder: exit $rc: $ERR"
carried "$SRV/SRV02RenewalRequest.xml" mixed \
  || check "mixed folder: the service did not receive request 2 byte-exact"
[ "$(grep -c 'foreign session, refused' <<<"$ERR")" -ge 4 ] \
  || check "mixed folder: the foreign frames were not reported as refused: $ERR"

step "a few stray frames of another transfer sorting first must not hide a whole transfer"
mkdir "$T/strayfirst"
cp "$T"/req3/frame-*.png "$T/strayfirst/"
for f in "$T"/req1/frame-00[1-3].png; do cp "$f" "$T/strayfirst/0-$(basename "$f")"; done
rc=0
ERR=$(submit_images "$T/strayfirst" 2>&1) || rc=$?
if [ $rc -eq 0 ]; then
  carried "$SRV/SRV03RenewalRequest.xml" strayfirst \
    || check "stray frames first: the service did not receive request 3 byte-exact"
else
  check "stray frames first: exit $rc, the complete transfer in the folder was refused: \
$(tail -n1 <<<"$ERR")"
fi

step "a forged frame (valid header, wrong data) sorting first: left out, named, rebuilt anyway"
mkdir "$T/forged"
cp "$T"/req1/frame-*.png "$T/forged/"
t=$(zbarqr "$T/req1/frame-002.png") || fail "cannot read frame-002.png"
[ "${t:21:1}" = A ] && c=B || c=A
qrencode -v 10 -l M -s 6 -o "$T/forged/0-forged.png" "${t:0:21}$c${t:22}" \
  || fail "qrencode failed"
[ "$(zbarqr "$T/forged/0-forged.png")" = "${t:0:21}$c${t:22}" ] \
  || fail "the forged code does not read back"
rm -f "$T/forged/frame-002.png" # only the forgery stands for frame 2
rc=0
ERR=$(on submit --from "images:$T/forged" --to "png:$T/answer-forged" --service "$URL" \
  --root "$ROOT" --again --json 2>&1 >"$T/submit-forged.json") || rc=$?
[ $rc -eq 0 ] || check "forged frame first: exit $rc: $(tail -n2 <<<"$ERR")"
carried "$SRV/SRV01RenewalRequest.xml" forged \
  || check "forged frame first: the service did not receive request 1 as carried"
grep -q "frame 2 (session ${t:1:7}) disagrees with the rebuilt data" <<<"$ERR" \
  || check "forged frame first: the forged frame 2 is not named: $ERR"

step "no camera: exit 4 (input absent) naming the device; not a camera: exit 3"
expect_exit 4 on submit --from camera:/dev/video9 --to "png:$T/x" --service "$URL" --root "$ROOT"
grep -q '/dev/video9' <<<"$ERR" && grep -q 'images:' <<<"$ERR" \
  || check "no-camera message does not name the device and the images alternative: $ERR"
expect_exit 3 timeout 30 "$FERRY_ONLINE" submit --home "$ON_HOME" --from camera:/dev/null \
  --to "png:$T/x" --service "$URL" --root "$ROOT"
grep -q '/dev/null' <<<"$ERR" || check "not-a-camera message does not name the device: $ERR"
expect_exit 4 submit_images "$T/no-such-folder"
mkdir "$T/nocodes"
cp "$FERRY_SRC/tests/vectors/rms/FORMAT.md" "$T/nocodes/notes.md"
convert -size 320x240 xc:white "$T/nocodes/blank.png"
expect_exit 4 submit_images "$T/nocodes"
grep -qi 'no ferry QR code' <<<"$ERR" || check "no-code folder message: $ERR"

step "export --to html: one self-contained file whose codes rebuild the package"
before=$(ls "$OFF_HOME/packages")
expect_exit 0 off export "$SRV/SRV01RenewalRequest.xml" --to "html:$T/req.html" --fps 10
ID=$(comm -13 <(echo "$before") <(ls "$OFF_HOME/packages") | head -n1)
[ -n "$ID" ] || fail "html export kept no package copy"
grep -Eq '(src|href)=' "$T/req.html" && check "HTML is not self-contained (src/href found)"
grep -Eq 'https?://[^"]*' <(grep -v 'xmlns="http://www.w3.org/2000/svg"' "$T/req.html") \
  && check "HTML references a URL"
grep -q 'fps=10' "$T/req.html" || check "--fps 10 not in the HTML"
mkdir "$T/html-frames"
# Each frame's SVG path (rows of "MX Yh W v1h-W z" runs) drawn module by module into a PGM:
# ImageMagick's own SVG renderer fills paths of thousands of runs wrongly (3/4 black), so it
# cannot stand in for the browser here.
python3 - "$T/req.html" "$T/html-frames" <<'EOF' || fail "cannot extract the HTML frames"
import json, re, sys
h = open(sys.argv[1]).read()
m = re.search(r'var F=\[\n(.*?)\];\nvar S=\[([0-9,]*)\]', h, re.S)
K = int(re.search(r'var K=([0-9]+)', h).group(1))
frames = json.loads('[' + m.group(1) + ']')
S = [int(x) for x in m.group(2).split(',')]
# the animation: all K data frames, then every parity frame one block allows (255 - K), each
# once, before anything repeats
if len(frames) != 255 or S != list(range(255)) or K >= 128:
    sys.exit('HTML animation: %d frames, K %d, order %s...: want 255 distinct, data first'
             % (len(frames), K, S[:8]))
Q = 4  # the quiet zone the page draws around each code (QR needs 4 modules)
for i, (side, d) in enumerate(frames):
    g = [[255] * (side + 2 * Q) for _ in range(side + 2 * Q)]
    runs = re.findall(r'M(\d+) (\d+)h(\d+)v1h-\d+z', d)
    if len(runs) != d.count('M'):
        sys.exit('frame %d: path data not in runs' % i)
    for x, y, w in ((int(a), int(b), int(c)) for a, b, c in runs):
        g[y + Q][x + Q:x + Q + w] = [0] * w
    side += 2 * Q
    with open('%s/f%03d.pgm' % (sys.argv[2], i), 'wb') as f:
        f.write(b'P5 %d %d 255\n' % (side * 4, side * 4))
        for row in g:
            f.write(bytes(v for v in row for _ in range(4)) * 4)
EOF
for f in "$T"/html-frames/*.pgm; do zbar2 "$f"; done >"$T/html-frames.txt" || true
[ "$(sort -u "$T/html-frames.txt" | wc -l)" -eq 255 ] \
  || check "the 255 HTML frames do not read back as 255 distinct codes"
recipe "$T/html-frames.txt" "$T/html.ferry" || check "the HTML codes do not rebuild a zlib message"
cmp -s "$T/html.ferry" "$OFF_HOME/packages/$ID" || check "the HTML codes do not rebuild the package"

step "export --to screen, not a terminal: every frame printed once as half-block rows"
rc=0
"$FERRY_OFFLINE" export "$SRV/SRV01RenewalRequest.xml" --home "$OFF_HOME" --to screen \
  "${QRF[@]}" </dev/null >"$T/screen.txt" 2>"$T/screen.err" || rc=$?
[ $rc -eq 0 ] || check "--to screen: exit $rc: $(cat "$T/screen.err")"
shown=$(grep -c '^frame [0-9]* of [0-9]*' "$T/screen.txt" || true)
total=$(grep -o '^frame [0-9]* of [0-9]*' "$T/screen.txt" | awk 'NR == 1 {print $4}') # no head: SIGPIPE
[ -n "$total" ] && [ "$shown" -eq "$total" ] || check "--to screen showed $shown frames of $total"
[ "$(grep -o '^frame [0-9]*' "$T/screen.txt" | sort -u | wc -l)" = "$shown" ] \
  || check "--to screen showed a frame twice"
grep -q $'\xe2\x96\x80\|\xe2\x96\x84' "$T/screen.txt" || check "--to screen: no half-block rows"
# colours (SGR, ESC[...m) are kept on purpose: light-on-dark codes whatever the terminal theme;
# cursor moves and screen clears are for terminals only
grep -qE $'\x1b\\[[0-9;?]*[A-Za-ln-z]' "$T/screen.txt" \
  && check "--to screen: cursor or clear escape codes written to a non-terminal"

step "QR flags: valid values accepted and applied"
expect_exit 0 off export "$SRV/SRV02RenewalRequest.xml" --to "png:$T/flags" --qr-version 12 \
  --qr-ecc Q --parity 100 --fps 10
frames_of "$T/flags"
[ "$N" -eq $((2 * K)) ] || check "--parity 100: $N frames for $K data frames"
w=$(python3 -c 'import struct,sys;d=open(sys.argv[1],"rb").read(24);print(struct.unpack(">I",d[16:20])[0])' \
    "$T/flags/frame-001.png")
[ $(( w % (17 + 4 * 12 + 8) )) -eq 0 ] || check "--qr-version 12: frame is $w px wide"
zbarqr "$T/flags/frame-001.png" >/dev/null || check "--qr-version 12 unreadable"

step "QR flags: invalid values exit 2 and change nothing"
before=$(state_digest "$OFF_HOME")
bad=(--qr-version=0 --qr-version=41 --qr-version=abc --qr-version=10x --qr-version=
     --qr-ecc=X --qr-ecc=LM --qr-ecc= --parity=-1 --parity=301 --parity=x --parity=
     --fps=0 --fps=61 --fps=0.1 --fps=x --fps=nan --fps=inf --fps=)
for b in "${bad[@]}"; do
  opt=${b%%=*}; val=${b#*=}
  expect_exit 2 off export "$SRV/SRV01RenewalRequest.xml" --to "png:$T/bad" "$opt" "$val"
  grep -q -- "$opt" <<<"$ERR" || check "$opt '$val': message does not name the flag: $ERR"
  [ -e "$T/bad" ] && { check "$opt '$val': frames written"; rm -rf "$T/bad"; }
done
[ "$(state_digest "$OFF_HOME")" = "$before" ] || check "a refused export changed the state"
expect_exit 2 on submit --from "images:$T/req1" --to "png:$T/bad" --qr-version 41 \
  --service "$URL" --root "$ROOT"

if [ ${#FAILED[@]} -gt 0 ]; then
  printf 'FAIL: %s\n' "${FAILED[@]}" >&2
  exit 1
fi
echo "QR CLI checks ok (seed $SEED)"
