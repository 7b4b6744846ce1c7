#!/usr/bin/env bash
# Persistence side by side: amber-server and redis-server in the same run.
#
# Usage: bench/persistence_compare.sh /path/to/amber-server [a|b|c ...]
#   ROUNDS=3          rounds per cell, interleaved redis/amber; medians reported
#   REQUESTS=200000   requests per redis-benchmark run (-n), part (a)
#   CLIENTS=50 KEYSPACE=100000 PIPELINES="1 16" FSYNCS="always everysec no"
#   LOAD_KEYS=1000000 keys for the load-time dataset, part (b) (target: 5M)
#   RSS_KEYS=1000000  keys for the BGSAVE memory dataset, part (c)
#   VALUE_BYTES=100   value size for part (c)
#
# (a) SET throughput with the AOF on (same flags for both servers:
#     --appendonly yes --appendfsync X --save ''), `redis-benchmark -t set
#     -c 50 -r 100000 -n N -P p`, fresh servers per fsync mode.
# (b) Load time of one dataset (DEBUG POPULATE on redis-server, then SAVE,
#     and BGREWRITEAOF with aof-use-rdb-preamble no so the AOF base is
#     RESP), the files copied for both: wall time from exec to the first
#     PONG, and the server's own "DB loaded from ..." figure.
# (c) Peak memory during a BGSAVE under a sustained SET load that
#     overwrites the dataset: VmRSS of the server plus (redis) its forked
#     child, sampled every 20 ms, against the dataset's RSS before.
#
# Servers are pinned to CPU 1, clients to CPU 0, as bench/compare.sh does.
# Builds nothing. Prints markdown tables on stdout; progress on stderr.
set -euo pipefail

AMBER=${1:?usage: $0 /path/to/amber-server [a|b|c ...]}
shift
PARTS=${*:-a b c}
REDIS=${REDIS:-$(command -v redis-server)}
ROUNDS=${ROUNDS:-3}
REQUESTS=${REQUESTS:-200000}
CLIENTS=${CLIENTS:-50}
KEYSPACE=${KEYSPACE:-100000}
PIPELINES=${PIPELINES:-"1 16"}
FSYNCS=${FSYNCS:-"always everysec no"}
LOAD_KEYS=${LOAD_KEYS:-1000000}
RSS_KEYS=${RSS_KEYS:-1000000}
VALUE_BYTES=${VALUE_BYTES:-100}
SERVER_CPU=1
CLIENT_CPU=0

# shellcheck source=bench/bench_lib.sh
source "$(dirname "$0")/bench_lib.sh"
bench_scratch pcompare

# start_server SIDE DIR [args...] -> PORT, PID, START_MS, READY_MS
start_server() {
  local side=$1 binary=$REDIS
  shift
  [ "$side" = amber ] && binary=$AMBER
  start_binary "$side" "$binary" "$@"
}

wait_no_bgsave() {
  until redis-cli -p "$1" info persistence | grep -q '^rdb_bgsave_in_progress:0'; do sleep 0.02; done
}
wait_no_rewrite() {
  until redis-cli -p "$1" info persistence | grep -q '^aof_rewrite_in_progress:0' &&
    ! redis-cli -p "$1" info persistence | grep -q '^aof_rewrite_scheduled:1'; do
    sleep 0.05
  done
}

