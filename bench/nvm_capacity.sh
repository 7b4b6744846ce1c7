#!/usr/bin/env bash
# NVM as a capacity tier (issue 6): a dataset four times the DRAM bound.
#
# Usage: bench/nvm_capacity.sh /path/to/amber-server
#   KEYS=10000000 VALUE_BYTES=476   the dataset (bench/populate_keys.py:
#                                   key:000000000000.. as redis-benchmark -r)
#   ROUNDS=3 REQUESTS=2000000 CLIENTS=50 PIPELINES="16 1"
#   NVM_DIR=/dev/shm/...            where the NVM regions live (tmpfs with
#                                   PMEM_IS_PMEM_FORCE=1, as in nvm_compare.sh)
#
# Two amber servers hold the same KEYS keys: "all in DRAM" (no persistence:
# a GET never touches persistence, so this is the all-in-DRAM figure) and
# NVM mode with nvm-dram-max-memory = a quarter of the first one's
# used_memory (the dataset's size in DRAM). Once both are loaded (and the
# NVM one has replayed its log and offloaded down to the bound) the script
# checks a sample of values on the NVM server, then runs
# `redis-benchmark -t get -r KEYS` against both, rounds interleaved, and
# reports RSS (RssAnon: the process's own memory, what the bound is about;
# VmRSS adds the mapped NVM pages it touched) beside the bound.
#
# Servers on CPU 1, clients on CPU 0. Builds nothing. Markdown on stdout,
# progress on stderr.
set -euo pipefail

AMBER=${1:?usage: $0 /path/to/amber-server}
KEYS=${KEYS:-10000000}
VALUE_BYTES=${VALUE_BYTES:-476}
ROUNDS=${ROUNDS:-3}
REQUESTS=${REQUESTS:-2000000}
CLIENTS=${CLIENTS:-50}
PIPELINES=${PIPELINES:-"16 1"}
SERVER_CPU=1
CLIENT_CPU=0
HERE=$(dirname "$0")

export PMEM_IS_PMEM_FORCE=1

# shellcheck source=bench/bench_lib.sh
source "$HERE/bench_lib.sh"
bench_scratch capacity nvm

mib() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }

populate() {  # PORT LABEL
  local start=$SECONDS
  echo "loading $KEYS keys of $VALUE_BYTES bytes into $2" >&2
  taskset -c $CLIENT_CPU python3 "$HERE/populate_keys.py" "$KEYS" "$VALUE_BYTES" |
    taskset -c $CLIENT_CPU redis-cli -p "$1" --pipe >"$WORK/pipe-$2.txt"
  grep -q "errors: 0" "$WORK/pipe-$2.txt" || {
    cat "$WORK/pipe-$2.txt" >&2
    exit 1
  }
  echo "$2 loaded in $((SECONDS - start)) s" >&2
}

# The NVM server has replayed its log and offloaded down to the bound.
wait_settled() {  # PORT BOUND
  until [ "$(info_field "$1" nvm nvm_replay_lag_bytes)" = 0 ] &&
    [ "$(info_field "$1" nvm nvm_dram_used_bytes)" -le "$2" ]; do
    sleep 0.2
  done
}

check_sample() {  # PORT
  taskset -c $CLIENT_CPU python3 - "$1" "$KEYS" "$VALUE_BYTES" <<'EOF'
import random, socket, sys
port, keys, size = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
sock = socket.create_connection(("127.0.0.1", port))
reader = sock.makefile("rb")
rng = random.Random(6)
for _ in range(2000):
    i = rng.randrange(keys)
    key = b"key:%012d" % i
    sock.sendall(b"*2\r\n$3\r\nGET\r\n$%d\r\n%s\r\n" % (len(key), key))
    header = reader.readline()
    want = bytes([97 + i % 26]) * (size - 12) + b"%012d" % i
    got = reader.read(int(header[1:])) if header.startswith(b"$") and header != b"$-1\r\n" else None
    if got is not None:
        reader.readline()
    if got != want:
        sys.exit("key %s: wrong value from the NVM server" % key.decode())
EOF
}

