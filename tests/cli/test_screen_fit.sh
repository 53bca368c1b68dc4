#!/usr/bin/env bash
# `--to screen` in a real terminal (tmux): the largest QR version that fits the window is shown
# and said, and the code on screen decodes (the captured pane rendered as an image for zbarimg);
# a window too small is refused before anything is animated, with the size needed; a resize
# below that size is said on the status line.
source "$(dirname "$0")/lib.sh"

command -v tmux >/dev/null || { echo "SKIP: tmux missing (./ferry-dev deps installs it)"; exit 77; }
SOCK=ferry-test-$$
TMUX_CONF=$T/tmux.conf
printf 'set -g status off\n' >"$TMUX_CONF" # the whole window is the pane
unset TMUX
# shellcheck disable=SC2317
tmux_cleanup() {
  local rc=$?
  tmux -L "$SOCK" kill-server 2>/dev/null || true
  (exit $rc)
  cleanup
}
trap tmux_cleanup EXIT

cp "$FERRY_VECTORS/rms/req-nonascii.xml" "$SRV/r.xml"
init_and_pair

# screen NAME W H ARGS...: runs `export --to screen ARGS` in a W x H tmux window (stderr to
# $T/NAME.err, exit code to $T/NAME.rc); the window stays after it exits.
screen() {
  local name=$1 w=$2 h=$3
  shift 3
  tmux -L "$SOCK" -f "$TMUX_CONF" new-session -d -s "$name" -x "$w" -y "$h" \
    "'$FERRY_OFFLINE' export --home '$OFF_HOME' '$SRV/r.xml' --to screen $* 2>'$T/$name.err'; echo \$? >'$T/$name.rc'; sleep 600"
}

# pane NAME: the window's text now
pane() { tmux -L "$SOCK" capture-pane -p -t "$1"; }

# wait_for NAME PATTERN: until the pane shows PATTERN (30 s at most)
wait_for() {
  local i
  for i in $(seq 1 300); do
    grep -q "$2" <<<"$(pane "$1")" && return 0
    sleep 0.1
  done
  fail "$1: the pane never showed '$2': $(pane "$1" | tail -n 3) $(cat "$T/$1.err" 2>/dev/null)"
}

# wait_rc NAME: the exit code once the command ended (30 s at most)
wait_rc() {
  local i
  for i in $(seq 1 300); do
    [ -s "$T/$1.rc" ] && { cat "$T/$1.rc"; return 0; }
    sleep 0.1
  done
  fail "$1: still running"
}

# decodes NAME: pauses the animation, renders the pane as an image and decodes it with zbarimg
decodes() {
  tmux -L "$SOCK" send-keys -t "$1" ' '
  wait_for "$1" '(paused)'
  pane "$1" >"$T/$1.pane"
  python3 "$FERRY_SRC/tests/cli/pane2pgm.py" "$T/$1.pane" "$T/$1.pgm" 4
  zbarimg --nodbus --raw -q -Sdisable -Sqrcode.enable "$T/$1.pgm" >"$T/$1.txt" ||
    fail "$1: zbarimg reads no code off the pane: $(tail -n 2 "$T/$1.pane")"
  grep -qE '^F[A-Z2-7]{7}' "$T/$1.txt" || fail "$1: not a ferry frame: $(cat "$T/$1.txt")"
  echo "$1: $(cut -c1-12 "$T/$1.txt")... decoded off the pane" >&2
}

# fits NAME W H VERSION: the window W x H shows version VERSION-L, says so, and decodes
fits() {
  local name=$1 side=$((17 + 4 * $4 + 8))
  screen "$name" "$2" "$3"
  wait_for "$name" "QR $4-L"
  grep -q "the terminal is $2x$3 characters: showing QR version $4-L ($side""x$(((side + 1) / 2 + 1)) characters), the largest that fits" \
    "$T/$name.err" || fail "$name: not said: $(cat "$T/$name.err")"
  [ "$(pane "$name" | grep -c '[▀▄█]')" -eq $(((side + 1) / 2)) ] || fail "$name: the code is not whole"
  decodes "$name"
  tmux -L "$SOCK" send-keys -t "$name" q
  [ "$(wait_rc "$name")" = 0 ] || fail "$name: exit $(cat "$T/$name.rc"): $(cat "$T/$name.err")"
}

step "200x60: version 23 (117 modules, 59 rows and the status line) decodes"
fits big 200 60 23

step "120x40: version 13 (77 modules) decodes"
fits small 120 40 13

step "a version given that does not fit is refused before anything is drawn"
screen given 120 40 --qr-version 25
[ "$(wait_rc given)" = 2 ] || fail "given: exit $(cat "$T/given.rc")"
grep -q "the terminal is 120x40 characters; QR version 25 needs 125x64: .*--qr-version 13" \
  "$T/given.err" || fail "given: $(cat "$T/given.err")"
grep -q '[▀▄█]' <<<"$(pane given)" && fail "given: a code was drawn before the refusal"

step "a window too small for any version is refused, with the size needed"
screen tiny 30 12
[ "$(wait_rc tiny)" = 2 ] || fail "tiny: exit $(cat "$T/tiny.rc")"
grep -q "the terminal is 30x12 characters; the smallest QR code .* needs 29x16" "$T/tiny.err" ||
  fail "tiny: $(cat "$T/tiny.err")"

step "shrunk while it runs: the status line says so; enlarged again: the code is back"
screen resize 120 40
wait_for resize "QR 13-L"
tmux -L "$SOCK" resize-window -t resize -x 60 -y 20
wait_for resize "window too small: 60x20 characters, the codes need 77x40"
grep -q '[▀▄█]' <<<"$(pane resize)" && fail "resize: a cut code is still drawn"
tmux -L "$SOCK" resize-window -t resize -x 120 -y 40
wait_for resize "QR 13-L"
decodes resize
tmux -L "$SOCK" send-keys -t resize q
[ "$(wait_rc resize)" = 0 ] || fail "resize: exit $(cat "$T/resize.rc")"
echo "screen fit ok"
