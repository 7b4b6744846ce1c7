// printf-style formatting into std::string, for the text replies whose
// layout Redis defines with printf formats (INFO, CLIENT LIST).
#pragma once

#include <string>

namespace amber {

std::string string_printf(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void append_printf(std::string* out, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

}  // namespace amber
