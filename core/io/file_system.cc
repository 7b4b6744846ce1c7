// The helpers every FileSystem user shares: path joining and the crash-safe
// whole-file replacement (temp file, sync, rename, sync directory) that RDB
// saves, AOF manifests and rewrites all rely on. They are written against the
// interface only, so the simulator's crash model covers them too.
#include "core/io/file_system.h"

#include "core/planted_bugs.h"

namespace amber {

std::string join_path(std::string_view dir, std::string_view name) {
  std::string path(dir);
  if (!path.empty() && path.back() != '/') path.push_back('/');
  path.append(name);
  return path;
}

std::string temp_file_name(std::string_view name) {
  std::string temp = "temp-";
  temp.append(name);
  return temp;
}

namespace {

// Writes and syncs the temp file. The caller removes it on failure.
Status write_temp(FileSystem& fs, const std::string& temp_path,
                  const std::function<Status(WritableFile&)>& produce) {
  std::unique_ptr<WritableFile> file;
  AMBER_RETURN_IF_ERROR(fs.new_writable_file(temp_path, &file));
  Status status = produce(*file);
  if (status.ok()) status = file->sync();
  Status closed = file->close();
  if (status.ok()) status = closed;
  return status;
}

}  // namespace

Status write_file_atomically(FileSystem& fs, const std::string& dir, const std::string& name,
                             const std::function<Status(WritableFile&)>& produce,
                             [[maybe_unused]] const PlantedBugs* bugs) {
  const std::string temp_path = join_path(dir, temp_file_name(name));
  Status status = write_temp(fs, temp_path, produce);
  if (status.ok()) status = fs.rename_file(temp_path, join_path(dir, name));
  if (!status.ok()) {
    // Best effort: a leftover temp file is harmless, the error is what matters.
    if (fs.file_exists(temp_path)) (void)fs.remove_file(temp_path);
    return status;
  }
  // The rename happened; without this sync a power failure may undo it.
#ifdef AMBER_PLANTED_BUGS
  if (bugs != nullptr && bugs->skip_dir_fsync_after_rename) return {};
#endif
  return fs.sync_dir(dir.empty() ? std::string(".") : dir);
}

}  // namespace amber
