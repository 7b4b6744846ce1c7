// Per-client I/O: read into the query buffer, run every complete command,
// write replies. The hot path of the server, so nothing here allocates per
// command: argv is a reused vector of views into the query buffer, replies
// are appended to the client's reused output string, and writes are
// attempted directly before the next poll (Redis's
// handleClientsWithPendingWrites) with EPOLLOUT registered only when the
// socket is full.
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "core/args.h"
#include "server/server.h"

namespace amber {
namespace {

// Redis's NET_MAX_WRITES_PER_EVENT: bytes written to one client per pass
// before giving other clients a turn (unless nothing else is pending).
constexpr size_t kMaxWritePerEvent = 64 * 1024;

bool is_security_probe(std::string_view command) {
  return equals_ignore_case(command, "host:") || equals_ignore_case(command, "post");
}

}  // namespace

void Server::read_from_client(Client& c) {
  size_t hint = c.parser.read_hint();
  bool big_arg = hint != RespParser::kIoBufLen;
  char* space = c.parser.write_space(hint);
  size_t len = big_arg ? hint : c.parser.write_capacity();
  ssize_t n = read(c.fd, space, len);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
    logger_.log(LogLevel::kVerbose, std::string("Reading from client: ") + std::strerror(errno));
    close_async(c);
    return;
  }
  if (n == 0) {
    if (logger_.enabled(LogLevel::kVerbose)) {
      logger_.log(LogLevel::kVerbose, "Client closed connection " + c.info_string(now_s()));
    }
    close_async(c);
    return;
  }
  c.parser.commit(static_cast<size_t>(n));
  ++stats_.reads_processed;
  stats_.net_input_bytes += static_cast<uint64_t>(n);
  c.last_interaction_s = now_s();
  if (static_cast<int64_t>(c.parser.total_bytes()) > settings_.client_query_buffer_limit) {
    logger_.log(LogLevel::kWarning,
                "Closing client that reached max query buffer length: " + c.info_string(now_s()));
    close_async(c);
    return;
  }
  process_input(c);
}

void Server::prefetch_pipelined_keys(Client& c) {
  std::array<std::string_view, kPrefetchedKeys> keys;
  const size_t n = c.parser.peek_keys(keys);
  if (n < 2) return;  // the one command about to run: nothing to overlap
  // The session's database: a SELECT inside the pipeline only makes a
  // later hint useless.
  const Db& db = engine_.db(c.session.db);
  std::array<uint64_t, kPrefetchedKeys> hashes;
  for (size_t i = 0; i < n; ++i) {
    hashes[i] = db.key_hash(keys[i]);
    db.prefetch(hashes[i]);
  }
  // Reads the buckets (the first may still be on its way) to prefetch the
  // entries they point at.
  for (size_t i = 0; i < n; ++i) db.prefetch_chain(hashes[i]);
}

void Server::process_input(Client& c) {
  Reply reply(&c.out, c.session.protocol);
  constexpr uint32_t kStop = kClientCloseAfterReply | kClientCloseAsap | kClientPostponed;
  size_t until_prefetch = 0;
  while (!(c.flags & kStop) && !shutdown_requested_) {
    if (until_prefetch-- == 0) {
      prefetch_pipelined_keys(c);
      until_prefetch = kPrefetchedKeys - 1;
    }
    RespParser::Limits limits{settings_.proto_max_bulk_len, auth_required(c)};
    RespParser::Status status = c.parser.next(limits, &c.argv);
    if (status == RespParser::Status::kNeedMore) break;
    if (status == RespParser::Status::kError) {
      if (!(c.flags & (kClientReplyOff | kClientReplySkip))) {
        reply.error(c.parser.error());
        engine_.count_error(reply.last_error());
      }
      if (logger_.enabled(LogLevel::kVerbose)) {
        logger_.log(LogLevel::kVerbose, "Protocol error (" + c.parser.error() +
                                            ") from client: " + c.info_string(now_s()));
      }
      c.flags |= kClientCloseAfterReply | kClientProtocolError;
      break;
    }
    if (is_security_probe(c.argv[0])) {
      logger_.log(
          LogLevel::kWarning,
          "Possible SECURITY ATTACK detected. It looks like somebody is sending POST or "
          "Host: commands to Redis. This is likely due to an attacker attempting to use "
          "Cross Protocol Scripting to compromise your Redis instance. Connection aborted.");
      close_async(c);
      break;
    }
    if (pause_type_ != PauseType::kOff && must_postpone(c)) {
      c.parser.unread_command();
      c.flags |= kClientPostponed;
      postponed_.push_back(c.id);
      break;
    }
    execute_command(c, reply);
  }
  c.parser.compact();
  if (c.pending_output() > 0 || (c.flags & kClientCloseAfterReply)) queue_write(c);
}

