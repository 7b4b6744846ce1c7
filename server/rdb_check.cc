// The RDB checker: the loader does the verifying (it refuses anything torn,
// corrupt or of a type amber cannot hold, naming the offset and reason);
// this file only watches it through an RdbLoadObserver to print what
// redis-check-rdb prints, and remembers where the last good record ended
// so that an error is reported at the start of the first bad record (the
// loader's message adds the exact offset where reading failed). Scratch
// databases are empty tables until a key lands in them: cheap to have many.
#include "server/rdb_check.h"

#include <cstdio>
#include <memory>
#include <vector>

#include "core/db.h"
#include "core/persist/rdb_format.h"
#include "core/persist/rdb_input.h"
#include "core/persist/rdb_loader.h"

namespace amber {
namespace {

class CheckObserver final : public RdbLoadObserver {
 public:
  CheckObserver(int64_t now_ms, std::string* out) : now_ms_(now_ms), out_(out) {}

  void info(uint64_t offset, std::string_view text) {
    out_->append("[offset " + std::to_string(offset) + "] ");
    out_->append(text);
    out_->push_back('\n');
  }

  void on_aux(uint64_t end, std::string_view key, std::string_view value) override {
    info(end, "AUX FIELD " + std::string(key) + " = '" + std::string(value) + "'");
    record_end_ = end;
  }
  void on_select_db(uint64_t end, uint64_t db) override {
    info(end, "Selecting DB ID " + std::to_string(db));
    record_end_ = end;
  }
  void on_module_aux(uint64_t end, std::string_view module) override {
    info(end, "MODULE AUX for: " + std::string(module));
    record_end_ = end;
  }
  void on_function(uint64_t end) override { record_end_ = end; }
  void on_key_start(uint64_t, uint8_t type, std::string_view key) override {
    in_key_ = true;
    type_ = type;
    key_ = printable_key(key);
  }
  void on_key(uint64_t end, int64_t expire_ms) override {
    in_key_ = false;
    ++keys_;
    if (expire_ms != kNoExpire) {
      ++expires_;
      if (expire_ms < now_ms_) ++already_expired_;
    }
    record_end_ = end;
  }
  void on_checksum(uint64_t end, bool verified) override {
    info(end, verified ? "Checksum OK"
                       : "RDB file was saved with checksum disabled: no check performed.");
    record_end_ = end;
  }

  void error(std::string_view reason) {
    out_->append("--- RDB ERROR DETECTED ---\n");
    info(record_end_, reason);
    if (in_key_) {
      out_->append("[additional info] While doing: read-object-value\n");
      out_->append("[additional info] Reading key '" + key_ + "'\n");
      const rdb::TypeName name = rdb::type_name(type_);
      out_->append("[additional info] Reading type " + std::to_string(type_) + " (" +
                   std::string(name.encoding) + ")\n");
    }
  }

  void counts() {
    out_->append("[info] " + std::to_string(keys_) + " keys read\n");
    out_->append("[info] " + std::to_string(expires_) + " expires\n");
    out_->append("[info] " + std::to_string(already_expired_) + " already expired\n");
  }

  uint64_t record_end() const { return record_end_; }

 private:
  const int64_t now_ms_;
  std::string* out_;
  uint64_t record_end_ = rdb::kHeaderBytes;
  bool in_key_ = false;
  uint8_t type_ = 0;
  std::string key_;
  uint64_t keys_ = 0;
  uint64_t expires_ = 0;
  uint64_t already_expired_ = 0;
};

}  // namespace

bool check_rdb_file(FileSystem& fs, const std::string& path, int64_t now_ms, std::string* out) {
  CheckObserver observer(now_ms, out);
  observer.info(0, "Checking RDB file " + path);
  std::vector<std::unique_ptr<Db>> owned;
  std::vector<Db*> dbs;
  for (int i = 0; i < kRdbCheckMaxDbs; ++i) {
    owned.push_back(std::make_unique<Db>(static_cast<uint64_t>(i) + 1));
    dbs.push_back(owned.back().get());
  }
  RdbLoadOptions options;
  options.drop_expired = false;  // counted, not dropped: duplicates still show
  options.skip_module_aux = true;
  options.observer = &observer;
  RdbLoadResult result;
  Status status = load_rdb_file(fs, path, dbs, options, &result);
  if (!status.ok()) {
    observer.error(status.message());
    observer.counts();
    return false;
  }
  observer.info(result.bytes_consumed, "\\o/ RDB looks OK! \\o/");
  observer.counts();
  return true;
}

}  // namespace amber
