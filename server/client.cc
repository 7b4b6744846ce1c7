// Client: construction, event dispatch to the server, and the CLIENT LIST
// line in Redis 7.0's format and field order (networking.c
// catClientInfoString), so tools that parse it keep working.
#include "server/client.h"

#include <unistd.h>

#include <algorithm>

#include "server/format.h"
#include "server/server.h"

namespace amber {

Client::Client(Server& owner, int socket_fd, uint64_t client_id, uint32_t initial_flags)
    : server(owner), fd(socket_fd), id(client_id), flags(initial_flags) {
  session.id = id;
  session.host = this;
}

Client::~Client() { close(fd); }

void Client::on_io(uint32_t events) {
  if (flags & kClientCloseAsap) return;
  // Write before reading (Redis's AE_BARRIER): replies produced by this
  // read must wait for before_sleep, which logs (and with appendfsync
  // always syncs) their writes first.
  if (events & EPOLLOUT) server.write_to_client(*this);
  if ((events & (EPOLLIN | EPOLLERR | EPOLLHUP)) && !(flags & kClientCloseAsap)) {
    server.read_from_client(*this);
  }
}

bool Client::valid_name(std::string_view name) {
  for (char c : name) {
    if (c < '!' || c > '~') return false;
  }
  return true;
}

std::string Client::info_string(int64_t now_s) const {
  char flag_chars[16];
  char* p = flag_chars;
  if (session.in_multi) *p++ = 'x';
  if (flags & kClientPostponed) *p++ = 'b';
  if (session.watch_dirty) *p++ = 'd';
  if (flags & kClientCloseAfterReply) *p++ = 'c';
  if (flags & kClientCloseAsap) *p++ = 'A';
  if (flags & kClientUnixSocket) *p++ = 'U';
  if (flags & kClientNoEvict) *p++ = 'e';
  if (p == flag_chars) *p++ = 'N';
  *p = '\0';
  const char* events = (flags & kClientWriteHandler) ? "rw" : "r";
  size_t multi_mem = 0;
  for (const auto& command : session.queued) {
    for (const auto& arg : command) multi_mem += arg.size();
  }
  // argv-mem: the arguments of the command being run (or being parsed).
  size_t argv_mem = parser.argv_bytes();
  if (server.current_client() == this) {
    for (std::string_view arg : argv) argv_mem += arg.size();
  }
  // rbs/rbp: Redis's fixed 16 KiB reply buffer, or our larger one.
  size_t reply_buffer = std::max<size_t>(out.capacity(), 16 * 1024);
  size_t obl = out.size() - out_pos;
  size_t qbuf_capacity = parser.total_bytes() + parser.free_bytes();
  size_t tot_mem = qbuf_capacity + out.capacity() + argv_mem + multi_mem + sizeof(Client);
  return string_printf(
      "id=%llu addr=%s laddr=%s fd=%d name=%s age=%lld idle=%lld flags=%s db=%d sub=0 psub=0 "
      "ssub=0 multi=%d qbuf=%zu qbuf-free=%zu argv-mem=%zu multi-mem=%zu rbs=%zu rbp=%zu obl=%zu "
      "oll=0 omem=0 tot-mem=%zu events=%s cmd=%s user=default redir=-1 resp=%d",
      static_cast<unsigned long long>(id), addr.c_str(), laddr.c_str(), fd, name.c_str(),
      static_cast<long long>(now_s - ctime_s), static_cast<long long>(now_s - last_interaction_s),
      flag_chars, session.db, session.in_multi ? static_cast<int>(session.queued.size()) : -1,
      parser.total_bytes(), parser.free_bytes(), argv_mem, multi_mem, reply_buffer, reply_buffer,
      obl, tot_mem, events, last_cmd != nullptr ? last_cmd->name.c_str() : "NULL",
      session.protocol);
}

}  // namespace amber
