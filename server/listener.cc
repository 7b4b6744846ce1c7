// Listening sockets and accepting connections. TCP listeners follow the
// `bind` list (Redis 7.0 syntax: "*" is every IPv4 address, "::*" every
// IPv6 one, a leading "-" makes an address optional when it does not exist
// on this host), `port` (0: no TCP), `tcp-backlog`, SO_REUSEADDR; accepted
// TCP sockets get TCP_NODELAY and `tcp-keepalive`. The unix socket follows
// `unixsocket` and `unixsocketperm`.
//
// Admission at accept time is Redis's: past `maxclients` a client gets
// "-ERR max number of clients reached" and is closed; in protected mode
// (protected-mode yes and no password for the default user) a client not
// on the loopback interface gets the long -DENIED text and is closed.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>

#include "server/config.h"
#include "server/server.h"

namespace amber {
namespace {

constexpr int kMaxAcceptsPerCall = 1000;  // MAX_ACCEPTS_PER_CALL

constexpr std::string_view kMaxClientsError = "-ERR max number of clients reached\r\n";
constexpr std::string_view kProtectedModeError =
    "-DENIED Redis is running in protected mode because protected "
    "mode is enabled and no password is set for the default user. "
    "In this mode connections are only accepted from the loopback interface. "
    "If you want to connect from external computers to Redis you "
    "may adopt one of the following solutions: "
    "1) Just disable protected mode sending the command "
    "'CONFIG SET protected-mode no' from the loopback interface "
    "by connecting to Redis from the same host the server is "
    "running, however MAKE SURE Redis is not publicly accessible "
    "from internet if you do so. Use CONFIG REWRITE to make this "
    "change permanent. "
    "2) Alternatively you can just disable the protected mode by "
    "editing the Redis configuration file, and setting the protected "
    "mode option to 'no', and then restarting the server. "
    "3) If you started the server manually just for testing, restart "
    "it with the '--protected-mode no' option. "
    "4) Setup a an authentication password for the default user. "
    "NOTE: You only need to do one of the above things in order for "
    "the server to start accepting connections from the outside.\r\n";

// Best effort, as Redis: the connection is closed right after.
void write_and_forget(int fd, std::string_view text) {
  ssize_t ignored = write(fd, text.data(), text.size());
  (void)ignored;
}

// "ip:port" ("[ip6]:port" for IPv6); `ip` gets the bare address.
std::string format_address(const sockaddr_storage& sa, std::string* ip) {
  char buf[INET6_ADDRSTRLEN] = "?";
  int port = 0;
  if (sa.ss_family == AF_INET) {
    const auto* s = reinterpret_cast<const sockaddr_in*>(&sa);
    inet_ntop(AF_INET, &s->sin_addr, buf, sizeof(buf));
    port = ntohs(s->sin_port);
  } else if (sa.ss_family == AF_INET6) {
    const auto* s = reinterpret_cast<const sockaddr_in6*>(&sa);
    inet_ntop(AF_INET6, &s->sin6_addr, buf, sizeof(buf));
    port = ntohs(s->sin6_port);
  }
  if (ip != nullptr) *ip = buf;
  if (sa.ss_family == AF_INET6) return "[" + std::string(buf) + "]:" + std::to_string(port);
  return std::string(buf) + ":" + std::to_string(port);
}

void set_keepalive(int fd, int64_t interval_s) {
  int yes = 1;
  setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &yes, sizeof(yes));
  // As anetKeepAlive: first probe after `interval`, then every interval/3.
  int idle = static_cast<int>(interval_s);
  int intvl = std::max(1, idle / 3);
  int count = 3;
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof(count));
}

