// Fuzz target for the RDB loader (core/persist/rdb_loader.h), reading the
// bytes of a file that may come from anywhere: a dump copied from another
// machine, a replica's full sync, a corrupt disk.
//
// The checksum is not verified on the fuzzed bytes (a mutated file would
// otherwise almost never get past it); everything else is the production
// path. Checks, after a successful load:
//  - the keys in the databases are exactly the ones the loader counted;
//  - amber's own writer turns them into an RDB that loads back (checksum
//    verified this time) into the same keys, values and expire times.
// A failed load must say why (a non-empty message naming the offset).
#include <memory>
#include <string>
#include <vector>

#include "core/db.h"
#include "core/persist/rdb_loader.h"
#include "core/persist/rdb_writer.h"
#include "fuzz/db_compare.h"
#include "fuzz/fuzz_check.h"
#include "fuzz/fuzz_targets.h"

namespace amber::fuzz {
namespace {

constexpr int kDatabases = 16;
// A fixed "now" in 2023, so expire times both before and after it occur.
constexpr int64_t kNowMs = 1700000000000;

struct Databases {
  Databases() {
    for (int i = 0; i < kDatabases; ++i) {
      owned.push_back(std::make_unique<Db>(0x9e3779b97f4a7c15ULL * (i + 1)));
      view.push_back(owned.back().get());
    }
  }
  uint64_t total_keys() const {
    uint64_t n = 0;
    for (Db* db : view) n += db->size();
    return n;
  }
  std::vector<std::unique_ptr<Db>> owned;
  std::vector<Db*> view;
};

void check_round_trip(Databases& loaded) {
  std::string bytes;
  StringRdbSink sink(&bytes);
  RdbWriteOptions write_options;
  write_options.ctime_s = kNowMs / 1000;
  Status written = write_rdb(loaded.view, sink, write_options);
  FUZZ_CHECK(written.ok(), "writing back failed: %s", written.to_string().c_str());

  Databases reloaded;
  RdbLoadOptions options;
  options.now_ms = kNowMs;
  options.drop_expired = false;
  RdbLoadResult result;
  Status status = load_rdb_bytes(bytes, reloaded.view, options, &result);
  FUZZ_CHECK(status.ok(), "amber cannot load what it wrote: %s", status.to_string().c_str());
  FUZZ_CHECK(result.checksum_verified, "amber's own file has no checksum");
  FUZZ_CHECK(result.bytes_consumed == bytes.size(), "reload stopped at %llu of %zu bytes",
             static_cast<unsigned long long>(result.bytes_consumed), bytes.size());
  check_same_dbs(loaded.view, reloaded.view);
}

}  // namespace

int fuzz_rdb_loader(const uint8_t* data, size_t size) {
  Databases dbs;
  RdbLoadOptions options;
  options.now_ms = kNowMs;
  options.verify_checksum = false;
  options.lru_clock = 12345;
  RdbLoadResult result;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  Status status = load_rdb_bytes(bytes, dbs.view, options, &result);
  if (!status.ok()) {
    FUZZ_CHECK(!status.message().empty(), "an error without a message");
    return 0;
  }
  FUZZ_CHECK(result.bytes_consumed <= size, "consumed %llu of %zu bytes",
             static_cast<unsigned long long>(result.bytes_consumed), size);
  FUZZ_CHECK(dbs.total_keys() == result.keys_loaded, "%llu keys in the dbs, %llu counted",
             static_cast<unsigned long long>(dbs.total_keys()),
             static_cast<unsigned long long>(result.keys_loaded));
  check_round_trip(dbs);
  return 0;
}

}  // namespace amber::fuzz
