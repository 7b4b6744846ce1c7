// amber-check-rdb's work, as a function the tests can call: it reads a
// whole RDB file with the loader (CRC trailer and every record verified,
// keys loaded into scratch databases so duplicates are caught) and writes
// redis-check-rdb's report: one "[offset N] ..." line per AUX field,
// database switch, module aux and checksum, then "\o/ RDB looks OK! \o/" or
// "--- RDB ERROR DETECTED ---" with the offset of the first bad record and
// the reason, then the key counts. Single-threaded; no global state.
#pragma once

#include <cstdint>
#include <string>

#include "core/io/file_system.h"

namespace amber {

// Databases the checker accepts (SELECTDB 0..kRdbCheckMaxDbs-1); redis-server
// allows `databases` up to INT_MAX, but files with more are unheard of.
inline constexpr int kRdbCheckMaxDbs = 1024;

// Checks `path`, appending the report to `out`. Keys whose expire time is
// before `now_ms` count as already expired. True if the file is valid.
bool check_rdb_file(FileSystem& fs, const std::string& path, int64_t now_ms, std::string* out);

}  // namespace amber
