// vsnprintf twice: once to size, once to write, so no text is ever cut.
#include "server/format.h"

#include <cstdarg>
#include <cstdio>

namespace amber {
namespace {

void append_v(std::string* out, const char* fmt, va_list args) {
  va_list copy;
  va_copy(copy, args);
  int n = std::vsnprintf(nullptr, 0, fmt, copy);
  va_end(copy);
  if (n <= 0) return;
  size_t old = out->size();
  out->resize(old + static_cast<size_t>(n) + 1);
  std::vsnprintf(out->data() + old, static_cast<size_t>(n) + 1, fmt, args);
  out->resize(old + static_cast<size_t>(n));
}

}  // namespace

std::string string_printf(const char* fmt, ...) {
  std::string out;
  va_list args;
  va_start(args, fmt);
  append_v(&out, fmt, args);
  va_end(args);
  return out;
}

void append_printf(std::string* out, const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  append_v(out, fmt, args);
  va_end(args);
}

}  // namespace amber