void Server::execute_command(Client& c, Reply& reply) {
  size_t before = c.out.size();
  c.last_cmd = nullptr;
  current_client_ = &c;
  engine_.execute(c.session, c.argv, reply);
  current_client_ = nullptr;
  // CLIENT REPLY OFF|SKIP: the reply is dropped as it would never have been
  // queued (prepareClientToWrite); a command's own flag change counts.
  if (c.flags & (kClientReplyOff | kClientReplySkip)) c.out.resize(before);
  c.flags &= ~kClientReplySkip;
  if (c.flags & kClientReplySkipNext) {
    c.flags = (c.flags & ~kClientReplySkipNext) | kClientReplySkip;
  }
}

// Decides whether CLIENT PAUSE holds this command, with Redis's checks
// before it (unknown command, arity, NOAUTH) left to the engine.
bool Server::must_postpone(Client& c) const {
  if (pause_type_ == PauseType::kOff) return false;
  const CommandSpec* spec = engine_.find_command(c.argv[0]);
  if (spec == nullptr) return false;
  if (!spec->subcommands.empty() && c.argv.size() >= 2) {
    const CommandSpec* sub = nullptr;
    for (const CommandSpec& candidate : spec->subcommands) {
      if (equals_ignore_case(std::string_view(candidate.name).substr(spec->name.size() + 1),
                             c.argv[1])) {
        sub = &candidate;
      }
    }
    if (sub == nullptr) return false;
    spec = sub;
  }
  size_t argc = c.argv.size();
  bool arity_ok = spec->arity > 0 ? argc == static_cast<size_t>(spec->arity)
                                  : argc >= static_cast<size_t>(-spec->arity);
  if (!arity_ok) return false;
  if (auth_required(c) && !(spec->flags & kCmdNoAuth)) return false;
  if (pause_type_ == PauseType::kAll) return true;
  constexpr uint32_t kMayReplicate = kCmdWrite | kCmdMayReplicate;
  if (spec->flags & kMayReplicate) return true;
  if (spec->name == "exec") {
    for (const auto& queued : c.session.queued) {
      const CommandSpec* q = engine_.find_command(queued[0]);
      if (q != nullptr && (q->flags & kMayReplicate)) return true;
    }
  }
  return false;
}

void Server::queue_write(Client& c) {
  if (c.flags & (kClientPendingWrite | kClientCloseAsap)) return;
  c.flags |= kClientPendingWrite;
  pending_writes_.push_back(&c);
}

void Server::handle_pending_writes() {
  // Index loop: writing never queues more clients, but be safe anyway.
  for (size_t i = 0; i < pending_writes_.size(); ++i) {
    Client& c = *pending_writes_[i];
    c.flags &= ~kClientPendingWrite;
    if (c.flags & kClientCloseAsap) continue;
    write_to_client(c);
  }
  pending_writes_.clear();
}

void Server::write_to_client(Client& c) {
  size_t written_now = 0;
  while (c.pending_output() > 0) {
    ssize_t n = write(c.fd, c.out.data() + c.out_pos, c.pending_output());
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      logger_.log(LogLevel::kVerbose,
                  std::string("Error writing to client: ") + std::strerror(errno));
      close_async(c);
      return;
    }
    c.out_pos += static_cast<size_t>(n);
    written_now += static_cast<size_t>(n);
    stats_.net_output_bytes += static_cast<uint64_t>(n);
    if (written_now > kMaxWritePerEvent && !pending_writes_.empty()) break;
  }
  ++stats_.writes_processed;
  if (c.pending_output() > 0) {
    if (!(c.flags & kClientWriteHandler)) {
      c.flags |= kClientWriteHandler;
      loop_.modify(c.fd, EPOLLIN | EPOLLOUT, &c);
    }
    return;
  }
  c.out.clear();
  c.out_pos = 0;
  if (c.flags & kClientWriteHandler) {
    c.flags &= ~kClientWriteHandler;
    loop_.modify(c.fd, EPOLLIN, &c);
  }
  if (c.flags & kClientCloseAfterReply) close_async(c);
}

}  // namespace amber
