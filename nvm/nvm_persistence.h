// NvmPersistence: the NVM persistence mode, independent of the server. It
// owns the two regions under the NVM directory (the write-ahead PmemLog in
// `amber.nvmlog`, the PmemStore keyspace in `amber.nvmstore`), listens to the
// engine as its PropagationSink and KeyspaceObserver, and turns write units
// into physical log records (nvm/log_record.h): a unit of one key joins the
// batch's open record, any other unit gets a record of its own:
//
//   engine ─ on_key_modified / on_db_replaced ─> touched keys, structural ops
//          ─ propagate(unit) ──────────────────> record = structural ops in
//                                                order, then each touched
//                                                key's final state -> append
//   host   ─ before_reply() ─> PmemLog::persist() once per loop batch
//          ─ step()         ─> bounded fill of DRAM (after a restart), then
//                              bounded Replayer::step + PmemStore::step
//          ─ recover()      ─> map the store, put the unreplayed log tail in
//                              DRAM, serve; the rest comes in lazily
//
// Each DRAM entry carries a tag (core/entry.h): the last op logged on its
// key. Logging a key again overwrites that op, which the replay then skips
// once the new record is durable (nvm/overwrite_tracker.h).
//
// Restart (recover) costs the log tail, not the keyspace: the store is
// mapped, the records it has not applied yet go into DRAM, and a StoreFill
// (nvm/store_fill.h) serves every other key from the store — a lookup faults
// it in, step() moves the rest in bounded slices. The Replayer is paused
// until the fill is done (the fill reads the store as of its applied
// sequence number); a full log during the fill completes it first.
//
// Durability: a write is durable once before_reply() returned after the unit
// that made it (group commit); the host must not send any reply of the batch
// before that, and must stop acknowledging writes once healthy() is false.
// A full log applies back-pressure (the log is persisted, then replayed into
// the store until the record fits): a record is never dropped. A value
// longer than link_threshold_bytes() may be written into the store and
// linked from the record instead (nvm/log_record.h). The host refuses,
// before it runs, a command or transaction whose record could exceed half
// the log, or whose linked value the store has no room for
// (nvm/record_bound.h); a unit that still outgrows a record (DEBUG
// POPULATE) is split into several records and may be visible in part after
// a crash, and a unit with an op that cannot be logged is dropped whole and
// makes the mode unhealthy. Threads: the engine's one thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/engine.h"
#include "core/keyspace_observer.h"
#include "core/planted_bugs.h"
#include "core/propagation.h"
#include "core/status.h"
#include "nvm/capacity_tier.h"
#include "nvm/log_record.h"
#include "nvm/overwrite_tracker.h"
#include "nvm/pmem_log.h"
#include "nvm/pmem_store.h"
#include "nvm/region.h"
#include "nvm/region_file.h"
#include "nvm/replayer.h"
#include "nvm/store_fill.h"
#include "nvm/touched_keys.h"

