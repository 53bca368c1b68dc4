#!/usr/bin/env bash
# bash completion (completion/ferry.bash): commands, options (read from --help), media kinds,
# fixed choices, files, and ferry-offline's transfer ids from `status --json`. The completion
# function is called as bash would call it, in a plain bash (no bash-completion helpers; with
# them, `_init_completion` only changes how the words are split).
source "$(dirname "$0")/lib.sh"
BIN=$T/bin
mkdir -p "$BIN"
ln -s "$FERRY_OFFLINE" "$BIN/ferry-offline"
ln -s "$FERRY_ONLINE" "$BIN/ferry-online"

# complete WORD... : the completions offered for the last WORD, space-separated
complete_words() {
  PATH="$BIN:$PATH" bash -c '
    source "$0"
    COMP_WORDS=("${@}"); COMP_CWORD=$(( $# - 1 )); COMPREPLY=()
    _ferry "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}" 2>/dev/null
    echo "${COMPREPLY[*]}"' "$FERRY_SRC/completion/ferry.bash" "$@"
}
expect() {
  local want=$1; shift
  local got; got=$(complete_words "$@")
  [ "$got" = "$want" ] || fail "completing '$*': got '$got', want '$want'"
}

expect "init pair request export import status cancel expiry runbook" ferry-offline ""
expect "init pair check-root submit status runbook" ferry-online ""
expect "export expiry" ferry-offline ex
expect "check-root" ferry-online --json ch
expect "--runbook" ferry-offline export req.xml --r
expect "--est-enroll --est-user" ferry-online submit --est
expect "usb usb: png: pdf: html: screen images: camera camera:" ferry-offline export r.xml --to ""
expect "a4 letter" ferry-offline runbook --paper ""
expect "rms est" ferry-online submit --protocol ""
expect "L M Q H" ferry-online pair --to png:x --qr-ecc ""
mkdir -p "$T/sticks/one" "$T/sticks/two"
expect "usb:$T/sticks/one usb:$T/sticks/two" ferry-offline export r.xml --to "usb:$T/sticks/"
expect "$T/sticks/one" ferry-online submit --from usb:x --root "$T/sticks/o"
# a new option in --help is offered without touching the completion script: options come from
# --help. Checked on every option of every command.
for tool in ferry-offline ferry-online; do
  for cmd in $("$BIN/$tool" --help | sed -n '/^commands:/,/^$/s/^  \([a-z-]*\) .*/\1/p'); do
    want=$("$BIN/$tool" "$cmd" --help | sed -n '/^options:/,/^$/p' | grep -oE -- '--[a-z0-9-]+' |
      sort -u | tr '\n' ' ')
    got=$(complete_words "$tool" "$cmd" "--" | tr ' ' '\n' | sort -u | tr '\n' ' ')
    [ "$got" = "$want" ] || fail "$tool $cmd --: got '$got', want '$want'"
  done
done

# transfer ids of this machine's state, from status --json (with the --home given)
cp "$FERRY_VECTORS/rms/req-plain.xml" "$SRV/SRV01RenewalRequest.xml"
init_and_pair
off export "$SRV/SRV01RenewalRequest.xml" --to "usb:$STICK" >/dev/null 2>&1
id=$(off status --json | grep -oE '"transfer_id":"[0-9a-f]+"' | cut -d'"' -f4)
[ -n "$id" ] || fail "no transfer id in status --json"
expect "$id" ferry-offline runbook --home "$OFF_HOME" ""
expect "$id" ferry-offline --home "$OFF_HOME" runbook "${id:0:3}"
expect "" ferry-offline --home "$OFF_HOME" runbook "$id" ""
# trip ids for --trip, on both sides' status and runbook
trip=$(off status --json | grep -oE '"trip":"[0-9a-f]+"' | cut -d'"' -f4)
[ -n "$trip" ] || fail "no trip in status --json"
expect "$trip" ferry-offline --home "$OFF_HOME" runbook --trip ""
expect "$trip" ferry-offline status --home "$OFF_HOME" --trip "${trip:0:2}"
echo "ok: completion"
