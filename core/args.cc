// Argument parsing shared by all command handlers. The number parsers are
// strict in Redis's way (a value that parses must print back the same, for
// integers; no surrounding spaces for floats), because clients rely on which
// inputs are refused. The option parser for SET/GETEX keeps Redis's quirks:
// repeating an option is allowed, combining conflicting ones is a syntax
// error, and the first unknown word stops parsing.
#include "core/args.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "core/entry.h"

namespace amber {
namespace {

// Redis's MAX_LONG_DOUBLE_CHARS: string2ld refuses inputs this long or longer.
constexpr size_t kMaxLongDoubleChars = 5 * 1024;

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();

bool is_c_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

// strtod/strtold reject overflow (to +-HUGE_VAL) and underflow to zero, but
// keep denormals and explicit "inf".
template <typename T>
bool range_ok(T value) {
  if (errno == EINVAL) return false;
  if (errno != ERANGE) return true;
  return !(std::isinf(value) || value == 0);
}

// Redis compares option names as C strings: an embedded NUL ends the name.
std::string_view c_string(std::string_view s) {
  size_t nul = s.find('\0');
  return nul == std::string_view::npos ? s : s.substr(0, nul);
}

uint32_t expire_option(std::string_view opt) {
  if (equals_ignore_case(opt, "ex")) return kStrEx;
  if (equals_ignore_case(opt, "px")) return kStrPx;
  if (equals_ignore_case(opt, "exat")) return kStrExat;
  if (equals_ignore_case(opt, "pxat")) return kStrPxat;
  return 0;
}

}  // namespace

bool parse_int64(std::string_view s, int64_t* out) { return parse_canonical_int64(s, out); }

bool parse_double(std::string_view s, double* out) {
  if (s.empty() || is_c_space(s[0])) return false;
  std::string buf(s);
  char* end = nullptr;
  errno = 0;
  double value = std::strtod(buf.c_str(), &end);
  if (static_cast<size_t>(end - buf.c_str()) != s.size()) return false;
  if (!range_ok(value) || std::isnan(value)) return false;
  *out = value;
  return true;
}

bool parse_long_double(std::string_view s, long double* out) {
  if (s.empty() || s.size() >= kMaxLongDoubleChars || is_c_space(s[0])) return false;
  char buf[kMaxLongDoubleChars];
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';
  char* end = nullptr;
  errno = 0;
  long double value = std::strtold(buf, &end);
  if (static_cast<size_t>(end - buf) != s.size()) return false;
  if (!range_ok(value) || std::isnan(value)) return false;
  *out = value;
  return true;
}

std::string format_long_double(long double value) {
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  // Redis's MAX_LONG_DOUBLE_CHARS: room for the widest finite long double.
  char buf[5 * 1024];
  int len = std::snprintf(buf, sizeof(buf), "%.17Lf", value);
  if (len < 0 || static_cast<size_t>(len) >= sizeof(buf)) return "inf";
  // "%.17Lf" always prints a '.', so the fraction's zeros can go.
  std::string_view text(buf, static_cast<size_t>(len));
  if (text.find('.') != std::string_view::npos) {
    while (text.back() == '0') text.remove_suffix(1);
    if (text.back() == '.') text.remove_suffix(1);
  }
  if (text == "-0") return "0";
  return std::string(text);
}

namespace {
// strcasecmp in the C locale, as Redis compares option names: ASCII only.
char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
}  // namespace

bool equals_ignore_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

bool string_expire_to_ms(int64_t value, TimeUnit unit, bool relative, int64_t now_ms,
                         int64_t* when_ms) {
  if (value <= 0) return false;
  if (unit == TimeUnit::kSeconds) {
    if (value > kInt64Max / 1000) return false;
    value *= 1000;
  }
  if (relative) {
    // Redis adds and then tests for a non-positive sum, which is what a
    // wrapped overflow gives; testing first keeps this defined behaviour.
    if (now_ms > 0 && value > kInt64Max - now_ms) return false;
    value += now_ms;
    if (value <= 0) return false;
  }
  *when_ms = value;
  return true;
}

bool expire_to_absolute_ms(int64_t value, TimeUnit unit, int64_t base_ms, int64_t* when_ms) {
  if (unit == TimeUnit::kSeconds) {
    if (value > kInt64Max / 1000 || value < kInt64Min / 1000) return false;
    value *= 1000;
  }
  if (value > kInt64Max - base_ms) return false;
  *when_ms = value + base_ms;
  return true;
}

std::string invalid_expire_time_error(std::string_view command) {
  std::string message = "ERR invalid expire time in '";
  message.append(command).append("' command");
  return message;
}

bool parse_string_options(ArgList argv, size_t first, StringCommandKind kind, StringOptions* out) {
  constexpr uint32_t kAnyExpire = kStrEx | kStrPx | kStrExat | kStrPxat;
  const bool set = kind == StringCommandKind::kSet;
  uint32_t& flags = out->flags;
  for (size_t j = first; j < argv.size(); ++j) {
    std::string_view opt = c_string(argv[j]);
    uint32_t expire_flag = expire_option(opt);
    bool has_next = j + 1 < argv.size();
    if (set && equals_ignore_case(opt, "nx") && !(flags & kStrXx)) {
      flags |= kStrNx;
    } else if (set && equals_ignore_case(opt, "xx") && !(flags & kStrNx)) {
      flags |= kStrXx;
    } else if (set && equals_ignore_case(opt, "get")) {
      flags |= kStrGet;
    } else if (set && equals_ignore_case(opt, "keepttl") && !(flags & (kStrPersist | kAnyExpire))) {
      flags |= kStrKeepTtl;
    } else if (!set && equals_ignore_case(opt, "persist") &&
               !(flags & (kStrKeepTtl | kAnyExpire))) {
      flags |= kStrPersist;
    } else if (expire_flag != 0 && has_next &&
               !(flags & (kStrKeepTtl | kStrPersist | (kAnyExpire & ~expire_flag)))) {
      flags |= expire_flag;
      out->expire_arg = argv[++j];
    } else {
      return false;
    }
  }
  return true;
}

}  // namespace amber