// One TCP listener; returns the fd or -1 with errno set.
int listen_tcp(const std::string& address, int port, int backlog) {
  bool v6 = address.find(':') != std::string::npos;
  std::string host = address;
  if (host == "*") host = "0.0.0.0";
  if (host == "::*") host = "::";
  int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int yes = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  sockaddr_storage sa{};
  socklen_t len;
  int ok;
  if (v6) {
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &yes, sizeof(yes));
    auto* s = reinterpret_cast<sockaddr_in6*>(&sa);
    s->sin6_family = AF_INET6;
    s->sin6_port = htons(static_cast<uint16_t>(port));
    ok = inet_pton(AF_INET6, host.c_str(), &s->sin6_addr);
    len = sizeof(sockaddr_in6);
  } else {
    auto* s = reinterpret_cast<sockaddr_in*>(&sa);
    s->sin_family = AF_INET;
    s->sin_port = htons(static_cast<uint16_t>(port));
    ok = inet_pton(AF_INET, host.c_str(), &s->sin_addr);
    len = sizeof(sockaddr_in);
  }
  if (ok != 1) {
    close(fd);
    errno = EADDRNOTAVAIL;
    return -1;
  }
  if (bind(fd, reinterpret_cast<sockaddr*>(&sa), len) != 0 || ::listen(fd, backlog) != 0) {
    int saved = errno;
    close(fd);
    errno = saved;
    return -1;
  }
  return fd;
}

int listen_unix(const std::string& path, mode_t perm, int backlog) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  if (path.size() >= sizeof(sa.sun_path)) {
    close(fd);
    errno = ENAMETOOLONG;
    return -1;
  }
  std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);
  unlink(path.c_str());  // a stale socket file from a previous run
  if (bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0 || ::listen(fd, backlog) != 0) {
    int saved = errno;
    close(fd);
    errno = saved;
    return -1;
  }
  if (perm != 0) chmod(path.c_str(), perm);
  return fd;
}

}  // namespace

class Server::Listener final : public IoHandler {
 public:
  Listener(Server& server, int fd, bool unix_socket)
      : server_(server), fd_(fd), unix_socket_(unix_socket) {}
  ~Listener() override { close(fd_); }
  void on_io(uint32_t) override {
    for (int i = 0; i < kMaxAcceptsPerCall; ++i) {
      int fd = accept4(fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) return;  // EAGAIN, or an error on one connection
      server_.accept_client(fd, unix_socket_);
    }
  }

 private:
  Server& server_;
  int fd_;
  bool unix_socket_;
};

bool Server::listen(std::string* error) {
  int port = static_cast<int>(config_.get_int("port"));
  int backlog = static_cast<int>(config_.get_int("tcp-backlog"));
  tcp_port_ = port;
  if (port != 0) {
    std::istringstream addresses(config_.get_string("bind"));
    std::string address;
    while (addresses >> address) {
      bool optional = address[0] == '-';
      if (optional) address.erase(0, 1);
      int fd = listen_tcp(address, port, backlog);
      if (fd < 0) {
        int err = errno;
        if (optional && (err == EADDRNOTAVAIL || err == EAFNOSUPPORT || err == EPROTONOSUPPORT ||
                         err == ESOCKTNOSUPPORT || err == EPFNOSUPPORT || err == EINVAL)) {
          continue;
        }
        *error = "Warning: Could not create server TCP listening socket " + address + ":" +
                 std::to_string(port) + ": " + std::strerror(err);
        logger_.log(LogLevel::kWarning, *error);
        logger_.log(LogLevel::kWarning,
                    "Failed listening on port " + std::to_string(port) + " (TCP), aborting.");
        return false;
      }
      listeners_.push_back(std::make_unique<Listener>(*this, fd, false));
      listener_fds_.push_back(fd);
    }
  }
  std::string path = config_.get_string("unixsocket");
  if (!path.empty()) {
    int fd = listen_unix(path, static_cast<mode_t>(config_.get_int("unixsocketperm")), backlog);
    if (fd < 0) {
      *error = "Failed opening Unix socket: " + std::string(std::strerror(errno));
      logger_.log(LogLevel::kWarning, *error);
      return false;
    }
    unixsocket_path_ = path;
    listeners_.push_back(std::make_unique<Listener>(*this, fd, true));
    listener_fds_.push_back(fd);
  }
  for (size_t i = 0; i < listeners_.size(); ++i) {
    loop_.add(listener_fds_[i], EPOLLIN, listeners_[i].get());
  }
  return true;
}

