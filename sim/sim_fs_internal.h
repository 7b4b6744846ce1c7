// SimFs's inner records, shared by sim_fs.cc (the live file system) and
// sim_fs_crash.cc (power failures). Not part of SimFs's interface.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "sim/sim_fs.h"

namespace amber::sim {

enum MetaKind { kCreate = 1, kRename, kUnlink, kMkdir };

struct SimFs::Op {
  bool truncate = false;
  uint64_t offset = 0;    // write offset, or the new size of a truncate
  uint64_t length = 0;    // bytes written
  uint64_t old_size = 0;  // file size before the op
  std::string undo;       // bytes the op replaced or cut below old_size
  std::string bytes;      // limbo ops only: the bytes written
};

struct SimFs::Inode {
  uint64_t id = 0;
  std::string data;  // what reads return (the page cache)
  bool explicit_durable = false;
  std::string durable;      // when explicit_durable (after a failed fsync)
  std::vector<Op> pending;  // unsynced, in order; undo chain from `data`
  std::vector<Op> limbo;    // covered by a failed fsync: never synced
};

struct SimFs::Dir {
  std::map<std::string, std::shared_ptr<Inode>> entries, durable;
  std::set<std::string> subdirs, durable_subdirs;
  uint64_t synced_seq = 0;
};

struct SimFs::MetaOp {
  int kind;
  std::string dir, name, dir2, name2;
  std::shared_ptr<Inode> inode;
  uint64_t seq;
};

}  // namespace amber::sim
