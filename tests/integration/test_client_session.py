"""A representative session of a real client library (redis-py) against
amber-server: strings and counters, expiry, MULTI/EXEC with WATCH (including
a watched key changed by another client), SCAN iteration, pipelining, and
RESP3 after HELLO 3 (checked on a raw socket, byte for byte: redis-py 4.3
does not speak RESP3)."""

import sys
import unittest

import redis

from amber_harness import Server, encode


class ClientSession(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        cls.server.__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)

    def setUp(self):
        self.r = redis.Redis(host="127.0.0.1", port=self.server.port, socket_timeout=5)
        self.r.flushall()

    def tearDown(self):
        self.r.close()

    def test_strings_and_counters(self):
        self.assertTrue(self.r.set("s", "v"))
        self.assertEqual(self.r.get("s"), b"v")
        self.assertIsNone(self.r.set("s", "w", nx=True))
        self.assertEqual(self.r.set("s", "w", xx=True, get=True), b"v")
        self.assertEqual(self.r.append("s", "xyz"), 4)
        self.assertEqual(self.r.getrange("s", 1, -1), b"xyz")
        self.assertEqual(self.r.setrange("s", 1, "AB"), 4)
        self.assertEqual(self.r.get("s"), b"wABz")
        self.assertEqual(self.r.incr("n"), 1)
        self.assertEqual(self.r.incrby("n", 41), 42)
        self.assertEqual(self.r.decrby("n", 2), 40)
        self.assertAlmostEqual(self.r.incrbyfloat("n", 0.5), 40.5)
        self.assertTrue(self.r.mset({"a": "1", "b": "2"}))
        self.assertFalse(self.r.msetnx({"b": "x", "c": "3"}))
        self.assertEqual(self.r.mget("a", "b", "c"), [b"1", b"2", None])
        self.assertEqual(self.r.getdel("a"), b"1")
        self.assertEqual(self.r.exists("a", "b", "b"), 2)
        self.assertEqual(self.r.type("b"), b"string")
        with self.assertRaisesRegex(redis.ResponseError, "not an integer or out of range"):
            self.r.incr("s")

    def test_expiry(self):
        self.r.set("e", "v", ex=1000)
        self.assertTrue(990 <= self.r.ttl("e") <= 1000)
        self.assertTrue(990_000 <= self.r.pttl("e") <= 1_000_000)
        self.assertTrue(self.r.persist("e"))
        self.assertEqual(self.r.ttl("e"), -1)
        self.assertEqual(self.r.ttl("missing"), -2)
        self.assertTrue(self.r.expireat("e", 4102444800))
        self.assertEqual(self.r.expiretime("e"), 4102444800)
        self.assertEqual(self.r.getex("e", px=5000), b"v")
        self.assertTrue(4000 <= self.r.pttl("e") <= 5000)
        # A deadline in the past deletes the key at once.
        self.assertTrue(self.r.pexpireat("e", 1))
        self.assertIsNone(self.r.get("e"))
        self.assertTrue(self.r.setex("x", 100, "v"))
        self.assertEqual(self.r.execute_command("EXPIRE", "x", 50, "GT"), 0)
        self.assertEqual(self.r.execute_command("EXPIRE", "x", 50, "LT"), 1)

    def test_multi_exec_runs_queued_commands_atomically(self):
        pipe = self.r.pipeline(transaction=True)
        pipe.set("t", "1").incr("t").get("t")
        self.assertEqual(pipe.execute(), [True, 2, b"2"])

    def test_watch_aborts_exec_when_another_client_writes(self):
        other = redis.Redis(host="127.0.0.1", port=self.server.port, socket_timeout=5)
        self.r.set("w", "0")
        with self.r.pipeline() as pipe:
            pipe.watch("w")
            other.set("w", "changed")
            pipe.multi()
            pipe.set("w", "mine")
            with self.assertRaises(redis.WatchError):
                pipe.execute()
        self.assertEqual(self.r.get("w"), b"changed")
        with self.r.pipeline() as pipe:
            pipe.watch("w")
            pipe.multi()
            pipe.set("w", "mine")
            self.assertEqual(pipe.execute(), [True])
        self.assertEqual(self.r.get("w"), b"mine")
        other.close()

    def test_exec_reports_runtime_errors_per_command(self):
        pipe = self.r.pipeline(transaction=True)
        pipe.set("m", "text").incr("m").get("m")
        results = pipe.execute(raise_on_error=False)
        self.assertEqual(results[0], True)
        self.assertIsInstance(results[1], redis.ResponseError)
        self.assertEqual(results[2], b"text")

    def test_scan_iteration_returns_every_key_by_pattern_and_type(self):
        keys = {"scan:%d" % i for i in range(300)}
        self.r.mset({k: "v" for k in keys})
        self.r.set("other", "v")
        seen = list(self.r.scan_iter(match="scan:*", count=7))
        self.assertEqual(set(k.decode() for k in seen), keys)
        # SCAN may repeat a key (during a rehash) but never invents one.
        self.assertGreaterEqual(len(seen), len(keys))
        self.assertEqual(len(list(self.r.scan_iter(_type="string"))), 301)
        self.assertEqual(self.r.dbsize(), 301)
        self.assertEqual(sorted(self.r.keys("oth*")), [b"other"])

    def test_pipelining_keeps_order_and_counts(self):
        pipe = self.r.pipeline(transaction=False)
        for i in range(1000):
            pipe.incr("p")
        self.assertEqual(pipe.execute(), list(range(1, 1001)))

    def test_raw_pipeline_in_one_write_gets_every_reply(self):
        c = self.server.client()
        c.send(b"".join(encode("SET", "rp:%d" % i, i) for i in range(100)) +
               b"PING\r\n" + encode("GET", "rp:99"))
        for _ in range(100):
            self.assertEqual(c.read_reply(), b"+OK\r\n")
        self.assertEqual(c.read_reply(), b"+PONG\r\n")  # inline command
        self.assertEqual(c.read_reply(), b"$2\r\n99\r\n")
        c.close()

    def test_select_and_move_between_databases(self):
        r1 = redis.Redis(host="127.0.0.1", port=self.server.port, db=1, socket_timeout=5)
        self.r.set("d", "v")
        self.assertTrue(self.r.move("d", 1))
        self.assertIsNone(self.r.get("d"))
        self.assertEqual(r1.get("d"), b"v")
        self.assertTrue(self.r.swapdb(0, 1))
        self.assertEqual(self.r.get("d"), b"v")
        r1.close()


