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

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

char unescape(char c) {
  switch (c) {
    case 'n':
      return '\n';
    case 'r':
      return '\r';
    case 't':
      return '\t';
    case 'b':
      return '\b';
    case 'a':
      return '\a';
    default:
      return c;
  }
}

// Reads a "double quoted" word starting after the opening quote. Returns
// the position after the closing quote, or npos on error.
size_t read_double_quoted(std::string_view line, size_t i, std::string* word) {
  while (i < line.size()) {
    char c = line[i];
    if (c == '\\' && i + 3 < line.size() && line[i + 1] == 'x' && hex_value(line[i + 2]) >= 0 &&
        hex_value(line[i + 3]) >= 0) {
      word->push_back(static_cast<char>(hex_value(line[i + 2]) * 16 + hex_value(line[i + 3])));
      i += 4;
    } else if (c == '\\' && i + 1 < line.size()) {
      word->push_back(unescape(line[i + 1]));
      i += 2;
    } else if (c == '"') {
      if (i + 1 < line.size() && !is_blank(line[i + 1])) return std::string_view::npos;
      return i + 1;
    } else {
      word->push_back(c);
      ++i;
    }
  }
  return std::string_view::npos;  // unterminated
}

size_t read_single_quoted(std::string_view line, size_t i, std::string* word) {
  while (i < line.size()) {
    char c = line[i];
    if (c == '\\' && i + 1 < line.size() && line[i + 1] == '\'') {
      word->push_back('\'');
      i += 2;
    } else if (c == '\'') {
      if (i + 1 < line.size() && !is_blank(line[i + 1])) return std::string_view::npos;
      return i + 1;
    } else {
      word->push_back(c);
      ++i;
    }
  }
  return std::string_view::npos;
}

}  // namespace

std::optional<std::vector<std::string>> split_args(std::string_view line) {
  // sdssplitargs works on a C string: an embedded NUL ends the line.
  line = line.substr(0, line.find('\0'));
  std::vector<std::string> words;
  size_t i = 0;
  while (true) {
    while (i < line.size() && is_blank(line[i])) ++i;
    if (i >= line.size()) return words;
    std::string word;
    bool done = false;
    while (!done) {
      if (i >= line.size()) break;
      char c = line[i];
      if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
        done = true;
      } else if (c == '"') {
        i = read_double_quoted(line, i + 1, &word);
        if (i == std::string_view::npos) return std::nullopt;
        done = true;
      } else if (c == '\'') {
        i = read_single_quoted(line, i + 1, &word);
        if (i == std::string_view::npos) return std::nullopt;
        done = true;
      } else {
        word.push_back(c);
        ++i;
      }
    }
    words.push_back(std::move(word));
  }
}

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

std::string quote(std::string_view value) {
  std::string out = "\"";
  for (char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\a':
        out += "\\a";
        break;
      case '\b':
        out += "\\b";
        break;
      default:
        if (std::isprint(static_cast<unsigned char>(c))) {
          out.push_back(c);
        } else {
          char hex[8];
          std::snprintf(hex, sizeof(hex), "\\x%02x", static_cast<unsigned char>(c));
          out += hex;
        }
    }
  }
  out.push_back('"');
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
