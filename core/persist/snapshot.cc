// The fork-less snapshotter (see snapshot.h for the data flow). Two halves:
// the walk and the copy-on-write hook run on the engine thread and produce
// RDB bytes; ExecutorSink hands each 64 KiB chunk the RdbWriter emits to the
// executor, whose jobs append it to the temp file and, at the end, make the
// file durable and rename it. The halves share only IoState.
//
// Why key-level copy-on-write with a parity bit instead of a copy of the
// keyspace: the extra memory is what is written during the snapshot, not the
// dataset, and the check on the write path is one bit compare in Db.
#include "core/persist/snapshot.h"

#include <atomic>
#include <mutex>

#include "core/assert.h"

namespace amber {

struct Snapshot::IoState {
  FileSystem* fs = nullptr;
  std::string dir;
  std::string temp_path;
  std::string final_path;
  std::unique_ptr<WritableFile> file;  // touched only by jobs after start()
  std::atomic<uint64_t> in_flight_bytes{0};

  std::mutex mu;
  Status error;  // the first failure, guarded by mu
  bool aborted = false;
  bool done = false;  // the last job ran (success or not)

  Status first_error() {
    std::lock_guard<std::mutex> lock(mu);
    return error;
  }
  void set_error(const Status& status) {
    std::lock_guard<std::mutex> lock(mu);
    if (error.ok()) error = status;
  }
  bool should_skip() {
    std::lock_guard<std::mutex> lock(mu);
    return aborted || !error.ok();
  }
  // Closes and deletes the temp file after a failure or an abort.
  void discard() {
    if (file != nullptr) {
      (void)file->close();
      file.reset();
      (void)fs->remove_file(temp_path);
    }
  }
};

// The default encoding: RDB through RdbWriter.
class RdbSnapshotEncoder final : public SnapshotEncoder {
 public:
  RdbSnapshotEncoder(RdbSink& sink, const RdbWriteOptions& options)
      : writer_(sink, options), compression_(options.compression) {}
  Status write_header() override { return writer_.write_header(); }
  Status begin_db(int db_index, uint64_t keys, uint64_t keys_with_expire) override {
    return writer_.begin_db(db_index, keys, keys_with_expire);
  }
  Status write_entry(const Entry& entry) override { return writer_.write_entry(entry); }
  void serialize_entry(std::string* out, const Entry& entry) override {
    append_rdb_key(out, entry, compression_, &scratch_);
  }
  Status write_serialized_keys(std::string_view records, uint64_t keys) override {
    return writer_.write_serialized_keys(records, keys);
  }
  Status finish() override { return writer_.finish(); }
  uint64_t bytes_written() const override { return writer_.bytes_written(); }

 private:
  RdbWriter writer_;
  bool compression_;
  std::string scratch_;
};

// The encoder's sink: each chunk becomes one append job.
class Snapshot::ExecutorSink final : public RdbSink {
 public:
  ExecutorSink(std::shared_ptr<IoState> io, Executor& executor)
      : io_(std::move(io)), executor_(executor) {}

  Status write(std::string_view bytes) override {
    Status failed = io_->first_error();
    if (!failed.ok()) return failed;
    io_->in_flight_bytes += bytes.size();
    executor_.submit([io = io_, chunk = std::string(bytes)] {
      if (!io->should_skip()) {
        Status status = io->file->append(chunk);
        if (!status.ok()) io->set_error(status);
      }
      io->in_flight_bytes -= chunk.size();
    });
    return {};
  }

