// Reply comparison rules of the differential test (see diff_compare.h).
// Every rule first requires the same RESP type, so a server that answers an
// error where Redis answers a value (or the other way round) always fails.
#include "tests/integration/diff_compare.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>

namespace amber::testing {
namespace {

constexpr int64_t kSecondsTolerance = 2;
constexpr int64_t kMillisTolerance = 2000;

bool exact(const RespValue& a, const RespValue& b) {
  return resp_serialize(a) == resp_serialize(b);
}

bool integers_close(const RespValue& a, const RespValue& b, int64_t tolerance) {
  if (a.type != ':' || b.type != ':') return exact(a, b);
  int64_t x = 0, y = 0;
  std::from_chars(a.text.data(), a.text.data() + a.text.size(), x);
  std::from_chars(b.text.data(), b.text.data() + b.text.size(), y);
  // -1 (no TTL) and -2 (no key) are exact answers.
  if (x < 0 || y < 0) return x == y;
  return std::max(x, y) - std::min(x, y) <= tolerance;
}

std::vector<std::string> sorted_strings(const RespValue& v) {
  std::vector<std::string> out;
  for (const auto& e : v.elems) out.push_back(resp_serialize(e));
  std::sort(out.begin(), out.end());
  return out;
}

bool same_set(const RespValue& a, const RespValue& b) {
  if (a.type != '*' || b.type != '*' || a.null || b.null) return exact(a, b);
  return sorted_strings(a) == sorted_strings(b);
}

bool scan_pages_match(const RespValue& a, const RespValue& b) {
  if (a.type != '*' || b.type != '*' || a.elems.size() != 2 || b.elems.size() != 2) {
    return exact(a, b);
  }
  if (a.elems[0].text == "0" && b.elems[0].text == "0") return same_set(a.elems[1], b.elems[1]);
  return a.elems[0].type == b.elems[0].type && a.elems[1].type == b.elems[1].type;
}

bool same_shape(const RespValue& a, const RespValue& b) {
  if (a.type != b.type || a.null != b.null) return false;
  return a.type == '-' ? a.text == b.text : true;
}

}  // namespace

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

namespace {

bool exec_match(const RespValue& a, const RespValue& b,
                const std::vector<std::vector<std::string>>& queued) {
  if (a.type != '*' || b.type != '*' || a.null || b.null || a.elems.size() != b.elems.size() ||
      a.elems.size() != queued.size()) {
    return exact(a, b);
  }
  for (size_t i = 0; i < queued.size(); ++i) {
    // Redis keeps a queued command's arguments alive until EXEC returns, so a
    // value set earlier in the same transaction shows one extra reference.
    bool refcount = upper(queued[i][0]) == "OBJECT" && queued[i].size() > 1 &&
                    upper(queued[i][1]) == "REFCOUNT";
    if (refcount ? !same_shape(a.elems[i], b.elems[i])
                 : !replies_match(queued[i], a.elems[i], b.elems[i], {})) {
      return false;
    }
  }
  return true;
}

}  // namespace

bool replies_match(const std::vector<std::string>& argv, const RespValue& expected,
                   const RespValue& actual, const std::vector<std::vector<std::string>>& queued) {
  std::string name = upper(argv.at(0));
  std::string sub = argv.size() > 1 ? upper(argv[1]) : "";
  if (expected.type != actual.type) return false;
  if (name == "TTL" || name == "EXPIRETIME") {
    return integers_close(expected, actual, kSecondsTolerance);
  }
  if (name == "PTTL" || name == "PEXPIRETIME") {
    return integers_close(expected, actual, kMillisTolerance);
  }
  if (name == "KEYS") return same_set(expected, actual);
  if (name == "SCAN") return scan_pages_match(expected, actual);
  if (name == "RANDOMKEY" || (name == "OBJECT" && sub == "IDLETIME")) {
    return same_shape(expected, actual);
  }
  if (name == "EXEC") return exec_match(expected, actual, queued);
  return exact(expected, actual);
}

}  // namespace amber::testing
