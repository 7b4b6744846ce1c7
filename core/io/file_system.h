// FileSystem: every byte amber makes durable, and every byte it reads back
// at startup, goes through this interface. Production passes the POSIX
// implementation (core/io/posix_file_system.h); the simulator passes SimFs,
// which keeps per file the durable bytes and the page-cache bytes and can
// crash, tear writes and fail calls. Modelled on LevelDB's Env.
//
// The durability vocabulary used in the contracts below:
//   - "in the OS": survives the process dying, not a power failure;
//   - "durable": survives a power failure (fdatasync/fsync returned 0);
//   - a new name (create, rename, unlink) is durable only after the parent
//     directory was synced with sync_dir.
// A failed sync is never retried and treated as success: once a
// WritableFile's append/flush/sync failed, every later call on it fails
// with the same error (the page cache may have dropped the data).
//
// Errors are Status values whose message names the path and the OS reason.
// Objects are used from one thread at a time; distinct objects may be used
// from distinct threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace amber {

struct PlantedBugs;

// A file read from start to end.
class SequentialFile {
 public:
  SequentialFile() = default;
  SequentialFile(const SequentialFile&) = delete;
  SequentialFile& operator=(const SequentialFile&) = delete;
  virtual ~SequentialFile() = default;

  // Reads up to `n` bytes into `scratch`. `*bytes_read` < n only at end of
  // file (0 there); short reads from the OS are retried inside.
  virtual Status read(size_t n, char* scratch, size_t* bytes_read) = 0;
  // Skips `n` bytes. Skipping past the end leaves the file at its end.
  virtual Status skip(uint64_t n) = 0;
};

// A file read at arbitrary offsets (pread). const: safe for concurrent reads.
class RandomAccessFile {
 public:
  RandomAccessFile() = default;
  RandomAccessFile(const RandomAccessFile&) = delete;
  RandomAccessFile& operator=(const RandomAccessFile&) = delete;
  virtual ~RandomAccessFile() = default;

  // Reads up to `n` bytes at `offset`. `*bytes_read` < n only at end of file.
  virtual Status read_at(uint64_t offset, size_t n, char* scratch, size_t* bytes_read) const = 0;
};

// A file written at its end. Implementations may buffer appended bytes.
class WritableFile {
 public:
  WritableFile() = default;
  WritableFile(const WritableFile&) = delete;
  WritableFile& operator=(const WritableFile&) = delete;
  // Closes the file if close() was not called; errors are lost then.
  virtual ~WritableFile() = default;

  // Appends `data`. Nothing is promised about it until flush() or sync().
  virtual Status append(std::string_view data) = 0;
  // Hands every appended byte to the OS ("in the OS" when it returns ok).
  virtual Status flush() = 0;
  // flush(), then makes the file's contents and size durable (fdatasync).
  // The file's name is not durable until its directory is synced.
  virtual Status sync() = 0;
  // flush(), then closes. No durability promise. Later calls fail.
  virtual Status close() = 0;
  // Bytes in the file including those not yet flushed.
  virtual uint64_t size() const = 0;
};

class FileSystem {
 public:
  FileSystem() = default;
  FileSystem(const FileSystem&) = delete;
  FileSystem& operator=(const FileSystem&) = delete;
  virtual ~FileSystem() = default;

  // Opens an existing file for sequential reading. Not found -> kNotFound.
  virtual Status new_sequential_file(const std::string& path,
                                     std::unique_ptr<SequentialFile>* file) = 0;
  // Opens an existing file for positional reads. Not found -> kNotFound.
  virtual Status new_random_access_file(const std::string& path,
                                        std::unique_ptr<RandomAccessFile>* file) = 0;
  // Creates `path`, or truncates it to 0 bytes if it exists, for writing.
  // Neither the creation nor the truncation is durable before sync_dir /
  // sync respectively.
  virtual Status new_writable_file(const std::string& path,
                                   std::unique_ptr<WritableFile>* file) = 0;
  // Opens `path` for appending after its current end, creating it if missing.
  virtual Status new_appendable_file(const std::string& path,
                                     std::unique_ptr<WritableFile>* file) = 0;

  // Atomically replaces `to` with `from` (rename(2)). Durable after
  // sync_dir of the directory (of both, if they differ).
  virtual Status rename_file(const std::string& from, const std::string& to) = 0;
  // Removes a file. Durable after sync_dir. Not found -> kNotFound.
  virtual Status remove_file(const std::string& path) = 0;
  // Makes the directory's entries (creates, renames, removes) durable.
  virtual Status sync_dir(const std::string& dir) = 0;
  // Names in `dir`, without "." and "..", in no particular order.
  virtual Status get_children(const std::string& dir, std::vector<std::string>* names) = 0;
  virtual bool file_exists(const std::string& path) = 0;
  virtual Status get_file_size(const std::string& path, uint64_t* size_bytes) = 0;
  // Creates a directory; ok if it already exists as a directory. Durable
  // after sync_dir of its parent.
  virtual Status create_dir_if_missing(const std::string& dir) = 0;
  // Cuts or extends (with zeros) a file to `size_bytes`. Durable only after
  // the file is synced.
  virtual Status truncate_file(const std::string& path, uint64_t size_bytes) = 0;
};

// "dir/name" (or "name" when dir is empty).
std::string join_path(std::string_view dir, std::string_view name);

// Writes a whole file so that, whatever happens, `dir/name` holds either its
// old contents or all the new ones: `produce` writes into "temp-<name>" in
// `dir`, which is then synced, closed, renamed over `name`, and the directory
// synced. On any error the temp file is removed and `name` is untouched; the
// error of `produce` is returned as it is. `bugs` (test builds only, see
// core/planted_bugs.h) may plant a skipped directory sync; null: none.
Status write_file_atomically(FileSystem& fs, const std::string& dir, const std::string& name,
                             const std::function<Status(WritableFile&)>& produce,
                             const PlantedBugs* bugs = nullptr);

// The name write_file_atomically writes before renaming.
std::string temp_file_name(std::string_view name);

}  // namespace amber