 private:
  std::shared_ptr<IoState> io_;
  Executor& executor_;
};

Snapshot::Snapshot(std::vector<Db*> dbs, FileSystem& fs, Executor& executor,
                   SnapshotOptions options)
    : dbs_(std::move(dbs)),
      fs_(fs),
      executor_(executor),
      options_(std::move(options)),
      io_(std::make_shared<IoState>()) {
  io_->fs = &fs_;
  io_->dir = options_.dir;
  io_->temp_path = join_path(options_.dir, options_.temp_name);
  io_->final_path = join_path(options_.dir, options_.final_name);
}

Snapshot::~Snapshot() {
  abort();
  detach();
}

Status Snapshot::start() {
  AMBER_ASSERT(!attached_ && writer_ == nullptr);
  // One snapshot at a time: the parity bit and the observer are per Db.
  for (Db* db : dbs_) {
    if (db->snapshot_running()) {
      state_ = State::kFailed;
      error_ = Status::io_error("another snapshot is in progress");
      return error_;
    }
  }
  Status status = fs_.new_writable_file(io_->temp_path, &io_->file);
  if (!status.ok()) {
    state_ = State::kFailed;
    error_ = status;
    return status;
  }
  const bool parity = dbs_.empty() ? true : !dbs_[0]->snapshot_parity();
  for (Db* db : dbs_) {
    AMBER_ASSERT(db->snapshot_parity() != parity);
    db->set_snapshot(this, parity);
    start_keys_.push_back(db->size());
    start_expires_.push_back(db->volatile_count());
    keys_total_ += db->size();
  }
  attached_ = true;
  side_.resize(dbs_.size());
  side_keys_.resize(dbs_.size(), 0);
  sink_ = std::make_unique<ExecutorSink>(io_, executor_);
  if (options_.encoder) {
    writer_ = options_.encoder(*sink_);
  } else {
    writer_ = std::make_unique<RdbSnapshotEncoder>(*sink_, options_.rdb);
  }
  status = writer_->write_header();
  if (!status.ok()) fail(status);
  return status;
}

int Snapshot::index_of(const Db& db) const {
  for (size_t i = 0; i < dbs_.size(); ++i) {
    if (dbs_[i] == &db) return static_cast<int>(i);
  }
  AMBER_ASSERT(false && "db not part of this snapshot");
  return -1;
}

bool Snapshot::waiting_for_io() const {
  return io_->in_flight_bytes.load() > options_.max_in_flight_bytes;
}

void Snapshot::fail(const Status& status) {
  if (state_ == State::kFailed) return;
  state_ = State::kFailed;
  error_ = status;
  io_->set_error(status);
  {
    std::lock_guard<std::mutex> lock(io_->mu);
    io_->aborted = true;
  }
  // The temp file goes away in a job, after the appends already queued.
  executor_.submit([io = io_] {
    io->discard();
    std::lock_guard<std::mutex> inner(io->mu);
    io->done = true;
  });
}

// Stops observing the dbs. Entries the walk has not reached still carry the
// old parity; they get the current one so that the next snapshot's flip
// makes every entry "not yet saved" again. O(keys) on abort or failure only.
void Snapshot::detach() {
  if (!attached_) return;
  attached_ = false;
  for (Db* db : dbs_) {
    if (state_ != State::kFinishing && state_ != State::kDone) {
      db->for_each([db](Entry* e) { db->mark_saved(e); });
    }
    db->set_snapshot(nullptr, db->snapshot_parity());
  }
}

bool Snapshot::begin_current_db() {
  const size_t i = current_db_;
  if (start_keys_[i] == 0) {
    AMBER_ASSERT(side_keys_[i] == 0);
    ++current_db_;
    return false;
  }
  Status status = writer_->begin_db(static_cast<int>(i), start_keys_[i], start_expires_[i]);
  if (status.ok() && side_keys_[i] > 0) {
    status = writer_->write_serialized_keys(side_[i], side_keys_[i]);
    cow_bytes_ -= side_[i].size();
    std::string().swap(side_[i]);
  }
  if (!status.ok()) {
    fail(status);
    return false;
  }
  in_db_ = true;
  cursor_ = 0;
  return true;
}

Snapshot::State Snapshot::step(size_t max_buckets) {
  for (size_t buckets = 0; buckets < max_buckets && state_ == State::kRunning;) {
    if (waiting_for_io()) break;
    if (current_db_ == dbs_.size()) {
      finish_walk();
      break;
    }
    if (!in_db_ && !begin_current_db()) continue;
    Db& db = *dbs_[current_db_];
    Status status;
    cursor_ = db.scan(cursor_, [&](Entry* e) {
      if (db.is_saved(*e)) return;
      if (status.ok()) status = writer_->write_entry(db.readable(*e, &scratch_));
      db.mark_saved(e);
      ++keys_saved_;
    });
    if (!status.ok()) fail(status);
    ++buckets;
    if (cursor_ == 0) {
      ++current_db_;
      in_db_ = false;
    }
  }
  return state();
}

Snapshot::State Snapshot::run_to_end() {
  while (state() == State::kRunning) step(1024);
  return state();
}

void Snapshot::finish_walk() {
  AMBER_ASSERT(keys_saved_ == keys_total_);
  Status status = writer_->finish();
  if (!status.ok()) {
    fail(status);
    return;
  }
  state_ = State::kFinishing;
  file_size_ = writer_->bytes_written();
  detach();
  executor_.submit([io = io_] {
    if (!io->should_skip()) {
      Status s = io->file->sync();
      if (s.ok()) s = io->file->close();
      if (s.ok()) s = io->fs->rename_file(io->temp_path, io->final_path);
      if (s.ok()) {
        io->file.reset();  // renamed: nothing to discard any more
        s = io->fs->sync_dir(io->dir);
      }
      if (!s.ok()) io->set_error(s);
    }
    io->discard();
    std::lock_guard<std::mutex> lock(io->mu);
    io->done = true;
  });
}

Snapshot::State Snapshot::state() {
  if (state_ == State::kRunning) {
    Status status = io_->first_error();
    if (!status.ok()) fail(status);
  }
  if (state_ == State::kFinishing) {
    std::lock_guard<std::mutex> lock(io_->mu);
    if (io_->done) {
      state_ = io_->error.ok() ? State::kDone : State::kFailed;
      error_ = io_->error;
    }
  }
  if (state_ == State::kFailed) detach();
  return state_;
}

Status Snapshot::error() {
  state();
  return error_;
}

void Snapshot::abort() {
  if (state_ == State::kDone || state_ == State::kFailed) return;
  if (state_ == State::kFinishing) {
    // The final job is queued; let it complete or fail on its own.
    std::lock_guard<std::mutex> lock(io_->mu);
    io_->aborted = true;
  } else {
    fail(Status::io_error("snapshot aborted"));
  }
  detach();
}

void Snapshot::before_change(Db& db, const Entry& stored) {
  if (state_ != State::kRunning) return;
  const Entry& e = db.readable(stored, &scratch_);
  const size_t i = static_cast<size_t>(index_of(db));
  ++keys_saved_;
  if (i == current_db_ && in_db_) {
    Status status = writer_->write_entry(e);
    if (!status.ok()) fail(status);
    return;
  }
  // A db the walk has finished holds only saved entries.
  AMBER_ASSERT(i >= current_db_);
  const size_t before = side_[i].size();
  writer_->serialize_entry(&side_[i], e);
  ++side_keys_[i];
  cow_bytes_ += side_[i].size() - before;
  if (cow_bytes_ > cow_peak_bytes_) cow_peak_bytes_ = cow_bytes_;
}

}  // namespace amber
