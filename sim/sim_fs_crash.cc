// SimFs::power_failure: builds the state a power failure leaves, following
// the fault model at the top of sim_fs.cc. Everything is chosen from the
// seed it is given, so the same seed gives the same disk after the crash.
// Cost is linear in the unsynced bytes and the files' sizes, paid only here.
#include <set>

#include "core/assert.h"
#include "sim/sim_fs.h"
#include "sim/sim_fs_internal.h"

namespace amber::sim {

namespace {

// Writes tear at sector boundaries of the file (a sector is written whole).
constexpr uint64_t kSectorBytes = 512;

// How a crash treats one inode's unsynced pieces.
enum class KeepPolicy { kNone, kAll, kEach, kUpToCut };

struct Piece {
  uint64_t begin, end;  // file offsets
  size_t op;            // index into the op list
  size_t at;            // offset into the op's bytes
};

}  // namespace

struct CrashOp {
  const SimFs::Op* op;
  const std::string* bytes;
};

static std::string crash_image(SimFs::Inode& inode, SeededRandom& rng);

void SimFs::power_failure(uint64_t seed) {
  SeededRandom rng(seed);
  crashed_ = false;
  crash_at_op_ = 0;
  std::map<std::string, std::map<std::string, std::shared_ptr<Inode>>> entries;
  std::map<std::string, std::set<std::string>> subdirs;
  for (const auto& [path, dir] : dirs_) {
    entries[path] = dir->durable;
    subdirs[path] = dir->durable_subdirs;
  }
  // A prefix of the journal of unsynced metadata ops reached the disk.
  size_t prefix = 0;
  switch (rng.uniform(3)) {
    case 0:
      prefix = 0;
      break;
    case 1:
      prefix = meta_.size();
      break;
    default:
      prefix = static_cast<size_t>(rng.uniform(meta_.size() + 1));
  }
  auto uncovered = [&](const std::string& dir, uint64_t seq) {
    auto it = dirs_.find(dir);
    return it != dirs_.end() && it->second->synced_seq < seq;
  };
  for (size_t i = 0; i < prefix; ++i) {
    const MetaOp& op = meta_[i];
    if (op.kind == kCreate && uncovered(op.dir, op.seq)) entries[op.dir][op.name] = op.inode;
    if (op.kind == kUnlink && uncovered(op.dir, op.seq)) entries[op.dir].erase(op.name);
    if (op.kind == kMkdir && uncovered(op.dir, op.seq)) subdirs[op.dir].insert(op.name);
    if (op.kind == kRename) {
      if (uncovered(op.dir, op.seq)) entries[op.dir].erase(op.name);
      if (uncovered(op.dir2, op.seq)) entries[op.dir2][op.name2] = op.inode;
    }
  }
  meta_.clear();
  // Directories survive when their parent does and lists them durably.
  std::set<std::string> alive{"."};
  for (const auto& [path, dir] : dirs_) {  // map order: parents before children
    if (path == ".") continue;
    std::string parent, name;
    split_path(path, &parent, &name);
    if (alive.count(parent) != 0 && subdirs[parent].count(name) != 0) alive.insert(path);
  }
  std::map<uint64_t, std::shared_ptr<Inode>> rebuilt;
  std::map<std::string, std::unique_ptr<Dir>> fresh;
  for (const std::string& path : alive) {
    auto dir = std::make_unique<Dir>();
    for (const auto& [name, inode] : entries[path]) {
      auto& slot = rebuilt[inode->id];
      if (slot == nullptr) {
        slot = std::make_shared<Inode>();
        slot->id = inode->id;
        slot->data = crash_image(*inode, rng);
      }
      dir->entries[name] = slot;
    }
    for (const std::string& sub : subdirs[path]) {
      if (alive.count(path == "." ? sub : path + "/" + sub) != 0) dir->subdirs.insert(sub);
    }
    dir->durable = dir->entries;
    dir->durable_subdirs = dir->subdirs;
    fresh[path] = std::move(dir);
  }
  dirs_ = std::move(fresh);
  meta_seq_ = 0;
  mix(seed);
}

static std::vector<Piece> split_pieces(const std::vector<CrashOp>& ops) {
  std::vector<Piece> pieces;
  for (size_t i = 0; i < ops.size(); ++i) {
    const SimFs::Op& op = *ops[i].op;
    if (op.truncate) continue;
    uint64_t pos = op.offset;
    const uint64_t end = op.offset + op.length;
    while (pos < end) {
      uint64_t next = std::min<uint64_t>(end, (pos / kSectorBytes + 1) * kSectorBytes);
      pieces.push_back(Piece{pos, next, i, static_cast<size_t>(pos - op.offset)});
      pos = next;
    }
  }
  return pieces;
}

// True if every unsynced op appended at the end: then the durable image is
// a prefix of the volatile bytes and nothing needs unwinding.
static bool appends_only(const SimFs::Inode& inode) {
  if (inode.explicit_durable) return false;
  for (const SimFs::Op& op : inode.pending) {
    if (op.truncate || !op.undo.empty() || op.offset != op.old_size) return false;
  }
  return true;
}

// Consumes the inode (it is discarded after the power failure).
static std::string crash_image(SimFs::Inode& inode, SeededRandom& rng) {
  if (inode.pending.empty() && inode.limbo.empty()) {
    return inode.explicit_durable ? std::move(inode.durable) : std::move(inode.data);
  }
  std::vector<std::string> pending_bytes;
  std::string image;
  if (appends_only(inode)) {
    for (const SimFs::Op& op : inode.pending)
      pending_bytes.push_back(inode.data.substr(op.offset, op.length));
    image = std::move(inode.data);
    image.resize(inode.pending.front().old_size);
  } else {
    std::string cur = inode.data;
    pending_bytes = unwind_ops(&cur, inode.pending);
    image = inode.explicit_durable ? inode.durable : std::move(cur);
  }
  std::vector<CrashOp> ops;
  for (const SimFs::Op& op : inode.limbo) ops.push_back(CrashOp{&op, &op.bytes});
  for (size_t i = 0; i < inode.pending.size(); ++i) {
    ops.push_back(CrashOp{&inode.pending[i], &pending_bytes[i]});
  }
  std::vector<Piece> pieces = split_pieces(ops);
  const auto policy = static_cast<KeepPolicy>(rng.uniform(4));
  const uint64_t cut = rng.uniform(pieces.size() + 1);
  std::vector<bool> keep(pieces.size());
  size_t last_kept_op = 0;
  bool any_kept = false;
  for (size_t p = 0; p < pieces.size(); ++p) {
    switch (policy) {
      case KeepPolicy::kNone:
        keep[p] = false;
        break;
      case KeepPolicy::kAll:
        keep[p] = true;
        break;
      case KeepPolicy::kEach:
        keep[p] = rng.uniform(2) == 0;
        break;
      case KeepPolicy::kUpToCut:
        keep[p] = p < cut;
        break;
    }
    if (keep[p]) {
      any_kept = true;
      last_kept_op = pieces[p].op;
    }
  }
  std::vector<uint8_t> valid(image.size(), 1);
  size_t p = 0;
  for (size_t i = 0; i < ops.size(); ++i) {
    const SimFs::Op& op = *ops[i].op;
    if (op.truncate) {
      // Metadata is journalled in order: a kept later write implies this.
      bool kept = (any_kept && last_kept_op > i) || rng.uniform(2) == 0;
      if (kept) {
        image.resize(op.offset, '\0');
        valid.resize(op.offset, 1);
      }
      continue;
    }
    for (; p < pieces.size() && pieces[p].op == i; ++p) {
      if (!keep[p]) continue;
      const Piece& piece = pieces[p];
      if (image.size() < piece.end) {
        image.resize(piece.end, '\0');
        valid.resize(piece.end, 0);
      }
      image.replace(piece.begin, piece.end - piece.begin,
                    ops[i].bytes->substr(piece.at, piece.end - piece.begin));
      std::fill(valid.begin() + static_cast<long>(piece.begin),
                valid.begin() + static_cast<long>(piece.end), 1);
    }
  }
  // The on-disk size never covers a hole (data=ordered).
  for (size_t i = 0; i < valid.size(); ++i) {
    if (valid[i] == 0) {
      image.resize(i);
      break;
    }
  }
  return image;
}

}  // namespace amber::sim
