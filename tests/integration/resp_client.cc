// The tests' RESP client (see resp_client.h). The framer walks the reply
// grammar without copying; the parser builds a RespValue only when a
// comparison needs the structure. Reads are bounded by a per-reply timeout
// so that a server that stops answering fails the test instead of hanging it.
#include "tests/integration/resp_client.h"

#include <hiredis.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>

namespace amber::testing {
namespace {

constexpr int kConnectTimeoutMs = 2000;

// Returns the offset just past the reply starting at `pos`, or npos if the
// buffer ends first.
size_t frame_end(std::string_view buf, size_t pos) {
  constexpr size_t kIncomplete = std::string_view::npos;
  if (pos >= buf.size()) return kIncomplete;
  size_t eol = buf.find("\r\n", pos);
  if (eol == std::string_view::npos) return kIncomplete;
  char type = buf[pos];
  std::string_view line = buf.substr(pos + 1, eol - pos - 1);
  size_t after = eol + 2;
  int64_t n = 0;
  auto parse_len = [&] { return std::from_chars(line.data(), line.data() + line.size(), n); };
  switch (type) {
    case '$':
    case '=':
    case '!': {
      parse_len();
      if (n < 0) return after;
      size_t end = after + static_cast<size_t>(n) + 2;
      return end <= buf.size() ? end : kIncomplete;
    }
    case '*':
    case '~':
    case '>':
    case '%': {
      parse_len();
      if (n < 0) return after;
      size_t count = static_cast<size_t>(n) * (type == '%' ? 2 : 1);
      for (size_t i = 0; i < count; ++i) {
        after = frame_end(buf, after);
        if (after == kIncomplete) return kIncomplete;
      }
      return after;
    }
    default:  // + - : _ , # ( and anything unexpected: one line
      return after;
  }
}

RespValue parse_at(std::string_view buf, size_t* pos) {
  RespValue v;
  size_t eol = buf.find("\r\n", *pos);
  v.type = buf[*pos];
  v.text = std::string(buf.substr(*pos + 1, eol - *pos - 1));
  *pos = eol + 2;
  int64_t n = 0;
  std::from_chars(v.text.data(), v.text.data() + v.text.size(), n);
  if (v.type == '$' || v.type == '=' || v.type == '!') {
    if (n < 0) {
      v.null = true;
    } else {
      v.text = std::string(buf.substr(*pos, static_cast<size_t>(n)));
      *pos += static_cast<size_t>(n) + 2;
    }
  } else if (v.type == '*' || v.type == '~' || v.type == '>' || v.type == '%') {
    if (n < 0) {
      v.null = true;
    } else {
      size_t count = static_cast<size_t>(n) * (v.type == '%' ? 2 : 1);
      for (size_t i = 0; i < count; ++i) v.elems.push_back(parse_at(buf, pos));
    }
  }
  return v;
}

}  // namespace

std::optional<size_t> resp_frame_length(std::string_view buf) {
  size_t end = frame_end(buf, 0);
  if (end == std::string_view::npos) return std::nullopt;
  return end;
}

RespValue resp_parse(std::string_view bytes) {
  size_t pos = 0;
  return parse_at(bytes, &pos);
}

std::string resp_serialize(const RespValue& v) {
  std::string out(1, v.type);
  bool counted = v.type == '*' || v.type == '~' || v.type == '>' || v.type == '%';
  bool sized = v.type == '$' || v.type == '=' || v.type == '!';
  if (v.null) return out + "-1\r\n";
  if (counted) {
    size_t n = v.type == '%' ? v.elems.size() / 2 : v.elems.size();
    out += std::to_string(n) + "\r\n";
    for (const auto& e : v.elems) out += resp_serialize(e);
  } else if (sized) {
    out += std::to_string(v.text.size()) + "\r\n" + v.text + "\r\n";
  } else {
    out += v.text + "\r\n";
  }
  return out;
}

std::string resp_printable(std::string_view bytes) {
  std::string out;
  for (unsigned char c : bytes) {
    if (c == '\r') {
      out += "\\r";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20 || c >= 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

RespClient::~RespClient() { close(); }

bool RespClient::connect(int port, std::string* error) {
  close();
  timeval tv{kConnectTimeoutMs / 1000, (kConnectTimeoutMs % 1000) * 1000};
  ctx_ = redisConnectWithTimeout("127.0.0.1", port, tv);
  if (ctx_ == nullptr || ctx_->err != 0) {
    *error = ctx_ ? ctx_->errstr : "cannot allocate redisContext";
    close();
    return false;
  }
  return true;
}

void RespClient::close() {
  if (ctx_ != nullptr) redisFree(ctx_);
  ctx_ = nullptr;
  pending_.clear();
}

std::string RespClient::command(const std::vector<std::string>& argv, std::string* error) {
  std::vector<const char*> ptrs;
  std::vector<size_t> lens;
  for (const auto& a : argv) {
    ptrs.push_back(a.data());
    lens.push_back(a.size());
  }
  char* cmd = nullptr;
  int len = redisFormatCommandArgv(&cmd, static_cast<int>(argv.size()), ptrs.data(), lens.data());
  if (len < 0) {
    *error = "redisFormatCommandArgv failed";
    return {};
  }
  bool sent = send_raw(std::string_view(cmd, static_cast<size_t>(len)), error);
  redisFreeCommand(cmd);
  return sent ? read_reply(error) : std::string();
}

bool RespClient::send_raw(std::string_view bytes, std::string* error) {
  if (ctx_ == nullptr) {
    *error = "not connected";
    return false;
  }
  while (!bytes.empty()) {
    ssize_t n = ::write(ctx_->fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      *error = std::string("write: ") + std::strerror(errno);
      return false;
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

std::string RespClient::read_reply(std::string* error) {
  using SteadyClock = std::chrono::steady_clock;
  auto deadline = SteadyClock::now() + std::chrono::milliseconds(timeout_ms_);
  while (true) {
    if (auto len = resp_frame_length(pending_)) {
      std::string reply = pending_.substr(0, *len);
      pending_.erase(0, *len);
      return reply;
    }
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
    pollfd p{ctx_ ? ctx_->fd : -1, POLLIN, 0};
    if (ctx_ == nullptr || left.count() <= 0 ||
        ::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
      *error = "no complete reply within " + std::to_string(timeout_ms_) +
               " ms; got: " + resp_printable(pending_);
      return {};
    }
    char buf[16384];
    ssize_t n = ::read(ctx_->fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      *error = "connection closed; got: " + resp_printable(pending_);
      return {};
    }
    pending_.append(buf, static_cast<size_t>(n));
  }
}

}  // namespace amber::testing
