// The RESP reply validator (see resp_validator.h). Every value starts with a
// type byte and a line ending in CRLF; bulk-like types (`$ ! =`) then carry
// that many bytes and a CRLF; aggregates (`* % ~ | >`) announce how many
// values follow (a map or attribute twice as many). An attribute is not a
// value itself: it decorates the value after it, so it does not count
// towards its parent aggregate.
#include "fuzz/resp_validator.h"

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <vector>

namespace amber::fuzz {
namespace {

bool parse_i64(std::string_view s, int64_t* out) {
  if (s.empty() || s.size() > 20) return false;
  std::string text(s);
  if (text[0] == '+' || text[0] == ' ') return false;
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(text.c_str(), &end, 10);
  if (errno != 0 || *end != '\0' || end == text.c_str()) return false;
  *out = v;
  return true;
}

bool is_double(std::string_view s) {
  if (s == "inf" || s == "-inf" || s == "nan") return true;
  if (s.empty() || s.size() > 400) return false;
  std::string text(s);
  char* end = nullptr;
  double d = std::strtod(text.c_str(), &end);
  return *end == '\0' && std::isfinite(d);
}

bool is_big_number(std::string_view s) {
  if (!s.empty() && s[0] == '-') s.remove_prefix(1);
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

class Validator {
 public:
  Validator(std::string_view bytes, int protocol, size_t max_depth)
      : in_(bytes), protocol_(protocol), max_depth_(max_depth) {}

  RespCheck run() {
    owed_.push_back(1);  // the one top-level value
    while (!owed_.empty()) {
      if (owed_.back() == 0) {
        owed_.pop_back();
        continue;
      }
      if (!value()) return {false, error_};
    }
    if (pos_ != in_.size()) return fail("trailing bytes after the value");
    return {true, ""};
  }

 private:
  RespCheck fail(std::string what) { return {false, what + " at offset " + std::to_string(pos_)}; }
  bool error(std::string what) {
    error_ = what + " at offset " + std::to_string(pos_);
    return false;
  }

  // The line after the type byte, without CRLF; no CR or LF inside.
  bool line(std::string_view* out) {
    size_t cr = in_.find('\r', pos_);
    if (cr == std::string_view::npos || cr + 1 >= in_.size() || in_[cr + 1] != '\n') {
      return error("unterminated line");
    }
    *out = in_.substr(pos_, cr - pos_);
    if (out->find('\n') != std::string_view::npos) return error("LF inside a line");
    pos_ = cr + 2;
    return true;
  }

  bool length(int64_t* n, bool allow_null) {
    std::string_view text;
    if (!line(&text)) return false;
    if (!parse_i64(text, n)) return error("bad length '" + std::string(text) + "'");
    if (*n < -1 || (*n == -1 && !allow_null)) return error("negative length");
    return true;
  }

  bool bulk_body(int64_t n, bool verbatim) {
    if (n == -1) return true;
    if (static_cast<uint64_t>(n) > in_.size() - pos_ ||
        in_.size() - pos_ - static_cast<size_t>(n) < 2) {
      return error("bulk of " + std::to_string(n) + " bytes runs past the end");
    }
    if (verbatim && (n < 4 || in_[pos_ + 3] != ':')) return error("verbatim without format");
    pos_ += static_cast<size_t>(n);
    if (in_[pos_] != '\r' || in_[pos_ + 1] != '\n') return error("bulk not followed by CRLF");
    pos_ += 2;
    return true;
  }

  bool aggregate(int64_t n, int64_t per_element, bool counts) {
    if (counts) --owed_.back();
    if (n <= 0) return true;
    if (owed_.size() >= max_depth_) return error("nesting deeper than the limit");
    // Each element needs at least 3 bytes: refuse counts the rest can't hold.
    if (static_cast<uint64_t>(n) > (in_.size() - pos_) / 3 + 1) {
      return error("aggregate of " + std::to_string(n) + " elements runs past the end");
    }
    owed_.push_back(n * per_element);
    return true;
  }

  bool value() {
    if (pos_ >= in_.size()) return error("missing value");
    char type = in_[pos_++];
    bool resp3_only = std::string_view("_#,(!=%~|>").find(type) != std::string_view::npos;
    if (resp3_only && protocol_ == 2) return error(std::string("RESP3 type '") + type + "'");
    std::string_view text;
    int64_t n = 0;
    switch (type) {
      case '+':
      case '-':
        if (!line(&text)) return false;
        break;
      case ':':
        if (!line(&text)) return false;
        if (!parse_i64(text, &n)) return error("bad integer");
        break;
      case '$':
        if (!length(&n, protocol_ == 2) || !bulk_body(n, false)) return false;
        break;
      case '!':
      case '=':
        if (!length(&n, false) || !bulk_body(n, type == '=')) return false;
        break;
      case '_':
        if (!line(&text)) return false;
        if (!text.empty()) return error("null with a payload");
        break;
      case '#':
        if (!line(&text)) return false;
        if (text != "t" && text != "f") return error("bad boolean");
        break;
      case ',':
        if (!line(&text)) return false;
        if (!is_double(text)) return error("bad double '" + std::string(text) + "'");
        break;
      case '(':
        if (!line(&text)) return false;
        if (!is_big_number(text)) return error("bad big number");
        break;
      case '*':
        if (!length(&n, protocol_ == 2)) return false;
        return aggregate(n, 1, true);
      case '~':
      case '>':
        if (!length(&n, false)) return false;
        return aggregate(n, 1, true);
      case '%':
        if (!length(&n, false)) return false;
        return aggregate(n, 2, true);
      case '|':
        if (!length(&n, false)) return false;
        return aggregate(n, 2, false);
      default:
        --pos_;
        return error("unknown type byte");
    }
    --owed_.back();
    return true;
  }

  std::string_view in_;
  int protocol_;
  size_t max_depth_;
  size_t pos_ = 0;
  std::vector<int64_t> owed_;
  std::string error_;
};

}  // namespace

RespCheck validate_resp_value(std::string_view bytes, int protocol, size_t max_depth) {
  return Validator(bytes, protocol, max_depth).run();
}

}  // namespace amber::fuzz
