// RESP2/RESP3 reply encoding. Formats follow Redis 7.0's networking.c: the same
// bytes for the same reply, so clients and differential tests see no change.
#include "core/reply.h"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "core/assert.h"

namespace amber {
namespace {

// Width reserved for a deferred length: "*" + up to 20 digits, padded. Redis
// uses a separate buffer node; we pad instead and patch in place.
constexpr size_t kDeferredWidth = 24;

void append_int(std::string* out, int64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, end);
}

}  // namespace

void Reply::simple(std::string_view s) {
  out_->push_back('+');
  out_->append(s);
  out_->append("\r\n");
}

void Reply::error(std::string_view message) {
  ++errors_;
  last_error_.assign(message);
  for (char& c : last_error_) {
    if (c == '\r' || c == '\n') c = ' ';
  }
  out_->push_back('-');
  out_->append(last_error_);
  out_->append("\r\n");
}

void Reply::integer(int64_t v) {
  out_->push_back(':');
  append_int(out_, v);
  out_->append("\r\n");
}

void Reply::bulk(std::string_view s) {
  out_->push_back('$');
  append_int(out_, static_cast<int64_t>(s.size()));
  out_->append("\r\n");
  out_->append(s);
  out_->append("\r\n");
}

void Reply::null() {
  raw(protocol_ >= 3 ? std::string_view("_\r\n") : std::string_view("$-1\r\n"));
}

void Reply::null_array() {
  raw(protocol_ >= 3 ? std::string_view("_\r\n") : std::string_view("*-1\r\n"));
}

void Reply::header(char type, size_t n) {
  out_->push_back(type);
  append_int(out_, static_cast<int64_t>(n));
  out_->append("\r\n");
}

void Reply::array(size_t n) { header('*', n); }
void Reply::map(size_t n) { protocol_ >= 3 ? header('%', n) : header('*', 2 * n); }
void Reply::set(size_t n) { header(protocol_ >= 3 ? '~' : '*', n); }
void Reply::push(size_t n) { header(protocol_ >= 3 ? '>' : '*', n); }

void Reply::double_value(double d) {
  char buf[64];
  int len;
  if (std::isinf(d)) {
    len = std::snprintf(buf, sizeof(buf), "%s", d > 0 ? "inf" : "-inf");
  } else {
    len = std::snprintf(buf, sizeof(buf), "%.17g", d);
  }
  if (protocol_ >= 3) {
    out_->push_back(',');
    out_->append(buf, static_cast<size_t>(len));
    out_->append("\r\n");
  } else {
    bulk(std::string_view(buf, static_cast<size_t>(len)));
  }
}

void Reply::boolean(bool b) {
  if (protocol_ >= 3) {
    raw(b ? "#t\r\n" : "#f\r\n");
  } else {
    integer(b ? 1 : 0);
  }
}

void Reply::verbatim(std::string_view text, std::string_view format) {
  if (protocol_ < 3) {
    bulk(text);
    return;
  }
  AMBER_ASSERT(format.size() == 3);
  out_->push_back('=');
  append_int(out_, static_cast<int64_t>(text.size() + 4));
  out_->append("\r\n");
  out_->append(format);
  out_->push_back(':');
  out_->append(text);
  out_->append("\r\n");
}

size_t Reply::begin_deferred_array() {
  size_t handle = out_->size();
  out_->append(kDeferredWidth, ' ');
  return handle;
}

void Reply::end_deferred_array(size_t handle, size_t n) {
  std::string head = "*" + std::to_string(n) + "\r\n";
  AMBER_ASSERT(head.size() <= kDeferredWidth);
  out_->replace(handle, kDeferredWidth, head);
}

void Reply::end_deferred_map(size_t handle, size_t n) {
  std::string head =
      (protocol_ >= 3 ? "%" + std::to_string(n) : "*" + std::to_string(2 * n)) + "\r\n";
  AMBER_ASSERT(head.size() <= kDeferredWidth);
  out_->replace(handle, kDeferredWidth, head);
}

}  // namespace amber
