// The RDB loader: reads files of RDB versions 1..10 as redis-server (up to
// 7.0) writes them into amber's databases. It streams through a
// SequentialFile, checks every declared length against what is left of the
// file before allocating, verifies the CRC-64 trailer, and refuses — never
// skips — data amber cannot represent: a value type amber does not have yet
// is an error that names the key, its database and its type. Every error
// names the byte offset and the reason (see RdbInput).
//
// On error the databases hold the keys loaded before it; the caller decides
// (redis-server refuses to start). Keys whose expire time is already past
// are dropped, as a master does, unless told otherwise (replica, AOF base).
// Single-threaded: the caller owns `dbs` for the duration.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/db.h"
#include "core/io/file_system.h"
#include "core/status.h"

namespace amber {

// Sees each record as the loader accepts it, for tools that report on a
// file record by record (amber-check-rdb). Offsets are where the record
// ends, as redis-check-rdb prints them. Called on the loading thread.
class RdbLoadObserver {
 public:
  virtual ~RdbLoadObserver() = default;
  virtual void on_aux(uint64_t /*end_offset*/, std::string_view /*key*/,
                      std::string_view /*value*/) {}
  virtual void on_select_db(uint64_t /*end_offset*/, uint64_t /*db*/) {}
  virtual void on_module_aux(uint64_t /*end_offset*/, std::string_view /*module*/) {}
  virtual void on_function(uint64_t /*end_offset*/) {}
  // The key's name was read; its value comes next.
  virtual void on_key_start(uint64_t /*offset*/, uint8_t /*type*/, std::string_view /*key*/) {}
  // The key's value was read (it may then be dropped as expired).
  virtual void on_key(uint64_t /*end_offset*/, int64_t /*expire_ms*/) {}
  // The trailer was read; `verified` is false when it is 0 or not compared.
  virtual void on_checksum(uint64_t /*end_offset*/, bool /*verified*/) {}
};

struct RdbLoadOptions {
  // Keys with an expire time before now_ms are dropped (when drop_expired).
  int64_t now_ms = 0;
  bool drop_expired = true;
  // rdbchecksum: compare the trailer (a 0 trailer is never compared).
  bool verify_checksum = true;
  // Redis's LRU clock (seconds, 24 bits): the access time of loaded keys,
  // minus their IDLE time when the file has one.
  uint32_t lru_clock = 0;
  // MODULE_AUX data is refused unless this is set; then it is parsed and
  // dropped (what redis-check-rdb does).
  bool skip_module_aux = false;
  // Called with (bytes loaded, file size) about every
  // progress_interval_bytes (loading-process-events-interval-bytes),
  // between two records, with every key read so far in its database.
  std::function<void(uint64_t, uint64_t)> progress;
  uint64_t progress_interval_bytes = 2 * 1024 * 1024;
  // Optional; not owned.
  RdbLoadObserver* observer = nullptr;
};

struct RdbLoadResult {
  int version = 0;
  uint64_t keys_loaded = 0;
  uint64_t keys_expired = 0;  // dropped because already expired
  // Bytes up to and including the checksum: where an AOF tail would start.
  uint64_t bytes_consumed = 0;
  bool checksum_verified = false;                        // false when disabled or the trailer is 0
  std::vector<std::pair<std::string, std::string>> aux;  // in file order
  // FUNCTION LOAD payloads (7.0-rc libraries converted to the 7.0 form).
  std::vector<std::string> function_libraries;
};

// Loads from `file` (of `file_size` bytes) into dbs[i] for database i.
// `source` names the file in error messages.
Status load_rdb(SequentialFile& file, uint64_t file_size, std::string_view source,
                std::span<Db* const> dbs, const RdbLoadOptions& options, RdbLoadResult* result);
Status load_rdb_file(FileSystem& fs, const std::string& path, std::span<Db* const> dbs,
                     const RdbLoadOptions& options, RdbLoadResult* result);
Status load_rdb_bytes(std::string_view bytes, std::span<Db* const> dbs,
                      const RdbLoadOptions& options, RdbLoadResult* result);

}  // namespace amber
