// Incremental RESP request parsing, shaped after Redis 7.0's
// processMultibulkBuffer / processInlineBuffer so that the same malformed
// input gets the same error at the same point:
//  - a "*N" or "$N" line is only looked at once its '\r' and one more byte
//    are in the buffer; Redis does not check that this byte is '\n';
//  - a line still without '\r' (or an inline request without '\n') longer
//    than 64 KiB is an error, so a client cannot make us buffer forever;
//  - header values are parsed with string2ll's rules (no '+', no spaces, no
//    leading zeros).
// Unlike Redis we keep multibulk arguments in the buffer (as offsets) until
// the command is complete, so the common case copies no argument at all.
#include "server/resp_parser.h"

#include <cctype>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <new>

#include "core/args.h"
#include "core/assert.h"

namespace amber {
namespace {

bool is_hex_digit(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  return std::tolower(static_cast<unsigned char>(c)) - 'a' + 10;
}

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

// One double-quoted token body; `i` is just past the opening quote. Returns
// false on an unterminated quote or a closing quote glued to more text.
bool take_double_quoted(std::string_view line, size_t* i, std::string* token) {
  while (true) {
    if (*i >= line.size()) return false;
    char c = line[*i];
    if (c == '\\' && *i + 3 < line.size() && line[*i + 1] == 'x' && is_hex_digit(line[*i + 2]) &&
        is_hex_digit(line[*i + 3])) {
      token->push_back(static_cast<char>(hex_value(line[*i + 2]) * 16 + hex_value(line[*i + 3])));
      *i += 4;
    } else if (c == '\\' && *i + 1 < line.size()) {
      char e = line[*i + 1];
      switch (e) {
        case 'n':
          e = '\n';
          break;
        case 'r':
          e = '\r';
          break;
        case 't':
          e = '\t';
          break;
        case 'b':
          e = '\b';
          break;
        case 'a':
          e = '\a';
          break;
        default:
          break;
      }
      token->push_back(e);
      *i += 2;
    } else if (c == '"') {
      ++*i;
      return *i >= line.size() || is_space(line[*i]);
    } else {
      token->push_back(c);
      ++*i;
    }
  }
}

bool take_single_quoted(std::string_view line, size_t* i, std::string* token) {
  while (true) {
    if (*i >= line.size()) return false;
    char c = line[*i];
    if (c == '\\' && *i + 1 < line.size() && line[*i + 1] == '\'') {
      token->push_back('\'');
      *i += 2;
    } else if (c == '\'') {
      ++*i;
      return *i >= line.size() || is_space(line[*i]);
    } else {
      token->push_back(c);
      ++*i;
    }
  }
}

// One token starting at a non-space byte.
bool take_token(std::string_view line, size_t* i, std::string* token) {
  while (*i < line.size()) {
    char c = line[*i];
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
      ++*i;
      return true;
    }
    ++*i;
    if (c == '"') {
      if (!take_double_quoted(line, i, token)) return false;
      if (*i < line.size()) ++*i;  // the space after the closing quote
      return true;
    }
    if (c == '\'') {
      if (!take_single_quoted(line, i, token)) return false;
      if (*i < line.size()) ++*i;
      return true;
    }
    token->push_back(c);
  }
  return true;
}

}  // namespace

bool split_inline_args(std::string_view line, std::vector<std::string>* out, size_t* count) {
  // sdssplitargs works on a C string: an embedded NUL ends the line.
  line = line.substr(0, line.find('\0'));
  *count = 0;
  size_t i = 0;
  while (true) {
    while (i < line.size() && is_space(line[i])) ++i;
    if (i >= line.size()) return true;
    if (out->size() <= *count) out->emplace_back();
    std::string& token = (*out)[*count];
    token.clear();
    if (!take_token(line, &i, &token)) return false;
    ++*count;
  }
}

RespParser::~RespParser() { std::free(data_); }

