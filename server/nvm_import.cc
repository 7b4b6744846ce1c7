// NvmImport: the marker protocol of importing an RDB into NVM (see
// nvm_import.h for why).
#include "server/nvm_import.h"

#include <memory>
#include <utility>

namespace amber {

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

Status NvmImport::end() {
  AMBER_RETURN_IF_ERROR(fs_.remove_file(path_of(kMarkerName)));
  return fs_.sync_dir(nvm_dir_);
}

}  // namespace amber
