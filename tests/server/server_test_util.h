// Helpers for the in-process server tests: a port the OS says is free, a
// plain-socket RESP client that reads with a deadline (no sleeps), and a
// Server running its loop on a thread of its own.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "server/config.h"
#include "server/server.h"
#include "server/system_clock.h"

namespace amber::testing {

constexpr int kDeadlineMs = 5000;

inline int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa));
  socklen_t len = sizeof(sa);
  getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  close(fd);
  return ntohs(sa.sin_port);
}

class TestClient {
 public:
  TestClient(const std::string& ip, int port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, ip.c_str(), &sa.sin_addr);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) == 0;
  }
  ~TestClient() { close(fd_); }
  bool connected() const { return connected_; }

  void send(const std::string& bytes) {
    ASSERT_EQ(write(fd_, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
  }

  // Reads until `n` bytes arrived, the peer closed, or `timeout_ms` passed.
  std::string read(size_t n, int timeout_ms = kDeadlineMs) {
    std::string out;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (out.size() < n) {
      int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                      deadline - std::chrono::steady_clock::now())
                                      .count());
      pollfd p{fd_, POLLIN, 0};
      if (left <= 0 || poll(&p, 1, left) <= 0) break;
      char buf[4096];
      ssize_t got = ::read(fd_, buf, std::min(sizeof(buf), n - out.size()));
      if (got <= 0) {
        closed_ = true;
        break;
      }
      out.append(buf, static_cast<size_t>(got));
    }
    return out;
  }
  // Reads one line (a simple reply, an error, an integer), "\r\n" included;
  // "" if none came within `timeout_ms`.
  std::string read_line(int timeout_ms = kDeadlineMs) {
    std::string out;
    while (out.size() < 2 || out.compare(out.size() - 2, 2, "\r\n") != 0) {
      std::string c = read(1, timeout_ms);
      if (c.empty()) return "";
      out += c;
    }
    return out;
  }
  // Sends `command` and returns the reply's first line.
  std::string call_line(const std::string& command) {
    send(command);
    return read_line();
  }
  // Sends one command and returns a reply of exactly `expected.size()` bytes.
  std::string call(const std::string& command, size_t reply_size) {
    send(command);
    return read(reply_size);
  }
  // True once the server has closed the connection (within the deadline).
  bool wait_closed() {
    read(1u << 20);
    return closed_;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
  bool closed_ = false;
};

class ServerUnderTest {
 public:
  // `setup` runs on the test thread before the loop starts (inject a file
  // system, start the AOF).
  explicit ServerUnderTest(std::vector<std::string> args,
                           const std::function<void(Server&)>& setup = nullptr)
      : port_(free_port()) {
    // No save points unless a test asks: a shutdown SAVE into the shared
    // working directory can fail while another test writes there, and a
    // failed shutdown save keeps the server serving (Redis's SIGTERM rule),
    // so the destructor's join would wait forever.
    std::vector<std::string> all = {
        "amber-server", "--port", std::to_string(port_), "--loglevel", "warning", "--save", ""};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<const char*> argv;
    for (const std::string& a : all) argv.push_back(a.c_str());
    std::string error;
    EXPECT_TRUE(config_.load_from_args(static_cast<int>(argv.size()), argv.data(), &error))
        << error;
    server_ = std::make_unique<Server>(config_, clock_, random_, logger_);
    EXPECT_TRUE(server_->listen(&error)) << error;
    if (setup) setup(*server_);
    thread_ = std::thread([this] { server_->run(); });
  }
  ~ServerUnderTest() {
    server_->request_shutdown();
    thread_.join();
  }
  int port() const { return port_; }

 private:
  int port_;
  Config config_;
  SystemClock clock_;
  SeededRandom random_{42};
  Logger logger_{LogLevel::kWarning, ""};
  std::unique_ptr<Server> server_;
  std::thread thread_;
};

}  // namespace amber::testing
