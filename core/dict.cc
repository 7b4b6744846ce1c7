// Incremental-rehash chained hash table; see dict.h for why it is shaped so.
// Hashing is XXH3 with a per-process seed taken from the injected Random, so
// a hostile client cannot aim keys at one bucket, and a simulated run still
// lays out its table the same way every time.
#include "core/dict.h"

#include <xxhash.h>

#include <bit>

#include "core/assert.h"
#include "core/io/random.h"

namespace amber {
namespace {

constexpr size_t kInitialBuckets = 4;

uint64_t reverse_bits(uint64_t v) {
  v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
  v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
  v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FULL) | ((v & 0x0F0F0F0F0F0F0F0FULL) << 4);
  return __builtin_bswap64(v);
}

bool key_equals(const Entry* e, std::string_view key) {
  return e->key_len == key.size() && std::memcmp(e->key_data(), key.data(), key.size()) == 0;
}

}  // namespace

Dict::Dict(uint64_t hash_seed) : seed_(hash_seed) {}

Dict::Dict(Dict&& other) noexcept
    : rehash_index_(other.rehash_index_), size_(other.size_), seed_(other.seed_) {
  table_[0].swap(other.table_[0]);
  table_[1].swap(other.table_[1]);
  other.rehash_index_ = -1;
  other.size_ = 0;
}

Dict& Dict::operator=(Dict&& other) noexcept {
  table_[0].swap(other.table_[0]);
  table_[1].swap(other.table_[1]);
  std::swap(rehash_index_, other.rehash_index_);
  std::swap(size_, other.size_);
  std::swap(seed_, other.seed_);
  return *this;
}

uint64_t Dict::hash(std::string_view key) const {
  return XXH3_64bits_withSeed(key.data(), key.size(), seed_);
}

Entry** Dict::find_link(std::string_view key) {
  if (size_ == 0) return nullptr;
  return find_link(key, hash(key));
}

Entry** Dict::find_link(std::string_view key, uint64_t h) {
  if (size_ == 0) return nullptr;
  if (rehashing()) rehash_step(1);
  for (int t = 0; t <= 1; ++t) {
    Table& table = table_[t];
    if (table.empty()) continue;
    Entry** link = &table[h & (table.size() - 1)];
    while (*link != nullptr) {
      if (key_equals(*link, key)) return link;
      link = &(*link)->next;
    }
    if (!rehashing()) break;
  }
  return nullptr;
}

Entry* Dict::find(std::string_view key) {
  Entry** link = find_link(key);
  return link ? *link : nullptr;
}

Entry* Dict::find(std::string_view key, uint64_t key_hash) {
  Entry** link = find_link(key, key_hash);
  return link ? *link : nullptr;
}

void Dict::prefetch(uint64_t key_hash) const {
  for (const Table& table : table_) {
    if (!table.empty()) __builtin_prefetch(&table[key_hash & (table.size() - 1)]);
  }
}

void Dict::prefetch_chain(uint64_t key_hash) const {
  for (const Table& table : table_) {
    if (table.empty()) continue;
    const Entry* head = table[key_hash & (table.size() - 1)];
    if (head == nullptr) continue;
    // An entry is only 8-byte aligned: its header (with NVM mode's tag
    // word before it), its key (after the 32-byte header; most keys are
    // short) and the allocator's size word before the allocation
    // (Entry::value_capacity reads it on every overwrite, 8 or 16 bytes
    // before the header) may sit on three different lines. Prefetching one
    // line left the other two to miss one after another in a pipelined SET.
    const char* bytes = reinterpret_cast<const char*>(head);
    __builtin_prefetch(bytes - 2 * sizeof(size_t));
    __builtin_prefetch(bytes);
    __builtin_prefetch(bytes + sizeof(Entry) + 24);
  }
}

void Dict::insert(Entry* e) { insert(e, hash(e->key())); }

void Dict::insert(Entry* e, uint64_t key_hash) {
  maybe_expand();
  if (rehashing()) rehash_step(1);
  Table& table = rehashing() ? table_[1] : table_[0];
  size_t index = key_hash & (table.size() - 1);
  e->next = table[index];
  table[index] = e;
  ++size_;
}

Entry* Dict::remove(std::string_view key) {
  Entry** link = find_link(key);
  if (link == nullptr) return nullptr;
  Entry* e = *link;
  *link = e->next;
  e->next = nullptr;
  --size_;
  return e;
}

void Dict::clear(const std::function<void(Entry*)>& dispose) {
  for (Table& table : table_) {
    for (Entry* head : table) {
      while (head != nullptr) {
        Entry* next = head->next;
        dispose(head);
        head = next;
      }
    }
    Table().swap(table);
  }
  rehash_index_ = -1;
  size_ = 0;
}

void Dict::maybe_expand() {
  if (table_[0].empty()) {
    table_[0] = Table(kInitialBuckets);
    return;
  }
  if (rehashing()) return;
  if (size_ >= table_[0].size()) start_resize(std::bit_ceil(size_ + 1));
}

void Dict::reserve(size_t n) {
  if (rehashing() || n <= table_[0].size()) return;
  size_t buckets = std::bit_ceil(std::max(n, kInitialBuckets));
  if (size_ == 0) {
    table_[0] = Table(buckets);
  } else {
    start_resize(buckets);
  }
}

