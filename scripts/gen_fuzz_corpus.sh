#!/usr/bin/env bash
# Generates the seed corpora of the fuzz targets under fuzz/corpus/<target>/:
# valid inputs from which libFuzzer mutates its way into the odd corners.
#  - rdb_loader: RDB files written by a real redis-server 7.0 (started here
#    on a unix socket in a temp dir, never a fixed port): strings of every
#    encoding, expires, several databases, LZF on and off, checksum off,
#    types amber refuses, functions; nothing is downloaded;
#  - aof_loader: a flags byte (bit 0 last file, bit 1 aof-load-truncated)
#    then an AOF file redis-server 7.0 wrote: RDB-preamble and RESP bases,
#    an incr file with SELECT, MULTI/EXEC and expires, and torn copies;
#  - resp_parser: request streams (multibulk, inline, pipelined, hostile
#    headers) behind the target's 9-byte prefix (limits, chunking seed);
#  - config: redis.conf without comments, plus small configs of each syntax;
#  - engine: command sequences in the engine target's byte format, commands
#    spelled by name so the seeds survive changes of the command table.
# The output is committed; re-run after changing a target's input format.
set -euo pipefail
cd "$(dirname "$0")/.."
out=fuzz/corpus
tmp=$(mktemp -d /tmp/amber-corpus.XXXXXX)
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
mkdir -p "$out"/{rdb_loader,resp_parser,config,engine,manifest,aof_loader}

# --- rdb_loader: files saved by redis-server 7.0 ---------------------------
sock="$tmp/redis.sock"
redis-server --port 0 --unixsocket "$sock" --save '' --appendonly no --dir "$tmp" \
  --dbfilename dump.rdb --daemonize no >"$tmp/redis.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do [[ -S "$sock" ]] && break; sleep 0.1; done
cli() { redis-cli -s "$sock" "$@" >/dev/null; }
save_as() {
  cli SAVE
  cp "$tmp/dump.rdb" "$out/rdb_loader/$1.rdb"
}
save_as empty
cli SET int 12345
cli SET negative -42
cli SET embstr hello
cli SET raw "a value longer than forty-four bytes, so it is stored raw"
cli SET empty ""
cli SET binary "$(printf 'bin\001\002\377')"
save_as strings
cli SET compressible "$(printf 'abcabcabc%.0s' $(seq 40))"
save_as lzf
cli CONFIG SET rdbcompression no
save_as no_compression
cli CONFIG SET rdbcompression yes
cli CONFIG SET rdbchecksum no
save_as no_checksum
cli CONFIG SET rdbchecksum yes
cli FLUSHALL
cli SET ex v EX 100000
cli SET px v PX 99999999
cli SET gone v PXAT 1000
cli SELECT 3
cli -n 3 SET in3 three
cli -n 15 SET in15 fifteen
cli -n 15 EXPIRE in15 5000
save_as expires_dbs
cli FLUSHALL
cli RPUSH list a b c
cli HSET hash f v
cli SADD set 1 2 3
cli ZADD zset 1 a
save_as other_types
cli FLUSHALL
cli FUNCTION LOAD "#!lua name=lib
redis.register_function('f', function() return 1 end)"
cli SET k v
save_as function
# manifest: the one redis-server writes when AOF is turned on, then after a rewrite.
cli FUNCTION FLUSH  # amber has no functions: the AOF seeds must load
cli CONFIG SET appendonly yes
for _ in $(seq 100); do
  [[ -f "$tmp/appendonlydir/appendonly.aof.manifest" ]] && break
  sleep 0.1
