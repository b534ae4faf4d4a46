# bash completion for pyattach: subcommands, their options, and session names (asked
# of the running broker with `pyattach ls -q`; nothing is started to answer).

_pyattach_sessions() {
  "${COMP_WORDS[0]}" ls -q 2>/dev/null
}

_pyattach() {
  local cur prev command i
  cur=${COMP_WORDS[COMP_CWORD]}
  prev=${COMP_WORDS[COMP_CWORD-1]}
  local commands="new run bundle attach ls capture send wait rm kill kill-server"

  command=
  for ((i = 1; i < COMP_CWORD; i++)); do
    if [[ ${COMP_WORDS[i]} != -* ]]; then
      command=${COMP_WORDS[i]}
      break
    fi
  done
  if [[ -z $command ]]; then
    COMPREPLY=($(compgen -W "$commands --help --version" -- "$cur"))
    return
  fi

  case $prev in
    --python)
      COMPREPLY=($(compgen -c -- "$cur"))
      return ;;
    --log|-o|--output)
      COMPREPLY=($(compgen -f -- "$cur"))
      return ;;
    -n|--name|--preload|--detach-key|-S|--scrollback)
      return ;;
    -s|--signal)
      COMPREPLY=($(compgen -W "TERM INT HUP KILL QUIT USR1 USR2 STOP CONT" -- "$cur"))
      return ;;
  esac

  local options sessions=
  case $command in
    new) options="-d --detached -n --name --python --preload --detach-key --log --help" ;;
    run) options="--python --preload --detach-key --help" ;;
    bundle) options="--python --preload -o --output --help" ;;
    attach|a) options="-r --read-only --detach-key --help"; sessions=1 ;;
    ls|list) options="--json -q --quiet --help" ;;
    capture) options="-S --scrollback --ansi --help"; sessions=1 ;;
    send) options="-e --enter --help"; sessions=1 ;;
    wait) options="--help"; sessions=1 ;;
    rm) options="-a --all --help"; sessions=1 ;;
    kill) options="-s --signal --help"; sessions=1 ;;
    kill-server) options="--help" ;;
  esac

  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$options" -- "$cur"))
  elif [[ $command == new || $command == run ]]; then
    COMPREPLY=($(compgen -f -- "$cur"))  # the script
  elif [[ -n $sessions ]]; then
    COMPREPLY=($(compgen -W "$(_pyattach_sessions)" -- "$cur"))
  fi
}

complete -F _pyattach pyattach
