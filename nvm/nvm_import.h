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

#include <functional>
#include <string>

#include "core/io/file_system.h"
#include "core/persist/rdb_loader.h"
#include "core/status.h"
#include "nvm/nvm_persistence.h"

namespace amber::nvm {

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
  // Reads the file into the engine: shows each record to `observer` and
  // calls `absorb` between records now and then (the server: every
  // loading-process-events-interval-bytes).
  using Loader =
      std::function<Status(RdbLoadObserver* observer, const std::function<Status()>& absorb)>;
  // The import, once begin() said so and `nvm` is recovered: `load` runs,
  // and each absorb logs the keys loaded since the last one, folds them
  // into the store and lets values over nvm-dram-max-memory leave DRAM (the
  // RDB is never all in memory); then the last keys are logged, and end()
  // removes the marker.
  Status run(NvmPersistence& nvm, const Loader& load);

  const std::string& rdb_path() const { return rdb_path_; }

 private:
  // After every imported key is in the store: removes the marker.
  Status end();
  std::string path_of(std::string_view name) const;

  FileSystem& fs_;
  std::string nvm_dir_;
  std::string rdb_path_;
};

}  // namespace amber::nvm