done
sleep 1
cp "$tmp/appendonlydir/appendonly.aof.manifest" "$out/manifest/redis_initial"
cli BGREWRITEAOF
sleep 2
cp "$tmp/appendonlydir/appendonly.aof.manifest" "$out/manifest/redis_rewritten"
# aof_loader: the base of that rewrite (RDB preamble), then an incr file.
aof_seed() {  # name flags file
  { printf "\\x$2"; cat "$3"; } >"$out/aof_loader/$1"
}
aof_seed redis_base_preamble 00 "$(ls "$tmp"/appendonlydir/*.base.rdb)"
cli SET k v EX 1000
cli INCRBY counter 5
cli -n 2 SET other "$(printf 'a\r\nb')"
cli -n 2 RENAME other renamed
printf 'MULTI\nSET t1 a\nINCR t2\nEXEC\n' | redis-cli -s "$sock" >/dev/null
cli EXPIRE counter 50
cli DEL k
sleep 1.2  # everysec: the incr file holds every command now
incr=$(ls "$tmp"/appendonlydir/*.incr.aof | tail -1)
aof_seed redis_incr 03 "$incr"
head -c -7 "$incr" >"$tmp/torn.aof"
aof_seed redis_incr_torn_allowed 03 "$tmp/torn.aof"
aof_seed redis_incr_torn_refused 01 "$tmp/torn.aof"
cli CONFIG SET aof-use-rdb-preamble no
cli BGREWRITEAOF
sleep 2
aof_seed redis_base_resp 00 "$(ls "$tmp"/appendonlydir/*.base.aof)"
cli SHUTDOWN NOSAVE || true
wait "$server_pid" 2>/dev/null || true
server_pid=""

# --- resp_parser: prefix byte (limits), 8 bytes (chunk seed), stream --------
resp_seed() {  # name mode stream(printf format)
  { printf "\\x$2"; printf '\x01\x02\x03\x04\x05\x06\x07\x08'; printf "$3"; } \
    >"$out/resp_parser/$1"
}
resp_seed multibulk 00 '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n'
resp_seed pipeline 00 '*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\nPING\r\n\r\n*0\r\n*-1\r\n'
resp_seed inline 00 'SET k "a\\x41\\n b" '"'"'it\\'"'"'s'"'"'\r\nGET k\n'
resp_seed inline_unbalanced 00 'SET k "abc\r\n'
resp_seed unauth 01 '*11\r\n$1\r\na\r\n'
resp_seed small_bulk_limit 26 '*2\r\n$3\r\nGET\r\n$100\r\n'
resp_seed huge_multibulk 00 '*2147483647\r\n$1\r\na\r\n'
resp_seed huge_multibulk_over 00 '*2147483648\r\n'
resp_seed bulk_at_limit 00 '*1\r\n$536870912\r\nabc'
resp_seed bulk_over_limit 00 '*1\r\n$536870913\r\n'
resp_seed nested 00 '*1\r\n*1\r\n*1\r\n$1\r\na\r\n'
resp_seed resp3_types 00 '%%1\r\n+a\r\n:1\r\n~1\r\n,1.5\r\n'
resp_seed bad_headers 00 '*+1\r\n*01\r\n* 1\r\n$-1\r\n'
resp_seed expected_dollar 00 '*2\r\n$3\r\nGET\r\n:1\r\n'

# --- config ----------------------------------------------------------------
grep -v '^[[:space:]]*#' /etc/redis/redis.conf | grep -v '^[[:space:]]*$' \
  | grep -v -E '^(include|logfile|dir|pidfile|unixsocket)' >"$out/config/redis_conf" || true
printf 'port 7000\nsave 900 1 300 10\nsave ""\nmaxmemory 1gb\nmaxmemory-policy allkeys-lru\n' \
  >"$out/config/basic"
printf 'client-output-buffer-limit normal 0 0 0 replica 256mb 64mb 60\nrename-command FLUSHALL ""\n' \
  >"$out/config/multi_arg"
printf 'requirepass "p\\x41ss word"\nappendfsync everysec\nhz 500\nuser alice on >pw ~* +@all\n' \
  >"$out/config/quoting"
printf 'notify-keyspace-events KEA\noom-score-adj-values 0 200 800\nbind 127.0.0.1 -::1\nmy.module 5\n' \
  >"$out/config/special"
printf 'maxmemory 10xb\n' >"$out/config/bad_unit"
printf 'appendonly maybe\n' >"$out/config/bad_bool"

# --- manifest: hand-written variants --------------------------------------
printf 'file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.1.incr.aof seq 1 type h\nfile appendonly.aof.3.incr.aof seq 3 type i\nfile appendonly.aof.4.incr.aof seq 4 type i\n' \
  >"$out/manifest/history"
printf '# comment\nfile "name with \\x00 space.aof" seq 1 type i extra value\n' >"$out/manifest/quoted"
printf 'file a seq 1 type b\nfile b seq 2 type b\n' >"$out/manifest/duplicate_base"

# --- engine: [op][0xff][len][name][argc][7][len][arg]... ---------------------
python3 - "$out/engine" <<'PY'
import sys, os
out = sys.argv[1]
def cmd(*words, session=0):
    b = bytes([28 + session, 0xff, len(words[0])]) + words[0].encode()
    args = words[1:]
    b += bytes([len(args)])
    for a in args:
        a = a.encode() if isinstance(a, str) else a
        b += bytes([7, len(a)]) + a
    return b
def advance(unit, n):  # unit: 0 ms, 1 100ms, 2 s, 3 h
    return bytes([0, unit, n])
cron = bytes([16])
resp3 = bytes([24])
seeds = {
    "strings": cmd("set", "k0", "12345") + cmd("incrby", "k0", "10") + cmd("append", "k0", "x")
        + cmd("getrange", "k0", "0", "-1") + cmd("setrange", "k1", "5", "abc") + cmd("strlen", "k1")
        + cmd("mset", "k0", "a", "k1", "b") + cmd("msetnx", "k2", "c") + cmd("getdel", "k2")
        + cmd("incrbyfloat", "k3", "1.5") + cmd("lcs", "k0", "k1", "IDX", "WITHMATCHLEN"),
    "expiry": cmd("set", "k0", "v", "PX", "50") + cmd("set", "k1", "v", "EX", "10")
        + cmd("expire", "k1", "100", "GT") + cmd("pttl", "k1") + advance(1, 1) + cron
        + cmd("get", "k0") + advance(3, 1) + cron + cmd("dbsize") + cmd("getex", "k1", "PERSIST"),
    "transactions": cmd("watch", "k0") + cmd("multi") + cmd("set", "k0", "v")
        + cmd("set", "k0", "other", session=1) + cmd("incr", "k0") + cmd("exec")
        + cmd("multi") + cmd("nosuchcommand") + cmd("exec"),
    "databases": cmd("set", "k0", "v") + cmd("select", "1") + cmd("set", "k0", "w")
        + cmd("move", "k0", "0") + cmd("swapdb", "0", "1") + cmd("copy", "k0", "k1", "DB", "2")
        + cmd("flushdb") + cmd("select", "0") + cmd("scan", "0", "MATCH", "k*", "COUNT", "1")
        + cmd("keys", "*") + cmd("randomkey") + cmd("flushall"),
    "resp3": resp3 + cmd("set", "k0", "1") + cmd("incrbyfloat", "k0", "0.5")
        + cmd("object", "encoding", "k0") + cmd("get", "missing") + cmd("lcs", "k0", "k0", "IDX")
        + cmd("scan", "0", "TYPE", "string"),
    "keys": cmd("set", "k0", "v") + cmd("rename", "k0", "k1") + cmd("renamenx", "k1", "k2")
        + cmd("type", "k1") + cmd("exists", "k1", "k1") + cmd("touch", "k1")
        + cmd("object", "idletime", "k1") + cmd("del", "k1", "k2") + cmd("unlink", "k1"),
}
for name, data in seeds.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
PY
echo "seed corpora written under $out/"
