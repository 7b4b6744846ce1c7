// Helpers for the snapshot tests: a temp directory, a FileSystem decorator
// that fails writes or syncs on demand, and a keyspace capture to compare
// the engine with what an RDB file loads back.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/db.h"
#include "core/io/posix_file_system.h"
#include "core/persist/rdb_loader.h"

namespace amber::testing {

struct TempDir {
  TempDir() {
    char tmpl[] = "/tmp/amber-snap-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string path;
};

// Forwards to the POSIX file system; appends and syncs fail while the
// matching flag is set (an EIO from a full or broken disk).
class FailingFileSystem final : public FileSystem {
 public:
  bool fail_append = false;
  bool fail_sync = false;

  Status new_sequential_file(const std::string& p, std::unique_ptr<SequentialFile>* f) override {
    return base_.new_sequential_file(p, f);
  }
  Status new_random_access_file(const std::string& p,
                                std::unique_ptr<RandomAccessFile>* f) override {
    return base_.new_random_access_file(p, f);
  }
  Status new_writable_file(const std::string& p, std::unique_ptr<WritableFile>* f) override {
    std::unique_ptr<WritableFile> inner;
    Status s = base_.new_writable_file(p, &inner);
    if (s.ok()) *f = std::make_unique<File>(std::move(inner), *this);
    return s;
  }
  Status new_appendable_file(const std::string& p, std::unique_ptr<WritableFile>* f) override {
    return base_.new_appendable_file(p, f);
  }
  Status rename_file(const std::string& a, const std::string& b) override {
    return base_.rename_file(a, b);
  }
  Status remove_file(const std::string& p) override { return base_.remove_file(p); }
  Status sync_dir(const std::string& d) override { return base_.sync_dir(d); }
  Status get_children(const std::string& d, std::vector<std::string>* n) override {
    return base_.get_children(d, n);
  }
  bool file_exists(const std::string& p) override { return base_.file_exists(p); }
  Status get_file_size(const std::string& p, uint64_t* s) override {
    return base_.get_file_size(p, s);
  }
  Status create_dir_if_missing(const std::string& d) override {
    return base_.create_dir_if_missing(d);
  }
  Status truncate_file(const std::string& p, uint64_t s) override {
    return base_.truncate_file(p, s);
  }

 private:
  class File final : public WritableFile {
   public:
    File(std::unique_ptr<WritableFile> inner, FailingFileSystem& fs)
        : inner_(std::move(inner)), fs_(fs) {}
    Status append(std::string_view d) override {
      if (fs_.fail_append) return Status::io_error("injected write error", 5);
      return inner_->append(d);
    }
    Status flush() override { return inner_->flush(); }
    Status sync() override {
      if (fs_.fail_sync) return Status::io_error("injected fsync error", 5);
      return inner_->sync();
    }
    Status close() override { return inner_->close(); }
    uint64_t size() const override { return inner_->size(); }

   private:
    std::unique_ptr<WritableFile> inner_;
    FailingFileSystem& fs_;
  };

  PosixFileSystem base_;
};

// db -> key -> (value, expire_ms)
using KeyspaceImage = std::vector<std::map<std::string, std::pair<std::string, int64_t>>>;

inline KeyspaceImage capture(const std::vector<Db*>& dbs) {
  KeyspaceImage image(dbs.size());
  for (size_t i = 0; i < dbs.size(); ++i) {
    dbs[i]->for_each([&](Entry* e) {
      image[i][std::string(e->key())] = {std::string(e->value()), e->expire_ms};
    });
  }
  return image;
}

// Loads an RDB file into `count` fresh databases, keeping expired keys.
inline KeyspaceImage load_image(FileSystem& fs, const std::string& path, int count,
                                Status* status) {
  std::vector<std::unique_ptr<Db>> owned;
  std::vector<Db*> dbs;
  for (int i = 0; i < count; ++i) {
    owned.push_back(std::make_unique<Db>(7));
    dbs.push_back(owned.back().get());
  }
  RdbLoadOptions options;
  options.drop_expired = false;
  RdbLoadResult result;
  *status = load_rdb_file(fs, path, dbs, options, &result);
  return capture(dbs);
}

}  // namespace amber::testing
