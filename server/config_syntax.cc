// redis.conf's text rules (see config_syntax.h): word splitting with quotes
// and escapes, quoting back, memory units. Each function is written to give
// the same result as its Redis counterpart on every input, including the
// odd ones (an empty memory value is 0, a quote glued to a word is an error),
// because config files written for Redis must load the same way here.
#include "server/config_syntax.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace amber::config {
namespace {

bool is_blank(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

}  // namespace

std::vector<std::string> split_spaces(std::string_view value) {
  std::vector<std::string> words;
  if (value.empty()) return words;
  size_t start = 0;
  while (true) {
    size_t space = value.find(' ', start);
    if (space == std::string_view::npos) {
      words.emplace_back(value.substr(start));
      return words;
    }
    words.emplace_back(value.substr(start, space - start));
    start = space + 1;
  }
}

std::optional<uint64_t> parse_memory(std::string_view value) {
  value = value.substr(0, value.find('\0'));
  if (!value.empty() && value[0] == '-') return std::nullopt;
  size_t digits = 0;
  while (digits < value.size() && std::isdigit(static_cast<unsigned char>(value[digits]))) ++digits;
  std::string unit = to_lower(value.substr(digits));
  uint64_t multiplier = 0;
  if (unit.empty() || unit == "b")
    multiplier = 1;
  else if (unit == "k")
    multiplier = 1000;
  else if (unit == "kb")
    multiplier = 1024;
  else if (unit == "m")
    multiplier = 1000 * 1000;
  else if (unit == "mb")
    multiplier = 1024 * 1024;
  else if (unit == "g")
    multiplier = 1000ULL * 1000 * 1000;
  else if (unit == "gb")
    multiplier = 1024ULL * 1024 * 1024;
  else
    return std::nullopt;
  if (digits >= 128) return std::nullopt;
  // No digits at all ("kb", "") is 0, as strtoull("") is in Redis.
  std::string number(value.substr(0, digits));
  uint64_t parsed = std::strtoull(number.c_str(), nullptr, 10);
  return parsed * multiplier;
}

std::string format_memory(int64_t bytes) {
  constexpr int64_t kGb = 1024 * 1024 * 1024;
  constexpr int64_t kMb = 1024 * 1024;
  constexpr int64_t kKb = 1024;
  if (bytes != 0 && bytes % kGb == 0) return std::to_string(bytes / kGb) + "gb";
  if (bytes != 0 && bytes % kMb == 0) return std::to_string(bytes / kMb) + "mb";
  if (bytes != 0 && bytes % kKb == 0) return std::to_string(bytes / kKb) + "kb";
  return std::to_string(bytes);
}

std::optional<int64_t> parse_c_integer(std::string_view value, int base) {
  std::string text(value.substr(0, value.find('\0')));
  char* end = nullptr;
  errno = 0;
  long long parsed = std::strtoll(text.c_str(), &end, base);
  if (*end != '\0') return std::nullopt;
  return parsed;
}

std::optional<double> parse_c_double(std::string_view value) {
  std::string text(value);
  if (text.empty() || is_blank(text[0])) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  double parsed = std::strtod(text.c_str(), &end);
  if (static_cast<size_t>(end - text.c_str()) != text.size()) return std::nullopt;
  bool overflow = errno == ERANGE && (std::isinf(parsed) || parsed == 0);
  if (overflow || std::isnan(parsed)) return std::nullopt;
  return parsed;
}

std::string format_trimmed_double(double value) {
  char buf[400];
  int len = std::snprintf(buf, sizeof(buf), "%f", value);
  std::string out(buf, static_cast<size_t>(len));
  if (out.find('.') != std::string::npos) {
    while (out.back() == '0') out.pop_back();
    if (out.back() == '.') out.pop_back();
  }
  return out;
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view line) {
  constexpr std::string_view kBlanks = " \t\r\n";
  size_t first = line.find_first_not_of(kBlanks);
  if (first == std::string_view::npos) return {};
  size_t last = line.find_last_not_of(kBlanks);
  return line.substr(first, last - first + 1);
}

}  // namespace amber::config
