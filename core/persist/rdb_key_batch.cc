// Batched inserts for the RDB loader; see rdb_key_batch.h for why.
#include "core/persist/rdb_key_batch.h"

#include "core/entry.h"

namespace amber {

bool RdbKeyBatch::add(Db& db, size_t db_index, std::string& key, std::string& value,
                      int64_t expire_ms, uint32_t lru, uint64_t at) {
  Item& item = items_[size_++];
  item.db = &db;
  item.db_index = db_index;
  item.key.swap(key);
  item.value.swap(value);
  item.expire_ms = expire_ms;
  item.lru = lru;
  item.at = at;
  item.key_hash = db.key_hash(item.key);
  db.prefetch(item.key_hash);
  return size_ == kCapacity;
}

Status RdbKeyBatch::flush(uint64_t* loaded) {
  const size_t n = size_;
  size_ = 0;
  // The buckets were prefetched as the keys were read; now that they have
  // arrived, start on the entries they chain to, then compare and insert.
  for (size_t i = 0; i < n; ++i) items_[i].db->prefetch_chain(items_[i].key_hash);
  for (size_t i = 0; i < n; ++i) {
    Item& item = items_[i];
    Db& db = *item.db;
    if (db.find(item.key, item.key_hash) != nullptr) {
      return duplicate_(item.at, item.key, item.db_index);
    }
    Entry* e = db.insert(item.key, item.value, encoding_for_new_string(item.value), item.key_hash);
    if (item.expire_ms != kNoExpire) db.set_expire(e, item.expire_ms);
    e->lru = item.lru;
    ++*loaded;
  }
  return {};
}

}  // namespace amber
