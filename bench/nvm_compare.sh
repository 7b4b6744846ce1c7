#!/usr/bin/env bash
# NVM mode side by side with the disk modes and with redis-server.
#
# Usage: bench/nvm_compare.sh /path/to/amber-server [a|b ...]
#   ROUNDS=3              rounds per cell, interleaved; medians reported
#   REQUESTS=200000       requests per redis-benchmark run (-n), part (a)
#   CLIENTS=50 KEYSPACE=100000 PIPELINES="1 16"
#   WARMUP=0              part (a): SETs (-P 16) each server takes before the
#                         rounds, not counted: 5000000 runs the rounds in the
#                         steady state of a sustained load (NVM: folding
#                         behind nvm-replay-lag on a log past its first lap;
#                         AOF: past its first automatic rewrite)
#   VALUE_BYTES=3         part (a)'s SET value size (redis-benchmark -d); past
#                         32 MB (nvm-size 1gb here) NVM mode links the value
#   RESTART_KEYS="1000000 10000000"   dataset sizes for part (b)
#   REPLAY_LAG=33554432   part (b): nvm-replay-lag (bytes) of the server killed
#                         under load and of the restarts after it
#   NVM_DIR=/dev/shm/...  where the NVM regions live (tmpfs: page cache
#                         standing in for PMEM, as the issue prescribes)
#   BASELINE=/path/to/an/older/amber-server   part (a) adds it, in NVM mode,
#                         as a fifth server: the same rounds, interleaved;
#                         part (b) restarts it on the same NVM images, after
#                         amber in each round
#
# (a) SET throughput, `redis-benchmark -t set -c 50 -r 100000 -n N -P p -d 3`,
#     against four amber servers started together: NVM mode (pmem backend,
#     PMEM_IS_PMEM_FORCE=1: persisted by cache-line flush), appendfsync
#     always, appendfsync everysec, and no persistence at all (appendonly
#     no, save ''). Rounds interleave the four.
# (b) Restart with N keys (DEBUG POPULATE N): amber in NVM mode restarted
#     after SIGKILL once the log is replayed, and again after a SIGKILL
#     under SET load (-r KEYSPACE on other keys; the unreplayed log at
#     nvm-replay-lag), against redis-server loading an RDB and a RESP AOF
#     of the same keys. bench/restart_probe.py times
#     exec -> first correct GET, -> first accepted SET, and (amber) -> the
#     whole keyspace in DRAM (INFO nvm_fill_in_progress:0), with VmRSS and
#     the slowest of the GETs sent every millisecond until then.
#
# Servers on CPU 1, clients on CPU 0. Builds nothing. Markdown on stdout,
# progress on stderr.
set -euo pipefail

AMBER=${1:?usage: $0 /path/to/amber-server [a|b ...]}
shift
PARTS=${*:-a b}
REDIS=${REDIS:-$(command -v redis-server)}
ROUNDS=${ROUNDS:-3}
REQUESTS=${REQUESTS:-200000}
CLIENTS=${CLIENTS:-50}
KEYSPACE=${KEYSPACE:-100000}
PIPELINES=${PIPELINES:-"1 16"}
VALUE_BYTES=${VALUE_BYTES:-3}
WARMUP=${WARMUP:-0}
RESTART_KEYS=${RESTART_KEYS:-"1000000 10000000"}
REPLAY_LAG=${REPLAY_LAG:-33554432}
SERVER_CPU=1
CLIENT_CPU=0
PROBE="$(dirname "$0")/restart_probe.py"

export PMEM_IS_PMEM_FORCE=1

# shellcheck source=bench/bench_lib.sh
source "$(dirname "$0")/bench_lib.sh"
bench_scratch nvmcompare nvm

config_args() {
  case $1 in
    nvm) echo "--nvm-enabled yes --nvm-size 1gb --nvm-path $NVM_DIR/a" ;;
    baseline) echo "--nvm-enabled yes --nvm-size 1gb --nvm-path $NVM_DIR/baseline" ;;
    always) echo "--appendonly yes --appendfsync always" ;;
    everysec) echo "--appendonly yes --appendfsync everysec" ;;
    none) echo "--appendonly no" ;;
  esac
}

