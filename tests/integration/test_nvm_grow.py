"""Raising nvm-size grows the NVM files at the next start, against the real binary.

- A store that filled up (writes refused with MISCONF) is healthy again
  after a restart with a larger nvm-size: every acknowledged write is
  served, new writes are accepted, and INFO shows the larger store. The
  same nvm-size keeps refusing writes, as before.
- A smaller nvm-size keeps the files (NVM files only grow) and says so.
- Growing is atomic: SIGKILLs at random moments of growths lose nothing,
  and a leftover copy is discarded by the next start.

Set AMBER_IT_SEED to reproduce a run's random values (printed on failure).
"""

import os
import re
import time
import unittest

import redis

from amber_harness import SharedDirTest

NVM_ARGS = ["--nvm-enabled", "yes", "--nvm-backend", "emulated"]
MIB = 1 << 20


def connect(server):
    return redis.Redis(host="127.0.0.1", port=server.port, socket_timeout=10)


class NvmGrow(SharedDirTest):
    def nvm_server(self, nvm_size):
        return self.server(NVM_ARGS + ["--nvm-size", nvm_size])

    def file_size(self, name):
        return os.path.getsize(os.path.join(self.dir, name))

    def assert_served(self, server, expected):
        r = connect(server)
        self.assertEqual(r.dbsize(), len(expected))
        pipe = r.pipeline(transaction=False)
        keys = list(expected)
        for key in keys:
            pipe.get(key)
        self.assertEqual(dict(zip(keys, pipe.execute())), expected)

    def test_a_full_store_is_healthy_again_after_a_start_with_a_larger_nvm_size(self):
        server = self.nvm_server("2mb")
        server.start()
        r = connect(server)
        acknowledged = {}
        refused = None
        for i in range(100000):
            key = b"key:%d" % i
            value = self.rng.randbytes(self.rng.randrange(50, 300))
            try:
                r.set(key, value)
            except redis.exceptions.ResponseError as e:
                refused = str(e)
                break
            acknowledged[key] = value
        self.assertIsNotNone(refused, "a 2 MB store never filled up")
        self.assertIn("MISCONF", refused)
        self.assertIn("store full", refused)
        self.kill(server)

        same = self.nvm_server("2mb")
        self.start_until_ready(same)
        self.assert_served(same, acknowledged)
        with self.assertRaises(redis.exceptions.ResponseError):
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:  # refused once the replay meets the full store
                connect(same).set("still", "full")
                time.sleep(0.01)
        same.stop()

        store_before = self.file_size("amber.nvmstore")
        large = self.nvm_server("16mb")
        large.start()
        self.assertRegex(large.log(), r"NVM files grown for nvm-size 16777216 in \d+ ms: "
                                      r"log 524288 -> 4194304 bytes, store %d -> 12582912 bytes"
                         % store_before)
        self.assertEqual(self.file_size("amber.nvmstore"), 12 * MIB)
        self.assert_served(large, acknowledged)
        r = connect(large)
        r.set("after", "growing")
        deadline = time.monotonic() + 30
        while r.info("nvm")["nvm_replay_lag_bytes"] > 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        info = r.info("nvm")
        self.assertEqual(info["nvm_healthy"], 1)
        self.assertEqual(info["nvm_replay_lag_bytes"], 0)
        self.assertGreater(info["nvm_store_capacity_bytes"], 10 * MIB)
        self.kill(large)
        large.start()
        acknowledged[b"after"] = b"growing"
        self.assert_served(large, acknowledged)

    def test_a_smaller_nvm_size_keeps_the_files(self):
        server = self.nvm_server("8mb")
        server.start()
        connect(server).set("kept", "1")
        server.stop()
        small = self.nvm_server("2mb")
        small.start()
        self.assertEqual(connect(small).get("kept"), b"1")
        self.assertEqual(self.file_size("amber.nvmstore"), 6 * MIB)
        self.assertIn("nvm-size 2097152 is smaller than the NVM files", small.log())

    def test_kills_during_growths_lose_nothing(self):
        server = self.nvm_server("32mb")
        server.start()
        r = connect(server)
        expected = {}
        pipe = r.pipeline(transaction=False)
        for i in range(60000):
            key = b"key:%d" % i
            expected[key] = self.rng.randbytes(self.rng.randrange(100, 200))
            pipe.set(key, expected[key])
        pipe.execute()
        self.kill(server)  # the log's tail unreplayed: the growth copies it too

        size_mb = 32
        grown = 0
        mid_copy = 0
        for _ in range(8):
            size_mb += 8
            grower = self.nvm_server("%dmb" % size_mb)
            self.start_and_kill(grower, 0.5)
            grown += len(re.findall("NVM files grown", grower.log()))
            names = os.listdir(self.dir)
            mid_copy += any(name.endswith(".resize") for name in names)
            self.assertIn("amber.nvmlog", names)
            self.assertIn("amber.nvmstore", names)

        final = self.nvm_server("%dmb" % (size_mb + 8))
        final.start()
        self.assertIn("NVM files grown", final.log())
        self.assertEqual(self.file_size("amber.nvmstore"), (size_mb + 8) * MIB * 3 // 4)
        self.assertNotIn("amber.nvmstore.resize", os.listdir(self.dir))
        self.assertNotIn("amber.nvmlog.resize", os.listdir(self.dir))
        self.assert_served(final, expected)
        print("of 8 growths, %d finished before their kill, %d were killed mid-copy"
              % (grown, mid_copy))


if __name__ == "__main__":
    unittest.main()