gets() {  # PORT PIPELINE
  taskset -c $CLIENT_CPU redis-benchmark -p "$1" -t get -c "$CLIENTS" -r "$KEYS" -n "$REQUESTS" \
    -P "$2" --csv -q | awk -F'","' 'NR > 1 { gsub(/"/, "", $2); print $2 }'
}

start_binary dram "$AMBER" "$WORK/dram" --appendonly no
DRAM_PORT=$PORT DRAM_PID=$PID
populate "$DRAM_PORT" dram
DATASET=$(info_field "$DRAM_PORT" memory used_memory)
BOUND=$((DATASET / 4))
NVM_BYTES=$((KEYS * (VALUE_BYTES + 72) * 3 / 2 + (1 << 30)))
echo "dataset $DATASET bytes in DRAM: bound $BOUND, nvm-size $NVM_BYTES" >&2

start_binary nvm "$AMBER" "$WORK/nvm" --appendonly no --nvm-enabled yes --nvm-path "$NVM_DIR" \
  --nvm-size "$NVM_BYTES" --nvm-dram-max-memory "$BOUND"
NVM_PORT=$PORT NVM_PID=$PID
populate "$NVM_PORT" nvm
wait_settled "$NVM_PORT" "$BOUND"
check_sample "$NVM_PORT"
ANON_LOADED=$(status_kb "$NVM_PID" RssAnon)

results="$WORK/gets.csv"
for round in $(seq 1 "$ROUNDS"); do
  for p in $PIPELINES; do
    echo "round $round -P $p: all in DRAM" >&2
    echo "dram,$p,$(gets "$DRAM_PORT" "$p")" >>"$results"
    echo "round $round -P $p: NVM tier" >&2
    echo "nvm,$p,$(gets "$NVM_PORT" "$p")" >>"$results"
  done
done
check_sample "$NVM_PORT"

echo "| server | keys | value bytes | used_memory MiB | nvm-dram-max-memory MiB | RssAnon loaded MiB | RssAnon after GETs MiB | VmRSS after MiB | RssAnon / bound |"
echo "|---|---|---|---|---|---|---|---|---|"
printf '| amber, all in DRAM | %s | %s | %s | - | - | %s | %s | - |\n' "$KEYS" "$VALUE_BYTES" \
  "$((DATASET >> 20))" "$(mib "$(status_kb "$DRAM_PID" RssAnon)")" \
  "$(mib "$(status_kb "$DRAM_PID" VmRSS)")"
ANON_AFTER=$(status_kb "$NVM_PID" RssAnon)
printf '| amber, NVM tier | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$KEYS" "$VALUE_BYTES" \
  "$(($(info_field "$NVM_PORT" memory used_memory) >> 20))" "$((BOUND >> 20))" \
  "$(mib "$ANON_LOADED")" "$(mib "$ANON_AFTER")" "$(mib "$(status_kb "$NVM_PID" VmRSS)")" \
  "$(ratio "$((ANON_AFTER * 1024))" "$BOUND")"
echo
echo "NVM server: $(info_field "$NVM_PORT" nvm nvm_offloaded_keys) keys offloaded," \
  "$(info_field "$NVM_PORT" nvm nvm_offloads) offloads and" \
  "$(info_field "$NVM_PORT" nvm nvm_offloaded_reads) store reads in all" \
  "($(info_field "$NVM_PORT" nvm nvm_offloaded_reads_admitted) of them brought back to DRAM)."
echo
echo "| pipeline | GET rps all in DRAM | GET rps NVM tier | NVM / DRAM |"
echo "|---|---|---|---|"
for p in $PIPELINES; do
  a=$(awk -F, -v p="$p" '$1 == "dram" && $2 == p { print $3 }' "$results" | median)
  b=$(awk -F, -v p="$p" '$1 == "nvm" && $2 == p { print $3 }' "$results" | median)
  printf '| %s | %.0f | %.0f | %s |\n' "$p" "$a" "$b" "$(ratio "$b" "$a")"
done
stop_server "$NVM_PORT" "$NVM_PID"
stop_server "$DRAM_PORT" "$DRAM_PID"
