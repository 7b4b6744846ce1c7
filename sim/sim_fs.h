// SimFs: the simulator's FileSystem — an in-memory file system with a page
// cache, so that a power failure can be played at any I/O step. It follows
// core/io/file_system.h's contract exactly; the crash model is described at
// the top of sim_fs.cc.
//
//   write (flush of a handle) ──> page cache: the inode's volatile bytes and
//                                 its list of unsynced ops
//   sync of any handle        ──> every unsynced op of the inode is durable
//   create/rename/unlink      ──> the directory's volatile entries; durable
//                                 once sync_dir() of that directory
//   power_failure(seed)       ──> durable state + a seeded choice of what
//                                 else reached the disk; becomes the new state
//
// The host "dies" at a chosen mutating op (set_crash_at_op): from that op on
// every call fails without effect, as if the process were gone; the
// simulator then calls power_failure(). Injected faults (set_fault_rate)
// fail a write (EIO/ENOSPC, after a random prefix reached the page cache) or
// an fsync (EIO: the unsynced ops are never made durable by a later sync).
//
// Every mutating op feeds a trace digest: the same seed and inputs give the
// same digest. Single-threaded (the simulator runs executor jobs itself).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/io/file_system.h"
#include "core/io/random.h"

namespace amber::sim {

class SimFs final : public FileSystem {
 public:
  // `seed` drives fault injection.
  explicit SimFs(uint64_t seed);
  ~SimFs() override;

  Status new_sequential_file(const std::string& path,
                             std::unique_ptr<SequentialFile>* file) override;
  Status new_random_access_file(const std::string& path,
                                std::unique_ptr<RandomAccessFile>* file) override;
  Status new_writable_file(const std::string& path, std::unique_ptr<WritableFile>* file) override;
  Status new_appendable_file(const std::string& path, std::unique_ptr<WritableFile>* file) override;
  Status rename_file(const std::string& from, const std::string& to) override;
  Status remove_file(const std::string& path) override;
  Status sync_dir(const std::string& dir) override;
  Status get_children(const std::string& dir, std::vector<std::string>* names) override;
  bool file_exists(const std::string& path) override;
  Status get_file_size(const std::string& path, uint64_t* size_bytes) override;
  Status create_dir_if_missing(const std::string& dir) override;
  Status truncate_file(const std::string& path, uint64_t size_bytes) override;

  // --- the simulator's controls ---

  // The process dies when the mutating op with this number (ops() counts
  // them from 1) is attempted: it and every later call fail without effect.
  // 0: never.
  void set_crash_at_op(uint64_t op) { crash_at_op_ = op; }
  bool crashed() const { return crashed_; }
  uint64_t ops() const { return ops_; }
  // Power failure: keeps the durable state plus what `seed` says reached
  // the disk (see sim_fs.cc), which becomes the new, fully durable state.
  // Open handles must be gone. Clears crashed().
  void power_failure(uint64_t seed);

  // Probability (per million) that a write or an fsync fails. 0: never.
  void set_fault_rate(uint32_t per_million) { fault_per_million_ = per_million; }
  uint64_t faults_injected() const { return faults_; }

  uint64_t digest() const { return digest_; }

  // The identity of the file at `path` (its inode: a rename keeps it, a
  // new file gets a new one); false when there is none.
  bool file_id(const std::string& path, uint64_t* id) const;

  // For tests: the volatile contents of a file (what a read returns).
  bool read_for_test(const std::string& path, std::string* out) const;

  struct Inode;
  struct Op;

 private:
  friend class SimWritableFile;
  struct Dir;

  // Counts a mutating op; false (and the call must fail) once crashed.
  bool begin_op(uint64_t tag, const std::string& path);
  Status dead(const std::string& path) const;
  bool inject_fault();
  Dir* find_dir(const std::string& dir);
  std::shared_ptr<Inode> lookup(const std::string& path) const;
  void log_meta(int kind, const std::string& dir, const std::string& name, const std::string& dir2,
                const std::string& name2, const std::shared_ptr<Inode>& inode);
  void trim_meta();

  // File-level primitives used by handles.
  Status write_at(Inode& inode, uint64_t offset, std::string_view data, const std::string& path);
  Status sync_inode(Inode& inode, const std::string& path);
  void truncate_inode(Inode& inode, uint64_t size_bytes);
  void mix(uint64_t v);
  void mix_bytes(std::string_view bytes);

  struct MetaOp;
  std::map<std::string, std::unique_ptr<Dir>> dirs_;
  std::vector<MetaOp> meta_;  // unsynced metadata ops, in journal order
  uint64_t meta_seq_ = 0;
  SeededRandom fault_rng_;
  uint32_t fault_per_million_ = 0;
  uint64_t faults_ = 0;
  uint64_t ops_ = 0;
  uint64_t crash_at_op_ = 0;
  bool crashed_ = false;
  uint64_t digest_ = 0x9e3779b97f4a7c15ULL;
  uint64_t next_inode_id_ = 1;
};

// Walks an inode's unsynced ops backwards: returns the bytes each op wrote
// and leaves `cur` (the volatile contents) as it was before the first op.
std::vector<std::string> unwind_ops(std::string* cur, const std::vector<SimFs::Op>& ops);

// Splits "a/b/c" into ("a/b", "c"); a name without '/' is in ".".
void split_path(const std::string& path, std::string* dir, std::string* name);

}  // namespace amber::sim