# ---------------------------------------------------------------- (a)
part_a() {
  local results="$WORK/a.csv" fsync p round side rps
  for fsync in $FSYNCS; do
    declare -A port pid
    for side in redis amber; do
      start_server $side "$WORK/a-$side-$fsync" --appendonly yes --appendfsync "$fsync"
      port[$side]=$PORT pid[$side]=$PID
    done
    for round in $(seq 1 "$ROUNDS"); do
      for p in $PIPELINES; do
        for side in redis amber; do
          echo "(a) round $round: $side appendfsync $fsync -P $p" >&2
          rps=$(taskset -c $CLIENT_CPU redis-benchmark -p "${port[$side]}" -t set -c "$CLIENTS" \
            -r "$KEYSPACE" -n "$REQUESTS" -P "$p" --csv -q |
            awk -F'","' 'NR > 1 { gsub(/"/, "", $2); print $2 }')
          echo "$side,$fsync,$p,$rps" >>"$results"
        done
      done
    done
    for side in redis amber; do stop_server "${port[$side]}" "${pid[$side]}"; done
    rm -rf "$WORK"/a-*
  done
  echo "| appendfsync | pipeline | redis SET rps (median) | amber SET rps (median) | amber/redis |"
  echo "|---|---|---|---|---|"
  for fsync in $FSYNCS; do
    for p in $PIPELINES; do
      local r a
      r=$(awk -F, -v f="$fsync" -v p="$p" '$1=="redis" && $2==f && $3==p { print $4 }' "$results" | median)
      a=$(awk -F, -v f="$fsync" -v p="$p" '$1=="amber" && $2==f && $3==p { print $4 }' "$results" | median)
      printf '| %s | %s | %.0f | %.0f | %s |\n' "$fsync" "$p" "$r" "$a" "$(ratio "$a" "$r")"
    done
  done
  echo
}

# ---------------------------------------------------------------- (b)
make_load_dataset() {
  local src="$WORK/b-src"
  start_server redis "$src" --appendonly no
  echo "(b) DEBUG POPULATE $LOAD_KEYS on redis-server" >&2
  redis-cli -p "$PORT" debug populate "$LOAD_KEYS" >/dev/null
  redis-cli -p "$PORT" save >/dev/null
  redis-cli -p "$PORT" config set aof-use-rdb-preamble no >/dev/null
  redis-cli -p "$PORT" config set appendonly yes >/dev/null  # starts a rewrite
  wait_no_rewrite "$PORT"
  stop_server "$PORT" "$PID"
  DATA_RDB="$src/dump.rdb"
  DATA_AOF="$src/appendonlydir"
  echo "(b) dataset: $(du -h "$DATA_RDB" | cut -f1) RDB, $(du -sh "$DATA_AOF" | cut -f1) AOF" >&2
}

# load_once SIDE KIND -> "wall_ms,server_s"
load_once() {
  local side=$1 kind=$2 dir="$WORK/b-run" server_s
  rm -rf "$dir"
  mkdir -p "$dir"
  if [ "$kind" = rdb ]; then
    cp "$DATA_RDB" "$dir/"
    start_server "$side" "$dir" --appendonly no
  else
    cp -r "$DATA_AOF" "$dir/"
    start_server "$side" "$dir" --appendonly yes
  fi
  [ "$(redis-cli -p "$PORT" dbsize)" = "$LOAD_KEYS" ] || { echo "$side $kind: wrong dbsize" >&2; exit 1; }
  server_s=$(grep -o 'DB loaded from [a-z ]*: [0-9.]* seconds' "$dir/log" | grep -o '[0-9.]*' | tail -1)
  stop_server "$PORT" "$PID"
  echo "$((READY_MS - START_MS)),${server_s:-nan}"
}

part_b() {
  local results="$WORK/b.csv" round kind side
  make_load_dataset
  for round in $(seq 1 "$ROUNDS"); do
    for kind in rdb aof; do
      for side in redis amber; do
        echo "(b) round $round: $side loads $kind" >&2
        echo "$side,$kind,$(load_once $side $kind)" >>"$results"
      done
    done
  done
  echo "| load $LOAD_KEYS keys from | redis start→PONG ms | amber start→PONG ms | amber/redis | redis log s | amber log s |"
  echo "|---|---|---|---|---|---|"
  for kind in rdb aof; do
    local r a rl al
    r=$(awk -F, -v k=$kind '$1=="redis" && $2==k { print $3 }' "$results" | median)
    a=$(awk -F, -v k=$kind '$1=="amber" && $2==k { print $3 }' "$results" | median)
    rl=$(awk -F, -v k=$kind '$1=="redis" && $2==k { print $4 }' "$results" | median)
    al=$(awk -F, -v k=$kind '$1=="amber" && $2==k { print $4 }' "$results" | median)
    printf '| %s | %.0f | %.0f | %s | %s | %s |\n' "${kind^^}" "$r" "$a" "$(ratio "$a" "$r")" "$rl" "$al"
  done
  echo
}

