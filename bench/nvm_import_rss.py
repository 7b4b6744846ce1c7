#!/usr/bin/python3
"""The first start in NVM mode imports dump.rdb: its peak private memory and
time, with and without nvm-dram-max-memory, beside redis-server loading the
same RDB; then the time to grow the NVM files to twice their size.

usage: nvm_import_rss.py AMBER_SERVER [--keys N] [--value-bytes B]
                         [--bound 8mb] [--nvm-size 1gb] [--rounds 3]

The RDB (N keys of B random bytes) is written once by amber without
persistence. Each round runs, in this order, amber importing it without a
bound, amber importing it with the bound (pmem backend, PMEM_IS_PMEM_FORCE=1,
regions on /dev/shm) and redis-server loading it; servers on CPU 1, this
script on CPU 0. Peak memory is the largest RssAnon (private memory: the NVM
regions are file mappings) polled every ~3 ms from exec until the log says
"Ready to accept connections", which is also when the time stops. The grow
row restarts the bounded amber with twice the nvm-size and reads the
server's own "NVM files grown ... in N ms" line. Medians; markdown on stdout.
"""
import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def command(port, *args):
    with socket.create_connection(("127.0.0.1", port)) as sock:
        out = b"*%d\r\n" % len(args)
        for a in args:
            a = a.encode() if isinstance(a, str) else a
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        sock.sendall(out)
        return sock.recv(1 << 16)


def make_rdb(amber, directory, keys, value_bytes):
    port = free_port()
    proc = subprocess.Popen([amber, "--port", str(port), "--dir", directory, "--save", ""],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while True:
        try:
            sock = socket.create_connection(("127.0.0.1", port))
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.01)
    with sock:
        batch = []
        for i in range(keys):
            key = b"key:%d" % i
            value = os.urandom(value_bytes)
            batch.append(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n"
                         % (len(key), key, len(value), value))
            if len(batch) == 1000 or i == keys - 1:
                sock.sendall(b"".join(batch))
                expected = b"+OK\r\n" * len(batch)
                got = b""
                while len(got) < len(expected):
                    got += sock.recv(1 << 20)
                batch = []
    command(port, "SAVE")
    command(port, "SHUTDOWN", "NOSAVE")
    proc.wait()


def run_until_ready(args, directory, env=None):
    """Starts a server, polls its RssAnon until its log says it is ready;
    returns (port, proc, ready_ms, peak_anon_bytes, log_text)."""
    port = free_port()
    log_path = os.path.join(directory, "server.log")
    with open(log_path, "w") as log:
        start = time.monotonic()
        proc = subprocess.Popen(["taskset", "-c", "1"] + args + ["--port", str(port)],
                                stdout=log, stderr=subprocess.STDOUT, cwd=directory, env=env)
    peak = 0
    while True:
        with open(log_path) as f:
            text = f.read()
        if "Ready to accept connections" in text:
            ready_ms = (time.monotonic() - start) * 1000
            break
        if proc.poll() is not None:
            sys.exit("server exited:\n" + text)
        with open("/proc/%d/status" % proc.pid) as f:
            for line in f:
                if line.startswith("RssAnon:"):
                    peak = max(peak, int(line.split()[1]) * 1024)
        time.sleep(0.003)
    return port, proc, ready_ms, peak, text


def size_bytes(text):
    """'1gb', '512mb', '65536' as redis.conf reads them."""
    m = re.fullmatch(r"(\d+)(kb|mb|gb)?", text.lower())
    return int(m.group(1)) * {None: 1, "kb": 1 << 10, "mb": 1 << 20, "gb": 1 << 30}[m.group(2)]


def stop(port, proc):
    command(port, "SHUTDOWN", "NOSAVE")
    proc.wait()


def amber_import(amber, rdb, directory, nvm_size, bound):
    shutil.rmtree(directory, ignore_errors=True)
    os.makedirs(directory)
    shutil.copy(rdb, os.path.join(directory, "dump.rdb"))
    args = [amber, "--dir", directory, "--save", "", "--nvm-enabled", "yes",
            "--nvm-backend", "pmem", "--nvm-size", nvm_size]
    if bound:
        args += ["--nvm-dram-max-memory", bound]
    env = dict(os.environ, PMEM_IS_PMEM_FORCE="1")
    port, proc, ready_ms, peak, _ = run_until_ready(args, directory, env)
    stop(port, proc)
    return ready_ms, peak, args, env


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("amber")
    parser.add_argument("--keys", type=int, default=80000)
    parser.add_argument("--value-bytes", type=int, default=1500)
    parser.add_argument("--bound", default="8mb")
    parser.add_argument("--nvm-size", default="1gb")
    parser.add_argument("--rounds", type=int, default=3)
    opts = parser.parse_args()
    opts.amber = os.path.abspath(opts.amber)
    os.sched_setaffinity(0, {0})
    work = "/dev/shm/amber-bench-import"
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(os.path.join(work, "rdb"))
    make_rdb(opts.amber, os.path.join(work, "rdb"), opts.keys, opts.value_bytes)
    rdb = os.path.join(work, "rdb", "dump.rdb")
    rows = {"unbounded": [], "bounded": [], "redis": [], "grow": []}
    for _ in range(opts.rounds):
        ms, peak, _, _ = amber_import(opts.amber, rdb, os.path.join(work, "a"), opts.nvm_size, None)
        rows["unbounded"].append((ms, peak))
        ms, peak, args, env = amber_import(opts.amber, rdb, os.path.join(work, "b"),
                                           opts.nvm_size, opts.bound)
        rows["bounded"].append((ms, peak))
        redis_dir = os.path.join(work, "r")
        shutil.rmtree(redis_dir, ignore_errors=True)
        os.makedirs(redis_dir)
        shutil.copy(rdb, os.path.join(redis_dir, "dump.rdb"))
        port, proc, ms, peak, _ = run_until_ready(
            ["redis-server", "--dir", redis_dir, "--save", "", "--appendonly", "no"], redis_dir)
        stop(port, proc)
        rows["redis"].append((ms, peak))
        doubled = list(args)
        doubled[args.index("--nvm-size") + 1] = str(2 * size_bytes(opts.nvm_size))
        port, proc, _, _, text = run_until_ready(doubled, os.path.join(work, "b"), env)
        stop(port, proc)
        grown = re.search(r"NVM files grown for nvm-size \d+ in (\d+) ms", text)
        rows["grow"].append((float(grown.group(1)), 0))
    mb = opts.keys * opts.value_bytes / 1e6
    print("%d keys of %d bytes (%.0f MB of values), medians of %d rounds\n"
          % (opts.keys, opts.value_bytes, mb, opts.rounds))
    print("| start | time to ready (ms) | peak RssAnon (MB) |")
    print("|---|---|---|")
    names = {"unbounded": "amber NVM import, no DRAM bound",
             "bounded": "amber NVM import, nvm-dram-max-memory %s" % opts.bound,
             "redis": "redis-server loading the RDB"}
    for key, name in names.items():
        print("| %s | %.0f | %.1f |" % (name, statistics.median(r[0] for r in rows[key]),
                                       statistics.median(r[1] for r in rows[key]) / 1e6))
    print("| amber growing the bounded import's files to twice %s | %.0f (server's own "
          "count) | – |" % (opts.nvm_size, statistics.median(r[0] for r in rows["grow"])))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
