// Glob matching with Redis 7.0's rules (KEYS, SCAN MATCH, PSUBSCRIBE, CONFIG
// GET, ACL key patterns): `*` any run, `?` one byte, `[abc]`, `[^abc]`,
// `[a-z]` (reversed ranges are swapped), `\x` a literal x (also inside
// brackets). Byte-oriented and binary safe.
//
// The results are Redis's byte for byte, quirks included, because clients see
// them: an empty subject matches only the empty pattern (so "**" does not
// match the empty key, while KEYS and SCAN treat a lone "*" as match-all
// before calling in here); an unterminated `[` runs to the end of the
// pattern; `[a-]` is the range a..']'; bytes >= 0x80 compare as signed chars
// in ranges; an escaped byte inside brackets is compared case-sensitively even
// when `nocase` is set.
//
// Time is O(pattern * subject) in the worst case and stack use is constant:
// patterns like "*a*a*a*a*...b" cannot blow up.
#pragma once

#include <string_view>

namespace amber {

// True if `subject` matches the glob `pattern`. `nocase` folds ASCII letters.
bool glob_match(std::string_view pattern, std::string_view subject, bool nocase = false);

}  // namespace amber
