// Word lists for the engine fuzz target (see engine_vocabulary.h). They are
// small on purpose: a fuzzer byte picks a word, and a handful of keys makes
// SET, RENAME, COPY and MULTI/WATCH interact far more often than random
// bytes would.
#include "fuzz/engine_vocabulary.h"

namespace amber::fuzz {

using namespace std::string_view_literals;

std::span<const std::string_view> vocabulary_keys() {
  static constexpr std::string_view kWords[] = {"k0"sv, "k1"sv, "k2"sv, "{t}k3"sv,
                                                "x"sv,  ""sv,   "k*"sv};
  return kWords;
}

std::span<const std::string_view> vocabulary_numbers() {
  static constexpr std::string_view kWords[] = {"0"sv,
                                                "1"sv,
                                                "-1"sv,
                                                "2"sv,
                                                "10"sv,
                                                "100"sv,
                                                "3600"sv,
                                                "-100"sv,
                                                "9223372036854775807"sv,
                                                "-9223372036854775808"sv,
                                                "18446744073709551615"sv,
                                                "1.5"sv,
                                                "-0.5"sv,
                                                "inf"sv,
                                                "-inf"sv,
                                                "1e10"sv,
                                                "abc"sv,
                                                "0x10"sv,
                                                " 1"sv,
                                                "01"sv,
                                                "65535"sv,
                                                "65536"sv,
                                                "4294967296"sv,
                                                "1700000000"sv,
                                                "1700000000000"sv,
                                                "1700000100000"sv,
                                                "17e308"sv,
                                                "nan"sv};
  return kWords;
}

std::span<const std::string_view> vocabulary_options() {
  static constexpr std::string_view kWords[] = {
      "NX"sv,      "XX"sv,          "GT"sv,           "LT"sv,       "EX"sv,       "PX"sv,
      "EXAT"sv,    "PXAT"sv,        "KEEPTTL"sv,      "GET"sv,      "PERSIST"sv,  "COUNT"sv,
      "MATCH"sv,   "TYPE"sv,        "string"sv,       "none"sv,     "*"sv,        "k?"sv,
      "REPLACE"sv, "DB"sv,          "ABSTTL"sv,       "IDLETIME"sv, "FREQ"sv,     "LEN"sv,
      "IDX"sv,     "MINMATCHLEN"sv, "WITHMATCHLEN"sv, "ENCODING"sv, "REFCOUNT"sv, "HELP"sv,
      "ASYNC"sv,   "SYNC"sv,        "ex"sv,           "[a-"sv};
  return kWords;
}

std::span<const std::string_view> vocabulary_databases() {
  static constexpr std::string_view kWords[] = {"0"sv, "1"sv, "2"sv, "15"sv, "16"sv, "-1"sv};
  return kWords;
}

std::span<const std::string_view> vocabulary_values() {
  static constexpr std::string_view kWords[] = {
      "v"sv,
      "hello"sv,
      ""sv,
      "12345"sv,
      "-7"sv,
      "3.25"sv,
      "a value longer than forty-four bytes, so it is raw"sv,
      "\x00\xff\r\n"sv};
  return kWords;
}

}  // namespace amber::fuzz
