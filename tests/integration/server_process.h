// ServerProcess: runs a Redis-protocol server binary (amber-server or
// redis-server) as a child process for the integration and differential
// tests. It asks the OS for a free loopback port, starts the binary in its
// own temporary directory, and waits for it by polling with a deadline (a
// PING that answers PONG), never by sleeping a fixed time. The destructor
// stops the server (SIGTERM, then SIGKILL past a deadline) and removes the
// directory.
//
// Single-threaded; one object per server.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace amber::testing {

// A TCP port on 127.0.0.1 that was free a moment ago: bind port 0, read the
// port the OS chose, close.
int free_loopback_port();

class ServerProcess {
 public:
  // `binary` is started as: binary --port P --bind 127.0.0.1 --dir D
  // --save "" --appendonly no [extra_args...].
  ServerProcess(std::string binary, std::vector<std::string> extra_args = {});
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Starts the server and waits until it answers PING, at most
  // `deadline_ms`. Returns false (with the reason and the server's log in
  // `error`) if it exits or does not answer in time.
  bool start(int deadline_ms, std::string* error);
  void stop();

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::string& dir() const { return dir_; }
  // What the server printed so far (stdout and stderr).
  std::string log() const;

 private:
  bool answers_ping() const;

  std::string binary_;
  std::vector<std::string> extra_args_;
  std::string dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace amber::testing
