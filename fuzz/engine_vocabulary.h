// The words the structure-aware engine target builds commands from: a few
// keys (so commands collide on them), numbers at the edges of Redis's
// parsers, option keywords of the string/key/expire commands, database
// indexes and short values of each encoding (int, embstr, raw). Raw fuzzer
// bytes are mixed in by the target itself.
#pragma once

#include <span>
#include <string_view>

namespace amber::fuzz {

std::span<const std::string_view> vocabulary_keys();
std::span<const std::string_view> vocabulary_numbers();
std::span<const std::string_view> vocabulary_options();
std::span<const std::string_view> vocabulary_databases();
std::span<const std::string_view> vocabulary_values();

}  // namespace amber::fuzz
