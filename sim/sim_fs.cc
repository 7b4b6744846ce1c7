// SimFs (see sim_fs.h): an in-memory file system whose power failures are
// chosen by a seed. Fault model — what a power failure keeps:
//
//  * File contents. Per inode: the durable bytes (as of the last successful
//    fsync) plus any subset of the unsynced writes, each torn at 512-byte
//    sector boundaries of the file, chosen per crash (none, all, each piece
//    at random, or the pieces up to a random point). Truncations are kept
//    when a later write is (metadata is journalled in order), else at
//    random. The file's size never covers bytes that were not written
//    (ext4 data=ordered: the on-disk size grows only behind written data),
//    so an image is cut at its first hole — a torn append leaves a prefix.
//  * Directory entries. Creates, renames, unlinks and mkdirs are durable
//    once their directory was synced; a crash keeps a random prefix (in
//    journal order) of the ones that were not.
//  * Failed fsync (EIO). The unsynced writes it covered are never made
//    durable by a later successful fsync (Linux marks the pages clean); a
//    crash may still keep any part of them. A truncation it covered becomes
//    durable with the next successful fsync (fdatasync persists the size).
//    A failed write (EIO/ENOSPC) may leave a prefix of its bytes in the page
//    cache.
//
// Speed: an append is a string append plus a small op record; an fsync
// without earlier failures is O(1) (the durable image is the volatile one
// with the unsynced ops undone, computed only at a crash).
#include "sim/sim_fs.h"

#include <xxhash.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>

#include "core/assert.h"
#include "sim/sim_fs_internal.h"

namespace amber::sim {

namespace {
constexpr size_t kHandleBufferBytes = 64 * 1024;
enum OpTag : uint64_t {
  kTagWrite = 1,
  kTagSync,
  kTagTrunc,
  kTagCreate,
  kTagRename,
  kTagUnlink,
  kTagSyncDir,
  kTagMkdir,
  kTagFault
};
}  // namespace

void split_path(const std::string& path, std::string* dir, std::string* name) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) {
    *dir = ".";
    *name = path;
  } else {
    *dir = slash == 0 ? "/" : path.substr(0, slash);
    *name = path.substr(slash + 1);
  }
}

namespace {

std::string normalize_dir(const std::string& dir) {
  std::string d = dir.empty() ? "." : dir;
  while (d.size() > 1 && d.back() == '/') d.pop_back();
  return d;
}

}  // namespace

std::vector<std::string> unwind_ops(std::string* cur, const std::vector<SimFs::Op>& pending) {
  std::vector<std::string> bytes(pending.size());
  for (size_t i = pending.size(); i-- > 0;) {
    const SimFs::Op& op = pending[i];
    if (!op.truncate) {
      bytes[i] = cur->substr(op.offset, op.length);
      cur->replace(op.offset, op.undo.size(), op.undo);
      cur->resize(op.old_size);
    } else {
      cur->resize(op.old_size);
      if (!op.undo.empty()) cur->replace(op.offset, op.undo.size(), op.undo);
    }
  }
  return bytes;
}

namespace {

class SimSequentialFile final : public SequentialFile {
 public:
  explicit SimSequentialFile(std::shared_ptr<SimFs::Inode> inode) : inode_(std::move(inode)) {}
  Status read(size_t n, char* scratch, size_t* bytes_read) override;
  Status skip(uint64_t n) override {
    pos_ = std::min<uint64_t>(pos_ + n, inode_->data.size());
    return {};
  }

 private:
  std::shared_ptr<SimFs::Inode> inode_;
  uint64_t pos_ = 0;
};

Status SimSequentialFile::read(size_t n, char* scratch, size_t* bytes_read) {
  const std::string& d = inode_->data;
  size_t avail = pos_ >= d.size() ? 0 : d.size() - pos_;
  *bytes_read = std::min(n, avail);
  if (*bytes_read > 0) std::memcpy(scratch, d.data() + pos_, *bytes_read);
  pos_ += *bytes_read;
  return {};
}

class SimRandomAccessFile final : public RandomAccessFile {
 public:
  explicit SimRandomAccessFile(std::shared_ptr<SimFs::Inode> inode) : inode_(std::move(inode)) {}
  Status read_at(uint64_t offset, size_t n, char* scratch, size_t* bytes_read) const override {
    const std::string& d = inode_->data;
    size_t avail = offset >= d.size() ? 0 : d.size() - offset;
    *bytes_read = std::min(n, avail);
    if (*bytes_read > 0) std::memcpy(scratch, d.data() + offset, *bytes_read);
    return {};
  }

 private:
  std::shared_ptr<SimFs::Inode> inode_;
};

}  // namespace