class Resp3(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        cls.server.__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)

    def test_hello_3_switches_reply_types(self):
        c = self.server.client()
        hello = c.call("HELLO", "3")
        self.assertTrue(hello.startswith(b"%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n"), hello)
        self.assertIn(b"$5\r\nproto\r\n:3\r\n", hello)
        self.assertIn(b"$4\r\nmode\r\n$10\r\nstandalone\r\n", hello)
        self.assertIn(b"$4\r\nrole\r\n$6\r\nmaster\r\n", hello)
        self.assertTrue(hello.endswith(b"$7\r\nmodules\r\n*0\r\n"), hello)
        self.assertEqual(c.call("GET", "r3:missing"), b"_\r\n")
        self.assertEqual(c.call("SET", "r3:k", "v"), b"+OK\r\n")
        self.assertEqual(c.call("MGET", "r3:k", "r3:missing"), b"*2\r\n$1\r\nv\r\n_\r\n")
        self.assertEqual(c.call("INCRBYFLOAT", "r3:f", "1.5"), b"$3\r\n1.5\r\n")
        self.assertEqual(c.call("SET", "r3:k", "w", "NX"), b"_\r\n")
        c.close()

    def test_aborted_exec_is_null_in_resp3(self):
        c = self.server.client()
        other = self.server.client()
        c.call("HELLO", "3")
        self.assertEqual(c.call("WATCH", "r3:w"), b"+OK\r\n")
        self.assertEqual(other.call("SET", "r3:w", "x"), b"+OK\r\n")
        self.assertEqual(c.call("MULTI"), b"+OK\r\n")
        self.assertEqual(c.call("GET", "r3:w"), b"+QUEUED\r\n")
        self.assertEqual(c.call("EXEC"), b"_\r\n")
        c.close()
        other.close()

    def test_hello_rejects_unknown_protocol_and_back_to_2(self):
        c = self.server.client()
        self.assertEqual(c.call("HELLO", "4"), b"-NOPROTO unsupported protocol version\r\n")
        c.call("HELLO", "3")
        hello2 = c.call("HELLO", "2")
        self.assertTrue(hello2.startswith(b"*14\r\n$6\r\nserver\r\n"), hello2)
        self.assertEqual(c.call("GET", "r3:missing"), b"$-1\r\n")
        c.close()


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
