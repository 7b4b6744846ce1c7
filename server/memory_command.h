// MEMORY: Redis 7.0's memory introspection container (object.c:
// memoryCommand) — USAGE, STATS, DOCTOR, MALLOC-STATS, PURGE, HELP. Field
// names and report texts are Redis's; the figures are amber's own (glibc
// malloc, one Entry per key), so they are approximations of the same ideas,
// not Redis's numbers.
//
// Handlers run on the engine thread.
#pragma once

#include <cstdint>
#include <functional>

namespace amber {

class Engine;

// Figures only the server knows (client buffers, replication, AOF). Each
// function may be left empty, which counts as 0.
struct MemoryHooks {
  std::function<uint64_t()> clients_normal_bytes;   // clients.normal
  std::function<uint64_t()> clients_replica_bytes;  // clients.slaves
  std::function<uint64_t()> replication_backlog_bytes;
  std::function<uint64_t()> aof_buffer_bytes;
  std::function<uint64_t()> connected_clients;  // for DOCTOR's per-client check
  std::function<uint64_t()> connected_replicas;
};

void register_memory_command(Engine& engine, MemoryHooks hooks = {});

// What MEMORY USAGE reports for one entry of a database with `keys` keys in
// `buckets` hash buckets: the entry's allocation plus its share of the table.
uint64_t key_memory_usage(uint64_t entry_bytes, uint64_t keys, uint64_t buckets);

}  // namespace amber