namespace amber::nvm {

struct NvmOptions {
  std::string dir;                     // holds the two region files
  uint64_t size_bytes = 256ULL << 20;  // log + store
  NvmBackend backend = NvmBackend::kPmem;
  size_t replay_ops_per_step = 256;      // per step(): Replayer::step's budget
  uint64_t store_slots_per_step = 4096;  // per step()
  // While filling DRAM, a step() moves store slots in chunks until this much
  // time has passed or the cap is reached: the time bounds how long a
  // request waits for the step (the work per slot varies with the keys'
  // density and sizes), the cap keeps a simulated clock's steps finite.
  int64_t fill_step_budget_us = 1000;
  uint64_t fill_chunk_slots = 256;
  uint64_t fill_slots_per_step = 16384;
  // nvm-dram-max-memory: the keyspace's DRAM bound (0: none); see
  // nvm/capacity_tier.h.
  uint64_t max_dram_bytes = 0;
  int eviction_samples = 5;         // maxmemory-samples
  size_t offloads_per_step = 4096;  // per enforce_dram_bound()
  // Opens (or creates) a region file under `dir`: the log, the store, and
  // the copies they grow into. Empty: the chosen backend's files. The
  // simulator injects regions over its simulated media, their files in its
  // simulated file system (`fs`).
  RegionFileOpener open_region;
  // The region files as files (sizes, names in `dir`: synced at every
  // start, grown by copy and rename); null: the POSIX file system.
  FileSystem* fs = nullptr;
  // Test builds: planted durability bugs (core/planted_bugs.h); null: none.
  const PlantedBugs* bugs = nullptr;
};

struct NvmStats {
  uint64_t records_appended = 0;
  uint64_t ops_appended = 0;  // in those records
  uint64_t bytes_appended = 0;
  uint64_t persists = 0;
  uint64_t backpressure_steps = 0;
  uint64_t split_units = 0;
  // Values written into the store and linked instead of logged.
  uint64_t linked_values = 0;
  // Upserts and removes the replay skipped: a later record overwrote them.
  uint64_t replay_superseded_ops = 0;
  // Write units (or persists of a batch) that could not be made durable:
  // the host must not acknowledge the batch that made them.
  uint64_t unlogged_writes = 0;
  uint64_t tail_records = 0;     // log records put in DRAM at the last recovery
  uint64_t fill_keys = 0;        // keys the background fill moved into DRAM
  uint64_t fault_keys = 0;       // keys a lookup moved into DRAM during the fill
  int64_t last_recovery_ms = 0;  // recover(): from start to serving
  int64_t fill_ms = 0;           // from serving to the whole keyspace in DRAM
  uint64_t dram_bytes = 0;       // the keyspace's DRAM (capacity tier)
  uint64_t offloaded_keys = 0;   // keys whose value is only in the store
  CapacityTierStats tier;
  // recover() grew the files to nvm-size: their sizes before (0: not grown)
  // and how long that took (included in last_recovery_ms).
  uint64_t log_grown_from_bytes = 0;
  uint64_t store_grown_from_bytes = 0;
  int64_t grow_ms = 0;
  // A file was larger than nvm-size asks for, and kept its size.
  bool region_larger_than_configured = false;
  // Region files too small to hold a region (a power failure kept their
  // names, not their sizes), removed at the start.
  uint64_t unformattable_files_removed = 0;
};

class NvmPersistence final : public PropagationSink, public KeyspaceObserver {
 public:
  static constexpr std::string_view kLogFileName = "amber.nvmlog";
  static constexpr std::string_view kStoreFileName = "amber.nvmstore";

  explicit NvmPersistence(NvmOptions options);
  // Detaches from the engine. Persists nothing: whatever before_reply() did
  // not make durable is lost, exactly as in a crash.
  ~NvmPersistence() override;

  // Opens (or, when missing, formats) both regions, applies the log
  // records the store has not applied yet to `engine`'s databases (which
  // must be empty), attaches the lazy fill of every other key and installs
  // itself as the engine's sink and observer. Costs O(log tail), not
  // O(keys). REQUIRES: called once; engine outlives this object (or
  // detach() first).
  Status recover(Engine& engine);
  // Moves every key not yet in DRAM in now (Db does this by itself before
  // any whole-keyspace operation).
  Status finish_fill();
  // Runs `reload` — DEBUG RELOAD: save the dataset, empty the keyspace and
  // load the file back — with the keyspace's changes unobserved: the log
  // and store already hold that dataset, and logging the emptying would
  // lose it at the next crash. The fill is completed first, so that nothing
  // of the store lands on top of the reloaded keys.
  Status reload_unlogged(const std::function<Status()>& reload);
  // A key a load put into the engine behind this object's back (the RDB
  // import at the first start in NVM mode).
  struct LoadedKey {
    int db;
    std::string key;
  };
  // Logs `keys` as the engine holds them now (one a load dropped as
  // expired is logged as absent), in records of a few thousand keys, folds
  // the whole log into the store and lets the capacity tier offload what is
  // over nvm-dram-max-memory: called every few MB of a load, so that the
  // import of an RDB larger than the bound never holds it all in DRAM. A
  // crash midway leaves the store holding part of the load: the host keeps
  // a marker until the last call returns. Fails when the store cannot hold
  // the keys.
  Status log_loaded_keys(std::span<const LoadedKey> keys);
  // True from recover() until the whole keyspace is in DRAM.
  bool filling() const { return fill_ != nullptr && !fill_->done(); }
  // Stops listening to the engine (and drops a fill in progress: the keys
  // not yet in DRAM are then not in the engine).
  void detach();

