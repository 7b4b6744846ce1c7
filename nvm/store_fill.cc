// StoreFill: lookups and the background fill of an NVM restart (contract in
// store_fill.h). Correctness rests on one rule: a key is taken from the
// store only when DRAM has no say about it — not resident and not
// superseded — and the store does not move underneath (the Replayer is
// paused until done()).
#include "nvm/store_fill.h"

#include <algorithm>
#include <utility>

#include "core/assert.h"
#include "core/db.h"
#include "core/entry.h"

namespace amber::nvm {

StoreFill::StoreFill(Engine& engine, const PmemStore& store)
    : engine_(engine), store_(store), superseded_(static_cast<size_t>(engine.db_count())) {
  AMBER_ASSERT(engine.db_count() <= static_cast<int>(PmemStore::kMaxDatabases));
  for (int i = 0; i < static_cast<int>(views_.size()); ++i) views_[static_cast<size_t>(i)] = i;
}

StoreFill::~StoreFill() { detach(); }

void StoreFill::on_flush(int db, bool store_pending) {
  AMBER_ASSERT(!attached_);
  superseded_[static_cast<size_t>(db)].clear();
  if (store_pending) views_[static_cast<size_t>(db)] = -1;
}

void StoreFill::on_swap(int a, int b, bool store_pending) {
  AMBER_ASSERT(!attached_);
  std::swap(superseded_[static_cast<size_t>(a)], superseded_[static_cast<size_t>(b)]);
  if (store_pending) std::swap(views_[static_cast<size_t>(a)], views_[static_cast<size_t>(b)]);
}

void StoreFill::supersede(int db, std::string_view key) {
  if (done_) return;
  superseded_[static_cast<size_t>(db)].emplace(key);
}

void StoreFill::attach() {
  AMBER_ASSERT(!attached_ && !done_);
  attached_ = true;
  applied_permutation_ = store_.applied_permutation();
  engine_of_phys_.fill(-1);
  for (uint32_t db = 0; db < PmemStore::kMaxDatabases; ++db) {
    logical_of_phys_[PmemStore::physical_db(applied_permutation_, db)] = db;
  }
  for (int db = 0; db < engine_.db_count(); ++db) {
    const int view = views_[static_cast<size_t>(db)];
    if (view < 0) continue;
    engine_of_phys_[PmemStore::physical_db(applied_permutation_, static_cast<uint32_t>(view))] = db;
  }
  for (int i = 0; i < engine_.db_count(); ++i) engine_.db(i).set_lazy(this);
}

void StoreFill::detach() {
  if (!attached_) return;
  attached_ = false;
  for (int i = 0; i < engine_.db_count(); ++i) engine_.db(i).set_lazy(nullptr);
}

bool StoreFill::is_superseded(int db, std::string_view key) const {
  const auto& keys = superseded_[static_cast<size_t>(db)];
  return !keys.empty() && keys.contains(std::string(key));
}

int StoreFill::index_of(const Db& db) const {
  for (int i = 0; i < engine_.db_count(); ++i) {
    if (&engine_.db(i) == &db) return i;
  }
  AMBER_ASSERT(false && "Db not of this engine");
  return -1;
}

void StoreFill::insert(int db, const StoreItemView& item) {
  insert(db, item, engine_.db(db).key_hash(item.key));
}

void StoreFill::insert(int db, const StoreItemView& item, uint64_t key_hash) {
  Db& target = engine_.db(db);
  const Encoding encoding = encoding_for_new_string(item.value);
  Entry* e =
      tier_ != nullptr && tier_->over_bound()
          ? target.insert_offloaded(item.key, item.offset, static_cast<uint32_t>(item.value.size()),
                                    encoding, key_hash)
          : target.insert(item.key, item.value, encoding, key_hash);
  // Already expired keys come in too: lazy and active expiry remove them
  // and log the removal, as for any other key.
  if (item.expire_ms != kNoExpire) target.set_expire(e, item.expire_ms);
}

Entry* StoreFill::fault_in(Db& db, std::string_view key) {
  const int index = index_of(db);
  const int view = views_[static_cast<size_t>(index)];
  if (view < 0 || is_superseded(index, key)) return nullptr;
  StoreItemView item;
  bool found = false;
  Status s =
      store_.get_physical(PmemStore::physical_db(applied_permutation_, static_cast<uint32_t>(view)),
                          key, &item, &found);
  if (!s.ok()) {
    if (error_.ok()) error_ = s;
    return nullptr;
  }
  if (!found) return nullptr;
  insert(index, item);
  ++faulted_keys_;
  return db.find_resident(key);
}

void StoreFill::step(uint64_t max_slots) {
  if (done_) return;
  if (!reserved_) reserve_from_sample();
  uint64_t next = 0;
  batch_.clear();
  Status s = store_.scan(
      cursor_, max_slots,
      [this](const StoreItemView& item) {
        const uint32_t logical = logical_of_phys_[item.phys_db];
        if (logical >= static_cast<uint32_t>(engine_.db_count())) {
          if (error_.ok()) {
            error_ =
                Status::invalid_argument("NVM store has keys in db " + std::to_string(logical) +
                                         ", beyond the configured databases");
          }
          return;
        }
        const int db = engine_of_phys_[item.phys_db];
        if (db < 0) return;  // the database was flushed after the store's state
        batch_.emplace_back(db, item);
      },
      &next);
  if (!s.ok() && error_.ok()) error_ = s;
  fill_batch();
  cursor_ = next;
  if (next == 0 || !s.ok()) {
    done_ = true;
    detach();
    superseded_.assign(superseded_.size(), {});
    batch_ = {};
    hashes_ = {};
  }
}

void StoreFill::fill_batch() {
  constexpr size_t kAhead = 16;
  hashes_.resize(batch_.size());
  for (size_t i = 0; i < batch_.size(); ++i) {
    const auto& [db, item] = batch_[i];
    hashes_[i] = engine_.db(db).key_hash(item.key);
  }
  // The first kAhead buckets all at once: a step is short (a few dozen keys
  // in a sparse store), so they are a good part of its misses.
  for (size_t i = 0; i < std::min(kAhead, batch_.size()); ++i) {
    engine_.db(batch_[i].first).prefetch(hashes_[i]);
  }
  for (size_t i = 0; i < batch_.size(); ++i) {
    if (i + kAhead < batch_.size()) {
      engine_.db(batch_[i + kAhead].first).prefetch(hashes_[i + kAhead]);
    }
    const auto& [db, item] = batch_[i];
    if (engine_.db(db).find_resident(item.key, hashes_[i]) != nullptr) continue;
    if (is_superseded(db, item.key)) continue;
    insert(db, item, hashes_[i]);
    ++filled_keys_;
  }
}

void StoreFill::reserve_from_sample() {
  constexpr uint64_t kSampleSlots = 16384;
  reserved_ = true;
  std::array<uint64_t, PmemStore::kMaxDatabases> seen{};
  uint64_t next = 0;
  // An error here shows again in the step that meets it.
  (void)store_.scan(
      0, kSampleSlots, [&seen](const StoreItemView& item) { ++seen[item.phys_db]; }, &next);
  const uint64_t visited_slots = next == 0 ? store_.slot_count() : next;
  if (visited_slots == 0) return;
  for (uint32_t phys = 0; phys < PmemStore::kMaxDatabases; ++phys) {
    const int db = engine_of_phys_[phys];
    const uint64_t sample = seen[phys];
    if (db < 0 || sample == 0) continue;
    // 5 % headroom over the sample's estimate; Dict rounds up to a power of 2.
    const double estimate = static_cast<double>(sample) * static_cast<double>(store_.slot_count()) /
                            static_cast<double>(visited_slots) * 1.05;
    engine_.db(db).reserve(engine_.db(db).resident_size() + static_cast<size_t>(estimate));
  }
}

void StoreFill::fill_all() {
  while (!done_) step(1 << 16);
}

}  // namespace amber::nvm
