#!/usr/bin/env python3
"""How long one large SET in NVM mode holds up the other clients.

Usage: bench/nvm_link_stall.py /path/to/amber-server [SIZE_MB ...]   (default: 6 12)

For each size: starts amber-server in NVM mode at the default nvm-size
(pmem backend on /dev/shm, PMEM_IS_PMEM_FORCE=1, pinned to CPU 1), puts a
sustained small-SET load on it (redis-benchmark -P 16, pinned to CPU 0),
and while a probe client sends `SET probe 1` every millisecond, a third
client sends three SETs of SIZE_MB each. A value past the link threshold
(8 MB at the default nvm-size) is linked, and its write first folds the
whole replay lag into the store. Prints a markdown row per SET: the
replay lag before it, whether it was linked, its own time, and the slowest
probe SET while it ran (and in the 0.2 s before it).
"""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time


def call(sock, *args):
    sock.sendall(b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args))
    reply = b""
    while not reply.endswith(b"\r\n"):
        reply += sock.recv(1 << 20)
    return reply


def info_field(sock, field):
    sock.sendall(b"*2\r\n$4\r\nINFO\r\n$3\r\nnvm\r\n")
    reply = b""
    while b"\r\n" not in reply or len(reply) < reply.index(b"\r\n") + 4 + int(reply[1:reply.index(b"\r\n")]):
        reply += sock.recv(1 << 20)
    for line in reply.decode().split("\r\n"):
        if line.startswith(field + ":"):
            return int(line.split(":")[1])
    raise KeyError(field)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_size(amber, size_mb):
    work = tempfile.mkdtemp(prefix="amber-stall-")
    nvm = tempfile.mkdtemp(prefix="amber-stall-", dir="/dev/shm")
    port = free_port()
    env = dict(os.environ, PMEM_IS_PMEM_FORCE="1")
    server = subprocess.Popen(["taskset", "-c", "1", amber, "--port", str(port), "--dir", work,
                               "--save", "", "--nvm-enabled", "yes", "--nvm-path", nvm],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    load = None
    try:
        deadline = time.time() + 10
        while True:
            try:
                ctl = socket.create_connection(("127.0.0.1", port))
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.05)  # polling back-off; readiness is the connect
        load = subprocess.Popen(["taskset", "-c", "0", "redis-benchmark", "-p", str(port), "-t",
                                 "set", "-c", "50", "-r", "100000", "-n", "100000000", "-P",
                                 "16", "-d", "3", "-q"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(3)  # the replay lag builds up to its cap
        probe = socket.create_connection(("127.0.0.1", port))
        big = socket.create_connection(("127.0.0.1", port))
        for i in range(3):
            worst = [0.0]
            stop = [False]

            def ping():
                while not stop[0]:
                    start = time.time()
                    call(probe, b"SET", b"probe", b"1")
                    worst[0] = max(worst[0], time.time() - start)
                    time.sleep(0.001)

            lag = info_field(ctl, "nvm_replay_lag_bytes")
            linked_before = info_field(ctl, "nvm_linked_values")
            pinger = threading.Thread(target=ping)
            pinger.start()
            time.sleep(0.2)
            quiet, worst[0] = worst[0], 0.0
            start = time.time()
            call(big, b"SET", b"big:%d" % i, b"x" * (size_mb << 20))
            took = time.time() - start
            time.sleep(0.1)
            stop[0] = True
            pinger.join()
            linked = info_field(ctl, "nvm_linked_values") > linked_before
            print("| %d MB | %.1f MB | %s | %.0f ms | %.0f ms (%.0f ms) |" %
                  (size_mb, lag / 1e6, "yes" if linked else "no", took * 1000, worst[0] * 1000,
                   quiet * 1000), flush=True)
            time.sleep(0.5)
    finally:
        if load is not None:
            load.kill()
            load.wait()
        server.kill()
        server.wait()
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(nvm, ignore_errors=True)


def main():
    amber = sys.argv[1]
    sizes = [int(s) for s in sys.argv[2:]] or [6, 12]
    print("| value | replay lag before | linked | the large SET | slowest probe SET meanwhile (before) |")
    print("|---|---|---|---|---|")
    for size in sizes:
        run_size(amber, size)


if __name__ == "__main__":
    main()
