"""RDB snapshots end to end, against the real binaries.

- A BGSAVE is point-in-time: while another client overwrites, deletes and
  adds keys during the fork-less save, the file holds exactly the keys and
  values of the moment BGSAVE started; a restart on the same dir (after
  SHUTDOWN NOSAVE) serves exactly those.
- redis-server 7.0 loads the dump.rdb amber wrote and serves the same keys.
- amber loads a dump.rdb that redis-server wrote, values and TTLs intact.
- amber-check-rdb (when AMBER_CHECK_RDB names it) finds amber's file valid.
- While a large dump.rdb loads at startup, clients connect and get Redis's
  -LOADING error, INFO says loading:1; afterwards every key is served.

Waits poll with a deadline; nothing sleeps a fixed time to wait for a state.
Set AMBER_IT_SEED to reproduce a run's random values (printed on failure).
"""

import os
import random
import shutil
import subprocess
import tempfile
import threading
import time
import unittest

import redis

from amber_harness import Server

KEYS = 100_000
BATCH = 1000
DEADLINE_S = 60.0
SEED = int(os.environ.get("AMBER_IT_SEED", random.randrange(1 << 30)))


def server_in(directory, binary=None, extra_args=()):
    """A harness Server that runs in `directory` (kept after it stops)."""
    server = Server(list(extra_args), binary=binary)
    shutil.rmtree(server.dir, ignore_errors=True)
    server.dir = directory
    server.log_path = os.path.join(directory, "server.log")
    return server


def connect(server):
    return redis.Redis(host="127.0.0.1", port=server.port, socket_timeout=10)


def value_of(rng, i):
    return b"v1:%d:" % i + rng.randbytes(rng.randrange(0, 64))


def fill(r, items):
    pipe = r.pipeline(transaction=False)
    for n, (k, v) in enumerate(items.items(), 1):
        pipe.set(k, v)
        if n % BATCH == 0:
            pipe.execute()
    pipe.execute()


def read_all(r, keys):
    """{key: value} for `keys` (value None when missing), in batches."""
    out = {}
    keys = list(keys)
    for i in range(0, len(keys), BATCH):
        chunk = keys[i:i + BATCH]
        out.update(zip(chunk, r.mget(chunk)))
    return out


def wait_bgsave_done(r):
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        info = r.info("persistence")
        if info["rdb_bgsave_in_progress"] == 0:
            return info
        time.sleep(0.005)  # back-off between polls; INFO is the sync
    raise AssertionError("BGSAVE still in progress after %.0fs" % DEADLINE_S)


def shutdown_nosave(server):
    try:
        connect(server).shutdown(nosave=True)
    except redis.ConnectionError:
        pass  # the server closes the connection as it exits
    server.proc.wait(timeout=DEADLINE_S)


class Writer(threading.Thread):
    """Overwrites, deletes and adds keys until stopped; counts its writes."""

    def __init__(self, port, keys):
        super().__init__(daemon=True)
        self.r = redis.Redis(host="127.0.0.1", port=port, socket_timeout=10)
        self.keys = keys
        self.stop = threading.Event()
        self.writes = 0
        self.error = None

    def run(self):
        try:
            i = 0
            while not self.stop.is_set():
                pipe = self.r.pipeline(transaction=False)
                for _ in range(100):
                    k = self.keys[i % len(self.keys)]
                    op = i % 3
                    if op == 0:
                        pipe.set(k, b"v2")
                    elif op == 1:
                        pipe.delete(k)
                    else:
                        pipe.set(b"new:%d" % i, b"x")
                    i += 1
                pipe.execute()
                self.writes += 100
        except Exception as e:  # reported by the test thread
            self.error = e


