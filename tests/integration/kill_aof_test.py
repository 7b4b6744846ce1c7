"""Kill test: acknowledged writes survive SIGKILL with appendfsync always.

A writer connection pipelines SET k<i>, INCR of a counter and MULTI/EXEC
units (whose keys span db 0 and db 1) into amber-server running with
`--appendonly yes --appendfsync always`, and records how many replies it
read (the acknowledged prefix). At a random moment the server is SIGKILLed
and restarted on the same directory. The recovered state must then be a
prefix of what was sent, holding every acknowledged write:

  - the SET/MULTI ops present form a prefix of those sent (no holes), with
    exact values (nothing torn), the two keys of a MULTI both or neither;
  - every acknowledged op is present;
  - the counter equals the number of INCRs in some prefix consistent with
    the ops present, and is >= the acknowledged INCRs;
  - everything recovered earlier is still there.

Every third cycle has a BGSAVE running at the kill, every third a
BGREWRITEAOF (a bulk dataset in db 2 makes them last a while; the kill
moment of those cycles is drawn from the span each job took at preload);
the test checks that a good share of those kills really hit a running job.
The run is seeded (AMBER_KILL_SEED, printed on failure) and bounded by a
time budget.
"""

import os
import random
import shutil
import signal
import sys
import threading
import time
import unittest

import redis

from amber_harness import RawClient, Server, encode, free_port

CYCLES = int(os.environ.get("AMBER_KILL_CYCLES", "54"))
TIME_BUDGET_S = 55.0
BULK_KEYS = 40000
BULK_VALUE = b"x" * 100


class Op:
    """One unit the writer sends: its request bytes and reply count."""

    def __init__(self, kind, index, request, replies):
        self.kind = kind  # "set", "incr" or "multi"
        self.index = index
        self.request = request
        self.replies = replies


def set_key(cycle, i):
    return b"c%d:s%d" % (cycle, i)


def set_value(cycle, i):
    return b"v%d-%d-" % (cycle, i) + b"p" * (i % 37)


def multi_keys(cycle, j):
    return b"c%d:m%d:a" % (cycle, j), b"c%d:m%d:b" % (cycle, j)


def ctr_key(cycle):
    return b"c%d:ctr" % cycle


class Writer(threading.Thread):
    """Pipelines ops until the connection dies; `acked` ops got replies."""

    def __init__(self, port, cycle, seed):
        super().__init__(daemon=True)
        self.port = port
        self.cycle = cycle
        self.rng = random.Random(seed)
        self.ops = []  # every op sent, in order
        self.acked = 0  # ops whose every reply was read
        self.error = None
        self.sets = 0
        self.multis = 0

    def make_op(self):
        roll = self.rng.random()
        cycle = self.cycle
        if roll < 0.55:
            i = self.sets
            self.sets += 1
            req = encode("SET", set_key(cycle, i), set_value(cycle, i))
            return Op("set", i, req, 1)
        if roll < 0.8:
            return Op("incr", 0, encode("INCR", ctr_key(cycle)), 1)
        j = self.multis
        self.multis += 1
        a, b = multi_keys(cycle, j)
        req = (encode("MULTI") + encode("SET", a, b"A%d" % j) + encode("SELECT", 1) +
               encode("SET", b, b"B%d" % j) + encode("SELECT", 0) +
               encode("INCR", ctr_key(cycle)) + encode("EXEC"))
        return Op("multi", j, req, 7)

    def run(self):
        try:
            c = RawClient(self.port)
        except OSError as e:
            self.error = "connect: %s" % e
            return
        try:
            while True:
                batch = [self.make_op() for _ in range(self.rng.randint(1, 12))]
                self.ops.extend(batch)
                c.send(b"".join(op.request for op in batch))
                for op in batch:
                    last = b""
                    for _ in range(op.replies):
                        last = c.read_reply()
                        if last == b"":
                            return
                    if last.startswith(b"-") or (op.kind == "multi" and not last.startswith(b"*5")):
                        self.error = "unexpected reply %r to %s" % (last, op.kind)
                        return
                    self.acked += 1
        except OSError:
            return  # the kill
        finally:
            c.close()


