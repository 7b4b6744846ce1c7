# Shared by the side-by-side benchmark scripts (sourced, not run): scratch
# directories, free ports, medians and ratios, /proc readings, and starting /
# stopping a server pinned to SERVER_CPU with its readiness polled by PING.
# The caller sets SERVER_CPU and calls bench_scratch first.

# bench_scratch NAME [nvm] -> WORK, a scratch directory (with `nvm` also
# NVM_DIR, on tmpfs unless the caller set it) and PIDS, the servers started;
# on exit the servers are stopped and the directories removed.
bench_scratch() {
  WORK=$(mktemp -d "/tmp/amber-$1-XXXXXX")
  SCRATCH_DIRS=("$WORK")
  if [ "${2:-}" = nvm ]; then
    NVM_DIR=${NVM_DIR:-$(mktemp -d "/dev/shm/amber-$1-XXXXXX")}
    SCRATCH_DIRS+=("$NVM_DIR")
  fi
  PIDS=()
  trap bench_cleanup EXIT
}
bench_cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "${SCRATCH_DIRS[@]}"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
now_ms() { date +%s%3N; }
info_field() {  # PORT SECTION FIELD -> its value in INFO
  redis-cli -p "$1" info "$2" | tr -d '\r' | awk -F: -v f="$3" '$1 == f { print $2 }'
}
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v r="$2" 'BEGIN { printf "%.2f", (r > 0 ? a / r : 0) }'; }
cpu_ticks() {  # PID -> its user + system CPU time so far, in clock ticks
  # Fields after the command name, which ends at the last ')': utime is the
  # 12th, stime the 13th.
  sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}
status_kb() {
  local v
  v=$(awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status" 2>/dev/null || true)
  echo "${v:-0}"  # 0 once the process is gone (or a zombie)
}

# start_binary LABEL BINARY DIR [args...] -> PORT, PID, START_MS, READY_MS
start_binary() {
  local label=$1 binary=$2 dir=$3
  shift 3
  mkdir -p "$dir"
  PORT=$(free_port)
  START_MS=$(now_ms)
  taskset -c "$SERVER_CPU" "$binary" --port "$PORT" --bind 127.0.0.1 --dir "$dir" \
    --save '' --enable-debug-command yes "$@" >>"$dir/log" 2>&1 &
  PID=$!
  PIDS+=("$PID")
  local deadline=$((SECONDS + 600))
  until [ "$(redis-cli -p "$PORT" ping 2>/dev/null)" = PONG ]; do
    if ! kill -0 "$PID" 2>/dev/null || [ $SECONDS -ge $deadline ]; then
      echo "$label did not start; log:" >&2
      cat "$dir/log" >&2
      exit 1
    fi
    sleep 0.01  # polling back-off; readiness is the PONG
  done
  READY_MS=$(now_ms)
}

stop_server() {
  redis-cli -p "$1" shutdown nosave >/dev/null 2>&1 || true
  kill "$2" 2>/dev/null || true
  wait "$2" 2>/dev/null || true
}
