"""Starting a server binary for the integration tests, and a raw RESP client.

A Server runs `binary [config-file] --port P --bind 127.0.0.1 --dir D --save ''
--appendonly no [extra args]` in its own temporary directory, on a port the
OS chose (bind 0, read it, close), and waits for it by polling with a deadline
(a PING that answers PONG, or NOAUTH when a password is set) instead of
sleeping a fixed time. The binary comes from the AMBER_SERVER environment
variable (CMake passes $<TARGET_FILE:amber-server>); pointing it at
redis-server checks the tests themselves.

RawClient speaks RESP over a plain socket and returns replies as the exact
bytes received, for the checks that compare bytes (RESP3, protocol errors).

SharedDirTest is a TestCase whose servers take turns on one directory (NVM
files, dump.rdb), with a seeded random generator (AMBER_IT_SEED reproduces
a run; the seed is printed on failure).
"""

import ctypes
import os
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

START_DEADLINE_S = 10.0
REPLY_TIMEOUT_S = 5.0


def server_binary():
    binary = os.environ.get("AMBER_SERVER")
    if not binary:
        raise RuntimeError("set AMBER_SERVER to the amber-server binary")
    return binary


def _die_with_parent():
    # A test process that dies must not leave its servers running.
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def encode(*args):
    """A RESP request (array of bulk strings) for `args` (str or bytes)."""
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def frame_length(buf, pos=0):
    """End offset of the reply starting at `pos`, or None if incomplete."""
    eol = buf.find(b"\r\n", pos)
    if eol < 0:
        return None
    kind, line, after = buf[pos:pos + 1], buf[pos + 1:eol], eol + 2
    if kind in (b"$", b"=", b"!"):
        n = int(line)
        if n < 0:
            return after
        return after + n + 2 if after + n + 2 <= len(buf) else None
    if kind in (b"*", b"~", b">", b"%"):
        n = int(line)
        count = max(n, 0) * (2 if kind == b"%" else 1)
        for _ in range(count):
            after = frame_length(buf, after)
            if after is None:
                return None
        return after
    return after


class RawClient:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=REPLY_TIMEOUT_S)
        self.pending = b""

    def close(self):
        self.sock.close()

    def send(self, data):
        self.sock.sendall(data)

    def read_reply(self):
        """The next reply's raw bytes; b"" if the server closed the connection."""
        while True:
            end = frame_length(self.pending) if self.pending else None
            if end is not None:
                reply, self.pending = self.pending[:end], self.pending[end:]
                return reply
            chunk = self.sock.recv(65536)
            if not chunk:
                return b""
            self.pending += chunk

    def call(self, *args):
        self.send(encode(*args))
        return self.read_reply()

    def is_closed_by_server(self):
        """True once the server has closed the connection (EOF or reset)."""
        try:
            return self.sock.recv(65536) == b""
        except ConnectionResetError:
            return True


class Server:
    def __init__(self, extra_args=(), config_text=None, binary=None):
        self.binary = binary or server_binary()
        self.extra_args = list(extra_args)
        self.config_text = config_text
        self.dir = tempfile.mkdtemp(prefix="amber-it-")
        self.port = free_port()
        self.proc = None
        self.log_path = os.path.join(self.dir, "server.log")

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def command_line(self):
        args = [self.binary]
        if self.config_text is not None:
            conf = os.path.join(self.dir, "amber.conf")
            with open(conf, "w") as f:
                f.write(self.config_text)
            args.append(conf)
        args += ["--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir,
                 "--save", "", "--appendonly", "no"]
        return args + self.extra_args

    def start(self):
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(self.command_line(), stdout=log,
                                         stderr=subprocess.STDOUT, cwd=self.dir,
                                         preexec_fn=_die_with_parent)
        deadline = time.monotonic() + START_DEADLINE_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("server exited with %s; log:\n%s" %
                                   (self.proc.returncode, self.log()))
            if self._answers():
                return
            time.sleep(0.01)  # back-off between polls; the PING is the sync
        self.stop()
        raise RuntimeError("server did not answer within %.0fs; log:\n%s" %
                           (START_DEADLINE_S, self.log()))

    def _answers(self):
        try:
            c = RawClient(self.port)
        except OSError:
            return False
        try:
            c.sock.settimeout(0.5)
            reply = c.call("PING")
            return reply == b"+PONG\r\n" or reply.startswith(b"-NOAUTH")
        except OSError:
            return False
        finally:
            c.close()

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def client(self):
        return RawClient(self.port)


class SharedDirTest(unittest.TestCase):
    SEED = int(os.environ.get("AMBER_IT_SEED", random.randrange(1 << 30)))

    def setUp(self):
        self.rng = random.Random(self.SEED)
        self.dir = tempfile.mkdtemp(prefix="amber-it-shared-")
        self.servers = []

    def tearDown(self):
        for server in self.servers:
            server.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def run(self, result=None):
        outcome = super().run(result)
        if result is not None and not result.wasSuccessful():
            print("AMBER_IT_SEED=%d" % self.SEED)
        return outcome

    def server(self, extra_args=()):
        """A Server (not started) on the shared directory, with its own log."""
        server = Server(list(extra_args))
        shutil.rmtree(server.dir, ignore_errors=True)
        server.dir = self.dir
        server.log_path = os.path.join(self.dir, "server-%d.log" % len(self.servers))
        self.servers.append(server)
        return server

    def kill(self, server):
        server.proc.send_signal(signal.SIGKILL)
        server.proc.wait()

    def start_and_kill(self, server, within_s):
        """Starts `server` and SIGKILLs it at a random moment of its first
        `within_s` seconds (its startup work: an import, a growth, ...)."""
        with open(server.log_path, "ab") as log:
            proc = subprocess.Popen(server.command_line(), stdout=log,
                                    stderr=subprocess.STDOUT, cwd=self.dir,
                                    preexec_fn=_die_with_parent)
        time.sleep(self.rng.uniform(0.0, within_s))
        proc.send_signal(signal.SIGKILL)
        proc.wait()

    def start_until_ready(self, server, env=None, poll=None):
        """Starts `server` and waits for its log to say it accepts
        connections (a server refusing writes answers PING with MISCONF, as
        one that is still loading may); `poll(pid)` runs every few ms."""
        with open(server.log_path, "ab") as log:
            server.proc = subprocess.Popen(server.command_line(), stdout=log,
                                           stderr=subprocess.STDOUT, cwd=self.dir, env=env,
                                           preexec_fn=_die_with_parent)
        deadline = time.monotonic() + 120
        while "Ready to accept connections" not in server.log():
            self.assertIsNone(server.proc.poll(), server.log())
            self.assertLess(time.monotonic(), deadline, server.log())
            if poll is not None:
                poll(server.proc.pid)
            time.sleep(0.003)
