// NvmImport: the first start in NVM mode takes the dataset from the RDB
// file (dir/dbfilename), as a Redis user switching a server to NVM mode
// expects: without it the server would start empty, and the next save
// point or SHUTDOWN would write that empty keyspace over the RDB.
//
// An import is atomic across crashes. A marker file in the NVM directory
// is made durable before the regions are created and removed only once
// every key of the RDB is in the NVM store; a start that finds the marker
// removes the regions (a part of the RDB) and imports again. Once the
// marker is gone the NVM files are the dataset and the RDB is not read
// again at startup.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/io/file_system.h"
#include "core/persist/rdb_loader.h"
#include "core/status.h"
#include "nvm/nvm_persistence.h"

namespace amber {

// The keys of the RDB as the loader accepts them, collected between two
// absorbs of the load (RdbLoadTap) for NvmPersistence::log_loaded_keys.
class NvmImportKeys final : public RdbLoadObserver {
 public:
  void on_select_db(uint64_t /*end_offset*/, uint64_t db) override { db_ = static_cast<int>(db); }
  void on_key_start(uint64_t /*offset*/, uint8_t /*type*/, std::string_view key) override {
    pending_.assign(key);
  }
  void on_key(uint64_t /*end_offset*/, int64_t /*expire_ms*/) override {
    keys_.push_back({db_, pending_});
  }
  // The keys collected since the last call.
  std::vector<nvm::NvmPersistence::LoadedKey> take() { return std::exchange(keys_, {}); }

 private:
  int db_ = 0;
  std::string pending_;
  std::vector<nvm::NvmPersistence::LoadedKey> keys_;
};

class NvmImport {
 public:
  static constexpr std::string_view kMarkerName = "amber.nvmimport";

  // `nvm_dir` holds the NVM region files (`log_name`, `store_name`).
  NvmImport(FileSystem& fs, std::string nvm_dir, std::string rdb_path);

  // Before the regions are opened. Sets *import when this start must bring
  // the RDB in (no NVM files yet and an RDB exists, or an unfinished
  // import, whose regions it removes), and then makes the marker durable.
  // An unfinished import whose RDB is gone is an error: the regions hold
  // part of a dataset and nothing to complete it from.
  Status begin(std::string_view log_name, std::string_view store_name, bool* import);
  // After every imported key is in the store: removes the marker.
  Status end();

  const std::string& rdb_path() const { return rdb_path_; }

 private:
  std::string path_of(std::string_view name) const;

  FileSystem& fs_;
  std::string nvm_dir_;
  std::string rdb_path_;
};

}  // namespace amber
