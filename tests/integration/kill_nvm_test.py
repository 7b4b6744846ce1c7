"""Kill test for NVM mode: acknowledged writes survive SIGKILL.

The workload and the checks are kill_aof_test.py's (a writer pipelining
SET k<i>, INCR of a counter and MULTI/EXEC units spanning db 0 and db 1,
counting the replies it read), against amber-server running with
`--nvm-enabled yes --nvm-backend emulated`: the emulated region's image file
holds exactly what was persisted (flushed and drained), so a SIGKILL at any
moment is a power failure of the NVM. After each restart the recovered state
must hold every acknowledged write, be a prefix of what was sent (no holes,
no torn values, transactions whole) and keep everything recovered earlier;
a bulk dataset in db 2 must survive every cycle. Seeded (AMBER_KILL_SEED,
printed on failure) and bounded by a time budget.
"""

import os
import random
import sys
import threading
import time
import unittest

import redis

import kill_aof_test as aof

BULK_KEYS = 5000


class KillNvm(aof.KillAof):
    bulk_keys = BULK_KEYS

    def setUp(self):
        self.seed = int(os.environ.get("AMBER_KILL_SEED", str(random.randrange(1 << 30))))
        self.rng = random.Random(self.seed)
        self.server = aof.Server(extra_args=["--nvm-enabled", "yes", "--nvm-backend", "emulated",
                                             "--nvm-size", "32mb", "--nvm-replay-lag", "1mb"])
        self.expected = {0: {}, 1: {}}

    def run_cycle(self, cycle):
        writer = aof.Writer(self.server.port, cycle, self.seed * 1000 + cycle)
        writer.start()
        time.sleep(self.rng.uniform(0.005, 0.12))  # the random kill moment
        self.kill()
        writer.join(10)
        self.assertFalse(writer.is_alive())
        if writer.error:
            self.fail_seed("cycle %d: writer: %s" % (cycle, writer.error))
        self.restart()
        self.verify_cycle(cycle, writer)
        self.verify_sizes()

    def test_acknowledged_writes_survive_sigkill(self):
        cycles, took = self.run_cycles()
        info = self.client().info("nvm")
        self.assertEqual(info["nvm_enabled"], 1)
        self.assertEqual(info["nvm_log_capacity_bytes"], 32 * 1024 * 1024 // 4 - 192)
        print("seed %d: %d NVM kill cycles in %.1fs; last recovery %d ms, %d store keys" %
              (self.seed, cycles, took, info["nvm_last_recovery_ms"], info["nvm_store_keys"]),
              file=sys.stderr)
        self.assertGreaterEqual(cycles, 50, "too slow: only %d cycles in budget" % cycles)
        # One log at a time: the AOF cannot be switched on under NVM.
        with self.assertRaises(redis.ResponseError) as refused:
            self.client().config_set("appendonly", "yes")
        self.assertIn("nvm-enabled", str(refused.exception))
        self.assertEqual(self.client().config_get("appendonly")["appendonly"], "no")

    def test_nvm_with_appendonly_refuses_to_start(self):
        self.server.extra_args += ["--appendonly", "yes"]
        with self.assertRaises(RuntimeError) as raised:
            self.server.start()
        self.assertIn("appendonly", str(raised.exception))

    def test_values_longer_than_the_log_takes_are_linked_and_refused_only_past_the_store(self):
        # nvm-size 2mb: a 512 KiB log whose largest record is ~256 KiB (values
        # past a quarter of that go into the store, linked by a record), a
        # 1.5 MiB store.
        self.server.extra_args = ["--nvm-enabled", "yes", "--nvm-backend", "emulated",
                                  "--nvm-size", "2mb"]
        self.server.start()
        r = self.client()
        r.set("kept", "v")
        r.set("huge", b"x" * 200000)
        r.set("grown", b"y" * 100000)
        self.assertEqual(r.append("grown", b"z" * 50000), 150000)
        self.assertEqual(r.execute_command("COPY", "grown", "twin"), 1)
        pipe = r.pipeline(transaction=True)
        pipe.set("first", "1")
        pipe.append("huge", b"w" * 10)
        pipe.execute()
        self.assertGreaterEqual(r.info("nvm")["nvm_linked_values"], 4)
        # Larger than the whole store: refused before it runs.
        with self.assertRaises(redis.ResponseError) as refused:
            r.set("too-big", b"x" * 2000000)
        self.assertIn("does not fit in NVM mode", str(refused.exception))
        self.assertIsNone(r.get("too-big"))
        # A FLUSHALL in the unit logs every value whole: judged at EXEC.
        pipe = r.pipeline(transaction=True)
        pipe.flushall()
        pipe.set("after-flush", b"f" * 300000)
        with self.assertRaises(redis.exceptions.ExecAbortError) as refused:  # -EXECABORT
            pipe.execute()
        self.assertIn("does not fit in NVM mode", str(refused.exception))
        self.assertEqual(r.get("kept"), b"v")
        self.kill()
        self.restart()
        r = self.client()
        self.assertEqual(r.get("kept"), b"v")
        self.assertEqual(r.get("huge"), b"x" * 200000 + b"w" * 10)
        self.assertEqual(r.get("grown"), b"y" * 100000 + b"z" * 50000)
        self.assertEqual(r.get("twin"), r.get("grown"))
        self.assertEqual(r.get("first"), b"1")
        self.assertIsNone(r.get("after-flush"))

    def test_linked_values_survive_sigkill(self):
        # Values of 150-400 KB against a 1 MiB largest record: every other
        # write is linked. A writer overwrites a few keys until the kill; each
        # key must then hold the last value acknowledged for it or one sent
        # after it, whole.
        self.server.extra_args = ["--nvm-enabled", "yes", "--nvm-backend", "emulated",
                                  "--nvm-size", "8mb"]
        self.server.start()

        def value(n):
            return (b"%08d" % n) * ((150000 + (n * 7919) % 250000) // 8)

        self.client().set("probe", b"p" * 400000)
        self.assertEqual(self.client().info("nvm")["nvm_linked_values"], 1)

        sent = {}
        for cycle in range(10):
            acked = {}
            stop = [False]

            def write():
                try:
                    w = self.client()
                    n = cycle * 100000
                    while not stop[0]:
                        key = "big:%d" % (n % 5)
                        sent[key] = n
                        w.set(key, value(n))
                        acked[key] = n
                        n += 1
                except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError):
                    pass

            writer = threading.Thread(target=write, daemon=True)
            writer.start()
            time.sleep(self.rng.uniform(0.02, 0.3))
            self.kill()
            stop[0] = True
            writer.join(10)
            self.restart()
            r = self.client()
            for key, n in acked.items():
                got = r.get(key)
                if got is None:
                    self.fail_seed("cycle %d: %s lost (acknowledged %d)" % (cycle, key, n))
                m = int(got[:8])
                if got != value(m) or not n <= m <= sent[key]:
                    self.fail_seed("cycle %d: %s holds %d, acknowledged %d, sent up to %d" %
                                   (cycle, key, m, n, sent[key]))
        self.assertEqual(r.get("probe"), b"p" * 400000)

    def test_debug_reload_keeps_the_dataset_durable(self):
        self.server.extra_args += ["--enable-debug-command", "yes"]
        self.server.start()
        r = self.client()
        expected = {b"k:%d" % i: b"v" * (i % 700) for i in range(3000)}
        pipe = r.pipeline(transaction=False)
        for key, value in expected.items():
            pipe.set(key, value)
        pipe.execute()
        self.client(1).set("other-db", "x")
        self.assertTrue(r.execute_command("DEBUG", "RELOAD"))
        self.assertEqual(r.dbsize(), len(expected))
        # The log and store keep what they hold: other data is refused.
        for option in ("NOSAVE", "MERGE", "NOFLUSH"):
            with self.assertRaises(redis.ResponseError) as refused:
                r.execute_command("DEBUG", "RELOAD", option)
            self.assertIn("nvm-enabled", str(refused.exception))
        r.set("after", "1")
        self.kill()  # nothing of the reload may have reached the log as a flush
        self.restart()
        r = self.client()
        self.assertEqual(r.dbsize(), len(expected) + 1)
        self.assertEqual(r.get("after"), b"1")
        self.assertEqual(self.client(1).get("other-db"), b"x")
        for key in list(expected)[::97]:
            self.assertEqual(r.get(key), expected[key])


    def test_a_key_rewritten_while_its_records_wait_is_folded_once(self):
        self.server.start()
        r = self.client()
        pipe = r.pipeline(transaction=False)
        for _ in range(20000):
            pipe.incr("counter")
        pipe.set("other", "o")
        pipe.execute()
        # Idle: the server folds its whole log into the store.
        deadline = time.time() + 10
        while r.info("nvm")["nvm_replay_lag_bytes"] > 0 and time.time() < deadline:
            time.sleep(0.01)
        info = r.info("nvm")
        self.assertEqual(info["nvm_replay_lag_bytes"], 0)
        # Each INCR's record was durable when the next one's superseded it:
        # the store wrote the counter at most a few times, not 20000.
        self.assertGreater(info["nvm_replay_superseded_ops"], 19000)
        self.kill()
        self.restart()
        r = self.client()
        self.assertEqual(r.get("counter"), b"20000")
        self.assertEqual(r.get("other"), b"o")
        self.assertEqual(r.info("nvm")["nvm_recovery_log_records"], 0)


class KillNvmCapacityTier(KillNvm):
    """The same kill cycles with nvm-dram-max-memory far below the data: most
    values live only in the store when the kill comes, and the restart fills
    keys in offloaded."""

    # Only the kill cycles differ from KillNvm; its other tests are not rerun.
    test_nvm_with_appendonly_refuses_to_start = None
    test_values_longer_than_the_log_takes_are_linked_and_refused_only_past_the_store = None
    test_linked_values_survive_sigkill = None
    test_a_key_rewritten_while_its_records_wait_is_folded_once = None

    def setUp(self):
        super().setUp()
        self.server.extra_args += ["--nvm-dram-max-memory", "256kb"]

    def test_acknowledged_writes_survive_sigkill(self):
        cycles, took = self.run_cycles()
        r = self.client()
        info = r.info("nvm")
        self.assertEqual(info["nvm_dram_max_memory"], 256 * 1024)
        self.assertGreater(info["nvm_offloads"], 0)
        self.assertGreater(info["nvm_offloaded_keys"], self.bulk_keys // 2)
        bulk = self.client(2)
        for i in range(0, self.bulk_keys, 7):
            if bulk.get(b"bulk:%d" % i) != aof.BULK_VALUE:
                self.fail_seed("bulk:%d lost its value" % i)
        self.assertGreater(r.info("nvm")["nvm_offloaded_reads"], 0)
        print("seed %d: %d NVM kill cycles with a 256 KiB DRAM bound in %.1fs; %d keys offloaded" %
              (self.seed, cycles, took, info["nvm_offloaded_keys"]), file=sys.stderr)


if __name__ == "__main__":
    unittest.main()
