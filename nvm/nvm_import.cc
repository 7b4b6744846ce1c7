// NvmImport: the marker protocol of importing an RDB into NVM (see
// nvm_import.h for why).
#include "nvm/nvm_import.h"

#include <memory>
#include <utility>
#include <vector>

namespace amber::nvm {
namespace {

// The keys of the RDB as the loader accepts them, collected between two
// absorbs of the load, for NvmPersistence::log_loaded_keys.
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
  std::vector<NvmPersistence::LoadedKey> take() { return std::exchange(keys_, {}); }

 private:
  int db_ = 0;
  std::string pending_;
  std::vector<NvmPersistence::LoadedKey> keys_;
};

}  // namespace

NvmImport::NvmImport(FileSystem& fs, std::string nvm_dir, std::string rdb_path)
    : fs_(fs), nvm_dir_(std::move(nvm_dir)), rdb_path_(std::move(rdb_path)) {}

std::string NvmImport::path_of(std::string_view name) const { return join_path(nvm_dir_, name); }

Status NvmImport::begin(std::string_view log_name, std::string_view store_name, bool* import) {
  *import = false;
  const bool unfinished = fs_.file_exists(path_of(kMarkerName));
  const bool rdb_exists = fs_.file_exists(rdb_path_);
  if (unfinished) {
    if (!rdb_exists) {
      return Status::invalid_argument("an import of " + rdb_path_ +
                                      " into NVM did not finish and the file is gone: remove " +
                                      path_of(log_name) + ", " + path_of(store_name) + " and " +
                                      path_of(kMarkerName) + " to start empty");
    }
    for (std::string_view name : {log_name, store_name}) {
      Status s = fs_.remove_file(path_of(name));
      if (!s.ok() && !s.is_not_found()) return s;
    }
    // The marker stays: it is durable already.
    *import = true;
    return fs_.sync_dir(nvm_dir_);
  }
  if (!rdb_exists || fs_.file_exists(path_of(log_name)) || fs_.file_exists(path_of(store_name))) {
    return Status();
  }
  AMBER_RETURN_IF_ERROR(fs_.create_dir_if_missing(nvm_dir_));
  std::unique_ptr<WritableFile> marker;
  AMBER_RETURN_IF_ERROR(fs_.new_writable_file(path_of(kMarkerName), &marker));
  AMBER_RETURN_IF_ERROR(marker->sync());
  AMBER_RETURN_IF_ERROR(marker->close());
  AMBER_RETURN_IF_ERROR(fs_.sync_dir(nvm_dir_));
  *import = true;
  return Status();
}

Status NvmImport::run(NvmPersistence& nvm, const Loader& load) {
  NvmImportKeys keys;
  Status absorbed;  // the first failure; later absorbs do nothing
  auto absorb = [&nvm, &keys, &absorbed] {
    if (absorbed.ok()) absorbed = nvm.log_loaded_keys(keys.take());
    return absorbed;
  };
  AMBER_RETURN_IF_ERROR(load(&keys, absorb));
  AMBER_RETURN_IF_ERROR(absorb());
  return end();
}

Status NvmImport::end() {
  AMBER_RETURN_IF_ERROR(fs_.remove_file(path_of(kMarkerName)));
  return fs_.sync_dir(nvm_dir_);
}

}  // namespace amber::nvm
