// amber-check-rdb FILE: verifies an RDB file the way redis-check-rdb does
// (see server/rdb_check.h for what is checked and printed). Exit status 0
// if the file is valid, 1 otherwise (also for usage errors). The "already
// expired" count uses the wall clock, as redis-check-rdb does.
#include <chrono>
#include <cstdio>
#include <string>

#include "core/io/posix_file_system.h"
#include "server/rdb_check.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "Usage: %s <rdb-file-name>\n", argv[0]);
    return 1;
  }
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  amber::PosixFileSystem fs;
  std::string report;
  const bool ok = amber::check_rdb_file(fs, argv[1], now_ms, &report);
  std::fwrite(report.data(), 1, report.size(), stdout);
  return ok ? 0 : 1;
}