class KillAof(unittest.TestCase):
    bulk_keys = BULK_KEYS  # preloaded into db 2; subclasses may load fewer

    def setUp(self):
        self.seed = int(os.environ.get("AMBER_KILL_SEED", str(random.randrange(1 << 30))))
        self.rng = random.Random(self.seed)
        self.server = Server(extra_args=["--appendonly", "yes", "--appendfsync",
                                         os.environ.get("AMBER_KILL_FSYNC", "always")])
        self.expected = {0: {}, 1: {}}  # recovered earlier: db -> key -> value
        self.in_job = {"bgsave": 0, "bgrewriteaof": 0}
        self.job_cycles = {"bgsave": 0, "bgrewriteaof": 0}

    def tearDown(self):
        self.server.stop()
        shutil.rmtree(self.server.dir, ignore_errors=True)

    def fail_seed(self, msg):
        self.fail("%s (seed %d, AMBER_KILL_SEED=%d reproduces the workload; log:\n%s)" %
                  (msg, self.seed, self.seed, self.server.log()[-3000:]))

    def client(self, db=0):
        return redis.Redis(host="127.0.0.1", port=self.server.port, db=db, socket_timeout=10)

    def restart(self):
        self.server.port = free_port()
        self.server.start()

    def kill(self):
        self.server.proc.send_signal(signal.SIGKILL)
        self.server.proc.wait()

    def preload(self):
        r = self.client(2)
        pipe = r.pipeline(transaction=False)
        for i in range(self.bulk_keys):
            pipe.set(b"bulk:%d" % i, BULK_VALUE)
            if i % 2000 == 1999:
                pipe.execute()
        pipe.execute()
        r.bgrewriteaof()
        self.wait_idle(r)
        # How long each job takes on this machine: a job cycle's kill moment
        # is drawn from that span, so that most of those kills hit the job
        # however fast the machine is.
        self.job_seconds = {}
        for job in ("bgsave", "bgrewriteaof"):
            started = time.monotonic()
            getattr(r, job)()
            self.wait_idle(r)
            self.job_seconds[job] = time.monotonic() - started

    def wait_idle(self, r):
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            info = r.info("persistence")
            if not (info["aof_rewrite_in_progress"] or info["aof_rewrite_scheduled"] or
                    info["rdb_bgsave_in_progress"]):
                return
            time.sleep(0.01)  # polling a background job with a deadline
        self.fail_seed("background job did not finish")

    def job_running(self, job):
        try:
            info = self.client().info("persistence")
        except redis.RedisError:
            return False
        if job == "bgsave":
            return info["rdb_bgsave_in_progress"] == 1
        return info["aof_rewrite_in_progress"] == 1 or info["aof_rewrite_scheduled"] == 1

    def run_cycle(self, cycle):
        job = [None, "bgsave", "bgrewriteaof"][cycle % 3]
        writer = Writer(self.server.port, cycle, self.seed * 1000 + cycle)
        writer.start()
        if job is not None:
            self.job_cycles[job] += 1
            c = RawClient(self.server.port)
            reply = c.call(job.upper())
            c.close()
            self.assertTrue(b"started" in reply or b"scheduled" in reply, reply)
        # The random kill moment: within the job's usual span in a job cycle.
        latest = 0.12 if job is None else max(0.004, 0.8 * self.job_seconds[job])
        time.sleep(self.rng.uniform(0.002 if job else 0.005, latest))
        if job is not None and self.job_running(job):
            self.in_job[job] += 1
        self.kill()
        writer.join(10)
        self.assertFalse(writer.is_alive())
        if writer.error:
            self.fail_seed("cycle %d: writer: %s" % (cycle, writer.error))
        self.restart()
        self.verify_cycle(cycle, writer)
        self.verify_sizes()

    def verify_cycle(self, cycle, writer):
        r0, r1 = self.client(0), self.client(1)
        data_ops = [op for op in writer.ops if op.kind != "incr"]
        keys0 = []
        for op in data_ops:
            keys0.append(set_key(cycle, op.index) if op.kind == "set" else
                         multi_keys(cycle, op.index)[0])
        values0 = r0.mget(keys0) if keys0 else []
        multi_b = [multi_keys(cycle, op.index)[1] for op in data_ops if op.kind == "multi"]
        values1 = dict(zip(multi_b, r1.mget(multi_b))) if multi_b else {}
        present = []
        for op, v0 in zip(data_ops, values0):
            if op.kind == "set":
                if v0 is not None and v0 != set_value(cycle, op.index):
                    self.fail_seed("cycle %d: torn value %r" % (cycle, v0))
                present.append(v0 is not None)
                if v0 is not None:
                    self.expected[0][set_key(cycle, op.index)] = v0
            else:
                a, b = multi_keys(cycle, op.index)
                v1 = values1[b]
                if (v0 is None) != (v1 is None):
                    self.fail_seed("cycle %d: half a transaction recovered (%r)" % (cycle, a))
                if v0 is not None:
                    if v0 != b"A%d" % op.index or v1 != b"B%d" % op.index:
                        self.fail_seed("cycle %d: wrong transaction values" % cycle)
                    self.expected[0][a] = v0
                    self.expected[1][b] = v1
                present.append(v0 is not None)
        n_present = sum(present)
        if present != [True] * n_present + [False] * (len(present) - n_present):
            self.fail_seed("cycle %d: recovered ops are not a prefix: %s" %
                           (cycle, "".join("1" if p else "0" for p in present)))
        acked_data = sum(1 for op in writer.ops[:writer.acked] if op.kind != "incr")
        if n_present < acked_data:
            self.fail_seed("cycle %d: lost acknowledged writes: %d acked, %d recovered "
                           "(%d ops sent)" % (cycle, acked_data, n_present, len(data_ops)))
        self.check_counter(cycle, writer, n_present, r0)

    def check_counter(self, cycle, writer, n_present, r0):
        # The INCRs before the last present data op are in; those after the
        # first absent one are out; between them any prefix is fine.
        lo = hi = 0
        seen = 0
        for op in writer.ops:
            if op.kind != "incr":
                seen += 1
                if seen > n_present:
                    break
                lo = hi = hi + (1 if op.kind == "multi" else 0)
            else:
                hi += 1
        lo = max(lo, sum(1 for op in writer.ops[:writer.acked] if op.kind != "set"))
        value = r0.get(ctr_key(cycle))
        value = int(value) if value is not None else 0
        if not lo <= value <= hi:
            self.fail_seed("cycle %d: counter %d outside [%d, %d]" % (cycle, value, lo, hi))
        if value:
            self.expected[0][ctr_key(cycle)] = str(value).encode()

    def verify_sizes(self):
        for db in (0, 1):
            size = self.client(db).dbsize()
            if size != len(self.expected[db]):
                self.fail_seed("db %d holds %d keys, expected %d" %
                               (db, size, len(self.expected[db])))
        if self.client(2).dbsize() != self.bulk_keys:
            self.fail_seed("bulk keys lost")

    def verify_all(self):
        for db in (0, 1):
            keys = list(self.expected[db])
            r = self.client(db)
            for start in range(0, len(keys), 1000):
                chunk = keys[start:start + 1000]
                for key, value in zip(chunk, r.mget(chunk)):
                    if value != self.expected[db][key]:
                        self.fail_seed("db %d key %r: %r, expected %r" %
                                       (db, key, value, self.expected[db][key]))

    def run_cycles(self):
        """Starts, preloads, kills and verifies until CYCLES or the time budget;
        returns (cycles run, seconds taken)."""
        started = time.monotonic()
        self.server.start()
        self.preload()
        cycles = 0
        for cycle in range(CYCLES):
            if time.monotonic() - started > TIME_BUDGET_S:
                break
            self.run_cycle(cycle)
            cycles += 1
        self.verify_all()
        return cycles, time.monotonic() - started

    def test_acknowledged_writes_survive_sigkill(self):
        cycles, took = self.run_cycles()
        print("seed %d: %d kill cycles in %.1fs; kills during a running job: %s of %s" %
              (self.seed, cycles, took, self.in_job, self.job_cycles), file=sys.stderr)
        self.assertGreaterEqual(cycles, 50, "too slow: only %d cycles in budget" % cycles)
        for job in ("bgsave", "bgrewriteaof"):
            self.assertGreaterEqual(self.in_job[job] * 2, self.job_cycles[job],
                                    "too few kills hit a running %s" % job)


if __name__ == "__main__":
    unittest.main()
