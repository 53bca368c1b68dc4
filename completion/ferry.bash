# bash completion for ferry-offline and ferry-online (installed once under each name in
# /usr/share/bash-completion/completions/). Commands and options are read from the tool's own
# --help, so they follow the installed version; media kinds, files, fixed choices (a4|letter,
# rms|est, L|M|Q|H), trip ids (--trip) and, for ferry-offline, transfer ids from `status --json`
# are offered.

_ferry_help_commands() {
  "$1" --help 2>/dev/null | sed -n '/^commands:/,/^$/s/^  \([a-z][a-z0-9-]*\)  .*/\1/p'
}

# Options of a command: the flag names (both spellings) on its --help "options:" lines.
_ferry_help_options() {
  "$1" "$2" --help 2>/dev/null | sed -n '/^options:/,/^$/p' |
    grep -oE '^ +(-[A-Za-z0-9], )?--[A-Za-z0-9-]+' | tr -d ' ' | tr ',' '\n'
}

# The argument an option takes, as its --help names it (MEDIUM, FILE, a4|letter, ...), or nothing.
_ferry_help_metavar() {
  "$1" "$2" --help 2>/dev/null | sed -n '/^options:/,/^$/p' |
    sed -nE "s/^ +(-[A-Za-z0-9])?(, )?(--[A-Za-z0-9-]+)( ([^ ]+))?  .*/\\1,\\3 \\5/p" |
    awk -v o="$3" '{ n = split($1, a, ","); for (i = 1; i <= n; i++) if (a[i] == o) { print $2; exit } }'
}

_ferry_media() {
  local cur=$1 kind rest
  case $cur in
    usb:* | png:* | images:*)
      kind=${cur%%:*}; rest=${cur#*:}
      if [ "$kind" = images ]; then
        mapfile -t COMPREPLY < <(compgen -f -- "$rest")
      else
        mapfile -t COMPREPLY < <(compgen -d -- "$rest")
      fi
      COMPREPLY=("${COMPREPLY[@]/#/$kind:}")
      compopt -o nospace -o filenames 2>/dev/null
      ;;
    pdf:* | html:*)
      kind=${cur%%:*}; rest=${cur#*:}
      mapfile -t COMPREPLY < <(compgen -f -- "$rest")
      COMPREPLY=("${COMPREPLY[@]/#/$kind:}")
      ;;
    camera:*)
      mapfile -t COMPREPLY < <(compgen -W "$(printf 'camera:%s ' /dev/video*)" -- "$cur")
      ;;
    *)
      mapfile -t COMPREPLY < <(compgen -W "usb usb: png: pdf: html: screen images: camera camera:" -- "$cur")
      [ ${#COMPREPLY[@]} -eq 1 ] && [ "${COMPREPLY[0]: -1}" = ":" ] && compopt -o nospace 2>/dev/null
      ;;
  esac
  # readline splits words at ':'; bash-completion's helper drops what is already typed before it
  declare -F __ltrim_colon_completions >/dev/null && __ltrim_colon_completions "$cur"
  return 0
}

_ferry_transfers() {
  local tool=$1 home=$2
  local args=(status --json)
  [ -n "$home" ] && args+=(--home "$home")
  "$tool" "${args[@]}" 2>/dev/null | grep -oE '"transfer_id":"[0-9a-f]+"' | cut -d'"' -f4
}

_ferry_trips() {
  local tool=$1 home=$2
  local args=(status --json)
  [ -n "$home" ] && args+=(--home "$home")
  "$tool" "${args[@]}" 2>/dev/null | grep -oE '"trip":"[0-9a-f]+"' | cut -d'"' -f4 | sort -u
}

_ferry() {
  local tool=$1 cur prev words cword
  if declare -F _init_completion >/dev/null; then
    _init_completion -n : || return
  else
    cur=${COMP_WORDS[COMP_CWORD]}; prev=${COMP_WORDS[COMP_CWORD - 1]}
    words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD
  fi
  tool=${words[0]}
  local cmd="" home="" i w positional=0
  local commands
  commands=$(_ferry_help_commands "$tool")
  for ((i = 1; i < cword; i++)); do
    w=${words[i]}
    case $w in
      --home) home=${words[i + 1]}; ((i++)) ;;
      -*) ;;
      *)
        if [ -z "$cmd" ] && grep -qxF -- "$w" <<<"$commands"; then
          cmd=$w
        elif [ -n "$cmd" ]; then
          # an option's argument is not a positional word
          case ${words[i - 1]} in
            -*) [ -n "$(_ferry_help_metavar "$tool" "$cmd" "${words[i - 1]}")" ] || ((positional++)) ;;
            *) ((positional++)) ;;
          esac
        fi
        ;;
    esac
  done

  if [ -z "$cmd" ]; then
    case $prev in
      --home) mapfile -t COMPREPLY < <(compgen -d -- "$cur"); return ;;
    esac
    if [[ $cur == -* ]]; then
      mapfile -t COMPREPLY < <(compgen -W "--home --json -v --verbose -q --quiet -h --help --version" -- "$cur")
    else
      mapfile -t COMPREPLY < <(compgen -W "$commands" -- "$cur")
    fi
    return
  fi

  if [[ $prev == -* ]]; then
    local arg
    arg=$(_ferry_help_metavar "$tool" "$cmd" "$prev")
    case $arg in
      "") ;;
      MEDIUM) _ferry_media "$cur"; return ;;
      TRIP) mapfile -t COMPREPLY < <(compgen -W "$(_ferry_trips "$tool" "$home")" -- "$cur"); return ;;
      DIR) mapfile -t COMPREPLY < <(compgen -d -- "$cur"); compopt -o filenames 2>/dev/null; return ;;
      FILE | CERT | KEY | CSR | REQUEST)
        mapfile -t COMPREPLY < <(compgen -f -- "$cur"); compopt -o filenames 2>/dev/null; return ;;
      *"|"*) mapfile -t COMPREPLY < <(compgen -W "${arg//|/ }" -- "$cur"); return ;;
      *) return ;; # N, PCT, NAME, URL, USER, SECONDS: nothing to offer
    esac
  fi

  if [[ $cur == -* ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$(_ferry_help_options "$tool" "$cmd")" -- "$cur")
    return
  fi
  case $cmd in
    export) # one request file or several (a trip)
      mapfile -t COMPREPLY < <(compgen -f -- "$cur"); compopt -o filenames 2>/dev/null
      ;;
    runbook)
      if [ $positional -eq 0 ] && [ "${tool##*/}" = ferry-offline ]; then
        mapfile -t COMPREPLY < <(compgen -W "$(_ferry_transfers "$tool" "$home")" -- "$cur")
      fi
      ;;
  esac
}

complete -F _ferry ferry-offline ferry-online