class RdbPersistence(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="amber-it-rdb-")
        self.servers = []
        self.rng = random.Random(SEED)

    def tearDown(self):
        for s in self.servers:
            s.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def start(self, directory, binary=None):
        os.makedirs(directory, exist_ok=True)
        s = server_in(directory, binary=binary)
        self.servers.append(s)
        s.start()
        return s

    def assert_same_data(self, r, expected):
        self.assertEqual(r.dbsize(), len(expected), "seed %d" % SEED)
        got = read_all(r, expected.keys())
        bad = [k for k, v in expected.items() if got[k] != v]
        self.assertEqual(bad[:5], [], "seed %d: %d keys differ" % (SEED, len(bad)))

    def test_bgsave_under_writes_is_point_in_time_and_redis_reads_it(self):
        amber_dir = os.path.join(self.tmp, "amber")
        amber = self.start(amber_dir)
        r = connect(amber)
        expected = {b"key:%d" % i: value_of(self.rng, i) for i in range(KEYS)}
        fill(r, expected)
        writer = Writer(amber.port, list(expected.keys()))
        self.assertTrue(r.bgsave())
        writer.start()
        info = wait_bgsave_done(r)
        writes_during_save = writer.writes
        writer.stop.set()
        writer.join(timeout=DEADLINE_S)
        self.assertIsNone(writer.error)
        self.assertEqual(info["rdb_last_bgsave_status"], "ok")
        self.assertGreater(writes_during_save, 0, "the writer never overlapped the BGSAVE")
        shutdown_nosave(amber)

        check_rdb = os.environ.get("AMBER_CHECK_RDB")
        if check_rdb:
            out = subprocess.run([check_rdb, os.path.join(amber_dir, "dump.rdb")],
                                 capture_output=True, text=True, timeout=DEADLINE_S)
            self.assertEqual(out.returncode, 0, out.stdout)
            self.assertIn("[info] %d keys read\n" % KEYS, out.stdout)

        amber = self.start(amber_dir)
        self.assert_same_data(connect(amber), expected)
        self.assertIn("Done loading RDB, keys loaded: %d, keys expired: 0." % KEYS, amber.log())

        redis_dir = os.path.join(self.tmp, "redis")
        os.makedirs(redis_dir)
        shutil.copy(os.path.join(amber_dir, "dump.rdb"), redis_dir)
        real = self.start(redis_dir, binary="redis-server")
        self.assert_same_data(connect(real), expected)

    def test_amber_loads_what_redis_saved(self):
        redis_dir = os.path.join(self.tmp, "redis")
        real = self.start(redis_dir, binary="redis-server")
        r = connect(real)
        expected = {b"key:%d" % i: value_of(self.rng, i) for i in range(KEYS // 10)}
        expected[b"big"] = self.rng.randbytes(300_000)
        expected[b"compressible"] = b"ab" * 10_000
        expected[b"int"] = b"-1234567"
        fill(r, expected)
        r.pexpireat(b"key:1", 4102444800000)  # year 2100
        self.assertTrue(r.save())
        shutdown_nosave(real)

        amber_dir = os.path.join(self.tmp, "amber")
        os.makedirs(amber_dir)
        shutil.copy(os.path.join(redis_dir, "dump.rdb"), amber_dir)
        amber = self.start(amber_dir)
        a = connect(amber)
        self.assert_same_data(a, expected)
        self.assertEqual(a.execute_command("PEXPIRETIME", b"key:1"), 4102444800000)
        self.assertEqual(a.ttl(b"key:2"), -1)
        self.assertIn("Loading RDB produced by version 7.0.15", amber.log())

    def test_clients_get_loading_error_while_the_dataset_loads(self):
        keys = 1_000_000  # a load long enough to connect during it, even unsanitized
        directory = os.path.join(self.tmp, "loading")
        os.makedirs(directory)
        first = server_in(directory, extra_args=["--enable-debug-command", "yes"])
        self.servers.append(first)
        first.start()
        r = redis.Redis(host="127.0.0.1", port=first.port, socket_timeout=DEADLINE_S)
        self.assertEqual(r.execute_command("DEBUG", "POPULATE", keys), b"OK")
        self.assertTrue(r.save())
        shutdown_nosave(first)

        second = server_in(directory)
        self.servers.append(second)
        with open(second.log_path, "wb") as log:
            second.proc = subprocess.Popen(second.command_line(), stdout=log,
                                           stderr=subprocess.STDOUT, cwd=directory)
        replies, loading_info = [], None
        deadline = time.monotonic() + DEADLINE_S
        while time.monotonic() < deadline:
            try:
                c = second.client()
            except OSError:
                time.sleep(0.005)  # not listening yet
                continue
            reply = c.call("PING")
            replies.append(reply)
            if reply.startswith(b"-LOADING") and loading_info is None:
                loading_info = c.call("INFO", "persistence")
            c.close()
            if reply == b"+PONG\r\n":
                break
        self.assertIn(b"-LOADING Redis is loading the dataset in memory\r\n", replies)
        self.assertEqual(replies[-1], b"+PONG\r\n")
        self.assertIn(b"loading:1\r\n", loading_info)
        self.assertIn(b"loading_total_bytes:", loading_info)
        a = connect(second)
        self.assertEqual(a.dbsize(), keys)
        self.assertEqual(a.get("key:%d" % (keys - 1)), b"value:%d" % (keys - 1))
        self.assertEqual(a.info("persistence")["loading"], 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
