// Entry lifetime and the volatile-key list. Entries are malloc'ed so that
// malloc_usable_size tells each one's slack (see entry.h).
#include "core/db.h"

#include <malloc.h>

#include <cstdlib>
#include <cstring>

#include "core/assert.h"
#include "core/io/random.h"

namespace amber {
namespace {

// sds's growth rule: double below 1 MiB, then grow by 1 MiB.
constexpr size_t kGreedyLimit = 1024 * 1024;

// Copies the header of `from` into `to`, which keeps its own layout (tagged
// or not); the tag goes along when both have one.
void copy_header(Entry* to, const Entry& from) {
  const uint32_t tagged = to->tagged;
  std::memcpy(to, &from, sizeof(Entry));
  to->tagged = tagged;
  if (to->is_tagged()) to->tag() = from.is_tagged() ? from.tag() : 0;
}

// Writes into `e` (room for header, key and value) the entry `stub` with
// `value` in place of its handle.
Entry* write_with_value(Entry* e, const Entry& stub, std::string_view value) {
  copy_header(e, stub);
  std::memcpy(e->key_data(), stub.key_data(), stub.key_len);
  if (!value.empty()) std::memcpy(e->value_data(), value.data(), value.size());
  e->value_len = static_cast<uint32_t>(value.size());
  e->offloaded = 0;
  return e;
}

}  // namespace

Entry* Db::allocate(std::string_view key, size_t value_capacity) {
  AMBER_ASSERT(key.size() <= UINT32_MAX);
  const size_t prefix = tag_entries_ ? sizeof(uint64_t) : 0;
  void* memory = std::malloc(prefix + sizeof(Entry) + key.size() + value_capacity);
  AMBER_ASSERT(memory != nullptr);
  Entry* e = reinterpret_cast<Entry*>(static_cast<char*>(memory) + prefix);
  entry_bytes_ += malloc_usable_size(memory);
  e->next = nullptr;
  e->expire_ms = kNoExpire;
  e->key_len = static_cast<uint32_t>(key.size());
  e->value_len = 0;
  e->volatile_slot = 0;
  e->tagged = tag_entries_ ? 1 : 0;
  if (tag_entries_) e->tag() = 0;
  e->offloaded = 0;
  e->snapshot_mark = 0;
  e->lru = 0;
  e->type = static_cast<uint32_t>(ValueType::kString);
  e->unshared = 0;
  e->encoding = static_cast<uint32_t>(Encoding::kRaw);
  if (!key.empty()) std::memcpy(e->key_data(), key.data(), key.size());
  return e;
}

void Db::release(Entry* e) {
  ++entry_epoch_;
  entry_bytes_ -= e->allocated_bytes();
  if (e->is_offloaded()) --offloaded_count_;
  std::free(e->allocation());
}

Db::Db(uint64_t hash_seed) : dict_(hash_seed) {}

// Frees what is resident; never fills a lazy keyspace in.
Db::~Db() {
  lazy_ = nullptr;
  clear();
}

Entry* Db::insert(std::string_view key, std::string_view value, Encoding encoding) {
  return insert(key, value, encoding, dict_.hash(key));
}

Entry* Db::insert(std::string_view key, std::string_view value, Encoding encoding,
                  uint64_t key_hash) {
  AMBER_ASSERT(value.size() <= UINT32_MAX);
  Entry* e = allocate(key, value.size());
  if (!value.empty()) std::memcpy(e->value_data(), value.data(), value.size());
  e->value_len = static_cast<uint32_t>(value.size());
  e->encoding = static_cast<uint32_t>(encoding);
  mark_saved(e);  // created after the snapshot started: not part of it
  dict_.insert(e, key_hash);
  return e;
}

Entry* Db::reallocate(Entry* e, size_t value_capacity) {
  Entry** link = dict_.find_link(e->key());
  AMBER_ASSERT(link != nullptr && *link == e);
  entry_bytes_ -= e->allocated_bytes();
  ++entry_epoch_;
  const size_t prefix = e->prefix_bytes();
  void* memory =
      std::realloc(e->allocation(), prefix + sizeof(Entry) + e->key_len + value_capacity);
  AMBER_ASSERT(memory != nullptr);
  Entry* moved = reinterpret_cast<Entry*>(static_cast<char*>(memory) + prefix);
  entry_bytes_ += malloc_usable_size(memory);
  *link = moved;
  if (moved->has_expire()) volatile_[moved->volatile_slot] = moved;
  return moved;
}

void Db::relink(Entry* from, Entry* to) {
  Entry** link = dict_.find_link(from->key());
  AMBER_ASSERT(link != nullptr && *link == from);
  // find_link may have taken a rehash step that moved `from` to another
  // chain: the successor to inherit is the one it has now.
  to->next = from->next;
  *link = to;
  ++entry_epoch_;
  if (to->has_expire()) volatile_[to->volatile_slot] = to;
}

// A fresh small block rather than realloc: shrinking in place would leave
// the stub inside the value's old block, and the hole after it too small
// for the next value brought back.
Entry* Db::offload(Entry* e, uint64_t handle) {
  AMBER_ASSERT(tier_ != nullptr && !e->is_offloaded());
  Entry* stub = allocate(e->key(), sizeof(handle));
  copy_header(stub, *e);
  std::memcpy(stub->value_data(), &handle, sizeof(handle));
  stub->offloaded = 1;
  relink(e, stub);
  ++offloaded_count_;
  release(e);
  return stub;
}

Entry* Db::insert_offloaded(std::string_view key, uint64_t handle, uint32_t value_len,
                            Encoding encoding, uint64_t key_hash) {
  AMBER_ASSERT(tier_ != nullptr);
  Entry* e = allocate(key, sizeof(handle));
  std::memcpy(e->value_data(), &handle, sizeof(handle));
  e->value_len = value_len;
  e->encoding = static_cast<uint32_t>(encoding);
  e->offloaded = 1;
  ++offloaded_count_;
  mark_saved(e);
  dict_.insert(e, key_hash);
  return e;
}

Entry* Db::bring_back(Entry* e) {
  AMBER_ASSERT(tier_ != nullptr);
  std::string_view value = tier_->read(e->offload_handle(), e->value_len);
  Entry* full = write_with_value(allocate(e->key(), value.size()), *e, value);
  relink(e, full);
  release(e);
  return full;
}

const Entry* Db::find_for_read(std::string_view key, uint32_t now_lru) {
  Entry* e = fault_in_if_missing(dict_.find(key), key);
  if (e == nullptr) return nullptr;
  const uint32_t idle_s = lru_idle_s(now_lru, e->lru);
  e->lru = now_lru;
  if (!e->is_offloaded()) [[likely]]
    return e;
  if (tier_->admit_on_read(e->value_len, idle_s)) return bring_back(e);
  EntryScratch& scratch = read_scratch_[next_read_scratch_++ % read_scratch_.size()];
  return &readable(*e, &scratch);
}

const Entry& Db::readable(const Entry& e, EntryScratch* scratch) const {
  if (!e.is_offloaded()) return e;
  AMBER_ASSERT(tier_ != nullptr);
  std::string_view value = tier_->read(e.offload_handle(), e.value_len);
  const size_t bytes = sizeof(Entry) + e.key_len + value.size();
  scratch->resize((bytes + sizeof(uint64_t) - 1) / sizeof(uint64_t));
  // A copy for reading: no tag word before it.
  Entry* copy = reinterpret_cast<Entry*>(scratch->data());
  copy->tagged = 0;
  write_with_value(copy, e, value);
  copy->next = nullptr;
  return *copy;
}

Entry* Db::replace_value(Entry* e, std::string_view value, Encoding encoding) {
  AMBER_ASSERT(value.size() <= UINT32_MAX);
  preserve(e);
  // A value as long as the old one reuses its room as it is. Asking malloc
  // for the capacity reads its size word, on a line of its own when NVM
  // mode's tag word moves the header past it: a miss on every overwrite.
  if (value.size() != e->value_len || e->is_offloaded()) {
    size_t capacity = e->value_capacity();
    // Shrink too when the old allocation would waste most of its room.
    if (value.size() > capacity || (capacity > 64 && value.size() < capacity / 2)) {
      e = reallocate(e, value.size());
    }
  }
  if (!value.empty()) std::memmove(e->value_data(), value.data(), value.size());
  e->value_len = static_cast<uint32_t>(value.size());
  e->encoding = static_cast<uint32_t>(encoding);
  e->unshared = 0;  // a new value: small integers are shared again
  return e;
}

Entry* Db::resize_value(Entry* e, size_t new_len) {
  AMBER_ASSERT(new_len <= UINT32_MAX);
  preserve(e);
  if (new_len > e->value_capacity()) {
    size_t grown = new_len < kGreedyLimit ? new_len * 2 : new_len + kGreedyLimit;
    e = reallocate(e, std::min<size_t>(grown, UINT32_MAX));
  }
  if (new_len > e->value_len)
    std::memset(e->value_data() + e->value_len, 0, new_len - e->value_len);
  e->value_len = static_cast<uint32_t>(new_len);
  return e;
}

Entry* Db::write_value_range(Entry* e, size_t offset, std::string_view bytes) {
  preserve(e);
  size_t end = offset + bytes.size();
  if (end > e->value_len) e = resize_value(e, end);
  if (!bytes.empty()) std::memcpy(e->value_data() + offset, bytes.data(), bytes.size());
  e->encoding = static_cast<uint32_t>(Encoding::kRaw);
  return e;
}

bool Db::erase(std::string_view key) {
  Entry* e = dict_.remove(key);
  if (e == nullptr) return false;
  preserve(e);
  if (e->has_expire()) clear_expire(e);
  release(e);
  return true;
}

void Db::set_expire(Entry* e, int64_t when_ms) {
  AMBER_ASSERT(when_ms != kNoExpire);
  preserve(e);
  if (!e->has_expire()) {
    AMBER_ASSERT(volatile_.size() < (1u << 29));
    e->volatile_slot = static_cast<uint32_t>(volatile_.size());
    volatile_.push_back(e);
  }
  e->expire_ms = when_ms;
}

void Db::clear_expire(Entry* e) {
  if (!e->has_expire()) return;
  preserve(e);
  uint32_t slot = e->volatile_slot;
  AMBER_ASSERT(slot < volatile_.size() && volatile_[slot] == e);
  Entry* last = volatile_.back();
  volatile_[slot] = last;
  last->volatile_slot = slot;
  volatile_.pop_back();
  e->expire_ms = kNoExpire;
}

Entry* Db::random_resident_volatile(Random& random) {
  if (volatile_.empty()) return nullptr;
  return volatile_[random.uniform(volatile_.size())];
}

void Db::clear() {
  complete();
  preserve_all();
  volatile_.clear();
  volatile_.shrink_to_fit();
  dict_.clear([this](Entry* e) { release(e); });
}

void Db::swap_contents(Db& other) {
  // The snapshot saves each db's entries under the index they had at its
  // start; after the swap that index would be wrong, so save them now.
  complete();
  preserve_all();
  other.preserve_all();
  std::swap(dict_, other.dict_);
  volatile_.swap(other.volatile_);
  std::swap(entry_bytes_, other.entry_bytes_);
  std::swap(offloaded_count_, other.offloaded_count_);
  ++entry_epoch_;
  ++other.entry_epoch_;
}

void Db::set_snapshot(SnapshotObserver* observer, bool parity) {
  // Entries inserted after the start count as saved: every key of the
  // snapshot must be resident before it starts.
  if (observer != nullptr) complete();
  observer_ = observer;
  parity_ = parity;
}

void Db::preserve_all() {
  if (observer_ == nullptr) return;
  complete();
  dict_.for_each([this](Entry* e) { preserve(e); });
}

void Db::housekeeping() {
  if (dict_.rehashing()) {
    dict_.rehash_step(100);
  } else if (lazy_ == nullptr) {
    // A lazy keyspace is still filling the table it reserved.
    dict_.maybe_shrink();
  }
}

}  // namespace amber
