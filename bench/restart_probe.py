#!/usr/bin/python3
"""Starts a server and measures how soon it serves: the wall time from exec
to the first correct GET of a known key and to the first accepted SET, then
(optionally) until a condition in INFO holds, and the server's RSS at those
points. Used by bench/nvm_compare.sh for amber in NVM mode and for
redis-server loading an RDB or an AOF of the same data.

usage: restart_probe.py PORT KEY EXPECTED [--wait-info FIELD:VALUE] -- CMD...
Prints one line: get_ms set_ms ready_ms rss_get_mib rss_ready_mib
anon_ready_mib wait_get_max_ms (rss_*: VmRSS of the server, which counts
the pages of a mapped NVM file it touched; anon_*: RssAnon, its private
memory; ready_*: when FIELD of INFO had VALUE, or the same as get;
wait_get_max_ms: the slowest round trip of the GETs sent every millisecond
until then, i.e. how long a client waited while the server worked towards
FIELD:VALUE, e.g. filling DRAM after a restart; 0 without --wait-info).
"""
import socket
import subprocess
import sys
import time


def rss_mib(pid, field="VmRSS"):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024.0
    return 0.0


def command(sock, *args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a.encode() if isinstance(a, str) else a
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    sock.sendall(out)
    data = b""
    while True:
        chunk = sock.recv(1 << 20)
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
        if data.startswith((b"+", b"-", b":")) and data.endswith(b"\r\n"):
            return data
        if data.startswith(b"$-1\r\n"):
            return data
        if data.startswith(b"$"):
            header, _, rest = data.partition(b"\r\n")
            if len(rest) >= int(header[1:]) + 2:
                return data
        if data.startswith(b"*") or data.startswith(b"="):
            # INFO is a bulk string; arrays are not used here.
            continue


def info_field(sock, field):
    reply = command(sock, "INFO", "everything").decode(errors="replace")
    for line in reply.split("\r\n"):
        if line.startswith(field + ":"):
            return line.split(":", 1)[1]
    return None


def main():
    sep = sys.argv.index("--")
    port, key, expected = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    wait = None
    if "--wait-info" in sys.argv[:sep]:
        wait = sys.argv[sys.argv.index("--wait-info") + 1].split(":", 1)
    cmd = sys.argv[sep + 1:]
    want = b"$%d\r\n%s\r\n" % (len(expected), expected.encode())
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    get_ms = set_ms = ready_ms = None
    rss_get = rss_ready = anon_ready = 0.0
    deadline = start + 300
    sock = None
    while time.monotonic() < deadline:
        try:
            if sock is None:
                sock = socket.create_connection(("127.0.0.1", port), timeout=60)
            if get_ms is None:
                if command(sock, "GET", key) == want:
                    get_ms = (time.monotonic() - start) * 1000
                    rss_get = rss_mib(proc.pid)
                else:
                    time.sleep(0.001)
                    continue
            if command(sock, "SET", "restart_probe", "x") == b"+OK\r\n":
                set_ms = (time.monotonic() - start) * 1000
                break
            time.sleep(0.001)
        except (ConnectionError, OSError):
            sock = None
            time.sleep(0.001)
    wait_get_max_ms = 0.0
    if wait is not None and set_ms is not None:
        next_info = 0.0
        while time.monotonic() < deadline:
            if time.monotonic() >= next_info:
                if info_field(sock, wait[0]) == wait[1]:
                    break
                next_info = time.monotonic() + 0.01
            sent = time.monotonic()
            if command(sock, "GET", key) != want:
                print("wrong GET reply while waiting", file=sys.stderr)
                sys.exit(1)
            wait_get_max_ms = max(wait_get_max_ms, (time.monotonic() - sent) * 1000)
            time.sleep(0.001)
        ready_ms = (time.monotonic() - start) * 1000
    else:
        ready_ms = get_ms
    if set_ms is not None:
        rss_ready, anon_ready = rss_mib(proc.pid), rss_mib(proc.pid, "RssAnon")
    if sock is not None:
        try:
            command(sock, "SHUTDOWN", "NOSAVE")
        except (ConnectionError, OSError):
            pass
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
    if get_ms is None or set_ms is None:
        print("probe failed", file=sys.stderr)
        sys.exit(1)
    print(f"{get_ms:.1f} {set_ms:.1f} {ready_ms:.1f} {rss_get:.1f} {rss_ready:.1f} {anon_ready:.1f} "
          f"{wait_get_max_ms:.1f}")


if __name__ == "__main__":
    main()
