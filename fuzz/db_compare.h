// A fuzz check shared by the loader targets: two sets of databases hold the
// same keys, values and expire times (a load, then a write-and-reload round
// trip). Aborts through FUZZ_CHECK on the first difference.
#pragma once

#include <span>

#include "core/db.h"

namespace amber::fuzz {

// REQUIRES: a.size() == b.size().
void check_same_dbs(std::span<Db* const> a, std::span<Db* const> b);

}  // namespace amber::fuzz
