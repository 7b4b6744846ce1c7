// CapacityTier: offloading cold values to the NVM store and reading them
// back (contract in capacity_tier.h). The correctness argument is the one
// rule there: an entry is offloaded only when the store provably holds its
// latest state. Everything here is bookkeeping for that rule plus Redis's
// sampling eviction to choose what is cold.
#include "nvm/capacity_tier.h"

#include <xxhash.h>

#include <algorithm>

#include "core/assert.h"
#include "core/db.h"
#include "core/entry.h"
#include "core/io/random.h"

namespace amber::nvm {
namespace {

// Buckets of the logged-seq table: a collision only delays an offload, and
// the keys in flight are at most what the unreplayed log holds.
constexpr size_t kLoggedSeqBuckets = size_t{1} << 18;
// Values this small stay: the stub would save next to nothing.
constexpr uint32_t kMinOffloadBytes = 16;
// Entries looked at per sweep step, whatever share of them is offloaded, and
// steps per pick.
constexpr size_t kMaxSampleEntries = 128;
constexpr int kMaxSampleRounds = 8;

}  // namespace

CapacityTier::CapacityTier(Engine& engine, const PmemStore& store)
    : engine_(engine), store_(store), hands_(static_cast<size_t>(engine.db_count()), 0) {}

CapacityTier::~CapacityTier() {
  if (!attached_) return;
  for (int i = 0; i < engine_.db_count(); ++i) engine_.db(i).set_value_tier(nullptr);
}

void CapacityTier::attach() {
  attached_ = true;
  for (int i = 0; i < engine_.db_count(); ++i) engine_.db(i).set_value_tier(this);
}

void CapacityTier::set_max_dram_bytes(uint64_t bytes, uint64_t next_seq) {
  if (bytes != 0 && logged_seq_.empty()) {
    logged_seq_.assign(kLoggedSeqBuckets, 0);
    tracked_from_seq_ = next_seq;
  } else if (bytes == 0) {
    std::vector<uint64_t>().swap(logged_seq_);
  }
  max_dram_bytes_ = bytes;
}

void CapacityTier::note_key(std::string_view key, uint64_t seq) {
  if (logged_seq_.empty()) return;
  uint64_t& slot = logged_seq_[XXH3_64bits(key.data(), key.size()) & (kLoggedSeqBuckets - 1)];
  slot = std::max(slot, seq);
}

bool CapacityTier::replayed(std::string_view key, uint64_t applied_seq) const {
  return logged_seq_[XXH3_64bits(key.data(), key.size()) & (kLoggedSeqBuckets - 1)] <= applied_seq;
}

uint64_t CapacityTier::dram_bytes() const {
  uint64_t total = 0;
  for (int i = 0; i < engine_.db_count(); ++i) total += engine_.db(i).dram_bytes();
  return total;
}

uint64_t CapacityTier::offloaded_keys() const {
  uint64_t total = 0;
  for (int i = 0; i < engine_.db_count(); ++i) total += engine_.db(i).offloaded_count();
  return total;
}

// Larger is colder: seconds idle under an LRU policy, the inverse of the
// access counter under LFU (the `lru` field holds what the policy keeps).
uint64_t CapacityTier::coldness(const Entry& e, uint32_t now_lru) const {
  if (engine_.options().lfu_policy) return 255 - (e.lru & 255);
  return lru_idle_s(now_lru, e.lru);
}

int CapacityTier::choose_db() {
  weights_.assign(static_cast<size_t>(engine_.db_count()), 0);
  uint64_t total = 0;
  for (int i = 0; i < engine_.db_count(); ++i) {
    const Db& db = engine_.db(i);
    weights_[static_cast<size_t>(i)] = db.resident_size() - db.offloaded_count();
    total += weights_[static_cast<size_t>(i)];
  }
  if (total == 0) return -1;
  uint64_t at = engine_.random().uniform(total);
  int db = 0;
  while (at >= weights_[static_cast<size_t>(db)]) at -= weights_[static_cast<size_t>(db++)];
  return db;
}

CapacityTier::Candidate CapacityTier::pick(int samples, uint64_t applied_seq, uint32_t now_lru) {
  Candidate best;
  const int db = choose_db();
  if (db < 0) return best;
  // The database's hand sweeps its table (CLOCK): each pick looks at the
  // next `samples` entries that still have their value. Random starting
  // points would not do: the first candidate after a run of offloaded
  // entries would be picked more often the longer the run, so the runs
  // would grow until samples found nothing else.
  const Db& from = engine_.db(db);
  const uint64_t with_values = weights_[static_cast<size_t>(db)];
  const size_t want = std::min<size_t>(
      kMaxSampleEntries,
      static_cast<size_t>(samples) * (from.resident_size() + with_values - 1) / with_values);
  size_t& hand = hands_[static_cast<size_t>(db)];
  int seen = 0;
  for (int round = 0; round < kMaxSampleRounds && seen < samples; ++round) {
    sample_.clear();
    hand = from.sample_resident(hand, want, &sample_);
    for (Entry* e : sample_) {
      if (e->is_offloaded() || e->value_len < kMinOffloadBytes) continue;
      if (++seen > samples) break;
      if (!replayed(e->key(), applied_seq)) continue;
      const uint64_t cold = coldness(*e, now_lru);
      if (best.entry == nullptr || cold > best.coldness) best = {db, e, cold};
    }
  }
  return best;
}

bool CapacityTier::offload(const Candidate& victim, uint64_t permutation) {
  Entry* e = victim.entry;
  StoreItemView item;
  bool found = false;
  const uint32_t phys = PmemStore::physical_db(permutation, static_cast<uint32_t>(victim.db));
  Status s = store_.get_physical(phys, e->key(), &item, &found);
  if (!s.ok()) {
    if (error_.ok()) error_ = s;
    return false;
  }
  // The rule says the store holds exactly this state; anything else is a
  // bookkeeping bug, and the entry simply stays resident.
  if (!found || item.value.size() != e->value_len || item.expire_ms != e->expire_ms) return false;
  engine_.db(victim.db).offload(e, item.offset);
  ++stats_.offloads;
  return true;
}

CapacityTier::EvictResult CapacityTier::evict(size_t max_offloads, int samples) {
  if (!over_bound()) return EvictResult::kWithinBound;
  const uint64_t applied = store_.applied_seq();
  if (applied < last_db_op_seq_ || applied + 1 < tracked_from_seq_)
    return EvictResult::kNeedsReplay;
  const uint64_t permutation = store_.applied_permutation();
  const uint32_t now_lru = engine_.lru_clock();  // one clock read per round
  size_t misses = 0;
  for (size_t done = 0; done < max_offloads;) {
    if (!over_bound()) return EvictResult::kWithinBound;
    Candidate victim = pick(std::max(samples, 1), applied, now_lru);
    if (victim.entry == nullptr || !offload(victim, permutation)) {
      // Several empty-handed picks in a row: what is left is not replayed
      // yet (or too small to matter).
      if (++misses >= 16) return EvictResult::kNeedsReplay;
      continue;
    }
    misses = 0;
    ++done;
  }
  return over_bound() ? EvictResult::kBudgetSpent : EvictResult::kWithinBound;
}

bool CapacityTier::admit_on_read(uint32_t value_len, uint32_t idle_s) {
  // Read again soon after the last access (a hot key), or there is room:
  // keep it. A value read once stays in the store, so that a scan or a
  // uniform read load does not swap the whole DRAM bound through.
  if (!bounded() || idle_s < kReadAgainWithinS || dram_bytes() + value_len <= max_dram_bytes_) {
    ++stats_.admitted_reads;
    return true;
  }
  return false;
}

std::string_view CapacityTier::read(uint64_t handle, uint32_t value_len) {
  StoreItemView item;
  Status s = store_.read_item(handle, &item);
  if (s.ok() && item.value.size() != value_len) {
    s = Status::corruption("nvm store: item at offset " + std::to_string(handle) +
                           " no longer holds the offloaded value");
  }
  if (!s.ok()) {
    if (error_.ok()) error_ = s;
    return {};
  }
  ++stats_.reads;
  return item.value;
}

}  // namespace amber::nvm
