"""The first start in NVM mode imports the RDB file, against the real binary.

- A server switched to `--nvm-enabled yes` in a dir that holds a dump.rdb
  (and no NVM files) serves that dataset, values, TTLs and databases
  intact, and the NVM store holds it: after the RDB is deleted and the
  server killed, a restart serves it from NVM alone.
- The import is atomic: a marker left by an import that did not finish
  makes the next start discard the NVM files and import again (SIGKILLs
  at random moments of imports lose nothing); without the RDB to import
  from, the server refuses to start and says why.
- An RDB larger than the NVM store is refused with an error (nothing
  served half-imported), and a start with a larger nvm-size imports it; a
  string longer than the NVM log takes is imported (linked, not logged).

Set AMBER_IT_SEED to reproduce a run's random values (printed on failure).
"""

import os
import shutil
import tempfile
import time
import unittest

import redis

from amber_harness import SharedDirTest

NVM_ARGS = ["--nvm-enabled", "yes", "--nvm-backend", "emulated"]
MARKER = "amber.nvmimport"


def connect(server, db=0):
    return redis.Redis(host="127.0.0.1", port=server.port, db=db, socket_timeout=10)


class NvmImport(SharedDirTest):
    def make_rdb(self, keys, value_bytes=64):
        """A dump.rdb written by amber without NVM; returns what db 0 holds."""
        server = self.server()
        server.start()
        r = connect(server)
        expected = {}
        pipe = r.pipeline(transaction=False)
        for i in range(keys):
            key = b"key:%d" % i
            value = self.rng.randbytes(self.rng.randrange(value_bytes // 2, value_bytes))
            expected[key] = value
            pipe.set(key, value)
        pipe.execute()
        r.expire(b"key:0", 1000)
        connect(server, 1).set("in-db-1", "one")
        self.assertTrue(r.save())
        server.stop()
        return expected

    def assert_dataset(self, server, expected):
        r = connect(server)
        self.assertEqual(r.dbsize(), len(expected))
        for key in list(expected)[:: max(1, len(expected) // 500)]:
            self.assertEqual(r.get(key), expected[key], key)
        self.assertGreater(r.ttl(b"key:0"), 900)
        self.assertEqual(r.ttl(b"key:1"), -1)
        self.assertEqual(connect(server, 1).get("in-db-1"), b"one")

    def test_the_first_start_in_nvm_mode_imports_the_rdb_and_nvm_keeps_it(self):
        expected = self.make_rdb(20000)
        server = self.server(NVM_ARGS + ["--nvm-size", "32mb"])
        server.start()
        self.assert_dataset(server, expected)
        info = connect(server).info("nvm")
        self.assertEqual(info["nvm_store_keys"], len(expected) + 1)
        self.assertEqual(info["nvm_replay_lag_bytes"], 0)
        self.assertFalse(os.path.exists(os.path.join(self.dir, MARKER)))
        self.assertIn("NVM store created from", server.log())
        connect(server).set("after-import", "x")
        # From now on NVM is the dataset: the RDB is not needed, nor read.
        os.remove(os.path.join(self.dir, "dump.rdb"))
        self.kill(server)
        server.start()
        expected[b"after-import"] = b"x"
        self.assert_dataset(server, expected)
        # The store's count is exact once its walk after the restart ends.
        deadline = time.monotonic() + 30
        while (connect(server).info("nvm")["nvm_store_rebuild_in_progress"] == 1
               and time.monotonic() < deadline):
            time.sleep(0.01)
        info = connect(server).info("nvm")
        self.assertEqual(info["nvm_store_rebuild_in_progress"], 0)
        self.assertEqual(info["nvm_store_keys"], len(expected) + 1)

    def test_a_string_longer_than_the_log_takes_is_imported(self):
        # The default nvm-size (256 MB): the log's largest record is ~32 MB.
        # A Redis user's 40 MB string goes into the store and is linked.
        server = self.server()
        server.start()
        huge = self.rng.randbytes(40 << 20)
        connect(server).set("huge", huge)
        connect(server).set("small", "s")
        self.assertTrue(connect(server).save())
        server.stop()
        server = self.server(NVM_ARGS)
        server.start()
        r = connect(server)
        self.assertEqual(r.get("huge"), huge)
        self.assertGreaterEqual(r.info("nvm")["nvm_linked_values"], 1)
        self.kill(server)
        os.remove(os.path.join(self.dir, "dump.rdb"))
        server.start()
        r = connect(server)
        self.assertEqual(r.get("huge"), huge)
        self.assertEqual(r.get("small"), b"s")

    def test_an_unfinished_import_is_discarded_and_done_again(self):
        expected = self.make_rdb(3000)
        # What a crash in the middle of an import leaves: the marker and
        # region files holding part of the data (here: junk).
        for name in (MARKER, "amber.nvmlog", "amber.nvmstore"):
            with open(os.path.join(self.dir, name), "wb") as f:
                f.write(b"partial" * 100)
        server = self.server(NVM_ARGS + ["--nvm-size", "32mb"])
        server.start()
        self.assert_dataset(server, expected)
        self.assertFalse(os.path.exists(os.path.join(self.dir, MARKER)))
        self.assertEqual(connect(server).info("nvm")["nvm_store_keys"], len(expected) + 1)

    def test_kills_during_the_import_lose_nothing(self):
        expected = self.make_rdb(50000)
        server = self.server(NVM_ARGS + ["--nvm-size", "64mb"])
        for _ in range(6):
            # SIGKILL at a random moment of the load, the logging or the fold.
            self.start_and_kill(server, 0.7)
        server.start()
        self.assert_dataset(server, expected)
        self.assertFalse(os.path.exists(os.path.join(self.dir, MARKER)))
        # All of it in NVM, none of it from the RDB any more.
        os.remove(os.path.join(self.dir, "dump.rdb"))
        self.kill(server)
        server.start()
        self.assert_dataset(server, expected)

    def test_an_unfinished_import_without_its_rdb_refuses_to_start(self):
        with open(os.path.join(self.dir, MARKER), "wb"):
            pass
        server = self.server(NVM_ARGS + ["--nvm-size", "32mb"])
        with self.assertRaises(RuntimeError) as refused:
            server.start()
        self.assertIn("did not finish and the file is gone", str(refused.exception))
        self.assertTrue(os.path.exists(os.path.join(self.dir, MARKER)))

    def test_an_rdb_larger_than_the_store_is_refused_until_nvm_size_is_raised(self):
        expected = self.make_rdb(4000, value_bytes=2000)  # ~4 MB of values
        small = self.server(NVM_ARGS + ["--nvm-size", "2mb"])
        with self.assertRaises(RuntimeError) as refused:
            small.start()
        self.assertIn("NVM import of", str(refused.exception))
        self.assertIn("store full", str(refused.exception))
        self.assertTrue(os.path.exists(os.path.join(self.dir, MARKER)))
        large = self.server(NVM_ARGS + ["--nvm-size", "64mb"])
        large.start()
        self.assert_dataset(large, expected)
        self.assertFalse(os.path.exists(os.path.join(self.dir, MARKER)))

    def import_peak_anon_bytes(self, extra_args):
        """Imports dump.rdb with the pmem backend and returns the largest
        RssAnon of the server seen while it imported, polled every few ms.
        The regions are files on /dev/shm persisted by cache-line flushes
        (PMEM_IS_PMEM_FORCE=1): mapped, so not anonymous memory, and with
        no msync to a disk whose speed would decide the test's time."""
        nvm_dir = tempfile.mkdtemp(prefix="amber-it-import-", dir="/dev/shm")
        self.addCleanup(shutil.rmtree, nvm_dir, True)
        server = self.server(["--nvm-enabled", "yes", "--nvm-backend", "pmem",
                              "--nvm-path", nvm_dir, "--nvm-size", "512mb"] + extra_args)
        # Under AddressSanitizer freed values would stay in its quarantine.
        env = dict(os.environ, ASAN_OPTIONS="quarantine_size_mb=0", PMEM_IS_PMEM_FORCE="1")
        peak = [0]

        def sample(pid):
            with open("/proc/%d/status" % pid) as f:
                for line in f:
                    if line.startswith("RssAnon:"):
                        peak[0] = max(peak[0], int(line.split()[1]) * 1024)

        self.start_until_ready(server, env=env, poll=sample)
        self.assertIn("NVM store created from", server.log())
        return server, peak[0]

    def test_an_rdb_larger_than_the_dram_bound_is_imported_without_holding_it_all(self):
        expected = self.make_rdb(40000, value_bytes=2000)  # ~60 MB of values
        unbounded, unbounded_peak = self.import_peak_anon_bytes([])
        self.assert_dataset(unbounded, expected)
        unbounded.stop()
        bounded, bounded_peak = self.import_peak_anon_bytes(["--nvm-dram-max-memory", "8mb"])
        print("import peak RssAnon: %.1f MB unbounded, %.1f MB with an 8 MB bound"
              % (unbounded_peak / 1e6, bounded_peak / 1e6))
        # The bound saves most of the values' bytes (a fixed overhead of
        # tens of MB, more under ASan, comes on top of the bound).
        values = sum(len(v) for v in expected.values())
        self.assertGreater(unbounded_peak, values)
        self.assertLess(bounded_peak, unbounded_peak - 0.6 * values)
        info = connect(bounded).info("nvm")
        self.assertLessEqual(info["nvm_dram_used_bytes"], 8 * (1 << 20) * 13 // 10)
        self.assertGreater(info["nvm_offloaded_keys"], 30000)
        self.assert_dataset(bounded, expected)

    def test_a_start_with_nvm_files_does_not_read_the_rdb(self):
        server = self.server(NVM_ARGS + ["--nvm-size", "32mb"])
        server.start()  # no RDB: an empty NVM store
        connect(server).set("nvm-only", "1")
        server.stop()
        self.make_rdb(100)  # a dump.rdb appears beside the NVM files
        server = self.server(NVM_ARGS + ["--nvm-size", "32mb"])
        server.start()
        r = connect(server)
        self.assertEqual(r.dbsize(), 1)
        self.assertEqual(r.get("nvm-only"), b"1")


if __name__ == "__main__":
    unittest.main()