  // Group commit: makes every record appended since the last call durable.
  // Keys changed outside any propagated unit are logged first.
  void before_reply();
  // Capacity tier: offloads cold values while the keyspace's DRAM is over
  // max_dram_bytes (a bounded number per call), replaying first when what
  // could go is not in the store yet. Call between batches: entries move.
  void enforce_dram_bound();
  // The last enforce_dram_bound() stopped at its budget with the keyspace
  // still over the bound: the host should call again without waiting.
  bool offloads_pending() const { return offloads_pending_; }
  // maxmemory-samples: the victims the capacity tier compares per offload.
  void set_eviction_samples(int samples) { options_.eviction_samples = samples; }
  void set_max_dram_bytes(uint64_t bytes);
  // Bounded background work: replays durable records into the store and
  // advances the store's rebuild / reclaim walk.
  // `replay_ops` (0: the configured replay_ops_per_step) bounds the
  // ops folded in by this call (in whole records).
  Status step(size_t replay_ops = 0);

  // The largest record the log takes.
  size_t max_record_bytes() const { return log_ ? log_->max_payload_bytes() : 0; }
  // A value longer than this (a quarter of the largest record) may be
  // written into the store by its unit, and linked from its record
  // (nvm/log_record.h), once every earlier record is folded in: always in
  // a unit of several keys, and for a lone key when its record would not
  // fit or the fold first is cheap (links_rather_than_logs). Never in a
  // unit with a FLUSHDB, FLUSHALL or SWAPDB, which logs every value.
  size_t link_threshold_bytes() const;
  // False when the command about to run in `session` (for EXEC: the queued
  // transaction) could produce a record larger than max_record_bytes(), or
  // link a value the store has no room for (nvm/record_bound.h). The host
  // must refuse it before it runs: a unit that cannot be logged stops the
  // server. A key not filled in yet after a restart is faulted in to learn
  // its size; for a value that might not fit, the fill, the replay and the
  // store's walk after a restart are completed first (its used bytes are
  // exact only then).
  bool unit_fits(const Session& session, const CommandSpec& spec, ArgList argv);

  // Ok until a write failed to become durable (sticky).
  const Status& health() const { return failed_; }
  bool healthy() const { return failed_.ok(); }

  // --- Statistics (INFO # NVM) ---
  bool is_pmem() const;
  uint64_t log_used_bytes() const { return log_ ? log_->used_bytes() : 0; }
  uint64_t log_capacity_bytes() const { return log_ ? log_->capacity_bytes() : 0; }
  uint64_t replay_lag_bytes() const { return replayer_ ? replayer_->lag_bytes() : 0; }
  // Exact once !store_rebuilding(); until then, what the walk after a
  // restart has counted so far.
  uint64_t store_keys() const { return store_ ? store_->key_count() : 0; }
  bool store_rebuilding() const { return store_ && store_->rebuilding(); }
  uint64_t store_used_bytes() const;
  uint64_t store_capacity_bytes() const {
    return store_ ? store_->allocator().capacity_bytes() : 0;
  }
  // The region files' sizes: nvm-size applies to new files and to files
  // smaller than it asks for (they grow); larger ones keep their size.
  uint64_t log_region_bytes() const { return log_region_ ? log_region_->size_bytes() : 0; }
  uint64_t store_region_bytes() const { return store_region_ ? store_region_->size_bytes() : 0; }
  uint64_t next_seq() const { return next_seq_; }
  NvmStats stats() const;
  // The two counters the host reads on every loop iteration, without
  // copying the whole NvmStats.
  uint64_t ops_appended() const { return stats_.ops_appended; }
  uint64_t unlogged_writes() const { return stats_.unlogged_writes; }
  const NvmOptions& options() const { return options_; }

  // PropagationSink: where a unit ends, not its ops (the touched keys are
  // logged).
  void propagate(const std::vector<PropagatedOp>& /*unit*/) override {}
  bool wants_ops() const override { return false; }
  void unit_ended() override;
  // KeyspaceObserver.
  void on_key_modified(int db, std::string_view key, Entry* written) override;
  void on_db_replaced(int db, int with) override;

 private:
  struct StructuralOp {
    int db = 0;
    int with = -1;  // -1: flush_db
  };

