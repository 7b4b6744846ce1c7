#!/usr/bin/env bash
# Builds amber-server (optimised) and starts it on 127.0.0.1:6379 with its
# data in ./data. Extra arguments are passed to the server, redis-server
# style: scripts/run.sh --port 7000 --requirepass secret
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build/release -DCMAKE_BUILD_TYPE=Release -DAMBER_TESTS=OFF -DAMBER_BENCH=OFF
mkdir -p data
exec build/release/amber-server --bind 127.0.0.1 --port 6379 --dir ./data --appendonly yes \
  --appendfsync everysec --aof-use-rdb-preamble yes "$@"
