// NvmPersistence: the glue between the engine and the NVM library. It logs
// *physical* state, not commands: the engine tells it which keys and
// databases changed (KeyspaceObserver), and when the engine closes a write
// unit (PropagationSink) it reads each touched key's final value straight
// from the Db and writes one record. So replay never evaluates a command and
// a re-applied record is harmless, and the store can be read back in O(keys)
// at startup instead of re-running history.
//
// Fault model: a crash (SIGKILL, power loss on real PMEM) at any instant
// leaves the log with exactly the records whose persist() returned (plus
// possibly one later batch, which is then also durable), and the store with
// a prefix of them applied; recover() replays the rest. Region write-back
// errors (msync EIO on the page-cache path) make the mode unhealthy for good:
// the host must stop acknowledging writes.
#include "nvm/nvm_persistence.h"

#include <algorithm>
#include <array>

#include "core/assert.h"
#include "core/entry.h"
#include "core/io/file_system.h"
#include "core/io/posix_file_system.h"
#include "nvm/record_bound.h"
#include "nvm/region_file.h"

namespace amber::nvm {
namespace {

constexpr size_t kMinLogBytes = 64 * 1024;
constexpr size_t kMinStoreBytes = 256 * 1024;

size_t round_down_lines(uint64_t bytes) { return bytes / kCacheLineBytes * kCacheLineBytes; }

}  // namespace

NvmPersistence::NvmPersistence(NvmOptions options) : options_(std::move(options)) {}

NvmPersistence::~NvmPersistence() { detach(); }

void NvmPersistence::detach() {
  fill_.reset();
  tier_.reset();
  if (engine_ == nullptr) return;
  for (int i = 0; i < engine_->db_count(); ++i) engine_->db(i).set_tag_entries(false);
  engine_->set_propagation_sink(nullptr);
  engine_->set_keyspace_observer(nullptr);
  engine_ = nullptr;
  written_ = {};
}

bool NvmPersistence::is_pmem() const { return log_region_ && log_region_->is_pmem(); }

uint64_t NvmPersistence::store_used_bytes() const {
  return store_ ? store_->allocator().used_bytes() : 0;
}

Status NvmPersistence::open_regions(const Clock& clock) {
  // A quarter for the log (it only holds what the replayer has not folded
  // in yet), the rest for the store.
  uint64_t total = options_.size_bytes;
  size_t log_bytes = std::max(kMinLogBytes, round_down_lines(total / 4));
  size_t store_bytes =
      std::max(kMinStoreBytes, round_down_lines(total - std::min(total, log_bytes)));
  PosixFileSystem posix;
  FileSystem& fs = options_.fs != nullptr ? *options_.fs : posix;
  const RegionFileOpener open =
      options_.open_region ? options_.open_region : backend_opener(options_.backend);
  const std::string log_path = join_path(options_.dir, kLogFileName);
  const std::string store_path = join_path(options_.dir, kStoreFileName);
  for (const std::string& path : {log_path, store_path}) {
    bool removed = false;
    AMBER_RETURN_IF_ERROR(remove_unformattable_region_file(fs, path, kMinLogBytes, &removed));
    stats_.unformattable_files_removed += removed ? 1 : 0;
  }
  // nvm-size larger than the files: grow them first (nvm/region_file.h).
  const int64_t grow_start_us = clock.now_us();
  Status s = fold_log_before_store_growth(fs, open, store_bytes);
  if (s.ok()) {
    s = grow_region_file(fs, open, RegionRole::kLog, options_.dir, kLogFileName, log_bytes,
                         &stats_.log_grown_from_bytes, options_.bugs);
  }
  if (s.ok()) {
    s = grow_region_file(fs, open, RegionRole::kStore, options_.dir, kStoreFileName, store_bytes,
                         &stats_.store_grown_from_bytes, options_.bugs);
  }
  if (!s.ok()) return s;
  if (stats_.log_grown_from_bytes != 0 || stats_.store_grown_from_bytes != 0) {
    stats_.grow_ms = (clock.now_us() - grow_start_us) / 1000;
  }
  s = open(log_path, log_bytes, &log_region_);
  if (s.ok()) s = open(store_path, store_bytes, &store_region_);
  if (!s.ok()) return s;
  stats_.region_larger_than_configured =
      log_region_->size_bytes() > log_bytes || store_region_->size_bytes() > store_bytes;
  return sync_region_files(fs);
}

// A store about to grow takes in the log's links first
// (fold_links_into_store): its copy would not hold their items.
Status NvmPersistence::fold_log_before_store_growth(FileSystem& fs, const RegionFileOpener& open,
                                                    size_t store_bytes) {
  const std::string log_path = join_path(options_.dir, kLogFileName);
  const std::string store_path = join_path(options_.dir, kStoreFileName);
  uint64_t store_file_bytes = 0;
  Status sized = fs.get_file_size(store_path, &store_file_bytes);
  if (sized.is_not_found() || !fs.file_exists(log_path)) return Status();
  AMBER_RETURN_IF_ERROR(sized);
  if (store_file_bytes >= store_bytes) return Status();
  std::unique_ptr<Region> log_region;
  std::unique_ptr<Region> store_region;
  AMBER_RETURN_IF_ERROR(open(log_path, 0, &log_region));
  AMBER_RETURN_IF_ERROR(open(store_path, 0, &store_region));
  return fold_links_into_store(log_region.get(), store_region.get());
}

// Before anything is written into the regions: a write acknowledged into a
// file whose name a power failure can take away would go with it.
Status NvmPersistence::sync_region_files(FileSystem& fs) {
#ifdef AMBER_PLANTED_BUGS
  // Planted bug: the region files are left as the file system has them.
  if (options_.bugs != nullptr && options_.bugs->skip_nvm_file_sync) return Status();
#endif
  const std::string paths[] = {join_path(options_.dir, kLogFileName),
                               join_path(options_.dir, kStoreFileName)};
  return nvm::sync_region_files(fs, options_.dir, paths);
}

// Opens the log and the store, formatting what is missing. The two belong
// together (same generation): a store replayed from another store's log
// would be a keyspace nobody wrote.
Status NvmPersistence::open_pair(int64_t now_ms) {
  Status log_status = PmemLog::open(log_region_.get(), &log_);
  if (!log_status.ok() && !log_status.is_not_found()) return log_status;
  Status store_status = PmemStore::open(store_region_.get(), &store_);
  if (!store_status.ok() && !store_status.is_not_found()) return store_status;
  uint64_t generation = static_cast<uint64_t>(std::max<int64_t>(1, now_ms));
  if (store_) generation = store_->generation();
  if (!store_) {
    // A missing store is only legitimate when the log still holds its whole
    // history (a crash during the first format).
    if (log_ && log_->head_lsn() != 0) {
      return Status::corruption("NVM store missing but its log was already replayed");
    }
    if (log_) generation = log_->generation();
    Status s = PmemStore::format(store_region_.get(), generation, {}, &store_);
    if (!s.ok()) return s;
  }
  if (!log_) {
    Status s = PmemLog::format(log_region_.get(), generation, &log_);
    if (!s.ok()) return s;
  }
  if (log_->generation() != store_->generation()) {
    return Status::corruption("NVM log and store belong to different generations");
  }
  replayer_ = std::make_unique<Replayer>(log_.get(), store_.get());
  store_->set_planted_bugs(options_.bugs);
  return Status();
}

// The records in [head, tail) are the store's future: those with a seq the
// store has not applied are pending; earlier ones (applied, head not yet
// advanced) are harmless to apply to DRAM again. Either way DRAM ends with
// the state after the last record for every key they touch.
Status NvmPersistence::apply_log_tail(Engine& engine) {
  const uint64_t applied = store_->applied_seq();
  uint64_t last_seq = applied;
  Status status;
  TailBatch batch;
  log_->for_each_durable_record([&](std::string_view payload, uint64_t /*next_lsn*/) {
    if (status.ok()) status = add_tail_record(engine, payload, applied, batch, &last_seq);
  });
  if (status.ok()) status = apply_tail_batch(engine, applied, batch, &last_seq);
  next_seq_ = last_seq + 1;
  // The walk pinned every pending link's item: the replay need not again.
  if (status.ok()) replayer_->note_unlinked_items_pinned();
  return status;
}

Status NvmPersistence::add_tail_record(Engine& engine, std::string_view payload, uint64_t applied,
                                       TailBatch& batch, uint64_t* last_seq) {
  uint64_t seq;
  Status decoded = decode_log_record(payload, &seq, &batch.decoded);
  if (!decoded.ok()) {
    // The records before it are applied, as they would be one by one.
    AMBER_RETURN_IF_ERROR(apply_tail_batch(engine, applied, batch, last_seq));
    return decoded;
  }
  batch.ops.insert(batch.ops.end(), batch.decoded.begin(), batch.decoded.end());
  batch.records.push_back({seq, batch.ops.size()});
  if (batch.ops.size() < kTailBatchOps) return Status();
  return apply_tail_batch(engine, applied, batch, last_seq);
}

Status NvmPersistence::apply_tail_batch(Engine& engine, uint64_t applied, TailBatch& batch,
                                        uint64_t* last_seq) {
  std::vector<LogOp>& ops = batch.ops;
  // The keys of the ops before the batch's first FLUSHDB, FLUSHALL or
  // SWAPDB (which swaps the databases' hash seeds) are hashed once, here.
  std::array<uint64_t, 2 * kTailBatchOps> hashes;
  size_t hashed = 0;
  const size_t db_count = static_cast<size_t>(engine.db_count());
  while (hashed < std::min(ops.size(), hashes.size())) {
    const LogOp& op = ops[hashed];
    if (!is_key_op(op) || op.db >= db_count) break;
    const Db& db = engine.db(static_cast<int>(op.db));
    hashes[hashed] = db.key_hash(op.key);
    db.prefetch(hashes[hashed++]);
  }
  for (size_t i = 0; i < hashed; ++i) {
    engine.db(static_cast<int>(ops[i].db)).prefetch_chain(hashes[i]);
  }
  size_t first_op = 0;
  for (const TailRecord& record : batch.records) {
    const bool pending = record.seq > applied;
    for (size_t i = first_op; i < record.end_op; ++i) {
      LogOp& op = ops[i];
      if (op.kind == LogOpKind::kLink) AMBER_RETURN_IF_ERROR(resolve_link(pending, &op));
      AMBER_RETURN_IF_ERROR(apply_to_dram(engine, op, pending, i < hashed ? &hashes[i] : nullptr));
      if (!pending) continue;
      // Not in the store yet: the capacity tier must keep these resident.
      if (op.kind == LogOpKind::kUpsert || op.kind == LogOpKind::kRemove) {
        tier_->note_key(op.key, record.seq);
      } else {
        tier_->note_db_op(record.seq);
      }
    }
    // Durable already: the replay may skip what the record overwrites.
    overwrites_.record_appended();
    overwrites_.hand_over(*replayer_);
    first_op = record.end_op;
    *last_seq = std::max(*last_seq, record.seq);
    ++stats_.tail_records;
  }
  ops.clear();
  batch.records.clear();
  return Status();
}

// A link's value is the store item it names: unreachable until the record
// is folded in (`pending`: pinned here, before anything allocates in the
// store — a damaged item refuses the start), or published already.
Status NvmPersistence::resolve_link(bool pending, LogOp* op) {
  StoreItemView item;
  if (pending) {
    AMBER_RETURN_IF_ERROR(store_->pin_unlinked(op->key, op->item_offset, &item));
  } else {
    AMBER_RETURN_IF_ERROR(store_->read_item(op->item_offset, &item));
    if (item.key != op->key) {
      return Status::corruption("NVM log links key '" + std::string(op->key) +
                                "' to a store item of another key");
    }
  }
  op->kind = LogOpKind::kUpsert;
  op->value = item.value;
  op->expire_ms = item.expire_ms;
  return Status();
}

Status NvmPersistence::apply_to_dram(Engine& engine, const LogOp& op, bool store_pending,
                                     const uint64_t* key_hash) {
  const uint32_t highest = op.kind == LogOpKind::kSwapDb ? std::max(op.db, op.other_db) : op.db;
  if (op.kind != LogOpKind::kFlushAll && highest >= static_cast<uint32_t>(engine.db_count())) {
    return Status::invalid_argument("NVM log writes to db " + std::to_string(highest) +
                                    ", beyond the configured databases");
  }
  const int db = static_cast<int>(op.db);
  switch (op.kind) {
    case LogOpKind::kUpsert: {
      Db& target = engine.db(db);
      const uint64_t hash = key_hash != nullptr ? *key_hash : target.key_hash(op.key);
      Entry* e = target.find_resident(op.key, hash);
      Encoding encoding = encoding_for_new_string(op.value);
      e = e == nullptr ? target.insert(op.key, op.value, encoding, hash)
                       : target.replace_value(e, op.value, encoding);
      if (op.expire_ms != kNoExpire) {
        target.set_expire(e, op.expire_ms);
      } else if (e->has_expire()) {
        target.clear_expire(e);
      }
      // Tracked as the live path does (numbered from the head, as the
      // Replayer numbers them).
      track_key_op(db, e);
      break;
    }
    case LogOpKind::kRemove:
      engine.db(db).erase(op.key);
      fill_->supersede(db, op.key);
      overwrites_.untracked_key_op();
      break;
    case LogOpKind::kFlushDb:
      engine.db(db).clear();
      fill_->on_flush(db, store_pending);
      overwrites_.structural_op();
      break;
    case LogOpKind::kFlushAll:
      for (int i = 0; i < engine.db_count(); ++i) {
        engine.db(i).clear();
        fill_->on_flush(i, store_pending);
      }
      overwrites_.structural_op();
      break;
    case LogOpKind::kSwapDb:
      engine.db(db).swap_contents(engine.db(static_cast<int>(op.other_db)));
      fill_->on_swap(db, static_cast<int>(op.other_db), store_pending);
      overwrites_.structural_op();
      break;
    case LogOpKind::kLink:
      return Status::invalid_argument("NVM: a link must be resolved first");
  }
  return Status();
}

Status NvmPersistence::recover(Engine& engine) {
  AMBER_ASSERT(engine_ == nullptr && log_ == nullptr);
  if (engine.db_count() > static_cast<int>(PmemStore::kMaxDatabases)) {
    return Status::invalid_argument("NVM mode supports at most 16 databases");
  }
  const int64_t start_us = engine.clock().now_us();
  Status s = open_regions(engine.clock());
  if (s.ok()) s = open_pair(engine.clock().now_ms());
  if (!s.ok()) return s;
  tier_ = std::make_unique<CapacityTier>(engine, *store_);
  tier_->attach();
  tier_->set_max_dram_bytes(options_.max_dram_bytes, next_seq_);
  fill_ = std::make_unique<StoreFill>(engine, *store_);
  fill_->set_capacity_tier(tier_.get());
  // Every entry from here on keeps the tag of the last op logged on its key
  // (nvm/overwrite_tracker.h).
  for (int i = 0; i < engine.db_count(); ++i) engine.db(i).set_tag_entries(true);
  s = apply_log_tail(engine);
  if (!s.ok()) {
    fill_.reset();
    tier_.reset();
    return s;
  }
  engine_ = &engine;
  engine.set_propagation_sink(this);
  engine.set_keyspace_observer(this);
  fill_->attach();
  fill_start_us_ = engine.clock().now_us();
  stats_.last_recovery_ms = (fill_start_us_ - start_us) / 1000;
  return failed_;
}

NvmStats NvmPersistence::stats() const {
  NvmStats stats = stats_;
  if (replayer_ != nullptr) stats.replay_superseded_ops = replayer_->superseded_ops();
  if (fill_ != nullptr) {
    stats.fill_keys = fill_->filled_keys();
    stats.fault_keys = fill_->faulted_keys();
  }
  if (tier_ != nullptr) {
    stats.dram_bytes = tier_->dram_bytes();
    stats.offloaded_keys = tier_->offloaded_keys();
    stats.tier = tier_->stats();
  }
  return stats;
}

Status NvmPersistence::finish_fill() {
  if (fill_ != nullptr) fill_->fill_all();
  reap_fill();
  return failed_;
}

void NvmPersistence::reap_fill() {
  if (fill_ == nullptr) return;
  stats_.fill_keys = fill_->filled_keys();
  stats_.fault_keys = fill_->faulted_keys();
  if (!fill_->error().ok()) fail(fill_->error());
  if (!fill_->done()) return;
  if (engine_ != nullptr) stats_.fill_ms = (engine_->clock().now_us() - fill_start_us_) / 1000;
  fill_.reset();
}

void NvmPersistence::on_key_modified(int db, std::string_view key, Entry* written) {
  touched_.add(db, key);
  written_ = {db, written, written != nullptr ? engine_->db(db).entry_epoch() : 0};
  // DRAM is the truth for this key from now on.
  if (fill_ != nullptr) fill_->supersede(db, key);
}

void NvmPersistence::on_db_replaced(int db, int with) {
  if (with < 0) {
    structural_.push_back({db, -1});
    // The flush makes the earlier states of these keys irrelevant.
    touched_.drop_db(db);
    return;
  }
  if (swap_echo_ == std::make_pair(db, with)) {
    swap_echo_ = {-1, -1};
    return;
  }
  structural_.push_back({db, with});
  swap_echo_ = {with, db};
  // Keys touched before the swap now live in the partner database.
  touched_.swap_dbs(db, with);
}

Status NvmPersistence::reload_unlogged(const std::function<Status()>& reload) {
  AMBER_ASSERT(engine_ != nullptr);
  AMBER_RETURN_IF_ERROR(finish_fill());
  engine_->set_keyspace_observer(nullptr);
  Status status = reload();
  engine_->set_keyspace_observer(this);
  return status;
}

Status NvmPersistence::log_loaded_keys(std::span<const LoadedKey> keys) {
  AMBER_ASSERT(engine_ != nullptr);
  AMBER_RETURN_IF_ERROR(finish_fill());
  // Bounds what the touched-key set (and one record) holds at once.
  constexpr size_t kKeysPerUnit = 4096;
  for (size_t i = 0; i < keys.size() && healthy(); ++i) {
    on_key_modified(keys[i].db, keys[i].key, nullptr);
    if ((i + 1) % kKeysPerUnit == 0) before_reply();
  }
  before_reply();
  while (healthy() && replay_lag_bytes() > 0) (void)step();
  // Everything is in the store now: whatever is over the bound may go.
  do {
    enforce_dram_bound();
  } while (healthy() && offloads_pending());
  return failed_;
}

bool NvmPersistence::unit_fits(const Session& session, const CommandSpec& spec, ArgList argv) {
  if (engine_ == nullptr || log_ == nullptr) return true;
  const bool exec = spec.name == "exec" && session.in_multi;
  if (!exec && !(spec.flags & kCmdWrite)) return true;
  if (!exec && spec.name == "set" && argv.size() >= 3) {
    // The most common write, without RecordBound's general rules: a lone
    // SET logs its key with the new value, or nothing when NX / XX leave
    // the key alone (the rules' max with the old value is for a later
    // command of a transaction, which this is not).
    if (argv[2].size() > link_threshold_bytes()) {
      return kRecordPrefixBytes + kLinkOverheadBytes + argv[1].size() <=
                 log_->max_payload_bytes() &&
             store_has_room_for(argv[1].size() + argv[2].size());
    }
    return single_upsert_record_bytes(argv[1].size(), argv[2].size()) <= log_->max_payload_bytes();
  }
  Engine& engine = *engine_;
  const bool fault_in = filling();
  const RecordBound::SizeOf size_of = [&engine, fault_in](int db, std::string_view key) {
    Db& d = engine.db(db);
    // Offloaded values keep their length.
    const Entry* e = d.find_resident(key);
    if (e == nullptr && fault_in) e = d.find(key);
    return e != nullptr ? uint64_t{e->value_len} : uint64_t{0};
  };
  RecordBound bound(engine.db_count(), &size_of);
  int db = session.db;
  if (exec) {
    engine.for_each_queued(session, [&](const CommandSpec& queued, ArgList queued_argv) {
      bound.add(queued, queued_argv, &db);
      return true;
    });
  } else {
    bound.add(spec, argv, &db);
  }
  uint64_t largest_linked = 0;
  return bound.bytes_with_links(link_threshold_bytes(), &largest_linked) <=
             log_->max_payload_bytes() &&
         (largest_linked == 0 || store_has_room_for(largest_linked));
}

// The store counts its used bytes exactly once the walk after a restart has
// reached every slot; a value that might not fit finishes that walk first
// (the fill and the replay before it: the walk waits for them), so that a
// write the store cannot take is refused, not a failure of the mode.
bool NvmPersistence::store_has_room_for(uint64_t body_bytes) {
  if (!store_->has_room_for(body_bytes)) return false;
  if (!store_->rebuilding()) return true;
  if (!catch_up()) return false;
  while (healthy() && store_->rebuilding()) {
    Status s = store_->step(options_.store_slots_per_step);
    if (!s.ok()) fail(s);
  }
  return healthy() && store_->has_room_for(body_bytes);
}

size_t NvmPersistence::link_threshold_bytes() const {
  return log_ ? log_->max_payload_bytes() / 4 : 0;
}

void NvmPersistence::unit_ended() { log_pending_unit(); }

void NvmPersistence::begin_record() { builder_.begin(next_seq_++); }

bool NvmPersistence::make_room(size_t op_bytes) {
  const size_t max = log_->max_payload_bytes();
  if (kRecordPrefixBytes + op_bytes > max) {
    ++stats_.unlogged_writes;
    fail(Status::invalid_argument(
        "NVM: a key's value is larger than the log's largest record (" +
        std::to_string(kRecordPrefixBytes + op_bytes) + " > " + std::to_string(max) +
        " bytes; the log is a quarter of nvm-size, its largest record half of that)"));
    return false;
  }
  if (builder_.op_count() > 0 && builder_.bytes().size() + op_bytes > max) {
    append_record();
    ++stats_.split_units;
    begin_record();
  }
  return true;
}

// The changes since the last unit: a unit of one key joins the open record
// (add_lone_key); any other gets a record of its own (or, when it would not
// fit, several): the structural ops in order, then each touched key as it
// is now.
void NvmPersistence::log_pending_unit() {
  if (engine_ == nullptr || (structural_.empty() && touched_.empty())) return;
  if (structural_.empty() && touched_.size() == 1 && add_lone_key()) {
    touched_.clear();
    return;
  }
  close_record();
  begin_record();
  // An op that cannot be logged fails the mode and drops the whole record:
  // a unit is durable whole or not at all.
  bool logged = true;
  for (const StructuralOp& op : structural_) {
    logged = make_room(kStructuralOpBytes);
    if (!logged) break;
    if (op.with < 0) {
      builder_.flush_db(static_cast<uint32_t>(op.db));
    } else {
      builder_.swap_db(static_cast<uint32_t>(op.db), static_cast<uint32_t>(op.with));
    }
    tier_->note_db_op(next_seq_ - 1);
    overwrites_.structural_op();
  }
  const bool link_all = structural_.empty() && links_a_value();
  for (size_t i = 0; i < touched_.size() && logged; ++i) {
    const auto [db, key] = touched_.at(i);
    // Touched keys are resident unless removed: never fault one in here.
    Entry* e = engine_->db(db).find_resident(key);
    if (e != nullptr && (link_all || (structural_.empty() &&
                                      links_rather_than_logs(key.size(), e->value().size())))) {
      logged = log_link(db, key);
      if (logged) tier_->note_key(key, next_seq_ - 1);
      continue;
    }
    // A full log completes a fill in progress (append_record): do not hold
    // the entry across what the fill does to the keyspace.
    const bool fill_may_run = fill_ != nullptr;
    logged = make_room(key_op_bytes(key, e));
    if (logged && fill_may_run && e != nullptr) e = engine_->db(db).find_resident(key);
    if (logged) put_key_state(db, key, e);
  }
  structural_.clear();
  touched_.clear();
  swap_echo_ = {-1, -1};
  if (!logged) {
    overwrites_.record_dropped();
  } else if (builder_.op_count() > 0) {
    append_record();
  }
}

// The unit's one key, without a structural op, into the open record (a new
// one when none is open, or when the key's op would take it past
// kSharedRecordBytes). False, having done nothing, for a value that may be
// linked: that takes log_pending_unit's way.
bool NvmPersistence::add_lone_key() {
  const auto [db, key] = touched_.at(0);
  Entry* e = written_entry(db, key);
  if (e != nullptr && e->value().size() > link_threshold_bytes()) return false;
  const size_t op_bytes = key_op_bytes(key, e);
  const size_t shared_bytes = std::min(kSharedRecordBytes, log_->max_payload_bytes());
  if (record_open_ && builder_.bytes().size() + op_bytes > shared_bytes) {
    // Appending may complete a fill in progress (append_record): do not
    // hold the entry across what the fill does to the keyspace.
    const bool fill_may_run = fill_ != nullptr;
    close_record();
    if (fill_may_run) e = engine_->db(db).find_resident(key);
  }
  if (!record_open_) {
    begin_record();
    record_open_ = true;
  }
  // Fails only for an op larger than any record (the mode fails with it).
  if (!make_room(op_bytes)) {
    record_open_ = false;
    overwrites_.record_dropped();
    return true;
  }
  put_key_state(db, key, e);
  return true;
}

size_t NvmPersistence::key_op_bytes(std::string_view key, const Entry* e) {
  return e == nullptr ? kRemoveOverheadBytes + key.size()
                      : kUpsertOverheadBytes + key.size() + e->value().size();
}

void NvmPersistence::put_key_state(int db, std::string_view key, Entry* e) {
  if (e == nullptr) {
    builder_.remove(static_cast<uint32_t>(db), key);
    overwrites_.untracked_key_op();
  } else {
    // A key written in this unit went through Db::find: its value is here.
    AMBER_ASSERT(!e->is_offloaded());
    builder_.upsert(static_cast<uint32_t>(db), key, e->value(), e->expire_ms);
    track_key_op(db, e);
  }
  tier_->note_key(key, next_seq_ - 1);
}

// The entry the last write left, when it was this key's and no entry of its
// Db was freed, moved or unlinked since (Db::entry_epoch); else a lookup.
Entry* NvmPersistence::written_entry(int db, std::string_view key) {
  Db& d = engine_->db(db);
  if (written_.entry != nullptr && written_.db == db && written_.epoch == d.entry_epoch() &&
      written_.entry->key() == key) {
    return written_.entry;
  }
  // Touched keys are resident unless removed: never fault one in here.
  return d.find_resident(key);
}

void NvmPersistence::close_record() {
  if (!record_open_) return;
  record_open_ = false;
  append_record();
}

void NvmPersistence::track_key_op(int db, Entry* e) {
  if (e->is_tagged()) {
    overwrites_.key_op(static_cast<uint32_t>(db), &e->tag());
  } else {
    overwrites_.untracked_key_op();
  }
}

// A unit of several keys with a value too long to log links every value it
// writes: its record then needs no room in the store when folded in (links
// and removes), which a store about to grow relies on (it may be full:
// fold_links_into_store). A lone key needs no look: its value is the one.
bool NvmPersistence::links_a_value() const {
  if (touched_.size() < 2) return false;
  for (size_t i = 0; i < touched_.size(); ++i) {
    const auto [db, key] = touched_.at(i);
    const Entry* e = engine_->db(db).find_resident(key);
    if (e != nullptr && e->value().size() > link_threshold_bytes()) return true;
  }
  return false;
}

// A lone key's value past the link threshold: linked when it cannot be
// logged, or when the catch-up a link needs first is cheap next to logging
// the value (written twice, log then store); logged whole otherwise. The
// catch-up folds every unfolded record while all clients wait — ~3 ns per
// byte of small records on the benchmark machine, against well under a
// nanosecond per byte to copy and flush a value — and after a restart it
// also completes the fill (bench/nvm_link_stall.py: a 12 MB linked SET
// behind 17 MB of small records held other clients up ~50 ms, a 6 MB
// logged one ~5 ms).
bool NvmPersistence::links_rather_than_logs(size_t key_bytes, size_t value_bytes) const {
  if (value_bytes <= link_threshold_bytes()) return false;
  if (single_upsert_record_bytes(key_bytes, value_bytes) > log_->max_payload_bytes()) return true;
  const uint64_t unfolded = log_->appended_lsn() - log_->head_lsn();
  return !filling() && unfolded <= value_bytes / kLinkCatchUpBytesPerValueByte;
}

// A value too long to log goes into the store first, and the record names
// it (nvm/log_record.h, link).
bool NvmPersistence::log_link(int db, std::string_view key) {
  if (!make_room(kLinkOverheadBytes + key.size())) return false;
  // Every earlier record folded in first: the item is born in the physical
  // database the store maps `db` to now (PmemStore::write_unlinked), and
  // the records before a link never need room in the store, which a store
  // about to grow relies on (fold_links_into_store: it may be full).
  if (!catch_up()) return false;
  // Looked up after a catch-up, which completes a fill in progress (the
  // fill leaves a key this unit wrote alone: its value is in DRAM).
  Entry* e = engine_->db(db).find_resident(key);
  AMBER_ASSERT(e != nullptr && !e->is_offloaded());
  uint64_t offset = 0;
  Status s = store_->write_unlinked(static_cast<uint32_t>(db), key, e->value(), e->expire_ms,
                                    next_seq_ - 1, &offset);
  if (s.ok()) s = store_region_->health();
  if (!s.ok()) {
    ++stats_.unlogged_writes;
    fail(s);
    return false;
  }
  builder_.link(static_cast<uint32_t>(db), key, offset);
  track_key_op(db, e);
  ++stats_.linked_values;
  return true;
}

// Persists the log and folds all of it into the store.
bool NvmPersistence::catch_up() {
  close_record();
  if (fill_ != nullptr) {
    // The replayer may only move the store once the fill has read it.
    fill_->fill_all();
    reap_fill();
  }
  if (!persist_log()) return false;
  while (healthy() && replayer_->lag_bytes() > 0) {
    size_t applied = 0;
    Status s = replayer_->step(options_.replay_ops_per_step, &applied);
    if (s.ok()) s = store_region_->health();
    if (!s.ok() || applied == 0) {
      ++stats_.unlogged_writes;
      fail(s.ok() ? Status::io_error("NVM replay made no progress") : s);
    }
  }
  return healthy();
}

// Appends the built record; a full log is persisted and replayed until the
// record fits (back-pressure).
void NvmPersistence::append_record() {
  std::string_view payload = builder_.bytes();
  while (!log_->append(payload)) {
    if (fill_ != nullptr) {
      // The replayer may only move the store once the fill has read it.
      fill_->fill_all();
      reap_fill();
    }
    log_->persist();
    ++stats_.persists;
    (void)log_persisted();  // a failed region fails the mode at the reply
    size_t applied = 0;
    Status s = replayer_->step(options_.replay_ops_per_step, &applied);
    ++stats_.backpressure_steps;
    if (!s.ok() || applied == 0) {
      ++stats_.unlogged_writes;
      fail(s.ok() ? Status::io_error("NVM log full and nothing to replay") : s);
      overwrites_.record_dropped();
      return;
    }
  }
  overwrites_.record_appended();
  ++stats_.records_appended;
  stats_.ops_appended += builder_.op_count();
  stats_.bytes_appended += payload.size();
}

void NvmPersistence::before_reply() {
  if (log_ == nullptr) return;
  reap_fill();
  log_pending_unit();
  close_record();
  if (log_->appended_lsn() == log_->tail_lsn()) return;
#ifdef AMBER_PLANTED_BUGS
  // Planted bug: every 7th record's group commit is skipped; replies leave.
  if (options_.bugs != nullptr && options_.bugs->skip_nvm_persist && next_seq_ % 7 == 0) return;
#endif
  (void)persist_log();
}

bool NvmPersistence::persist_log() {
  if (log_->appended_lsn() == log_->tail_lsn()) return true;
  // While the batch's records are still in the cache (persist() flushes
  // them out).
  replayer_->plan(log_->appended_lsn());
  log_->persist();
  ++stats_.persists;
  if (log_persisted()) return true;
  ++stats_.unlogged_writes;
  fail(log_region_->health());
  return false;
}

bool NvmPersistence::log_persisted() {
  if (!log_region_->health().ok()) return false;
  // Durable now: the replay may skip what the records overwrite.
  overwrites_.hand_over(*replayer_);
  return true;
}

Status NvmPersistence::step(size_t replay_ops) {
  if (log_ == nullptr) return Status();
  if (fill_ != nullptr) {
    const Clock& clock = engine_->clock();
    const int64_t deadline_us = clock.now_us() + options_.fill_step_budget_us;
    const uint64_t chunk = std::min(options_.fill_chunk_slots, options_.fill_slots_per_step);
    uint64_t slots = 0;
    do {
      fill_->step(chunk);
      slots += chunk;
    } while (!fill_->done() && slots < options_.fill_slots_per_step &&
             clock.now_us() < deadline_us);
    reap_fill();
    return failed_;
  }
  Status s = replayer_->step(replay_ops != 0 ? replay_ops : options_.replay_ops_per_step);
  if (s.ok()) s = store_region_->health();
  if (s.ok()) s = store_->step(options_.store_slots_per_step);
  if (s.ok()) s = tier_->error();
  if (!s.ok()) fail(s);
  return s;
}

void NvmPersistence::set_max_dram_bytes(uint64_t bytes) {
  options_.max_dram_bytes = bytes;
  if (tier_ != nullptr) tier_->set_max_dram_bytes(bytes, next_seq_);
}

void NvmPersistence::enforce_dram_bound() {
  offloads_pending_ = false;
  if (tier_ == nullptr || !tier_->bounded() || !healthy()) return;
  auto result = tier_->evict(options_.offloads_per_step, options_.eviction_samples);
  if (result == CapacityTier::EvictResult::kNeedsReplay &&
      (fill_ != nullptr || replayer_->lag_bytes() > 0)) {
    // What could go is still only in the log (or the fill holds the
    // replayer back): move on with both, then try again.
    (void)step();
    if (healthy()) result = tier_->evict(options_.offloads_per_step, options_.eviction_samples);
  }
  offloads_pending_ = result == CapacityTier::EvictResult::kBudgetSpent;
  if (!tier_->error().ok()) fail(tier_->error());
}

void NvmPersistence::fail(Status status) {
  if (failed_.ok()) failed_ = std::move(status);
}

}  // namespace amber::nvm