char* RespParser::write_space(size_t min_bytes) {
  if (capacity_ - size_ < min_bytes) {
    size_t wanted = size_ + min_bytes;
    size_t grown = capacity_ + capacity_ / 2;
    size_t new_capacity = wanted > grown ? wanted : grown;
    char* p = static_cast<char*>(std::realloc(data_, new_capacity));
    if (p == nullptr) throw std::bad_alloc();
    data_ = p;
    capacity_ = new_capacity;
  }
  return data_ + size_;
}

size_t RespParser::read_hint() const {
  if (mode_ != Mode::kMultibulk || multibulk_left_ == 0 || bulk_len_ < kBigArg) return kIoBufLen;
  size_t have = size_ - pos_;
  size_t need = static_cast<size_t>(bulk_len_) + 2;
  if (have >= need) return kIoBufLen;
  // Read the rest of the bulk, but never more than what already arrived:
  // memory follows the bytes, not the header's promise.
  size_t remaining = need - have;
  size_t cap = have < kIoBufLen ? kIoBufLen : have;
  return remaining < cap ? remaining : cap;
}

size_t RespParser::find(char c) const {
  if (pos_ >= size_) return std::string_view::npos;
  const void* p = std::memchr(data_ + pos_, c, size_ - pos_);
  return p == nullptr ? std::string_view::npos
                      : static_cast<size_t>(static_cast<const char*>(p) - data_);
}

RespParser::Status RespParser::fail(std::string message) {
  error_ = std::move(message);
  return Status::kError;
}

void RespParser::reset_command() {
  mode_ = Mode::kNone;
  multibulk_left_ = 0;
  bulk_len_ = -1;
  args_.clear();
}

RespParser::Status RespParser::next(const Limits& limits, std::vector<std::string_view>* argv) {
  argv->clear();
  while (pos_ < size_) {
    if (mode_ == Mode::kNone) {
      cmd_start_ = pos_;
      mode_ = data_[pos_] == '*' ? Mode::kMultibulk : Mode::kInline;
    }
    Status status = mode_ == Mode::kInline ? parse_inline(argv) : parse_multibulk(limits, argv);
    if (status != Status::kCommand) return status;
    reset_command();
    // An empty line or "*0" / "*-1" is skipped, as Redis does.
    if (!argv->empty()) return Status::kCommand;
  }
  return Status::kNeedMore;
}

RespParser::Status RespParser::parse_inline(std::vector<std::string_view>* argv) {
  size_t newline = find('\n');
  if (newline == std::string_view::npos) {
    if (size_ - pos_ > kInlineMaxSize) return fail("ERR Protocol error: too big inline request");
    return Status::kNeedMore;
  }
  size_t end = newline;
  if (end != pos_ && data_[end - 1] == '\r') --end;
  size_t count = 0;
  if (!split_inline_args(std::string_view(data_ + pos_, end - pos_), &inline_args_, &count)) {
    return fail("ERR Protocol error: unbalanced quotes in request");
  }
  pos_ = newline + 1;
  for (size_t i = 0; i < count; ++i) argv->emplace_back(inline_args_[i]);
  return Status::kCommand;
}

RespParser::Status RespParser::parse_multibulk_header(const Limits& limits) {
  size_t cr = find('\r');
  if (cr == std::string_view::npos) {
    if (size_ - pos_ > kInlineMaxSize)
      return fail("ERR Protocol error: too big mbulk count string");
    return Status::kNeedMore;
  }
  if (cr + 2 > size_) return Status::kNeedMore;
  int64_t n = 0;
  bool ok = parse_int64(std::string_view(data_ + pos_ + 1, cr - pos_ - 1), &n);
  if (!ok || n > INT_MAX) return fail("ERR Protocol error: invalid multibulk length");
  if (n > kUnauthMaxMultibulk && limits.auth_required) {
    return fail("ERR Protocol error: unauthenticated multibulk length");
  }
  pos_ = cr + 2;
  multibulk_left_ = n;
  return Status::kCommand;
}