# ---------------------------------------------------------------- (c)
fill_rss_dataset() {
  awk -v n="$RSS_KEYS" -v size="$VALUE_BYTES" 'BEGIN {
    v = sprintf("%*s", size, ""); gsub(/ /, "v", v)
    for (i = 0; i < n; i++) {
      k = sprintf("key:%012d", i)
      printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", length(k), k, length(v), v
    } }' | redis-cli -p "$1" --pipe >/dev/null
}

# rss_sample PID -> "server_rss_kb,children_rss_kb"
rss_sample() {
  local child children=0
  for child in $(cat "/proc/$1/task/"*/children 2>/dev/null); do
    children=$((children + $(status_kb "$child" VmRSS)))
  done
  echo "$(status_kb "$1" VmRSS),$children"
}

# bgsave_peak SIDE -> "dataset_kb,peak_server_kb,peak_child_kb,peak_sum_kb,hwm_kb,save_ms"
bgsave_peak() {
  local side=$1 dir="$WORK/c-$1" load_pid base peak_s=0 peak_c=0 peak_sum=0 s c t0 t1
  start_server "$side" "$dir" --appendonly no
  fill_rss_dataset "$PORT"
  [ "$(redis-cli -p "$PORT" dbsize)" = "$RSS_KEYS" ] || { echo "$side: fill failed" >&2; exit 1; }
  base=$(status_kb "$PID" VmRSS)
  taskset -c $CLIENT_CPU redis-benchmark -p "$PORT" -t set -c "$CLIENTS" -r "$RSS_KEYS" \
    -d "$VALUE_BYTES" -n 1000000000 -P 16 -q >/dev/null 2>&1 &
  load_pid=$!
  sleep 1  # let the write load reach its steady state before the snapshot
  t0=$(now_ms)
  redis-cli -p "$PORT" bgsave >/dev/null
  while :; do
    IFS=, read -r s c <<<"$(rss_sample "$PID")"
    [ "$s" -gt "$peak_s" ] && peak_s=$s
    [ "$c" -gt "$peak_c" ] && peak_c=$c
    [ $((s + c)) -gt "$peak_sum" ] && peak_sum=$((s + c))
    redis-cli -p "$PORT" info persistence | grep -q '^rdb_bgsave_in_progress:0' && break
    sleep 0.02
  done
  t1=$(now_ms)
  kill "$load_pid" 2>/dev/null || true
  wait "$load_pid" 2>/dev/null || true
  local hwm
  hwm=$(status_kb "$PID" VmHWM)
  stop_server "$PORT" "$PID"
  rm -rf "$dir"
  echo "$base,$peak_s,$peak_c,$peak_sum,$hwm,$((t1 - t0))"
}

part_c() {
  local results="$WORK/c.csv" round side
  for round in $(seq 1 "$ROUNDS"); do
    for side in redis amber; do
      echo "(c) round $round: $side BGSAVE under SET load, $RSS_KEYS keys" >&2
      echo "$side,$(bgsave_peak $side)" >>"$results"
    done
  done
  echo "| $RSS_KEYS keys × $VALUE_BYTES B, BGSAVE under SET -P 16 load | redis (median) | amber (median) | amber/redis |"
  echo "|---|---|---|---|"
  local col label r a
  for col in 2:"dataset RSS before BGSAVE (MiB)" 5:"peak RSS, server + forked child (MiB)" \
    3:"peak RSS of the server process (MiB)" 4:"peak RSS of the forked child (MiB)" \
    6:"server VmHWM at the end (MiB)" 7:"BGSAVE wall time (ms)"; do
    label=${col#*:}
    col=${col%%:*}
    r=$(awk -F, -v c="$col" '$1=="redis" { print $c }' "$results" | median)
    a=$(awk -F, -v c="$col" '$1=="amber" { print $c }' "$results" | median)
    if [ "$col" = 7 ]; then
      printf '| %s | %.0f | %.0f | %s |\n' "$label" "$r" "$a" "$(ratio "$a" "$r")"
    else
      awk -v l="$label" -v r="$r" -v a="$a" \
        'BEGIN { printf "| %s | %.1f | %.1f | %.2f |\n", l, r / 1024, a / 1024, (r > 0 ? a / r : 0) }'
    fi
  done
  echo
}

echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
for part in $PARTS; do "part_$part"; done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
