// Test helpers for the AOF tests: a FileSystem decorator whose files fail
// sync() on demand, and a dump of an engine's whole keyspace to compare
// two engines.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <tuple>

#include "core/engine.h"
#include "core/io/posix_file_system.h"

namespace amber {

// Forwards to PosixFileSystem; files it opens fail sync() while `fail_sync`.
class FlakyFileSystem final : public FileSystem {
 public:
  std::atomic<bool> fail_sync{false};
  class File final : public WritableFile {
   public:
    File(std::unique_ptr<WritableFile> f, std::atomic<bool>* fail)
        : f_(std::move(f)), fail_(fail) {}
    Status append(std::string_view d) override { return f_->append(d); }
    Status flush() override { return f_->flush(); }
    Status sync() override { return *fail_ ? Status::io_error("sync failed", 5) : f_->sync(); }
    Status close() override { return f_->close(); }
    uint64_t size() const override { return f_->size(); }

   private:
    std::unique_ptr<WritableFile> f_;
    std::atomic<bool>* fail_;
  };
  Status new_sequential_file(const std::string& p, std::unique_ptr<SequentialFile>* f) override {
    return base_.new_sequential_file(p, f);
  }
  Status new_random_access_file(const std::string& p,
                                std::unique_ptr<RandomAccessFile>* f) override {
    return base_.new_random_access_file(p, f);
  }
  Status new_writable_file(const std::string& p, std::unique_ptr<WritableFile>* f) override {
    return wrap(base_.new_writable_file(p, f), f);
  }
  Status new_appendable_file(const std::string& p, std::unique_ptr<WritableFile>* f) override {
    return wrap(base_.new_appendable_file(p, f), f);
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
  Status wrap(Status s, std::unique_ptr<WritableFile>* f) {
    if (s.ok()) *f = std::make_unique<File>(std::move(*f), &fail_sync);
    return s;
  }
  PosixFileSystem base_;
};

// (db, key) -> (value, expire_ms) for every key of every db.
using KeyspaceDump = std::map<std::pair<int, std::string>, std::pair<std::string, int64_t>>;

inline KeyspaceDump dump_keyspace(Engine& engine) {
  KeyspaceDump out;
  for (int i = 0; i < engine.db_count(); ++i) {
    engine.db(i).for_each([&](Entry* e) {
      out[{i, std::string(e->key())}] = {std::string(e->value()),
                                         e->has_expire() ? e->expire_ms : -1};
    });
  }
  return out;
}

}  // namespace amber
