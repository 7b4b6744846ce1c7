// The word rules of Redis's sds.c, shared by every line-oriented text amber
// reads or writes the way Redis does (redis.conf, the AOF manifest).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace amber {

// Redis's sdssplitargs: words separated by blanks; "double quotes" with
// \n \r \t \b \a \xHH and \<c> escapes; 'single quotes' with \' only. A
// closing quote must be followed by a blank or the end. nullopt when the
// quotes are unbalanced.
std::optional<std::vector<std::string>> split_args(std::string_view line);

// Redis's sdscatrepr: the value in double quotes, with \\ \" \n \r \t \a \b
// escaped and other non-printable bytes as \xHH.
std::string quote(std::string_view value);

}  // namespace amber
