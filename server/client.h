// Client: one connection's state on the server side — the socket, its query
// buffer and parser, its pending output, the engine Session, and the
// bookkeeping CLIENT LIST shows (id, name, addresses, ages, flags).
//
// Clients are created and freed only by the Server, and freed only between
// two polls of the event loop (see event_loop.h), so a pointer to a client
// stays valid for a whole loop iteration even after it was killed.
// Server thread only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/command.h"
#include "core/session.h"
#include "server/event_loop.h"
#include "server/resp_parser.h"

namespace amber {

class Server;

enum ClientFlag : uint32_t {
  kClientCloseAfterReply = 1 << 0,  // QUIT, protocol error, CLIENT KILL of self
  kClientCloseAsap = 1 << 1,        // freed before the next poll, output dropped
  kClientProtocolError = 1 << 2,
  kClientUnixSocket = 1 << 3,
  kClientReplyOff = 1 << 4,       // CLIENT REPLY OFF
  kClientReplySkipNext = 1 << 5,  // CLIENT REPLY SKIP was just run
  kClientReplySkip = 1 << 6,      // the current command's reply is dropped
  kClientPostponed = 1 << 7,      // its next command waits for CLIENT PAUSE to end
  kClientNoEvict = 1 << 8,
  kClientPendingWrite = 1 << 9,   // queued for the write pass before the next poll
  kClientWriteHandler = 1 << 10,  // EPOLLOUT is registered (socket was full)
};

class Client final : public IoHandler {
 public:
  Client(Server& server, int fd, uint64_t id, uint32_t flags);
  ~Client() override;  // closes the socket
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  void on_io(uint32_t events) override;

  // Redis's CLIENT LIST / CLIENT INFO line (without the trailing newline).
  std::string info_string(int64_t now_s) const;
  // Redis's client name rule: empty (unset) or printable ASCII, no spaces.
  static bool valid_name(std::string_view name);
  // Bytes waiting to be written.
  size_t pending_output() const { return out.size() - out_pos; }

  Server& server;
  const int fd;
  const uint64_t id;
  uint32_t flags;
  bool authenticated = false;
  std::string name;
  std::string addr;   // peer, "ip:port", "[ip6]:port" or "<unixsocket>:0"
  std::string laddr;  // local end, same format
  int64_t ctime_s = 0;
  int64_t last_interaction_s = 0;
  const CommandSpec* last_cmd = nullptr;  // for CLIENT LIST cmd=

  Session session;
  RespParser parser;
  std::vector<std::string_view> argv;  // reused for every command
  std::string out;                     // RESP bytes not yet written
  size_t out_pos = 0;                  // how much of `out` was written
};

}  // namespace amber
