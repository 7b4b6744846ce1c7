#include "nvm/region_file.h"

#include <vector>

#include "core/io/posix_file_system.h"
#include "nvm/emulated_region.h"
#include "nvm/pmem_log.h"
#include "nvm/pmem_region.h"
#include "nvm/pmem_store.h"
#include "nvm/replayer.h"

namespace amber::nvm {
namespace {

// Removes `path`; a file already gone is fine.
Status remove_if_present(FileSystem& fs, const std::string& path) {
  Status s = fs.remove_file(path);
  return s.is_not_found() ? Status() : s;
}

// An fsync of the file at `path` (its size and blocks).
Status sync_file(FileSystem& fs, const std::string& path) {
  std::unique_ptr<WritableFile> file;
  AMBER_RETURN_IF_ERROR(fs.new_appendable_file(path, &file));
  AMBER_RETURN_IF_ERROR(file->sync());
  return file->close();
}

}  // namespace

Status copy_region(RegionRole role, Region* from, Region* to) {
  if (role == RegionRole::kLog) {
    std::unique_ptr<PmemLog> log;
    AMBER_RETURN_IF_ERROR(PmemLog::open(from, &log));
    std::unique_ptr<PmemLog> copy;
    return log->copy_to(to, &copy);
  }
  std::unique_ptr<PmemStore> store;
  AMBER_RETURN_IF_ERROR(PmemStore::open(from, &store));
  std::unique_ptr<PmemStore> copy;
  return store->copy_to(to, &copy);
}

Status fold_links_into_store(Region* log_region, Region* store_region) {
  std::unique_ptr<PmemLog> log;
  std::unique_ptr<PmemStore> store;
  Status s = PmemLog::open(log_region, &log);
  if (s.ok()) s = PmemStore::open(store_region, &store);
  if (s.is_not_found() || (s.ok() && log->generation() != store->generation())) return Status();
  AMBER_RETURN_IF_ERROR(s);
  uint64_t past_last_link = 0;
  std::vector<LogOp> ops;
  log->for_each_durable_record([&](std::string_view payload, uint64_t next_lsn) {
    uint64_t seq;
    if (decode_log_record(payload, &seq, &ops).ok() && has_link(ops)) past_last_link = next_lsn;
  });
  Replayer replayer(log.get(), store.get());
  while (log->head_lsn() < past_last_link) {
    size_t applied = 0;
    AMBER_RETURN_IF_ERROR(replayer.step(4096, &applied));
    if (applied == 0) return Status::corruption("NVM log: the replay before growing stalled");
  }
  AMBER_RETURN_IF_ERROR(log_region->health());
  return store_region->health();
}

Status open_region_file(NvmBackend backend, const std::string& path, size_t size_bytes,
                        std::unique_ptr<Region>* region) {
  PosixFileSystem fs;
  size_t create_bytes = fs.file_exists(path) ? 0 : size_bytes;
  if (backend == NvmBackend::kEmulated) {
    std::unique_ptr<EmulatedRegion> emulated;
    Status s = EmulatedRegion::open_file(path, create_bytes, &emulated);
    *region = std::move(emulated);
    return s;
  }
  std::unique_ptr<PmemRegion> pmem;
  Status s = PmemRegion::open(path, create_bytes, &pmem);
  *region = std::move(pmem);
  return s;
}

RegionFileOpener backend_opener(NvmBackend backend) {
  return [backend](const std::string& path, size_t size_bytes, std::unique_ptr<Region>* region) {
    return open_region_file(backend, path, size_bytes, region);
  };
}

Status remove_unformattable_region_file(FileSystem& fs, const std::string& path, uint64_t min_bytes,
                                        bool* removed) {
  *removed = false;
  uint64_t bytes = 0;
  Status sized = fs.get_file_size(path, &bytes);
  if (sized.is_not_found() || (sized.ok() && bytes >= min_bytes)) return Status();
  AMBER_RETURN_IF_ERROR(sized);
  AMBER_RETURN_IF_ERROR(fs.remove_file(path));
  *removed = true;
  return Status();
}

Status grow_region_file(FileSystem& fs, const RegionFileOpener& open, RegionRole role,
                        const std::string& dir, std::string_view name, size_t size_bytes,
                        uint64_t* from_bytes, const PlantedBugs* bugs) {
  *from_bytes = 0;
  const std::string path = join_path(dir, name);
  const std::string resize_path = path + ".resize";
  AMBER_RETURN_IF_ERROR(remove_if_present(fs, resize_path));
  uint64_t old_bytes = 0;
  Status sized = fs.get_file_size(path, &old_bytes);
  if (sized.is_not_found()) return Status();
  AMBER_RETURN_IF_ERROR(sized);
  if (old_bytes >= size_bytes) return Status();
  {
    std::unique_ptr<Region> from;
    AMBER_RETURN_IF_ERROR(open(path, 0, &from));
    std::unique_ptr<Region> to;
    AMBER_RETURN_IF_ERROR(open(resize_path, size_bytes, &to));
    Status copied = copy_region(role, from.get(), to.get());
    if (!copied.ok()) {
      to.reset();
      from.reset();
      AMBER_RETURN_IF_ERROR(remove_if_present(fs, resize_path));
      // Never formatted (a crash during the first format): nothing to carry
      // over, so the normal open makes it anew, at the new size.
      if (copied.is_not_found()) return fs.remove_file(path);
      return copied;
    }
    AMBER_RETURN_IF_ERROR(to->health());
  }
  // The copy's bytes and size are durable before it takes the old name.
#ifdef AMBER_PLANTED_BUGS
  // Planted bug: the copy is renamed over the old file unsynced.
  const bool skip_sync = bugs != nullptr && bugs->skip_nvm_resize_sync;
#else
  (void)bugs;
  const bool skip_sync = false;
#endif
  if (!skip_sync) AMBER_RETURN_IF_ERROR(sync_file(fs, resize_path));
  AMBER_RETURN_IF_ERROR(fs.rename_file(resize_path, path));
  AMBER_RETURN_IF_ERROR(fs.sync_dir(dir));
  *from_bytes = old_bytes;
  return Status();
}

Status sync_region_files(FileSystem& fs, const std::string& dir,
                         std::span<const std::string> paths) {
  for (const std::string& path : paths) AMBER_RETURN_IF_ERROR(sync_file(fs, path));
  return fs.sync_dir(dir);
}

}  // namespace amber::nvm
