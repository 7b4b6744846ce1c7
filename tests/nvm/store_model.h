// A reference model of PmemStore for the tests: units of physical ops
// applied to a std::map, the same units applied to a store, and the store's
// content read back through scan().
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/io/random.h"
#include "nvm/log_record.h"
#include "nvm/pmem_store.h"

namespace amber::nvm::testing {

struct ModelValue {
  std::string value;
  int64_t expire_ms;
  bool operator==(const ModelValue&) const = default;
};
using ModelState = std::map<std::pair<uint32_t, std::string>, ModelValue>;

struct ModelOp {
  LogOpKind kind;
  uint32_t db = 0;
  uint32_t other_db = 0;
  std::string key;
  std::string value;
  int64_t expire_ms = -1;
  // A link: where write_unlinked() put the value (0: not written yet).
  uint64_t item_offset = 0;
};
struct ModelUnit {
  uint64_t seq;
  std::vector<ModelOp> ops;
};

inline void apply_to_model(const ModelUnit& unit, ModelState* state) {
  for (const ModelOp& op : unit.ops) {
    switch (op.kind) {
      case LogOpKind::kUpsert:
      case LogOpKind::kLink:
        (*state)[{op.db, op.key}] = {op.value, op.expire_ms};
        break;
      case LogOpKind::kRemove:
        state->erase({op.db, op.key});
        break;
      case LogOpKind::kFlushDb:
        std::erase_if(*state, [&](const auto& kv) { return kv.first.first == op.db; });
        break;
      case LogOpKind::kFlushAll:
        state->clear();
        break;
      case LogOpKind::kSwapDb: {
        ModelState swapped;
        for (auto& [k, v] : *state) {
          uint32_t db = k.first == op.db ? op.other_db : k.first == op.other_db ? op.db : k.first;
          swapped[{db, k.second}] = v;
        }
        *state = std::move(swapped);
        break;
      }
    }
  }
}

// Writes the values of the unit's links not written yet into the store
// (PmemStore::write_unlinked), as the server does before it logs the unit.
inline Status write_links(ModelUnit* unit, PmemStore* store) {
  for (ModelOp& op : unit->ops) {
    if (op.kind != LogOpKind::kLink || op.item_offset != 0) continue;
    // Known (to a crash image's check) once written: then the server logs it.
    uint64_t offset = 0;
    Status status =
        store->write_unlinked(op.db, op.key, op.value, op.expire_ms, unit->seq, &offset);
    if (!status.ok()) return status;
    op.item_offset = offset;
  }
  return Status();
}

// Recovery: pins the written items of the links of `unit` (not applied).
inline Status pin_links(const ModelUnit& unit, PmemStore* store) {
  for (const ModelOp& op : unit.ops) {
    if (op.kind != LogOpKind::kLink || op.item_offset == 0) continue;
    StoreItemView item;
    Status status = store->pin_unlinked(op.key, op.item_offset, &item);
    if (!status.ok()) return status;
  }
  return Status();
}

// Writes the unit's links, then applies its ops inside begin_unit/end_unit.
// Returns the first error. A unit with a link must be synced before the
// next one (PmemStore::link).
inline Status apply_to_store(ModelUnit& unit, PmemStore* store) {
  Status written = write_links(&unit, store);
  if (!written.ok()) return written;
  store->begin_unit(unit.seq);
  for (const ModelOp& op : unit.ops) {
    Status status;
    switch (op.kind) {
      case LogOpKind::kUpsert:
        status = store->upsert(op.db, op.key, op.value, op.expire_ms);
        break;
      case LogOpKind::kRemove:
        status = store->remove(op.db, op.key);
        break;
      case LogOpKind::kFlushDb:
        store->flush_db(op.db);
        break;
      case LogOpKind::kFlushAll:
        store->flush_all();
        break;
      case LogOpKind::kSwapDb:
        store->swap_db(op.db, op.other_db);
        break;
      case LogOpKind::kLink:
        status = store->link(op.db, op.key, op.item_offset);
        break;
    }
    if (!status.ok()) {
      store->abandon_unit();
      return status;
    }
  }
  store->end_unit();
  return Status();
}

inline void encode_unit(const ModelUnit& unit, LogRecordBuilder* builder) {
  builder->begin(unit.seq);
  for (const ModelOp& op : unit.ops) {
    switch (op.kind) {
      case LogOpKind::kUpsert:
        builder->upsert(op.db, op.key, op.value, op.expire_ms);
        break;
      case LogOpKind::kRemove:
        builder->remove(op.db, op.key);
        break;
      case LogOpKind::kFlushDb:
        builder->flush_db(op.db);
        break;
      case LogOpKind::kFlushAll:
        builder->flush_all();
        break;
      case LogOpKind::kSwapDb:
        builder->swap_db(op.db, op.other_db);
        break;
      case LogOpKind::kLink:
        builder->link(op.db, op.key, op.item_offset);
        break;
    }
  }
}

inline bool has_links(const ModelUnit& unit) {
  return std::any_of(unit.ops.begin(), unit.ops.end(),
                     [](const ModelOp& op) { return op.kind == LogOpKind::kLink; });
}

// Reads every live item through scan().
inline Status read_store(const PmemStore& store, ModelState* state, uint64_t* block_bytes) {
  state->clear();
  *block_bytes = 0;
  uint64_t cursor = 0;
  do {
    Status status = store.scan(
        cursor, 97,
        [&](const StoreItemView& item) {
          auto [it, inserted] = state->emplace(std::make_pair(item.db, std::string(item.key)),
                                               ModelValue{std::string(item.value), item.expire_ms});
          EXPECT_TRUE(inserted) << "key visited twice: " << item.key;
          *block_bytes += item.block_bytes;
        },
        &cursor);
    if (!status.ok()) return status;
  } while (cursor != 0);
  return Status();
}

// A random unit over a small key space in `dbs` databases: mostly upserts and
// removes, sometimes a flush or a swap first (structural ops lead, as the
// server emits them). In a unit without those, an upsert is a link with
// `link_percent` % probability (its value written by apply_to_store).
inline ModelUnit random_unit(uint64_t seq, SeededRandom* random, uint32_t keys, uint32_t dbs,
                             size_t max_value_bytes, uint32_t link_percent = 0) {
  ModelUnit unit{seq, {}};
  uint64_t roll = random->uniform(100);
  if (roll < 4) {
    unit.ops.push_back({LogOpKind::kFlushDb, static_cast<uint32_t>(random->uniform(dbs))});
  } else if (roll < 6) {
    unit.ops.push_back({LogOpKind::kFlushAll});
  } else if (roll < 12) {
    unit.ops.push_back({LogOpKind::kSwapDb, static_cast<uint32_t>(random->uniform(dbs)),
                        static_cast<uint32_t>(random->uniform(dbs))});
  }
  size_t count = 1 + random->uniform(3);
  for (size_t i = 0; i < count; ++i) {
    ModelOp op;
    op.db = static_cast<uint32_t>(random->uniform(dbs));
    op.key = "k" + std::to_string(random->uniform(keys));
    if (random->uniform(4) == 0) {
      op.kind = LogOpKind::kRemove;
    } else {
      op.kind = LogOpKind::kUpsert;
      op.value = std::string(random->uniform(max_value_bytes + 1),
                             static_cast<char>('a' + random->uniform(26)));
      op.expire_ms = random->uniform(3) == 0 ? static_cast<int64_t>(random->uniform(1 << 30)) : -1;
      if (roll >= 12 && random->uniform(100) < link_percent) op.kind = LogOpKind::kLink;
    }
    unit.ops.push_back(op);
  }
  // A link's key is in no other op of its unit, as in the server's records
  // (one op per key, its final state).
  for (ModelOp& op : unit.ops) {
    if (op.kind != LogOpKind::kLink) continue;
    auto same_key = [&op](const ModelOp& other) {
      return other.db == op.db && other.key == op.key;
    };
    if (std::count_if(unit.ops.begin(), unit.ops.end(), same_key) > 1) {
      op.kind = LogOpKind::kUpsert;
    }
  }
  return unit;
}

// Runs the walker until it has nothing left to do.
inline Status finish_walk(PmemStore* store) {
  while (store->busy()) {
    Status status = store->step(50);
    if (!status.ok()) return status;
  }
  return Status();
}

// No leak, no double count: once the walker is done, the allocator's used
// bytes are exactly the blocks of the live items and, with the free bytes,
// cover every byte of the heap ever handed out.
inline std::string check_accounting(const PmemStore& store, const ModelState& state,
                                    uint64_t live_block_bytes) {
  const StoreAllocator& a = store.allocator();
  std::string out;
  if (a.used_bytes() != live_block_bytes) {
    out += "used " + std::to_string(a.used_bytes()) + " != live " +
           std::to_string(live_block_bytes) + "; ";
  }
  if (a.used_bytes() + a.free_bytes() != a.extent_bytes()) {
    out += "used + free " + std::to_string(a.used_bytes() + a.free_bytes()) + " != extent " +
           std::to_string(a.extent_bytes()) + "; ";
  }
  if (store.key_count() != state.size()) {
    out += "key_count " + std::to_string(store.key_count()) + " != " + std::to_string(state.size());
  }
  return out;
}

}  // namespace amber::nvm::testing