# ---------------------------------------------------------------- (a)
part_a() {
  local results="$WORK/a.csv" configs="nvm always everysec none" c p round rps cpu_before cpu_ns
  local BASELINE_ROWS="" CPU_ROWS=""
  declare -A port pid
  [ -n "${BASELINE:-}" ] && configs="$configs baseline"
  mkdir -p "$NVM_DIR/a" "$NVM_DIR/baseline"
  for c in $configs; do
    # shellcheck disable=SC2046
    start_binary "amber-$c" "$([ "$c" = baseline ] && echo "$BASELINE" || echo "$AMBER")" \
      "$WORK/a-$c" $(config_args "$c")
    port[$c]=$PORT pid[$c]=$PID
  done
  if [ "$WARMUP" -gt 0 ]; then
    for c in $configs; do
      echo "(a) warming amber $c up: $WARMUP SETs" >&2
      taskset -c $CLIENT_CPU redis-benchmark -p "${port[$c]}" -t set -c "$CLIENTS" \
        -r "$KEYSPACE" -n "$WARMUP" -P 16 -d "$VALUE_BYTES" -q >/dev/null 2>&1
    done
  fi
  for round in $(seq 1 "$ROUNDS"); do
    for p in $PIPELINES; do
      for c in $configs; do
        echo "(a) round $round: amber $c -P $p" >&2
        cpu_before=$(cpu_ticks "${pid[$c]}")
        rps=$(taskset -c $CLIENT_CPU redis-benchmark -p "${port[$c]}" -t set -c "$CLIENTS" \
          -r "$KEYSPACE" -n "$REQUESTS" -P "$p" -d "$VALUE_BYTES" --csv -q |
          awk -F'","' 'NR > 1 { gsub(/"/, "", $2); print $2 }')
        cpu_ns=$(awk -v t="$(($(cpu_ticks "${pid[$c]}") - cpu_before))" -v hz="$(getconf CLK_TCK)" \
          -v n="$REQUESTS" 'BEGIN { printf "%.0f", t * 1e9 / hz / n }')
        echo "$c,$p,$rps,$cpu_ns" >>"$results"
      done
    done
  done
  for c in $configs; do stop_server "${port[$c]}" "${pid[$c]}"; done
  local m
  echo "| pipeline | NVM SET rps | always | everysec | no persistence | NVM/everysec | NVM/none |"
  echo "|---|---|---|---|---|---|---|"
  for p in $PIPELINES; do
    declare -A med cpu
    for c in $configs; do
      m=$(awk -F, -v c="$c" -v p="$p" '$1==c && $2==p { print $3 }' "$results" | median)
      med[$c]=$m
      cpu[$c]=$(awk -F, -v c="$c" -v p="$p" '$1==c && $2==p { print $4 }' "$results" | median)
    done
    CPU_ROWS+="| $p | ${cpu[nvm]} | ${cpu[always]} | ${cpu[everysec]} | ${cpu[none]} | $(ratio "${cpu[everysec]}" "${cpu[nvm]}") | $(ratio "${cpu[none]}" "${cpu[nvm]}") |"$'\n'
    printf '| %s | %.0f | %.0f | %.0f | %.0f | %s | %s |\n' "$p" "${med[nvm]}" "${med[always]}" \
      "${med[everysec]}" "${med[none]}" "$(ratio "${med[nvm]}" "${med[everysec]}")" \
      "$(ratio "${med[nvm]}" "${med[none]}")"
    if [ -n "${BASELINE:-}" ]; then
      BASELINE_ROWS+="| $p | $(printf '%.0f' "${med[nvm]}") | $(printf '%.0f' "${med[baseline]}") | $(ratio "${med[nvm]}" "${med[baseline]}") | ${cpu[nvm]} | ${cpu[baseline]} | $(ratio "${cpu[baseline]}" "${cpu[nvm]}") |"$'\n'
    fi
  done
  echo
  # Server CPU time per SET (utime + stime over the run): steadier than
  # throughput on a shared machine, and what a design change moves.
  echo "Server CPU per SET, ns (medians; ratios are the other's CPU over NVM's, >1: NVM cheaper):"
  echo
  echo "| pipeline | NVM | always | everysec | no persistence | everysec/NVM | none/NVM |"
  echo "|---|---|---|---|---|---|---|"
  printf '%s\n' "$CPU_ROWS"
  if [ -n "${BASELINE:-}" ]; then
    echo "NVM mode against the baseline binary ($BASELINE):"
    echo
    echo "| pipeline | NVM SET rps | baseline NVM SET rps | NVM / baseline | NVM CPU ns/SET | baseline CPU ns/SET | baseline / NVM CPU |"
    echo "|---|---|---|---|---|---|---|"
    printf '%s\n' "$BASELINE_ROWS"
  fi
}

