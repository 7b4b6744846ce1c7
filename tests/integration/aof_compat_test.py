"""AOF compatibility with redis-server 7.0, both ways.

redis-server writes an appendonlydir (writes with and without expiry,
MULTI/EXEC, several databases, a BGREWRITEAOF so there is an RDB-preamble
base plus an incr file, more writes after it); amber-server starts on that
directory and every key (value and absolute expiry) matches. Then amber
writes one — with `aof-use-rdb-preamble yes` and `no` — and redis-server
starts on it and reads every key back identical.

Needs redis-server on PATH (or REDIS_SERVER); skipped without it.
"""

import os
import shutil
import tempfile
import time
import unittest

import redis

from amber_harness import Server, server_binary

REDIS_SERVER = os.environ.get("REDIS_SERVER") or shutil.which("redis-server")
DATABASES = (0, 3, 15)


def workload(r, phase):
    """Writes of every kind the AOF must carry; `phase` keeps keys apart."""
    for db in DATABASES:
        c = r if db == 0 else redis.Redis(host=r.connection_pool.connection_kwargs["host"],
                                          port=r.connection_pool.connection_kwargs["port"],
                                          db=db)
        p = c.pipeline(transaction=False)
        for i in range(300):
            key = "%s:%d:k%d" % (phase, db, i)
            p.set(key, "v%d" % i * (1 + i % 5))
            if i % 4 == 0:
                p.expire(key, 1000 + i)
            if i % 9 == 0:
                p.pexpireat(key, int(time.time() * 1000) + 5_000_000 + i)
            if i % 11 == 0:
                p.incrby("%s:%d:counter" % (phase, db), i)
            if i % 13 == 0:
                p.append(key, "-tail")
        p.set("%s:%d:int" % (phase, db), 12345)
        p.set("%s:%d:big" % (phase, db), "z" * 5000)
        p.execute()
        tx = c.pipeline(transaction=True)
        tx.set("%s:%d:tx-a" % (phase, db), "A")
        tx.incr("%s:%d:tx-n" % (phase, db))
        tx.setex("%s:%d:tx-ex" % (phase, db), 5000, "E")
        tx.delete("%s:%d:k1" % (phase, db))
        tx.execute()
        c.getdel("%s:%d:k2" % (phase, db))
        c.set("%s:%d:k3" % (phase, db), "kept", keepttl=True)
        c.incrbyfloat("%s:%d:float" % (phase, db), 1.5)
        c.close()


def snapshot(port):
    """db -> key -> (value, absolute expiry ms or -1)."""
    state = {}
    for db in range(16):
        c = redis.Redis(host="127.0.0.1", port=port, db=db)
        keys = sorted(c.scan_iter(count=1000))
        if keys:
            values = c.mget(keys)
            p = c.pipeline(transaction=False)
            for k in keys:
                p.pexpiretime(k)
            expiries = p.execute()
            state[db] = {k: (v, e) for k, v, e in zip(keys, values, expiries)}
        c.close()
    return state


def wait_rewrite_done(r):
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        info = r.info("persistence")
        if not info["aof_rewrite_in_progress"] and not info["aof_rewrite_scheduled"]:
            return
        time.sleep(0.01)  # polling a background job with a deadline
    raise AssertionError("BGREWRITEAOF did not finish")


@unittest.skipIf(REDIS_SERVER is None, "redis-server not installed")
class AofCompat(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="amber-aof-compat-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def server(self, binary, extra):
        s = Server(extra_args=["--appendonly", "yes"] + extra, binary=binary)
        shutil.rmtree(s.dir, ignore_errors=True)
        s.dir = self.dir
        s.log_path = os.path.join(self.dir, "%s.log" % os.path.basename(binary))
        return s

    def write_then_check(self, writer_binary, reader_binary, extra):
        w = self.server(writer_binary, extra)
        w.start()
        try:
            r = redis.Redis(host="127.0.0.1", port=w.port)
            workload(r, "before")
            r.bgrewriteaof()
            wait_rewrite_done(r)
            workload(r, "after")
            expected = snapshot(w.port)
            self.assertEqual(sorted(expected), list(DATABASES))
            self.assertGreater(sum(len(keys) for keys in expected.values()), 1500)
            self.assertTrue(any(e > 0 for keys in expected.values() for _, e in keys.values()))
        finally:
            w.stop()
        files = sorted(os.listdir(os.path.join(self.dir, "appendonlydir")))
        self.assertEqual(len(files), 3, files)  # manifest, base, incr
        reader = self.server(reader_binary, extra)
        try:
            reader.start()
            self.assertEqual(snapshot(reader.port), expected,
                             "state differs; files %s; log:\n%s" % (files, reader.log()))
        finally:
            reader.stop()
        return files

    def test_amber_loads_what_redis_wrote(self):
        files = self.write_then_check(REDIS_SERVER, server_binary(), [])
        self.assertIn("appendonly.aof.2.base.rdb", files)

    def test_redis_loads_what_amber_wrote_with_rdb_preamble(self):
        files = self.write_then_check(server_binary(), REDIS_SERVER,
                                      ["--aof-use-rdb-preamble", "yes"])
        self.assertIn("appendonly.aof.2.base.rdb", files)

    def test_redis_loads_what_amber_wrote_without_preamble(self):
        files = self.write_then_check(server_binary(), REDIS_SERVER,
                                      ["--aof-use-rdb-preamble", "no"])
        self.assertIn("appendonly.aof.2.base.aof", files)


if __name__ == "__main__":
    unittest.main()
