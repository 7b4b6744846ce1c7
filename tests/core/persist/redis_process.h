// Test helpers for the compatibility tests against a real redis-server:
// a temp directory that removes itself, and a redis-server child process on
// a unix socket in that directory (no TCP port at all), spoken to over a raw
// socket with pipelined RESP. Header-only because tests/core globs only the
// top folder's .cc files.
#pragma once

#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace amber::testing {

inline std::string find_on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return {};
  std::stringstream dirs(path);
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    std::string candidate = dir + "/" + program;
    if (!dir.empty() && ::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return {};
}

class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/amber-rdb-XXXXXX";
    char* made = ::mkdtemp(pattern);
    if (made != nullptr) path_ = made;
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline std::string read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline void write_whole_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// RESP command encoding.
inline void append_command(std::string* out, const std::vector<std::string>& argv) {
  *out += "*" + std::to_string(argv.size()) + "\r\n";
  for (const std::string& a : argv) *out += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
}

class RedisProcess {
 public:
  // Starts redis-server with `dir` as working dir, loading `dbfilename` if
  // it exists there. Returns nullptr with `error` set on failure.
  static std::unique_ptr<RedisProcess> start(const std::string& binary, const std::string& dir,
                                             const std::string& dbfilename, std::string* error) {
    auto p = std::unique_ptr<RedisProcess>(new RedisProcess());
    p->socket_path_ = dir + "/redis.sock";
    std::string log = dir + "/redis.log";
    pid_t pid = ::fork();
    if (pid < 0) {
      *error = "fork failed";
      return nullptr;
    }
    if (pid == 0) {
      ::execl(binary.c_str(), binary.c_str(), "--port", "0", "--unixsocket",
              p->socket_path_.c_str(), "--save", "", "--appendonly", "no", "--dir", dir.c_str(),
              "--dbfilename", dbfilename.c_str(), "--logfile", log.c_str(), "--daemonize", "no",
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
    p->pid_ = pid;
    if (!p->connect_with_deadline(error)) {
      *error += "; log: " + read_whole_file(log);
      return nullptr;
    }
    return p;
  }

  ~RedisProcess() {
    if (fd_ >= 0) ::close(fd_);
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      int status;
      ::waitpid(pid_, &status, 0);
    }
  }

  // Sends all commands, then reads one raw RESP reply per command.
  std::vector<std::string> pipeline(const std::vector<std::vector<std::string>>& commands) {
    std::vector<std::string> replies;
    constexpr size_t kBatch = 1000;
    for (size_t start = 0; start < commands.size(); start += kBatch) {
      std::string out;
      size_t end = std::min(commands.size(), start + kBatch);
      for (size_t i = start; i < end; ++i) append_command(&out, commands[i]);
      send_all(out);
      for (size_t i = start; i < end; ++i) replies.push_back(read_reply());
    }
    return replies;
  }

  std::string command(const std::vector<std::string>& argv) { return pipeline({argv})[0]; }

 private:
  RedisProcess() = default;

  // Polls (with a short backoff, not a fixed wait) until redis-server
  // accepts a connection and has finished loading (-LOADING replies).
  bool connect_with_deadline(std::string* error) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      int status;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        *error = "redis-server exited during startup";
        return false;
      }
      if (fd_ >= 0 || try_connect()) {
        if (command({"PING"}) == "+PONG\r\n") return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    *error = "redis-server did not answer PING before the deadline";
    return false;
  }

  bool try_connect() {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, socket_path_.c_str(), sizeof(addr.sun_path) - 1);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) return true;
    ::close(fd_);
    fd_ = -1;
    return false;
  }

  void send_all(const std::string& data) {
    size_t done = 0;
    while (done < data.size()) {
      ssize_t n = ::send(fd_, data.data() + done, data.size() - done, MSG_NOSIGNAL);
      if (n <= 0) throw std::runtime_error("send to redis-server failed");
      done += static_cast<size_t>(n);
    }
  }

  void refill() {
    buffer_.resize(64 * 1024);
    ssize_t n = ::recv(fd_, buffer_.data(), buffer_.size(), 0);
    if (n <= 0) throw std::runtime_error("redis-server closed the connection");
    buffer_.resize(static_cast<size_t>(n));
    pos_ = 0;
  }

  // Appends `n` bytes of the stream to `out`.
  void read_bytes(std::string* out, size_t n) {
    while (n > 0) {
      if (pos_ == buffer_.size()) refill();
      size_t take = std::min(n, buffer_.size() - pos_);
      out->append(buffer_, pos_, take);
      pos_ += take;
      n -= take;
    }
  }

  std::string read_line() {
    std::string line;
    for (;;) {
      if (pos_ == buffer_.size()) refill();
      size_t nl = buffer_.find('\n', pos_);
      size_t end = nl == std::string::npos ? buffer_.size() : nl + 1;
      line.append(buffer_, pos_, end - pos_);
      pos_ = end;
      if (nl != std::string::npos && line.size() >= 2 && line[line.size() - 2] == '\r') {
        return line;
      }
    }
  }

  // One complete reply, as raw RESP.
  std::string read_reply() {
    std::string line = read_line();
    const char kind = line[0];
    if (kind == '$') {
      long long n = std::stoll(line.substr(1));
      if (n >= 0) read_bytes(&line, static_cast<size_t>(n) + 2);
    } else if (kind == '*') {
      long long n = std::stoll(line.substr(1));
      for (long long i = 0; i < n; ++i) line += read_reply();
    }
    return line;
  }

  pid_t pid_ = -1;
  int fd_ = -1;
  std::string socket_path_;
  std::string buffer_;
  size_t pos_ = 0;
};

// "$3\r\nfoo\r\n" -> "foo"; ":12\r\n" -> "12"; "$-1\r\n" -> "(nil)".
inline std::string resp_payload(const std::string& reply) {
  if (reply.rfind("$-1", 0) == 0) return "(nil)";
  if (reply[0] == '$') {
    size_t header = reply.find("\r\n");
    return reply.substr(header + 2, reply.size() - header - 4);
  }
  return reply.substr(1, reply.size() - 3);
}

}  // namespace amber::testing
