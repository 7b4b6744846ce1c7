"""redis-cli against amber-server: the tool users reach for first must work,
in its raw mode (stdout not a terminal) and its formatted mode (--no-raw)."""

import subprocess
import sys
import unittest

from amber_harness import Server


class RedisCli(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        cls.server.__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)

    def cli(self, *args, stdin=None):
        out = subprocess.run(["redis-cli", "-p", str(self.server.port)] + list(args),
                             input=stdin, capture_output=True, timeout=10, text=True)
        self.assertEqual(out.returncode, 0, out.stderr)
        return out.stdout

    def test_ping_answers_pong(self):
        self.assertEqual(self.cli("ping"), "PONG\n")

    def test_set_then_get_returns_the_value(self):
        self.assertEqual(self.cli("set", "cli:k", "hello world"), "OK\n")
        self.assertEqual(self.cli("get", "cli:k"), "hello world\n")

    def test_no_raw_formats_each_reply_type(self):
        self.cli("del", "cli:n", "cli:s")
        self.assertEqual(self.cli("--no-raw", "incr", "cli:n"), "(integer) 1\n")
        self.assertEqual(self.cli("--no-raw", "set", "cli:s", "a b"), "OK\n")
        self.assertEqual(self.cli("--no-raw", "get", "cli:s"), '"a b"\n')
        self.assertEqual(self.cli("--no-raw", "get", "cli:missing"), "(nil)\n")
        self.assertEqual(self.cli("--no-raw", "mget", "cli:s", "cli:missing"),
                         '1) "a b"\n2) (nil)\n')
        self.assertEqual(self.cli("--no-raw", "incr", "cli:s"),
                         "(error) ERR value is not an integer or out of range\n")

    def test_commands_from_stdin_run_in_order(self):
        out = self.cli(stdin="set cli:p 1\nincrby cli:p 41\nget cli:p\n")
        self.assertEqual(out, "OK\n42\n42\n")

    def test_binary_safe_values_round_trip(self):
        self.cli("set", "cli:bin", "a\tb")
        self.assertEqual(self.cli("--no-raw", "get", "cli:bin"), '"a\\tb"\n')
        self.assertEqual(self.cli("strlen", "cli:bin"), "3\n")


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