# ---------------------------------------------------------------- (b)
wait_info() {  # PORT SECTION FIELD VALUE
  until redis-cli -p "$1" info "$2" | tr -d '\r' | grep -q "^$3:$4\$"; do sleep 0.05; done
}

# The same N keys three ways: an NVM directory, dump.rdb, a RESP AOF.
make_restart_datasets() {
  local n=$1 nvm_bytes
  nvm_bytes=$((n * 400 > 1073741824 ? n * 400 : 1073741824))
  echo "(b) building the $n-key datasets" >&2
  mkdir -p "$NVM_DIR/b"
  start_binary amber-nvm "$AMBER" "$WORK/b-amber" --nvm-enabled yes --nvm-size "$nvm_bytes" \
    --nvm-path "$NVM_DIR/b"
  redis-cli -p "$PORT" debug populate "$n" >/dev/null
  wait_info "$PORT" nvm nvm_replay_lag_bytes 0
  kill -9 "$PID"
  wait "$PID" 2>/dev/null || true
  start_binary redis "$REDIS" "$WORK/b-redis"
  redis-cli -p "$PORT" debug populate "$n" >/dev/null
  redis-cli -p "$PORT" save >/dev/null
  redis-cli -p "$PORT" config set aof-use-rdb-preamble no >/dev/null
  redis-cli -p "$PORT" config set appendonly yes >/dev/null
  wait_info "$PORT" persistence aof_rewrite_in_progress 0
  sleep 1
  wait_info "$PORT" persistence aof_rewrite_in_progress 0
  stop_server "$PORT" "$PID"
  mkdir -p "$WORK/rdb" "$WORK/aof"
  mv "$WORK/b-redis/dump.rdb" "$WORK/rdb/"
  mv "$WORK/b-redis/appendonlydir" "$WORK/aof/"
  rm -rf "$WORK/b-redis"
}

# A copy of the NVM directory, killed while a SET load on other keys keeps
# the unreplayed log at nvm-replay-lag: what a crash under load leaves for
# the restart to apply (the plain NVM row restarts with the log folded in).
# Sets LOADED_LAG_MIB to the unreplayed log at the kill.
make_loaded_nvm_dataset() {
  local load lag=0 deadline=$((SECONDS + 120))
  echo "(b) killing amber under SET load" >&2
  cp -r "$NVM_DIR/b" "$NVM_DIR/b-loaded"
  start_binary amber-nvm-loaded "$AMBER" "$WORK/b-loaded" --nvm-enabled yes \
    --nvm-path "$NVM_DIR/b-loaded" --nvm-replay-lag "$REPLAY_LAG"
  wait_info "$PORT" nvm nvm_fill_in_progress 0
  taskset -c $CLIENT_CPU redis-benchmark -p "$PORT" -t set -c "$CLIENTS" -r "$KEYSPACE" \
    -n 1000000000 -P 16 -q >/dev/null 2>&1 &
  load=$!
  # nvm-replay-lag less what one step folds (2 MB).
  while [ "$lag" -lt $((REPLAY_LAG - 2000000)) ] && [ $SECONDS -lt $deadline ]; do
    sleep 0.05
    lag=$(info_field "$PORT" nvm nvm_replay_lag_bytes)
  done
  kill -9 "$PID"
  wait "$PID" 2>/dev/null || true
  kill "$load" 2>/dev/null || true
  wait "$load" 2>/dev/null || true
  LOADED_LAG_MIB=$(awk -v b="$lag" 'BEGIN { printf "%.0f", b / 1048576 }')
}

probe() {  # LABEL PORT [--wait-info F:V] -- CMD...
  local label=$1
  shift
  echo "(b) $label" >&2
  taskset -c $CLIENT_CPU "$PROBE" "$@"
}