// A handle: buffers appends (as the POSIX one does, up to 64 KiB) and
// hands them to the page cache on flush.
class SimWritableFile final : public WritableFile {
 public:
  SimWritableFile(SimFs* fs, std::shared_ptr<SimFs::Inode> inode, std::string path, uint64_t pos)
      : fs_(fs), inode_(std::move(inode)), path_(std::move(path)), pos_(pos) {}
  ~SimWritableFile() override {
    if (!closed_) (void)flush();
  }
  Status append(std::string_view data) override {
    if (!error_.ok()) return error_;
    if (closed_) return Status::io_error(path_ + ": append after close", EBADF);
    buffer_.append(data);
    if (buffer_.size() >= kHandleBufferBytes) return flush();
    return {};
  }
  Status flush() override {
    if (!error_.ok()) return error_;
    if (closed_) return Status::io_error(path_ + ": flush after close", EBADF);
    if (buffer_.empty()) return {};
    Status s = fs_->write_at(*inode_, pos_, buffer_, path_);
    pos_ += buffer_.size();
    buffer_.clear();
    if (!s.ok()) error_ = s;
    return s;
  }
  Status sync() override {
    AMBER_RETURN_IF_ERROR(flush());
    Status s = fs_->sync_inode(*inode_, path_);
    if (!s.ok()) error_ = s;
    return s;
  }
  Status close() override {
    Status s = flush();
    closed_ = true;
    return s;
  }
  uint64_t size() const override { return pos_ + buffer_.size(); }

 private:
  SimFs* fs_;
  std::shared_ptr<SimFs::Inode> inode_;
  std::string path_;
  uint64_t pos_;
  std::string buffer_;
  Status error_;
  bool closed_ = false;
};

SimFs::SimFs(uint64_t seed) : fault_rng_(seed ^ 0x5f5f5f5fULL) {
  dirs_["."] = std::make_unique<Dir>();
}

SimFs::~SimFs() = default;

void SimFs::mix(uint64_t v) { digest_ = XXH64(&v, sizeof(v), digest_); }
void SimFs::mix_bytes(std::string_view bytes) { mix(XXH64(bytes.data(), bytes.size(), 0)); }

bool SimFs::begin_op(uint64_t tag, const std::string& path) {
  if (crashed_) return false;
  ++ops_;
  if (ops_ == crash_at_op_) {
    crashed_ = true;
    return false;
  }
  mix(tag);
  mix_bytes(path);
  return true;
}

Status SimFs::dead(const std::string& path) const {
  return Status::io_error(path + ": the process is gone (simulated crash)", EIO);
}

bool SimFs::inject_fault() {
  if (fault_per_million_ == 0) return false;
  if (fault_rng_.uniform(1'000'000) >= fault_per_million_) return false;
  ++faults_;
  mix(kTagFault);
  return true;
}

SimFs::Dir* SimFs::find_dir(const std::string& dir) {
  auto it = dirs_.find(normalize_dir(dir));
  return it == dirs_.end() ? nullptr : it->second.get();
}

std::shared_ptr<SimFs::Inode> SimFs::lookup(const std::string& path) const {
  std::string dir, name;
  split_path(path, &dir, &name);
  auto it = dirs_.find(normalize_dir(dir));
  if (it == dirs_.end()) return nullptr;
  auto f = it->second->entries.find(name);
  return f == it->second->entries.end() ? nullptr : f->second;
}

void SimFs::log_meta(int kind, const std::string& dir, const std::string& name,
                     const std::string& dir2, const std::string& name2,
                     const std::shared_ptr<Inode>& inode) {
  meta_.push_back(
      MetaOp{kind, normalize_dir(dir), name, normalize_dir(dir2), name2, inode, ++meta_seq_});
}

// Drops ops every directory they touch has synced since.
void SimFs::trim_meta() {
  size_t keep_from = 0;
  for (; keep_from < meta_.size(); ++keep_from) {
    const MetaOp& op = meta_[keep_from];
    Dir* a = find_dir(op.dir);
    Dir* b = find_dir(op.dir2);
    bool covered =
        (a == nullptr || a->synced_seq >= op.seq) && (b == nullptr || b->synced_seq >= op.seq);
    if (!covered) break;
  }
  if (keep_from > 0) meta_.erase(meta_.begin(), meta_.begin() + static_cast<long>(keep_from));
}

Status SimFs::new_sequential_file(const std::string& path, std::unique_ptr<SequentialFile>* file) {
  auto inode = lookup(path);
  if (inode == nullptr) return Status::not_found(path + ": No such file or directory", ENOENT);
  *file = std::make_unique<SimSequentialFile>(inode);
  return {};
}

