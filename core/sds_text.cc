// Redis's sds text rules for one line of words (sds.c: sdssplitargs and
// sdscatrepr). redis.conf, CONFIG REWRITE and the AOF manifest all use them,
// so amber has one implementation that gives Redis's result on every input
// (a quote glued to a word is an error, an embedded NUL ends the line).
#include "core/sds_text.h"

#include <cctype>
#include <cstdio>

namespace amber {
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

}  // namespace amber
