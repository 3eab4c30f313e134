# Watchdog of infra/local/processes.ts. It outlives the Node process that started it and kills what
# that process started, should it die without cleaning up (even by SIGKILL).
# stdin carries "+<pgid>:<SIGNAL>" when a process group starts and "-<pgid>:<SIGNAL>" when it ends.
# At end-of-file (the parent exited, one way or another), every group still listed gets its stop
# signal, and whatever is left five seconds later gets SIGKILL.
trap '' INT HUP
entries=' '
while IFS= read -r line; do
  case $line in
    +*) entries="$entries${line#?} " ;;
    -*)
      item=${line#?}
      case $entries in *" $item "*) entries="${entries%%" $item "*} ${entries#*" $item "}" ;; esac
      ;;
  esac
done
# shellcheck disable=SC2086 # split the list into the positional parameters
set -- $entries
[ $# -gt 0 ] || exit 0
for item in "$@"; do kill -s "${item#*:}" -- "-${item%%:*}" 2>/dev/null; done
tries=0
while [ $tries -lt 50 ]; do
  alive=0
  for item in "$@"; do kill -0 -- "-${item%%:*}" 2>/dev/null && alive=1; done
  [ $alive -eq 1 ] || exit 0
  sleep 0.1
  tries=$((tries + 1))
done
for item in "$@"; do kill -s KILL -- "-${item%%:*}" 2>/dev/null; done