Status SimFs::new_random_access_file(const std::string& path,
                                     std::unique_ptr<RandomAccessFile>* file) {
  auto inode = lookup(path);
  if (inode == nullptr) return Status::not_found(path + ": No such file or directory", ENOENT);
  *file = std::make_unique<SimRandomAccessFile>(inode);
  return {};
}

Status SimFs::new_writable_file(const std::string& path, std::unique_ptr<WritableFile>* file) {
  std::string dir, name;
  split_path(path, &dir, &name);
  Dir* d = find_dir(dir);
  if (d == nullptr) return Status::not_found(path + ": No such file or directory", ENOENT);
  if (!begin_op(kTagCreate, path)) return dead(path);
  auto it = d->entries.find(name);
  std::shared_ptr<Inode> inode;
  if (it != d->entries.end()) {
    inode = it->second;
    if (!inode->data.empty()) truncate_inode(*inode, 0);
  } else {
    inode = std::make_shared<Inode>();
    inode->id = next_inode_id_++;
    d->entries[name] = inode;
    log_meta(kCreate, dir, name, dir, name, inode);
  }
  *file = std::make_unique<SimWritableFile>(this, inode, path, 0);
  return {};
}

Status SimFs::new_appendable_file(const std::string& path, std::unique_ptr<WritableFile>* file) {
  auto inode = lookup(path);
  if (inode == nullptr) return new_writable_file(path, file);
  *file = std::make_unique<SimWritableFile>(this, inode, path, inode->data.size());
  return {};
}

Status SimFs::rename_file(const std::string& from, const std::string& to) {
  std::string fdir, fname, tdir, tname;
  split_path(from, &fdir, &fname);
  split_path(to, &tdir, &tname);
  Dir* fd = find_dir(fdir);
  Dir* td = find_dir(tdir);
  if (fd == nullptr || td == nullptr || fd->entries.count(fname) == 0) {
    return Status::not_found("rename " + from + " to " + to + ": No such file or directory",
                             ENOENT);
  }
  if (!begin_op(kTagRename, from + ">" + to)) return dead(from);
  auto inode = fd->entries[fname];
  fd->entries.erase(fname);
  td->entries[tname] = inode;
  log_meta(kRename, fdir, fname, tdir, tname, inode);
  return {};
}

Status SimFs::remove_file(const std::string& path) {
  std::string dir, name;
  split_path(path, &dir, &name);
  Dir* d = find_dir(dir);
  if (d == nullptr || d->entries.count(name) == 0) {
    return Status::not_found(path + ": No such file or directory", ENOENT);
  }
  if (!begin_op(kTagUnlink, path)) return dead(path);
  d->entries.erase(name);
  log_meta(kUnlink, dir, name, dir, name, nullptr);
  return {};
}

Status SimFs::sync_dir(const std::string& dir) {
  Dir* d = find_dir(dir);
  if (d == nullptr) return Status::not_found(dir + ": No such file or directory", ENOENT);
  if (!begin_op(kTagSyncDir, dir)) return dead(dir);
  d->durable = d->entries;
  d->durable_subdirs = d->subdirs;
  d->synced_seq = meta_seq_;
  trim_meta();
  return {};
}

Status SimFs::get_children(const std::string& dir, std::vector<std::string>* names) {
  Dir* d = find_dir(dir);
  if (d == nullptr) return Status::not_found(dir + ": No such file or directory", ENOENT);
  names->clear();
  for (const auto& [name, inode] : d->entries) names->push_back(name);
  for (const auto& name : d->subdirs) names->push_back(name);
  return {};
}

bool SimFs::file_exists(const std::string& path) {
  return lookup(path) != nullptr || find_dir(path) != nullptr;
}

Status SimFs::get_file_size(const std::string& path, uint64_t* size_bytes) {
  auto inode = lookup(path);
  if (inode == nullptr) return Status::not_found(path + ": No such file or directory", ENOENT);
  *size_bytes = inode->data.size();
  return {};
}

Status SimFs::create_dir_if_missing(const std::string& dir) {
  const std::string d = normalize_dir(dir);
  if (dirs_.count(d) != 0) return {};
  std::string parent, name;
  split_path(d, &parent, &name);
  Dir* p = find_dir(parent);
  if (p == nullptr) return Status::not_found(dir + ": No such file or directory", ENOENT);
  if (!begin_op(kTagMkdir, d)) return dead(dir);
  dirs_[d] = std::make_unique<Dir>();
  p->subdirs.insert(name);
  log_meta(kMkdir, parent, name, parent, name, nullptr);
  return {};
}

