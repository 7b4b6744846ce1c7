// See db_compare.h.
#include "fuzz/db_compare.h"

#include "fuzz/fuzz_check.h"

namespace amber::fuzz {

void check_same_dbs(std::span<Db* const> a, std::span<Db* const> b) {
  FUZZ_CHECK(a.size() == b.size(), "%zu databases against %zu", a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    Db& left = *a[i];
    Db& right = *b[i];
    FUZZ_CHECK(left.size() == right.size(), "db %zu: %zu keys, %zu after the round trip", i,
               left.size(), right.size());
    left.for_each([&](Entry* e) {
      Entry* other = right.find(e->key());
      FUZZ_CHECK(other != nullptr, "db %zu: a key vanished in the round trip", i);
      FUZZ_CHECK(other->value() == e->value(), "db %zu: a value changed in the round trip", i);
      FUZZ_CHECK(other->expire_ms == e->expire_ms, "db %zu: an expire changed (%lld vs %lld)", i,
                 static_cast<long long>(e->expire_ms), static_cast<long long>(other->expire_ms));
    });
  }
}

}  // namespace amber::fuzz