void Dict::maybe_shrink() {
  if (rehashing() || table_[0].size() <= kInitialBuckets) return;
  if (size_ * 100 / table_[0].size() >= 10) return;
  start_resize(std::max(kInitialBuckets, std::bit_ceil(size_ == 0 ? 1 : size_)));
}

void Dict::start_resize(size_t buckets) {
  AMBER_ASSERT(!rehashing());
  AMBER_ASSERT(std::has_single_bit(buckets));
  if (buckets == table_[0].size()) return;
  table_[1] = Table(buckets);
  rehash_index_ = 0;
}

bool Dict::rehash_step(size_t buckets) {
  if (!rehashing()) return false;
  // Bound the empty buckets visited too, as Redis does, so one step stays short.
  size_t empty_visits = buckets * 10;
  Table& from = table_[0];
  Table& to = table_[1];
  // Entries are scattered over the heap: start fetching the ones a few
  // buckets ahead while this one moves (a large table's rehash is one
  // cache miss per entry otherwise).
  constexpr size_t kPrefetchBuckets = 8;
  while (buckets > 0 && static_cast<size_t>(rehash_index_) < from.size()) {
    size_t ahead = static_cast<size_t>(rehash_index_) + kPrefetchBuckets;
    if (ahead < from.size() && from[ahead] != nullptr) __builtin_prefetch(from[ahead]);
    Entry* e = from[rehash_index_];
    if (e == nullptr) {
      ++rehash_index_;
      if (--empty_visits == 0) break;
      continue;
    }
    while (e != nullptr) {
      Entry* next = e->next;
      size_t index = hash(e->key()) & (to.size() - 1);
      e->next = to[index];
      to[index] = e;
      e = next;
    }
    from[rehash_index_] = nullptr;
    ++rehash_index_;
    --buckets;
  }
  finish_rehash_if_done();
  return rehashing();
}

void Dict::finish_rehash_if_done() {
  if (static_cast<size_t>(rehash_index_) < table_[0].size()) return;
  table_[0].swap(table_[1]);
  Table().swap(table_[1]);
  rehash_index_ = -1;
}

uint64_t Dict::scan(uint64_t cursor, const std::function<void(Entry*)>& emit) const {
  if (size_ == 0) return 0;
  auto emit_bucket = [&](const Table& table, uint64_t index) {
    for (Entry* e = table[index]; e != nullptr; e = e->next) emit(e);
  };
  uint64_t v = cursor;
  if (!rehashing()) {
    uint64_t m0 = table_[0].size() - 1;
    emit_bucket(table_[0], v & m0);
    v |= ~m0;
    v = reverse_bits(v);
    ++v;
    return reverse_bits(v);
  }
  const Table* small = &table_[0];
  const Table* large = &table_[1];
  if (small->size() > large->size()) std::swap(small, large);
  uint64_t m0 = small->size() - 1;
  uint64_t m1 = large->size() - 1;
  emit_bucket(*small, v & m0);
  // Visit every bucket of the larger table that expands the small bucket.
  do {
    emit_bucket(*large, v & m1);
    v |= ~m1;
    v = reverse_bits(v);
    ++v;
    v = reverse_bits(v);
  } while (v & (m0 ^ m1));
  return v;
}

Entry* Dict::random_entry(Random& random) {
  if (size_ == 0) return nullptr;
  if (rehashing()) rehash_step(1);
  Entry* head = nullptr;
  while (head == nullptr) {
    if (rehashing()) {
      // Buckets below rehash_index_ in table 0 are empty; skip them.
      size_t lo = static_cast<size_t>(rehash_index_);
      size_t span = table_[0].size() + table_[1].size() - lo;
      size_t pick = lo + random.uniform(span);
      head = pick >= table_[0].size() ? table_[1][pick - table_[0].size()] : table_[0][pick];
    } else {
      head = table_[0][random.uniform(table_[0].size())];
    }
  }
  size_t chain = 0;
  for (Entry* e = head; e != nullptr; e = e->next) ++chain;
  size_t skip = random.uniform(chain);
  while (skip-- > 0) head = head->next;
  return head;
}

size_t Dict::sample_from(size_t position, size_t count, std::vector<Entry*>* out) const {
  const size_t total = table_[0].size() + table_[1].size();
  if (size_ == 0 || count == 0 || total == 0) return position;
  size_t at = position % total;
  // Bucket heads first, each prefetched as it is found, so that the entries'
  // cache misses overlap instead of following one another; then the rest of
  // each visited chain.
  const size_t first = out->size();
  for (size_t visited = 0; visited < count * 10 && out->size() - first < count; ++visited) {
    Entry* head = at < table_[0].size() ? table_[0][at] : table_[1][at - table_[0].size()];
    if (++at == total) at = 0;
    if (head == nullptr) continue;
    __builtin_prefetch(head);
    out->push_back(head);
  }
  // Whole chains: a sweep that dropped the tails would never meet them.
  const size_t heads = out->size();
  for (size_t i = first; i < heads; ++i) {
    for (Entry* e = (*out)[i]->next; e != nullptr; e = e->next) out->push_back(e);
  }
  return at;
}

void Dict::for_each(const std::function<void(Entry*)>& fn) const {
  for (const Table& table : table_) {
    for (Entry* e : table) {
      for (; e != nullptr; e = e->next) fn(e);
    }
  }
}

}  // namespace amber
