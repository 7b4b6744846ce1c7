// Starting and stopping a server binary for the tests (see server_process.h).
// Readiness is a loop of short connect+PING attempts bounded by a deadline;
// between attempts the loop waits a few milliseconds in poll(), which is a
// back-off, not the synchronisation itself: the PONG is.
#include "tests/integration/server_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace amber::testing {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr int kPingTimeoutMs = 200;
constexpr int kRetryWaitMs = 10;

int connect_loopback(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Reads until `want` has arrived or the timeout passes.
bool read_exactly(int fd, const std::string& want, int timeout_ms) {
  std::string got;
  auto deadline = SteadyClock::now() + std::chrono::milliseconds(timeout_ms);
  while (got.size() < want.size()) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char buf[64];
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n <= 0) return false;
    got.append(buf, static_cast<size_t>(n));
  }
  return got == want;
}

std::string make_temp_dir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "amber-it-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) return {};
  return tmpl;
}

}  // namespace

int free_loopback_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = 0;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  int port = -1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

ServerProcess::ServerProcess(std::string binary, std::vector<std::string> extra_args)
    : binary_(std::move(binary)), extra_args_(std::move(extra_args)) {}

ServerProcess::~ServerProcess() {
  stop();
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

bool ServerProcess::start(int deadline_ms, std::string* error) {
  dir_ = make_temp_dir();
  port_ = free_loopback_port();
  if (dir_.empty() || port_ <= 0) {
    *error = "cannot make a temp dir or find a free port";
    return false;
  }
  std::vector<std::string> args = {
      binary_,  "--port", std::to_string(port_), "--bind", "127.0.0.1", "--dir", dir_,
      "--save", "",       "--appendonly",        "no"};
  args.insert(args.end(), extra_args_.begin(), extra_args_.end());
  std::string log_path = dir_ + "/server.log";

  pid_ = ::fork();
  if (pid_ < 0) {
    *error = std::string("fork: ") + std::strerror(errno);
    return false;
  }
  if (pid_ == 0) {
    // A test that crashes must not leave its servers running.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (log_fd >= 0) {
      ::dup2(log_fd, STDOUT_FILENO);
      ::dup2(log_fd, STDERR_FILENO);
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execvp(argv[0], argv.data());
    ::_exit(127);
  }

  auto deadline = SteadyClock::now() + std::chrono::milliseconds(deadline_ms);
  while (SteadyClock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      *error = binary_ + " exited before answering PING; log:\n" + log();
      return false;
    }
    if (answers_ping()) return true;
    ::poll(nullptr, 0, kRetryWaitMs);
  }
  *error = binary_ + " did not answer PING within " + std::to_string(deadline_ms) + " ms; log:\n" +
           log();
  stop();
  return false;
}

bool ServerProcess::answers_ping() const {
  int fd = connect_loopback(port_);
  if (fd < 0) return false;
  static constexpr char kPing[] = "*1\r\n$4\r\nPING\r\n";
  bool ok = ::write(fd, kPing, sizeof(kPing) - 1) == static_cast<ssize_t>(sizeof(kPing) - 1) &&
            read_exactly(fd, "+PONG\r\n", kPingTimeoutMs);
  ::close(fd);
  return ok;
}

void ServerProcess::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  auto deadline = SteadyClock::now() + std::chrono::seconds(5);
  while (SteadyClock::now() < deadline) {
    if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    ::poll(nullptr, 0, kRetryWaitMs);
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

std::string ServerProcess::log() const {
  std::ifstream in(dir_ + "/server.log");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace amber::testing
