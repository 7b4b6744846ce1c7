"""Connection-level behaviour of amber-server: AUTH with requirepass, a
malformed request that closes only its own connection, maxclients, and a
config file whose values `--name value` arguments override."""

import sys
import time
import unittest

import redis

from amber_harness import Server, encode

DEADLINE_S = 5.0


class Auth(unittest.TestCase):
    def test_requirepass_refuses_commands_until_auth(self):
        with Server(["--requirepass", "s3cret"]) as server:
            c = server.client()
            self.assertEqual(c.call("GET", "k"), b"-NOAUTH Authentication required.\r\n")
            self.assertEqual(
                c.call("AUTH", "wrong"),
                b"-WRONGPASS invalid username-password pair or user is disabled.\r\n")
            self.assertEqual(c.call("AUTH", "default", "s3cret"), b"+OK\r\n")
            self.assertEqual(c.call("SET", "k", "v"), b"+OK\r\n")
            c.close()
            r = redis.Redis(host="127.0.0.1", port=server.port, password="s3cret",
                            socket_timeout=5)
            self.assertEqual(r.get("k"), b"v")
            r.close()
            with self.assertRaisesRegex(redis.ResponseError, "^WRONGPASS"):
                redis.Redis(host="127.0.0.1", port=server.port, password="nope",
                            socket_timeout=5).ping()

    def test_auth_without_requirepass_is_an_error(self):
        with Server() as server:
            c = server.client()
            self.assertEqual(
                c.call("AUTH", "x"),
                b"-ERR AUTH <password> called without any password configured for the "
                b"default user. Are you sure your configuration is correct?\r\n")
            c.close()


class MalformedRequest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        cls.server.__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)

    def check_closes_only_offender(self, request, error):
        bystander = self.server.client()
        self.assertEqual(bystander.call("SET", "bystander", "alive"), b"+OK\r\n")
        offender = self.server.client()
        offender.send(request)
        self.assertEqual(offender.read_reply(), error)
        self.assertTrue(offender.is_closed_by_server())
        self.assertEqual(bystander.call("GET", "bystander"), b"$5\r\nalive\r\n")
        fresh = self.server.client()
        self.assertEqual(fresh.call("PING"), b"+PONG\r\n")
        for c in (bystander, offender, fresh):
            c.close()

    def test_bad_bulk_length(self):
        self.check_closes_only_offender(b"*1\r\n$foo\r\n",
                                        b"-ERR Protocol error: invalid bulk length\r\n")

    def test_bad_multibulk_length(self):
        self.check_closes_only_offender(b"*x\r\n",
                                        b"-ERR Protocol error: invalid multibulk length\r\n")

    def test_missing_dollar(self):
        self.check_closes_only_offender(b"*1\r\n+PING\r\n",
                                        b"-ERR Protocol error: expected '$', got '+'\r\n")

    def test_unbalanced_quotes_in_inline_command(self):
        self.check_closes_only_offender(
            b'SET k "unterminated\r\n',
            b"-ERR Protocol error: unbalanced quotes in request\r\n")

    def test_replies_before_the_bad_request_are_still_sent(self):
        c = self.server.client()
        c.send(encode("SET", "before", "1") + b"*1\r\n$-5\r\n")
        self.assertEqual(c.read_reply(), b"+OK\r\n")
        self.assertEqual(c.read_reply(), b"-ERR Protocol error: invalid bulk length\r\n")
        self.assertTrue(c.is_closed_by_server())
        c.close()


class MaxClients(unittest.TestCase):
    def test_connection_past_maxclients_is_refused_with_an_error(self):
        with Server(["--maxclients", "2"]) as server:
            first = server.client()
            self.assertEqual(first.call("PING"), b"+PONG\r\n")
            second = self.connect_when_slot_frees(server)
            third = server.client()
            self.assertEqual(third.read_reply(), b"-ERR max number of clients reached\r\n")
            self.assertTrue(third.is_closed_by_server())
            self.assertEqual(first.call("PING"), b"+PONG\r\n")
            second.close()
            # The freed slot becomes available again.
            again = self.connect_when_slot_frees(server)
            again.close()
            first.close()
            third.close()

    @staticmethod
    def connect_when_slot_frees(server):
        # The server notices a closed connection (the start-up probe, a
        # client closed by the test) asynchronously: retry within a deadline.
        deadline = time.monotonic() + DEADLINE_S
        while True:
            c = server.client()
            reply = c.call("PING")
            if reply == b"+PONG\r\n":
                return c
            c.close()
            if time.monotonic() > deadline:
                raise AssertionError("no free client slot: %r" % reply)
            time.sleep(0.01)


class ConfigFile(unittest.TestCase):
    def test_file_values_apply_and_arguments_override_them(self):
        conf = ("# amber test config\n"
                "databases 4\n"
                "maxclients 77\n"
                "requirepass fromfile\n"
                'proto-max-bulk-len "1mb"\n')
        with Server(["--requirepass", "fromargs", "--maxclients", "88"],
                    config_text=conf) as server:
            c = server.client()
            self.assertTrue(c.call("AUTH", "fromfile").startswith(b"-WRONGPASS"))
            self.assertEqual(c.call("AUTH", "fromargs"), b"+OK\r\n")
            self.assertEqual(c.call("CONFIG", "GET", "databases"),
                             b"*2\r\n$9\r\ndatabases\r\n$1\r\n4\r\n")
            self.assertEqual(c.call("CONFIG", "GET", "maxclients"),
                             b"*2\r\n$10\r\nmaxclients\r\n$2\r\n88\r\n")
            self.assertEqual(c.call("CONFIG", "GET", "proto-max-bulk-len"),
                             b"*2\r\n$18\r\nproto-max-bulk-len\r\n$7\r\n1048576\r\n")
            self.assertEqual(c.call("SELECT", "3"), b"+OK\r\n")
            self.assertEqual(c.call("SELECT", "4"), b"-ERR DB index is out of range\r\n")
            c.close()

    def test_bad_config_directive_stops_start_up(self):
        server = Server(config_text="no-such-directive 1\n")
        with self.assertRaisesRegex(RuntimeError, "Bad directive or wrong number of arguments"):
            server.start()
        server.__exit__(None, None, None)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