Status SimFs::truncate_file(const std::string& path, uint64_t size_bytes) {
  auto inode = lookup(path);
  if (inode == nullptr) return Status::not_found(path + ": No such file or directory", ENOENT);
  if (!begin_op(kTagTrunc, path)) return dead(path);
  mix(size_bytes);
  truncate_inode(*inode, size_bytes);
  return {};
}

void SimFs::truncate_inode(Inode& inode, uint64_t size_bytes) {
  Op op;
  op.truncate = true;
  op.offset = size_bytes;
  op.old_size = inode.data.size();
  if (size_bytes < op.old_size) op.undo = inode.data.substr(size_bytes);
  inode.data.resize(size_bytes);
  inode.pending.push_back(std::move(op));
}

Status SimFs::write_at(Inode& inode, uint64_t offset, std::string_view data,
                       const std::string& path) {
  if (!begin_op(kTagWrite, path)) return dead(path);
  mix(offset);
  mix_bytes(data);
  std::string gap;
  if (offset > inode.data.size()) {  // another handle truncated: fill with zeros
    gap.assign(offset - inode.data.size(), '\0');
    offset = inode.data.size();
  }
  Status failure;
  size_t n = data.size();
  if (inject_fault()) {
    const bool nospace = fault_rng_.uniform(2) == 0;
    n = static_cast<size_t>(fault_rng_.uniform(data.size() + 1));
    failure = nospace ? Status::io_error(path + ": No space left on device", ENOSPC)
                      : Status::io_error(path + ": Input/output error", EIO);
  }
  Op op;
  op.offset = offset;
  op.length = gap.size() + n;
  op.old_size = inode.data.size();
  if (offset < op.old_size) {
    op.undo = inode.data.substr(offset, std::min<uint64_t>(op.length, op.old_size - offset));
  }
  if (op.length > 0) {
    if (!gap.empty()) inode.data.replace(offset, gap.size(), gap);
    inode.data.replace(offset + gap.size(), std::min<uint64_t>(n, inode.data.size()),
                       data.substr(0, n));
    inode.pending.push_back(std::move(op));
  }
  return failure;
}

// A successful fsync also persists the file's size (fdatasync does): a
// truncation an earlier failed fsync left in limbo is durable from now on,
// before the ops this fsync covers. Only limbo data stays in limbo.
static void persist_limbo_truncates(SimFs::Inode& inode) {
  std::vector<SimFs::Op> kept;
  for (SimFs::Op& op : inode.limbo) {
    if (!op.truncate) {
      kept.push_back(std::move(op));
      continue;
    }
    inode.durable.resize(op.offset);
    for (SimFs::Op& l : kept) {
      if (l.offset + l.length > op.offset)
        l.length = l.offset >= op.offset ? 0 : op.offset - l.offset;
      l.bytes.resize(l.length);
    }
  }
  inode.limbo = std::move(kept);
}

Status SimFs::sync_inode(Inode& inode, const std::string& path) {
  if (!begin_op(kTagSync, path)) return dead(path);
  const bool fail = inject_fault();
  if (!fail && !inode.explicit_durable) {
    inode.pending.clear();
    return {};
  }
  // Slow path: materialise the durable image.
  std::string cur = inode.data;
  std::vector<std::string> bytes = unwind_ops(&cur, inode.pending);
  if (!inode.explicit_durable) {
    inode.durable = std::move(cur);
    inode.explicit_durable = true;
  }
  if (!fail) persist_limbo_truncates(inode);
  for (size_t i = 0; i < inode.pending.size(); ++i) {
    Op& op = inode.pending[i];
    if (fail) {
      op.bytes = std::move(bytes[i]);
      inode.limbo.push_back(std::move(op));
    } else if (op.truncate) {
      inode.durable.resize(op.offset);
      // Pages past the new end are gone, even those a failed fsync left.
      for (Op& l : inode.limbo) {
        if (l.offset >= op.offset) {
          l.length = 0;
        } else if (l.offset + l.length > op.offset) {
          l.length = op.offset - l.offset;
        }
        l.bytes.resize(l.length);
      }
    } else {
      if (inode.durable.size() < op.offset + op.length) inode.durable.resize(op.offset + op.length);
      inode.durable.replace(op.offset, op.length, bytes[i]);
    }
  }
  inode.pending.clear();
  if (fail) return Status::io_error(path + ": fsync: Input/output error", EIO);
  return {};
}

bool SimFs::file_id(const std::string& path, uint64_t* id) const {
  auto inode = lookup(path);
  if (inode == nullptr) return false;
  *id = inode->id;
  return true;
}

bool SimFs::read_for_test(const std::string& path, std::string* out) const {
  auto inode = lookup(path);
  if (inode == nullptr) return false;
  *out = inode->data;
  return true;
}

}  // namespace amber::sim
