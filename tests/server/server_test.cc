// The server end to end, in-process: a Server runs on its own thread on a
// port the OS picked as free, and plain sockets talk RESP to it. Checks the
// connection-level behaviour that only exists with real sockets: PING, the
// AUTH flow, protected mode, maxclients, a protocol error closing only the
// offending client, CLIENT LIST / KILL and CLIENT PAUSE. No sleeps: every
// wait polls with a deadline.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/server/server_test_util.h"

namespace amber {
namespace {

using testing::ServerUnderTest;
using testing::TestClient;

// A non-loopback IPv4 address of this host, or "" if there is none.
std::string external_ipv4() {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return "";
  std::string found;
  for (ifaddrs* i = list; i != nullptr && found.empty(); i = i->ifa_next) {
    if (i->ifa_addr == nullptr || i->ifa_addr->sa_family != AF_INET) continue;
    char buf[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr, buf, sizeof(buf));
    if (std::string(buf).rfind("127.", 0) != 0) found = buf;
  }
  freeifaddrs(list);
  return found;
}

TEST(Server, AnswersPingInlineAndMultibulk) {
  ServerUnderTest s({"--bind", "127.0.0.1"});
  TestClient c("127.0.0.1", s.port());
  ASSERT_TRUE(c.connected());
  EXPECT_EQ(c.call("PING\r\n", 7), "+PONG\r\n");
  EXPECT_EQ(c.call("*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n", 8), "$2\r\nhi\r\n");
}

TEST(Server, PipelinedRepliesKeepTheirOrder) {
  ServerUnderTest s({"--bind", "127.0.0.1"});
  TestClient c("127.0.0.1", s.port());
  std::string batch, expected;
  for (int i = 0; i < 200; ++i) {
    batch += "SET k" + std::to_string(i) + " v\r\nGET k" + std::to_string(i) + "\r\n";
    expected += "+OK\r\n$1\r\nv\r\n";
  }
  c.send(batch);
  EXPECT_EQ(c.read(expected.size()), expected);
}

// Multibulk pipelines are peeked at and their keys prefetched in batches
// (Server::prefetch_pipelined_keys): a hint that must change nothing, with
// SELECTs switching databases inside the batches, commands without a key,
// and a command cut between two reads.
TEST(Server, APrefetchedMultibulkPipelineAcrossDatabasesKeepsItsMeaning) {
  ServerUnderTest s({"--bind", "127.0.0.1"});
  TestClient c("127.0.0.1", s.port());
  auto resp = [](std::initializer_list<std::string> args) {
    std::string out = "*" + std::to_string(args.size()) + "\r\n";
    for (const std::string& a : args) out += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
    return out;
  };
  std::string batch, expected;
  for (int i = 0; i < 40; ++i) {
    const std::string k = "k" + std::to_string(i);
    batch += resp({"SET", k, "db0-" + k}) + resp({"SELECT", "1"}) + resp({"SET", k, "db1-" + k}) +
             resp({"PING"}) + resp({"SELECT", "0"}) + resp({"GET", k});
    expected += "+OK\r\n+OK\r\n+OK\r\n+PONG\r\n+OK\r\n$" + std::to_string(4 + k.size()) +
                "\r\ndb0-" + k + "\r\n";
  }
  for (int i = 0; i < 40; i += 3) {
    const std::string k = "k" + std::to_string(i);
    batch += resp({"SELECT", "1"}) + resp({"GET", k}) + resp({"SELECT", "0"});
    expected += "+OK\r\n$" + std::to_string(4 + k.size()) + "\r\ndb1-" + k + "\r\n+OK\r\n";
  }
  const size_t cut = batch.size() / 2 + 3;  // inside a command
  c.send(batch.substr(0, cut));
  c.send(batch.substr(cut));
  EXPECT_EQ(c.read(expected.size()), expected);
}

TEST(Server, AuthFlowWithRequirepass) {
  ServerUnderTest s({"--bind", "127.0.0.1", "--requirepass", "secret"});
  TestClient c("127.0.0.1", s.port());
  const std::string noauth = "-NOAUTH Authentication required.\r\n";
  EXPECT_EQ(c.call("GET k\r\n", noauth.size()), noauth);
  const std::string wrongpass =
      "-WRONGPASS invalid username-password pair or user is disabled.\r\n";
  EXPECT_EQ(c.call("AUTH nope\r\n", wrongpass.size()), wrongpass);
  EXPECT_EQ(c.call("AUTH secret\r\n", 5), "+OK\r\n");
  EXPECT_EQ(c.call("GET k\r\n", 5), "$-1\r\n");
}

TEST(Server, AuthWithoutPasswordConfiguredIsAnError) {
  ServerUnderTest s({"--bind", "127.0.0.1"});
  TestClient c("127.0.0.1", s.port());
  const std::string err =
      "-ERR AUTH <password> called without any password configured for the default user. Are you "
      "sure your configuration is correct?\r\n";
  EXPECT_EQ(c.call("AUTH x\r\n", err.size()), err);
}

TEST(Server, UnauthenticatedClientsGetSmallHeaderLimits) {
  ServerUnderTest s({"--bind", "127.0.0.1", "--requirepass", "secret"});
  TestClient c("127.0.0.1", s.port());
  const std::string err = "-ERR Protocol error: unauthenticated multibulk length\r\n";
  EXPECT_EQ(c.call("*11\r\n", err.size()), err);
  EXPECT_TRUE(c.wait_closed());
}

TEST(Server, ProtocolErrorClosesOnlyThatClient) {
  ServerUnderTest s({"--bind", "127.0.0.1"});
  TestClient bad("127.0.0.1", s.port());
  TestClient good("127.0.0.1", s.port());
  const std::string err = "-ERR Protocol error: expected '$', got 'f'\r\n";
  EXPECT_EQ(bad.call("PING\r\n*1\r\nfoo\r\nPING\r\n", 7 + err.size()), "+PONG\r\n" + err);
  EXPECT_TRUE(bad.wait_closed());
  EXPECT_EQ(good.call("PING\r\n", 7), "+PONG\r\n");
}

TEST(Server, ClientListShowsNamesAndKillByIdClosesTheTarget) {
  ServerUnderTest s({"--bind", "127.0.0.1"});
  TestClient victim("127.0.0.1", s.port());
  TestClient admin("127.0.0.1", s.port());
  EXPECT_EQ(victim.call("CLIENT SETNAME victim\r\n", 5), "+OK\r\n");
  std::string id_reply = victim.call("CLIENT ID\r\n", 4);
  ASSERT_EQ(id_reply[0], ':');
  std::string id = id_reply.substr(1, id_reply.find('\r') - 1);
  admin.send("CLIENT LIST\r\n");
  std::string list = admin.read(1 << 16, 500);
  EXPECT_NE(list.find("id=" + id + " addr=127.0.0.1:"), std::string::npos) << list;
  EXPECT_NE(list.find(" name=victim age="), std::string::npos) << list;
  EXPECT_NE(list.find("cmd=client|list user=default redir=-1 resp=2\n"), std::string::npos) << list;
  EXPECT_EQ(admin.call("CLIENT KILL ID " + id + "\r\n", 4), ":1\r\n");
  EXPECT_TRUE(victim.wait_closed());
  EXPECT_EQ(admin.call("CLIENT KILL ID " + id + "\r\n", 4), ":0\r\n");
  EXPECT_EQ(admin.call("CLIENT KILL 1.2.3.4:5\r\n", 21), "-ERR No such client\r\n");
}

TEST(Server, ClientPauseWriteHoldsWritesUntilUnpause) {
  ServerUnderTest s({"--bind", "127.0.0.1"});
  TestClient admin("127.0.0.1", s.port());
  TestClient writer("127.0.0.1", s.port());
  EXPECT_EQ(admin.call("CLIENT PAUSE 100000 WRITE\r\n", 5), "+OK\r\n");
  writer.send("SET k v\r\n");
  EXPECT_EQ(writer.read(5, 200), "");                // held, not refused
  EXPECT_EQ(admin.call("GET k\r\n", 5), "$-1\r\n");  // reads still run
  EXPECT_EQ(admin.call("CLIENT UNPAUSE\r\n", 5), "+OK\r\n");
  EXPECT_EQ(writer.read(5), "+OK\r\n");
  EXPECT_EQ(admin.call("GET k\r\n", 7), "$1\r\nv\r\n");
}

TEST(Server, MaxClientsRejectsTheExtraConnection) {
  ServerUnderTest s({"--bind", "127.0.0.1", "--maxclients", "1"});
  TestClient first("127.0.0.1", s.port());
  EXPECT_EQ(first.call("PING\r\n", 7), "+PONG\r\n");
  TestClient second("127.0.0.1", s.port());
  const std::string err = "-ERR max number of clients reached\r\n";
  EXPECT_EQ(second.read(err.size()), err);
  EXPECT_TRUE(second.wait_closed());
}

TEST(Server, ProtectedModeDeniesNonLoopbackClients) {
  std::string ip = external_ipv4();
  // Every machine this runs on has one; failing loudly beats skipping quietly.
  ASSERT_FALSE(ip.empty()) << "no non-loopback IPv4 address on this host";
  ServerUnderTest s({"--bind", "*"});
  TestClient remote(ip, s.port());
  ASSERT_TRUE(remote.connected());
  std::string text = remote.read(1 << 12);
  EXPECT_EQ(
      text.rfind("-DENIED Redis is running in protected mode because protected mode is enabled "
                 "and no password is set for the default user.",
                 0),
      0u)
      << text;
  EXPECT_EQ(text.substr(text.size() - 2), "\r\n");
  EXPECT_TRUE(remote.wait_closed());
  TestClient local("127.0.0.1", s.port());
  EXPECT_EQ(local.call("PING\r\n", 7), "+PONG\r\n");
}

TEST(Server, QuitRepliesThenCloses) {
  ServerUnderTest s({"--bind", "127.0.0.1"});
  TestClient c("127.0.0.1", s.port());
  EXPECT_EQ(c.call("QUIT\r\n", 5), "+OK\r\n");
  EXPECT_TRUE(c.wait_closed());
}

TEST(Server, HelloThreeSwitchesToResp3) {
  ServerUnderTest s({"--bind", "127.0.0.1"});
  TestClient c("127.0.0.1", s.port());
  c.send("HELLO 3\r\n");
  std::string reply = c.read(1 << 12, 300);
  EXPECT_EQ(reply.rfind("%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$"
                        "5\r\nproto\r\n:3\r\n",
                        0),
            0u)
      << reply;
  EXPECT_EQ(c.call("GET nokey\r\n", 3), "_\r\n");
}

}  // namespace
}  // namespace amber