# Restarts BINARY in NVM mode on the N-key directory, then on a fresh copy
# of the one killed under load; rows tagged PREFIX.
amber_restarts() {  # BINARY PREFIX N ROUND
  local binary=$1 prefix=$2 n=$3 round=$4 port line
  port=$(free_port)
  line=$(probe "round $round: ${prefix}amber NVM restart, $n keys" "$port" key:123 value:123 \
    --wait-info nvm_fill_in_progress:0 -- taskset -c $SERVER_CPU "$binary" --port "$port" \
    --save '' --dir "$WORK/b-amber" --nvm-enabled yes --nvm-path "$NVM_DIR/b")
  echo "$n,${prefix}nvm,$line" | tr ' ' ',' >>"$WORK/b.csv"
  # Each restart folds the log in: every round starts from the copy.
  cp -r "$NVM_DIR/b-loaded" "$NVM_DIR/b-work"
  port=$(free_port)
  line=$(probe "round $round: ${prefix}amber NVM restart after a kill under load, $n keys" \
    "$port" key:123 value:123 --wait-info nvm_fill_in_progress:0 -- taskset -c $SERVER_CPU \
    "$binary" --port "$port" --save '' --dir "$WORK/b-loaded" --nvm-enabled yes \
    --nvm-path "$NVM_DIR/b-work" --nvm-replay-lag "$REPLAY_LAG")
  echo "$n,${prefix}loaded,$line" | tr ' ' ',' >>"$WORK/b.csv"
  rm -rf "$NVM_DIR/b-work"
}

part_b() {
  local n round results="$WORK/b.csv" port line
  declare -A loaded_lag
  for n in $RESTART_KEYS; do
    make_restart_datasets "$n"
    make_loaded_nvm_dataset
    loaded_lag[$n]=$LOADED_LAG_MIB
    for round in $(seq 1 "$ROUNDS"); do
      # The two binaries take turns going first: the first restart after a
      # kill in a round read ~180 ms slower to fill, whichever binary it was.
      if [ -n "${BASELINE:-}" ] && [ $((round % 2)) -eq 0 ]; then
        amber_restarts "$BASELINE" base- "$n" "$round"
        amber_restarts "$AMBER" "" "$n" "$round"
      else
        amber_restarts "$AMBER" "" "$n" "$round"
        [ -n "${BASELINE:-}" ] && amber_restarts "$BASELINE" base- "$n" "$round"
      fi
      port=$(free_port)
      line=$(probe "round $round: redis RDB load, $n keys" "$port" key:123 value:123 -- \
        taskset -c $SERVER_CPU "$REDIS" --port "$port" --save '' --dir "$WORK/rdb")
      echo "$n,rdb,$line" | tr ' ' ',' >>"$results"
      port=$(free_port)
      line=$(probe "round $round: redis AOF load, $n keys" "$port" key:123 value:123 -- \
        taskset -c $SERVER_CPU "$REDIS" --port "$port" --save '' --dir "$WORK/aof" \
        --appendonly yes)
      echo "$n,aof,$line" | tr ' ' ',' >>"$results"
    done
    rm -rf "$WORK/rdb" "$WORK/aof" "$WORK/b-amber" "$WORK/b-loaded" "$NVM_DIR/b" "$NVM_DIR/b-loaded"
  done
  echo "| keys | server, loading from | first GET ms | first SET ms | all in DRAM ms | VmRSS at first GET MiB | VmRSS after MiB | RssAnon after MiB | slowest GET until all in DRAM ms |"
  echo "|---|---|---|---|---|---|---|---|---|"
  local kind col label kinds="nvm loaded rdb aof"
  [ -n "${BASELINE:-}" ] && kinds="nvm base-nvm loaded base-loaded rdb aof"
  for n in $RESTART_KEYS; do
    for kind in $kinds; do
      case $kind in
        nvm) label="amber, NVM (pmem on tmpfs)" ;;
        loaded) label="amber, NVM, killed under SET load (${loaded_lag[$n]} MiB of log to apply)" ;;
        base-nvm) label="baseline amber, NVM (pmem on tmpfs)" ;;
        base-loaded) label="baseline amber, NVM, killed under SET load" ;;
        rdb) label="redis-server, RDB" ;;
        aof) label="redis-server, AOF (RESP)" ;;
      esac
      printf '| %s | %s ' "$n" "$label"
      for col in 3 4 5 6 7 8 9; do
        # redis-server answers nothing but -LOADING until it is all in memory.
        if [ "$col" = 9 ] && { [ "$kind" = rdb ] || [ "$kind" = aof ]; }; then
          printf '| – '
          continue
        fi
        printf '| %.0f ' "$(awk -F, -v n="$n" -v k="$kind" -v c="$col" '$1==n && $2==k { print $c }' \
          "$results" | median)"
      done
      echo "|"
    done
  done
  echo
}

for part in $PARTS; do "part_$part"; done
