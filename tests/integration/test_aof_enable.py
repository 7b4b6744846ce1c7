"""Turning the AOF on at runtime, and SAVE next to a running AOF rewrite,
against the real amber-server binary.

CONFIG SET appendonly yes on a populated server answers at once and the AOF
waits for a background rewrite (redis-server 7.0's startAppendOnly:
aof_enabled:1, aof_rewrite_in_progress:1); writes made while the rewrite
runs end up in the AOF: after SIGKILL (appendfsync always) a restart from
the AOF has every key, checked with DEBUG DIGEST and key by key for the
writes made during the rewrite.

SAVE during BGREWRITEAOF saves the RDB and leaves the rewrite running (7.0's
saveCommand refuses only during a BGSAVE); SAVE during BGSAVE is refused.

Waits poll with a deadline; no fixed sleeps.
"""

import os
import shutil
import signal
import sys
import time
import unittest

import redis

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from amber_harness import Server, free_port  # noqa: E402

POPULATE_KEYS = 300000
DEADLINE_S = 60


def info(r):
    return r.info("persistence")


def wait_until(predicate, what):
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.005)  # polling a background job with a deadline
    raise AssertionError("timed out waiting for " + what)


class AofEnable(unittest.TestCase):
    def setUp(self):
        self.server = Server(extra_args=["--enable-debug-command", "yes"])
        self.server.start()

    def tearDown(self):
        self.server.stop()
        shutil.rmtree(self.server.dir, ignore_errors=True)

    def client(self):
        return redis.Redis(host="127.0.0.1", port=self.server.port, socket_timeout=30)

    def raw(self, *args):
        """The reply's bytes (redis-py turns BGSAVE's status into a bool)."""
        c = self.server.client()
        try:
            return c.call(*args)
        finally:
            c.close()

    def populate(self, r):
        r.execute_command("DEBUG", "POPULATE", POPULATE_KEYS, "key", 64)
        self.assertEqual(r.dbsize(), POPULATE_KEYS)

    def restart_from_aof(self):
        self.server.proc.send_signal(signal.SIGKILL)
        self.server.proc.wait()
        self.server.extra_args += ["--appendonly", "yes"]
        self.server.port = free_port()
        self.server.start()
        return self.client()

    def test_config_set_appendonly_replies_at_once_and_keeps_writes_made_meanwhile(self):
        r = self.client()
        self.populate(r)
        # Keys in a later db: changed before the walk reaches them, their old
        # state goes to a copy-on-write side buffer (aof_last_cow_size).
        r1 = redis.Redis(host="127.0.0.1", port=self.server.port, db=1, socket_timeout=30)
        r1.execute_command("DEBUG", "POPULATE", 1000, "db1", 64)
        r.config_set("appendfsync", "always")
        self.assertEqual(info(r)["aof_enabled"], 0)
        self.assertTrue(r.config_set("appendonly", "yes"))
        state = info(r)
        # The reply came back while the base is still being written.
        self.assertEqual(state["aof_enabled"], 1, state)
        self.assertEqual(state["aof_rewrite_in_progress"], 1, state)
        expected = {}
        n = 0
        while info(r)["aof_rewrite_in_progress"] == 1:
            pipe = r.pipeline(transaction=False)
            for _ in range(20):
                key = "key:%d" % ((n * 7919) % POPULATE_KEYS)
                if n % 4 == 3:
                    pipe.delete(key)
                    expected[key] = None
                else:
                    value = "during-%d" % n
                    pipe.set(key, value)
                    expected[key] = value
                pipe.set("new:%d" % n, n)
                expected["new:%d" % n] = str(n)
                n += 1
            pipe.execute()
            r1.set("db1:%d" % (n % 1000), n)
            self.assertLess(n, 10_000_000, "the rewrite never finished")
        during = n
        self.assertGreater(during, 0)
        state = info(r)
        self.assertEqual(state["aof_last_bgrewrite_status"], "ok", state)
        self.assertEqual(state["aof_enabled"], 1)
        self.assertGreater(state["aof_last_cow_size"], 0, state)
        for i in range(100):
            r.set("after:%d" % i, i)
            expected["after:%d" % i] = str(i)
        digest = r.execute_command("DEBUG", "DIGEST")
        size = r.dbsize()
        files = sorted(os.listdir(os.path.join(self.server.dir, "appendonlydir")))
        self.assertEqual(files, ["appendonly.aof.1.base.rdb", "appendonly.aof.1.incr.aof",
                                 "appendonly.aof.manifest"])

        r = self.restart_from_aof()
        self.assertEqual(r.dbsize(), size)
        self.assertEqual(r.execute_command("DEBUG", "DIGEST"), digest)
        keys = list(expected)
        for i in range(0, len(keys), 1000):
            chunk = keys[i:i + 1000]
            got = [v.decode() if v is not None else None for v in r.mget(chunk)]
            self.assertEqual(got, [expected[k] for k in chunk])
        print("writes during the enable rewrite: %d; keys checked: %d" % (during, len(keys)),
              file=sys.stderr)

    def test_appendonly_yes_during_bgsave_is_scheduled(self):
        r = self.client()
        self.populate(r)
        r.config_set("save", "")
        self.assertIn(b"started", self.raw("BGSAVE"))
        self.assertTrue(r.config_set("appendonly", "yes"))
        state = info(r)
        # A BGSAVE of this dataset takes about a second (Debug build).
        self.assertEqual(state["rdb_bgsave_in_progress"], 1, state)
        self.assertEqual(state["aof_rewrite_scheduled"], 1, state)
        self.assertEqual(state["aof_rewrite_in_progress"], 0, state)
        self.assertEqual(state["aof_enabled"], 1, state)
        wait_until(lambda: (lambda i: i["aof_rewrite_in_progress"] == 0 and
                            i["aof_rewrite_scheduled"] == 0)(info(r)), "the scheduled rewrite")
        self.assertEqual(info(r)["aof_last_bgrewrite_status"], "ok")
        r.set("after", "1")
        digest = r.execute_command("DEBUG", "DIGEST")
        r = self.restart_from_aof()
        self.assertEqual(r.execute_command("DEBUG", "DIGEST"), digest)

    def test_save_during_bgrewriteaof_leaves_the_rewrite_running(self):
        r = self.client()
        self.populate(r)
        r.config_set("appendonly", "yes")
        wait_until(lambda: info(r)["aof_rewrite_in_progress"] == 0, "the enable rewrite")
        rewrites = info(r)["aof_rewrites"]
        self.assertIn(b"started", self.raw("BGREWRITEAOF"))
        self.assertTrue(r.save())
        state = info(r)
        self.assertEqual(state["aof_rewrite_in_progress"], 1, state)
        self.assertTrue(os.path.exists(os.path.join(self.server.dir, "dump.rdb")))
        wait_until(lambda: info(r)["aof_rewrite_in_progress"] == 0, "the rewrite")
        state = info(r)
        self.assertEqual(state["aof_last_bgrewrite_status"], "ok", state)
        self.assertEqual(state["aof_rewrites"], rewrites + 1, "the rewrite was restarted")

    def test_save_during_bgsave_is_refused(self):
        r = self.client()
        self.populate(r)
        self.assertIn(b"started", self.raw("BGSAVE"))
        self.assertEqual(info(r)["rdb_bgsave_in_progress"], 1)
        with self.assertRaises(redis.ResponseError) as e:
            r.save()
        self.assertEqual(str(e.exception), "Background save already in progress")
        wait_until(lambda: info(r)["rdb_bgsave_in_progress"] == 0, "the BGSAVE")

    def test_shutdown_before_the_initial_aof_is_written_is_refused_unless_forced(self):
        r = self.client()
        self.populate(r)
        r.config_set("appendonly", "yes")
        self.assertEqual(info(r)["aof_rewrite_in_progress"], 1)
        reply = self.raw("SHUTDOWN", "NOSAVE")
        self.assertEqual(reply, b"-ERR Errors trying to SHUTDOWN. Check logs.\r\n")
        self.assertIn("Writing initial AOF, can't exit.", self.server.log())
        self.assertEqual(r.ping(), True)
        with self.assertRaises(redis.ConnectionError):
            r.execute_command("SHUTDOWN", "NOSAVE", "FORCE")
        self.assertEqual(self.server.proc.wait(10), 0)
        self.assertIn("Writing initial AOF. Exit anyway.", self.server.log())

    def test_debug_loadaof_reloads_what_the_aof_holds(self):
        r = self.client()
        with self.assertRaises(redis.ResponseError) as refused:
            r.execute_command("DEBUG", "LOADAOF")
        self.assertIn("appendonly yes", str(refused.exception))
        r.execute_command("DEBUG", "POPULATE", 20000)
        r.config_set("appendonly", "yes")
        wait_until(lambda: info(r)["aof_rewrite_in_progress"] == 0, "the first rewrite")
        r.set("incr-only", "1")  # in the incr file, not the base
        r.expire("key:5", 1000)
        self.client().select(1)
        r1 = redis.Redis(host="127.0.0.1", port=self.server.port, db=1, socket_timeout=30)
        r1.set("db1", "x")
        r.save()  # resets the change count; neither it nor LOADAOF is logged
        digest = r.execute_command("DEBUG", "DIGEST")
        self.assertTrue(r.execute_command("DEBUG", "LOADAOF"))
        self.assertEqual(r.execute_command("DEBUG", "DIGEST"), digest)
        self.assertEqual(r.get("incr-only"), b"1")
        self.assertGreater(r.ttl("key:5"), 900)
        self.assertEqual(r1.get("db1"), b"x")
        self.assertEqual(info(r)["rdb_changes_since_last_save"], 0)
        self.assertIn("Append Only File loaded by DEBUG LOADAOF", self.server.log())
        # Still appending: a write after the reload survives a kill.
        r.set("after", "2")
        aof_dir = os.path.join(self.server.dir, "appendonlydir")
        incr = b"".join(open(os.path.join(aof_dir, name), "rb").read()
                        for name in os.listdir(aof_dir) if name.endswith(".incr.aof"))
        self.assertIn(b"after", incr)
        self.assertNotIn(b"save", incr.lower())
        self.assertNotIn(b"loadaof", incr.lower())
        self.server.proc.send_signal(signal.SIGKILL)
        self.server.proc.wait()
        self.server.port = free_port()
        self.server.extra_args += ["--appendonly", "yes"]
        self.server.start()
        r = self.client()
        self.assertEqual(r.get("after"), b"2")
        self.assertEqual(r.dbsize(), 20002)


if __name__ == "__main__":
    unittest.main(verbosity=2)