  Status open_regions(const Clock& clock);
  Status sync_region_files(FileSystem& fs);
  Status fold_log_before_store_growth(FileSystem& fs, const RegionFileOpener& open,
                                      size_t store_bytes);
  Status open_pair(int64_t now_ms);
  Status apply_log_tail(Engine& engine);
  // Recovery's batch of tail records (apply_log_tail's, reused).
  struct TailRecord {
    uint64_t seq;
    size_t end_op;  // its ops end here in TailBatch::ops
  };
  struct TailBatch {
    std::vector<LogOp> ops;
    std::vector<TailRecord> records;
    std::vector<LogOp> decoded;  // one record's
  };
  static constexpr size_t kTailBatchOps = 48;
  // Decodes a tail record into `batch`, whose records are applied together
  // (apply_tail_batch) once it holds kTailBatchOps ops or more.
  Status add_tail_record(Engine& engine, std::string_view payload, uint64_t applied,
                         TailBatch& batch, uint64_t* last_seq);
  // Prefetches the DRAM buckets, then entries, of the batch's keys and
  // applies its records in order: each op of a tail record otherwise waits
  // for two cache misses in a keyspace much larger than the cache.
  Status apply_tail_batch(Engine& engine, uint64_t applied, TailBatch& batch, uint64_t* last_seq);
  // Tags `key`'s entry (if it has one) with the op being logged on it.
  void track_key_op(int db, Entry* e);
  Status resolve_link(bool pending, LogOp* op);
  // `key_hash`: the key's hash in its Db, when the caller has it.
  Status apply_to_dram(Engine& engine, const LogOp& op, bool store_pending,
                       const uint64_t* key_hash = nullptr);
  // Drops the fill once it is done (it may finish inside a command).
  void reap_fill();
  void log_pending_unit();
  bool add_lone_key();
  Entry* written_entry(int db, std::string_view key);
  // The bytes of (db, key)'s op: its removal when `e` is null, else its
  // value.
  static size_t key_op_bytes(std::string_view key, const Entry* e);
  // Adds that op to the record being built (room made for it), tracks what
  // it overwrites and notes it for the capacity tier.
  void put_key_state(int db, std::string_view key, Entry* e);
  // Appends the open record (add_lone_key), if any.
  void close_record();
  void begin_record();
  // Ends the record when `op_bytes` more would overflow it.
  bool make_room(size_t op_bytes);
  void append_record();
  bool links_a_value() const;
  bool links_rather_than_logs(size_t key_bytes, size_t value_bytes) const;
  // A link's catch-up costs about this many value bytes logged whole per
  // byte of unfolded log it folds (links_rather_than_logs).
  static constexpr uint64_t kLinkCatchUpBytesPerValueByte = 8;
  bool log_link(int db, std::string_view key);
  bool store_has_room_for(uint64_t body_bytes);
  bool catch_up();
  // Makes the records appended so far durable; false (and unhealthy) when
  // the region failed.
  bool persist_log();
  // After a persist: unless the region failed (false), the ops the now
  // durable records overwrite are marked superseded.
  bool log_persisted();
  void fail(Status status);

  NvmOptions options_;
  Engine* engine_ = nullptr;
  std::unique_ptr<Region> log_region_;
  std::unique_ptr<Region> store_region_;
  std::unique_ptr<PmemLog> log_;
  std::unique_ptr<PmemStore> store_;
  std::unique_ptr<Replayer> replayer_;
  std::unique_ptr<StoreFill> fill_;
  std::unique_ptr<CapacityTier> tier_;
  bool offloads_pending_ = false;
  int64_t fill_start_us_ = 0;
  LogRecordBuilder builder_;
  // Units of one key share a record until it holds this many bytes or
  // the batch ends (before_reply): a record's own costs (its frame and
  // checksum, the replay's work per record) are then paid once per batch,
  // not once per write, and a replay step of a few records stays short.
  static constexpr size_t kSharedRecordBytes = 4096;
  bool record_open_ = false;  // builder_ holds such units, not appended yet
  uint64_t next_seq_ = 1;
  // Which logged op each new one overwrites, through the tags of the DRAM
  // entries (the replay skips those ops).
  OverwriteTracker overwrites_;
  std::vector<StructuralOp> structural_;
  TouchedKeys touched_;
  // The entry the last on_key_modified() was given, and its Db's epoch then.
  struct WrittenEntry {
    int db = 0;
    Entry* entry = nullptr;
    uint64_t epoch = 0;
  };
  WrittenEntry written_;
  // The second half of a SWAPDB's pair of calls, to skip.
  std::pair<int, int> swap_echo_{-1, -1};
  Status failed_;
  NvmStats stats_;
};

}  // namespace amber::nvm
