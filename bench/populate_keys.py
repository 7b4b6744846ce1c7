#!/usr/bin/env python3
"""Writes N SET commands in RESP to stdout, for `redis-cli --pipe`.

Keys are redis-benchmark's `key:__rand_int__` with -r N (key:000000000000 ..
key:<N-1> zero-padded to 12 digits), so that `redis-benchmark -t get -r N`
reads exactly these keys. Each value is SIZE bytes: a fill byte that
depends on the key, then the key's number, so that a reader can check a
value it gets back (bench/nvm_capacity.sh does, on a sample).

Usage: populate_keys.py N SIZE [FIRST]
"""
import sys


def main() -> None:
    count, size = int(sys.argv[1]), int(sys.argv[2])
    first = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    if size < 12:
        sys.exit("SIZE must be at least 12")
    out = sys.stdout.buffer
    head = b"*3\r\n$3\r\nSET\r\n$16\r\nkey:"
    mid = b"\r\n$%d\r\n" % size
    fills = [bytes([97 + c]) * (size - 12) for c in range(26)]
    batch = []
    for i in range(first, first + count):
        number = b"%012d" % i
        batch.append(head + number + mid + fills[i % 26] + number + b"\r\n")
        if len(batch) == 4096:
            out.write(b"".join(batch))
            batch.clear()
    out.write(b"".join(batch))


if __name__ == "__main__":
    main()