RespParser::Status RespParser::parse_bulk_header(const Limits& limits) {
  size_t cr = find('\r');
  if (cr == std::string_view::npos) {
    if (size_ - pos_ > kInlineMaxSize) return fail("ERR Protocol error: too big bulk count string");
    return Status::kNeedMore;
  }
  if (cr + 2 > size_) return Status::kNeedMore;
  if (data_[pos_] != '$') {
    std::string message = "ERR Protocol error: expected '$', got '";
    // Redis formats the byte with %c into a C string: a NUL ends the text.
    if (data_[pos_] != '\0') message.append(1, data_[pos_]).append("'");
    return fail(std::move(message));
  }
  int64_t n = 0;
  bool ok = parse_int64(std::string_view(data_ + pos_ + 1, cr - pos_ - 1), &n);
  if (!ok || n < 0 || n > limits.max_bulk_len)
    return fail("ERR Protocol error: invalid bulk length");
  if (n > kUnauthMaxBulk && limits.auth_required) {
    return fail("ERR Protocol error: unauthenticated bulk length");
  }
  pos_ = cr + 2;
  bulk_len_ = n;
  return Status::kCommand;
}

RespParser::Status RespParser::parse_multibulk(const Limits& limits,
                                               std::vector<std::string_view>* argv) {
  if (multibulk_left_ == 0) {
    Status status = parse_multibulk_header(limits);
    if (status != Status::kCommand) return status;
    if (multibulk_left_ <= 0) return Status::kCommand;  // empty command
  }
  while (multibulk_left_ > 0) {
    if (bulk_len_ == -1) {
      Status status = parse_bulk_header(limits);
      if (status != Status::kCommand) return status;
    }
    size_t need = static_cast<size_t>(bulk_len_) + 2;
    if (size_ - pos_ < need) return Status::kNeedMore;
    args_.emplace_back(pos_, static_cast<size_t>(bulk_len_));
    pos_ += need;
    bulk_len_ = -1;
    --multibulk_left_;
  }
  for (const auto& [offset, len] : args_) argv->emplace_back(data_ + offset, len);
  return Status::kCommand;
}

size_t RespParser::peek_keys(std::span<std::string_view> keys) const {
  if (mode_ != Mode::kNone) return 0;
  const std::string_view in(data_ + pos_, size_ - pos_);
  size_t at = 0;
  // Reads "<lead><digits>\r\n" at `at`.
  auto header = [&in, &at](char lead, int64_t* value) {
    if (at >= in.size() || in[at] != lead) return false;
    const size_t cr = in.find('\r', at);
    if (cr == std::string_view::npos || cr + 1 >= in.size() || in[cr + 1] != '\n') return false;
    if (!parse_int64(in.substr(at + 1, cr - at - 1), value) || *value < 0) return false;
    at = cr + 2;
    return true;
  };
  size_t found = 0;
  while (found < keys.size()) {
    int64_t args = 0;
    if (!header('*', &args) || args == 0) break;
    std::string_view second;
    for (int64_t i = 0; i < args; ++i) {
      int64_t len = 0;
      if (!header('$', &len) || static_cast<uint64_t>(len) + 2 > in.size() - at) return found;
      if (i == 1) second = in.substr(at, static_cast<size_t>(len));
      at += static_cast<size_t>(len) + 2;
    }
    if (args >= 2) keys[found++] = second;
  }
  return found;
}

void RespParser::unread_command() {
  pos_ = cmd_start_;
  reset_command();
}

void RespParser::compact() {
  size_t drop = mode_ == Mode::kNone ? pos_ : cmd_start_;
  if (drop == 0) return;
  std::memmove(data_, data_ + drop, size_ - drop);
  size_ -= drop;
  pos_ -= drop;
  cmd_start_ -= drop;
  for (auto& arg : args_) arg.first -= drop;
}

void RespParser::shrink_if_idle() {
  if (size_ != 0 || capacity_ <= 2 * kIoBufLen) return;
  std::free(data_);
  data_ = nullptr;
  capacity_ = 0;
  pos_ = 0;
  cmd_start_ = 0;
}

size_t RespParser::argv_bytes() const {
  size_t total = 0;
  for (const auto& arg : args_) total += arg.second;
  return total;
}

}  // namespace amber