void Server::close_listeners() {
  for (int fd : listener_fds_) loop_.remove(fd);
  listener_fds_.clear();
  listeners_.clear();
  if (!unixsocket_path_.empty()) {
    logger_.log(LogLevel::kNotice, "Removing the unix socket file.");
    unlink(unixsocket_path_.c_str());
    unixsocket_path_.clear();
  }
}

bool Server::reject_connection(int fd, bool unix_socket, const std::string& peer_ip) {
  if (static_cast<int64_t>(clients_.size()) >= settings_.maxclients) {
    write_and_forget(fd, kMaxClientsError);
    ++stats_.rejected_connections;
    return true;
  }
  bool local = unix_socket || peer_ip == "127.0.0.1" || peer_ip == "::1";
  if (settings_.protected_mode && settings_.requirepass.empty() && !local) {
    write_and_forget(fd, kProtectedModeError);
    ++stats_.rejected_connections;
    ++next_client_id_;  // Redis created the client (and used an id) first
    return true;
  }
  return false;
}

void Server::accept_client(int fd, bool unix_socket) {
  sockaddr_storage peer{}, local{};
  socklen_t peer_len = sizeof(peer), local_len = sizeof(local);
  std::string peer_ip;
  std::string addr, laddr;
  if (unix_socket) {
    addr = laddr = config_.get_string("unixsocket") + ":0";
  } else {
    getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_len);
    getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len);
    addr = format_address(peer, &peer_ip);
    laddr = format_address(local, nullptr);
  }
  if (reject_connection(fd, unix_socket, peer_ip)) {
    close(fd);
    return;
  }
  if (!unix_socket) {
    int yes = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof(yes));
    if (settings_.tcp_keepalive_s > 0) set_keepalive(fd, settings_.tcp_keepalive_s);
  }
  uint64_t id = next_client_id_++;
  auto client = std::make_unique<Client>(*this, fd, id, unix_socket ? kClientUnixSocket : 0u);
  client->addr = std::move(addr);
  client->laddr = std::move(laddr);
  client->authenticated = settings_.requirepass.empty();
  client->ctime_s = client->last_interaction_s = now_s();
  if (!loop_.add(fd, EPOLLIN, client.get())) return;  // the Client closes fd
  ++stats_.connections_received;
  if (logger_.enabled(LogLevel::kVerbose)) {
    logger_.log(LogLevel::kVerbose, unix_socket ? "Accepted connection to " + unixsocket_path_
                                                : "Accepted " + client->addr);
  }
  clients_.emplace(id, std::move(client));
}

namespace {

class SignalHandler final : public IoHandler {
 public:
  SignalHandler(Server& server, int fd) : server_(server), fd_(fd) {}
  ~SignalHandler() override { close(fd_); }
  void on_io(uint32_t) override {
    signalfd_siginfo info;
    while (read(fd_, &info, sizeof(info)) == static_cast<ssize_t>(sizeof(info))) {
      server_.logger().log(LogLevel::kWarning, info.ssi_signo == SIGINT
                                                   ? "Received SIGINT scheduling shutdown..."
                                                   : "Received SIGTERM scheduling shutdown...");
      server_.request_shutdown();
    }
  }

 private:
  Server& server_;
  int fd_;
};

}  // namespace

bool Server::handle_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  if (sigprocmask(SIG_BLOCK, &set, nullptr) != 0) return false;
  signal_fd_ = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  if (signal_fd_ < 0) return false;
  signal_handler_ = std::make_unique<SignalHandler>(*this, signal_fd_);
  return loop_.add(signal_fd_, EPOLLIN, signal_handler_.get());
}

}  // namespace amber
