#!/usr/bin/env bash
# Side-by-side throughput and memory of amber-server and redis-server.
#
# Usage: bench/compare.sh /path/to/amber-server
#   ROUNDS=3        rounds per (test, pipeline); medians are reported
#   REQUESTS=1000000  requests per redis-benchmark run (-n)
#   CLIENTS=50      connections (-c); KEYSPACE=100000 random keys (-r)
#   PIPELINES="1 16"  pipeline depths (-P)
#   POPULATE=1000000  keys for the memory row (DEBUG POPULATE)
#
# Builds nothing. Both servers run with persistence off and pinned to CPU 1;
# redis-benchmark runs pinned to CPU 0. Runs are interleaved (redis, amber,
# redis, amber, ...) so that drift on a shared machine hits both alike.
# Prints a markdown table on stdout; progress goes to stderr.
set -euo pipefail

AMBER=${1:?usage: $0 /path/to/amber-server}
REDIS=${REDIS:-$(command -v redis-server)}
ROUNDS=${ROUNDS:-3}
REQUESTS=${REQUESTS:-1000000}
CLIENTS=${CLIENTS:-50}
KEYSPACE=${KEYSPACE:-100000}
PIPELINES=${PIPELINES:-"1 16"}
POPULATE=${POPULATE:-1000000}
TESTS=set,get,incr,mset
SERVER_CPU=1
CLIENT_CPU=0

WORK=$(mktemp -d /tmp/amber-compare-XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_server NAME BINARY -> sets PORT and PID
start_server() {
  local name=$1 binary=$2 dir="$WORK/$1.$RANDOM"
  mkdir -p "$dir"
  PORT=$(free_port)
  taskset -c $SERVER_CPU "$binary" --port "$PORT" --bind 127.0.0.1 --dir "$dir" \
    --save '' --appendonly no --enable-debug-command yes >"$dir/log" 2>&1 &
  PID=$!
  PIDS+=("$PID")
  local deadline=$((SECONDS + 10))
  until [ "$(redis-cli -p "$PORT" ping 2>/dev/null)" = PONG ]; do
    if ! kill -0 "$PID" 2>/dev/null || [ $SECONDS -ge $deadline ]; then
      echo "$name did not start; log:" >&2
      cat "$dir/log" >&2
      exit 1
    fi
    sleep 0.05  # polling back-off; readiness is the PONG
  done
}

stop_server() {
  redis-cli -p "$1" shutdown nosave >/dev/null 2>&1 || true
  kill "$2" 2>/dev/null || true
  wait "$2" 2>/dev/null || true
}

# bench PORT PIPELINE -> lines "TEST,rps"
bench() {
  taskset -c $CLIENT_CPU redis-benchmark -p "$1" -t $TESTS -c "$CLIENTS" -r "$KEYSPACE" \
    -n "$REQUESTS" -P "$2" --csv -q |
    awk -F'","' 'NR > 1 { gsub(/"/, "", $1); sub(/ .*/, "", $1); print $1 "," $2 }'
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

start_server redis "$REDIS"
REDIS_PORT=$PORT REDIS_PID=$PID
start_server amber "$AMBER"
AMBER_PORT=$PORT AMBER_PID=$PID

RESULTS="$WORK/results.csv"  # server,pipeline,test,rps
for round in $(seq 1 "$ROUNDS"); do
  for p in $PIPELINES; do
    for side in redis amber; do
      port_var=${side^^}_PORT
      echo "round $round: $side -P $p" >&2
      bench "${!port_var}" "$p" | sed "s/^/$side,$p,/" >>"$RESULTS"
    done
  done
done
stop_server "$REDIS_PORT" "$REDIS_PID"
stop_server "$AMBER_PORT" "$AMBER_PID"

echo "| test | pipeline | redis rps (median) | amber rps (median) | amber/redis |"
echo "|---|---|---|---|---|"
for p in $PIPELINES; do
  for t in SET GET INCR MSET; do
    r=$(awk -F, -v p="$p" -v t="$t" '$1=="redis" && $2==p && $3==t { print $4 }' "$RESULTS" | median)
    a=$(awk -F, -v p="$p" -v t="$t" '$1=="amber" && $2==p && $3==t { print $4 }' "$RESULTS" | median)
    [ -n "$r" ] || continue
    ratio=$(awk -v a="${a:-0}" -v r="$r" 'BEGIN { printf "%.2f", (r > 0 ? a / r : 0) }')
    label=$t
    [ "$t" = MSET ] && label="MSET (10 keys)"
    printf '| %s | %s | %.0f | %.0f | %s |\n' "$label" "$p" "$r" "${a:-0}" "$ratio"
  done
done

# Memory: fresh servers, RSS before and after loading POPULATE keys
# (key:N -> value:N). DEBUG POPULATE is the intended loader; if a server
# lacks it, both are loaded the same other way (SETs through redis-cli --pipe)
# so the row still compares like with like.
populate_debug() {
  [ "$(redis-cli -p "$1" debug populate "$POPULATE" 2>&1)" = OK ]
}
populate_pipe() {
  awk -v n="$POPULATE" 'BEGIN {
    for (i = 0; i < n; i++) {
      k = "key:" i; v = "value:" i
      printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", length(k), k, length(v), v
    } }' | redis-cli -p "$1" --pipe >/dev/null
}
# measure METHOD -> sets RSS_EMPTY[side], RSS_FULL[side]; fails if a load fails
declare -A RSS_EMPTY RSS_FULL
measure() {
  local side binary_var ok=0
  for side in redis amber; do
    binary_var=${side^^}
    start_server "$side" "${!binary_var}"
    RSS_EMPTY[$side]=$(rss_kb "$PID")
    echo "loading $POPULATE keys into $side ($1)" >&2
    if "populate_$1" "$PORT" && [ "$(redis-cli -p "$PORT" dbsize)" = "$POPULATE" ]; then
      RSS_FULL[$side]=$(rss_kb "$PID")
    else
      echo "$side: loading with $1 failed" >&2
      ok=1
    fi
    stop_server "$PORT" "$PID"
  done
  return $ok
}
LOADED="DEBUG POPULATE $POPULATE"
if ! measure debug; then
  LOADED="$POPULATE keys via SET (redis-cli --pipe; DEBUG POPULATE unavailable)"
  measure pipe
fi
echo
echo "| memory | redis RSS (MiB) | amber RSS (MiB) | amber/redis |"
echo "|---|---|---|---|"
for row in EMPTY FULL; do
  declare -n m="RSS_$row"
  label="empty"
  [ $row = FULL ] && label="after $LOADED"
  awk -v l="$label" -v r="${m[redis]}" -v a="${m[amber]}" \
    'BEGIN { printf "| %s | %.1f | %.1f | %.2f |\n", l, r / 1024, a / 1024, (r > 0 ? a / r : 0) }'
done
