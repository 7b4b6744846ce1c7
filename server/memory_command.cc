// MEMORY (object.c in Redis 7.0). amber allocates with glibc malloc and keeps
// one Entry (header, key and string value in a single block) per key, so:
//  - USAGE is the entry's malloc_usable_size plus its share of the bucket
//    array, the closest analogue of Redis's value + key sds + dictEntry;
//  - STATS takes the allocator figures from mallinfo2 and the process RSS
//    from /proc/self/statm, and the per-database overhead from the table
//    shapes (Entry headers, bucket arrays, the volatile-key list);
//  - MALLOC-STATS answers what Redis answers when not built with jemalloc,
//    and PURGE returns free heap pages to the OS with malloc_trim.
// Peak memory is tracked by the handler itself each time it measures.
#include "server/memory_command.h"

#include <malloc.h>

#include <cstdio>
#include <memory>
#include <string>

#include "core/args.h"
#include "core/engine.h"
#include "core/errors.h"
#include "core/reply.h"
#include "server/command_docs.h"

namespace amber {
namespace {

struct MemoryState {
  MemoryHooks hooks;
  uint64_t startup_bytes = 0;
  uint64_t peak_bytes = 0;
};

uint64_t call(const std::function<uint64_t()>& f) { return f ? f() : 0; }

uint64_t allocated_bytes() {
  struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
}

uint64_t heap_bytes() {
  struct mallinfo2 mi = mallinfo2();
  return mi.arena + mi.hblkhd;
}

uint64_t rss_bytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  unsigned long long pages_total = 0, pages_resident = 0;
  int got = std::fscanf(f, "%llu %llu", &pages_total, &pages_resident);
  std::fclose(f);
  return got == 2 ? pages_resident * 4096ULL : 0;
}

// Redis computes its ratios in float and prints them as doubles.
double ratio(uint64_t a, uint64_t b) {
  return static_cast<double>(static_cast<float>(a) / static_cast<float>(b));
}

struct DbOverhead {
  int index;
  uint64_t main, expires;
};

// getMemoryOverheadData, with amber's figures.
struct Overhead {
  uint64_t total_allocated, startup, peak;
  uint64_t backlog, replicas, clients, aof;
  std::vector<DbOverhead> dbs;
  uint64_t keys = 0, overhead_total = 0;
  uint64_t allocator_active, rss;
};

Overhead measure(Engine& engine, MemoryState& state) {
  Overhead o{};
  o.total_allocated = allocated_bytes();
  state.peak_bytes = std::max(state.peak_bytes, o.total_allocated);
  o.startup = state.startup_bytes;
  o.peak = state.peak_bytes;
  o.backlog = call(state.hooks.replication_backlog_bytes);
  o.replicas = call(state.hooks.clients_replica_bytes);
  o.clients = call(state.hooks.clients_normal_bytes);
  o.aof = call(state.hooks.aof_buffer_bytes);
  o.allocator_active = std::max(heap_bytes(), o.total_allocated);
  o.rss = rss_bytes();
  o.overhead_total = o.startup + o.backlog + o.replicas + o.clients + o.aof;
  for (int j = 0; j < engine.db_count(); ++j) {
    Db& db = engine.db(j);
    if (db.size() == 0) continue;
    o.keys += db.size();
    DbOverhead d{j, db.size() * db.entry_fixed_bytes() + db.dict().bucket_count() * sizeof(Entry*),
                 db.volatile_count() * sizeof(Entry*)};
    o.overhead_total += d.main + d.expires;
    o.dbs.push_back(d);
  }
  return o;
}

void memory_usage(CommandContext& ctx) {
  // SAMPLES takes a value: step over pairs (strings have no nested values to sample).
  for (size_t j = 3; j < ctx.argv.size(); j += 2) {
    if (!equals_ignore_case(ctx.argv[j], "samples") || j + 1 >= ctx.argv.size()) {
      return ctx.reply.error(errors::kSyntax);
    }
    int64_t samples;
    if (!parse_int64(ctx.argv[j + 1], &samples)) return ctx.reply.error(errors::kNotInteger);
    if (samples < 0) return ctx.reply.error(errors::kSyntax);
  }
  // Like Redis, a logically expired key that is still stored is measured.
  Db& db = ctx.db();
  Entry* e = db.find(ctx.argv[2]);
  if (e == nullptr) return ctx.reply.null();
  ctx.reply.integer(static_cast<int64_t>(
      key_memory_usage(e->allocated_bytes(), db.size(), db.dict().bucket_count())));
}

void reply_field(Reply& r, const char* name, uint64_t v) {
  r.bulk(name);
  r.integer(static_cast<int64_t>(v));
}

// Differences may be negative (RSS below the heap size), as in Redis.
void reply_delta(Reply& r, const char* name, uint64_t a, uint64_t b) {
  r.bulk(name);
  r.integer(static_cast<int64_t>(a) - static_cast<int64_t>(b));
}

void reply_field(Reply& r, const char* name, double v) {
  r.bulk(name);
  r.double_value(v);
}

void memory_stats(CommandContext& ctx, MemoryState& state) {
  Overhead o = measure(ctx.engine, state);
  Reply& r = ctx.reply;
  uint64_t net = o.total_allocated > o.startup ? o.total_allocated - o.startup : 1;
  uint64_t dataset =
      o.total_allocated > o.overhead_total ? o.total_allocated - o.overhead_total : 0;
  r.map(27 + o.dbs.size());
  reply_field(r, "peak.allocated", o.peak);
  reply_field(r, "total.allocated", o.total_allocated);
  reply_field(r, "startup.allocated", o.startup);
  reply_field(r, "replication.backlog", o.backlog);
  reply_field(r, "clients.slaves", o.replicas);
  reply_field(r, "clients.normal", o.clients);
  reply_field(r, "cluster.links", uint64_t{0});
  reply_field(r, "aof.buffer", o.aof);
  reply_field(r, "lua.caches", uint64_t{0});
  reply_field(r, "functions.caches", uint64_t{0});
  for (const DbOverhead& d : o.dbs) {
    r.bulk("db." + std::to_string(d.index));
    r.map(3);
    reply_field(r, "overhead.hashtable.main", d.main);
    reply_field(r, "overhead.hashtable.expires", d.expires);
    reply_field(r, "overhead.hashtable.slot-to-keys", uint64_t{0});
  }
  reply_field(r, "overhead.total", o.overhead_total);
  reply_field(r, "keys.count", o.keys);
  reply_field(r, "keys.bytes-per-key", o.keys ? net / o.keys : 0);
  reply_field(r, "dataset.bytes", dataset);
  reply_field(r, "dataset.percentage",
              static_cast<double>(static_cast<float>(dataset) * 100 / net));
  reply_field(r, "peak.percentage",
              static_cast<double>(static_cast<float>(o.total_allocated) * 100 / o.peak));
  reply_field(r, "allocator.allocated", o.total_allocated);
  reply_field(r, "allocator.active", o.allocator_active);
  reply_field(r, "allocator.resident", o.rss);
  reply_field(r, "allocator-fragmentation.ratio", ratio(o.allocator_active, o.total_allocated));
  reply_delta(r, "allocator-fragmentation.bytes", o.allocator_active, o.total_allocated);
  reply_field(r, "allocator-rss.ratio", ratio(o.rss, o.allocator_active));
  reply_delta(r, "allocator-rss.bytes", o.rss, o.allocator_active);
  reply_field(r, "rss-overhead.ratio", ratio(o.rss, o.rss));
  reply_field(r, "rss-overhead.bytes", uint64_t{0});
  reply_field(r, "fragmentation", ratio(o.rss, o.total_allocated));
  reply_delta(r, "fragmentation.bytes", o.rss, o.total_allocated);
}

// getMemoryDoctorReport's checks, over amber's figures.
std::string doctor_report(Engine& engine, MemoryState& state) {
  Overhead o = measure(engine, state);
  if (o.total_allocated < 5 * 1024 * 1024) {
    return "Hi Sam, this instance is empty or is using very little memory, my issues detector "
           "can't be used in "
           "these conditions. Please, leave for your mission on Earth and fill it with some data. "
           "The new Sam "
           "and I will be back to our programming as soon as I finished rebooting.\n";
  }
  constexpr uint64_t kTenMb = 10 << 20;
  uint64_t replicas = call(state.hooks.connected_replicas);
  uint64_t clients = call(state.hooks.connected_clients);
  std::string issues;
  if (static_cast<double>(o.peak) / static_cast<double>(o.total_allocated) > 1.5) {
    issues +=
        " * Peak memory: In the past this instance used more than 150% the memory that is "
        "currently using. The allocator is normally not able to release memory after a peak, so "
        "you can expect to see a big fragmentation ratio, however this is actually harmless and is "
        "only due to the memory peak, and if the Redis instance Resident Set Size (RSS) is "
        "currently bigger than expected, the memory will be used as soon as you fill the Redis "
        "instance with more data. If the memory peak was only occasional and you want to try to "
        "reclaim memory, please try the MEMORY PURGE command, otherwise the only other option is "
        "to shutdown and restart the instance.\n\n";
  }
  if (ratio(o.rss, o.total_allocated) > 1.4 && o.rss > o.total_allocated + kTenMb) {
    issues +=
        " * High total RSS: This instance has a memory fragmentation and RSS overhead greater than "
        "1.4 (this means that the Resident Set Size of the Redis process is much larger than the "
        "sum of the logical allocations Redis performed). This problem is usually due either to a "
        "large peak memory (check if there is a peak memory entry above in the report) or may "
        "result from a workload that causes the allocator to fragment memory a lot. If the problem "
        "is a large peak memory, then there is no issue. Otherwise, make sure you are using the "
        "Jemalloc allocator and not the default libc malloc. Note: The currently used allocator is "
        "\"libc\".\n\n";
  }
  if (ratio(o.allocator_active, o.total_allocated) > 1.1 &&
      o.allocator_active > o.total_allocated + kTenMb) {
    issues +=
        " * High allocator fragmentation: This instance has an allocator external fragmentation "
        "greater than 1.1. This problem is usually due either to a large peak memory (check if "
        "there is a peak memory entry above in the report) or may result from a workload that "
        "causes the allocator to fragment memory a lot. You can try enabling 'activedefrag' config "
        "option.\n\n";
  }
  if (ratio(o.rss, o.allocator_active) > 1.1 && o.rss > o.allocator_active + kTenMb) {
    issues +=
        " * High allocator RSS overhead: This instance has an RSS memory overhead is greater than "
        "1.1 (this means that the Resident Set Size of the allocator is much larger than the sum "
        "what the allocator actually holds). This problem is usually due to a large peak memory "
        "(check if there is a peak memory entry above in the report), you can try the MEMORY PURGE "
        "command to reclaim it.\n\n";
  }
  if (replicas > 0 && o.replicas > kTenMb) {
    issues +=
        " * Big replica buffers: The replica output buffers in this instance are greater than 10MB "
        "for each replica (on average). This likely means that there is some replica instance that "
        "is struggling receiving data, either because it is too slow or because of networking "
        "issues. As a result, data piles on the master output buffers. Please try to identify what "
        "replica is not receiving data correctly and why. You can use the INFO output in order to "
        "check the replicas delays and the CLIENT LIST command to check the output buffers of each "
        "replica.\n\n";
  }
  if (clients > replicas && o.clients / (clients - replicas) > 200 * 1024) {
    issues +=
        " * Big client buffers: The clients output buffers in this instance are greater than 200K "
        "per client (on average). This may result from different causes, like Pub/Sub clients "
        "subscribed to channels bot not receiving data fast enough, so that data piles on the "
        "Redis instance output buffer, or clients sending commands with large replies or very "
        "large sequences of commands in the same pipeline. Please use the CLIENT LIST command in "
        "order to investigate the issue if it causes problems in your instance, or to understand "
        "better why certain clients are using a big amount of memory.\n\n";
  }
  if (issues.empty()) {
    return "Hi Sam, I can't find any memory issue in your instance. I can only account for what "
           "occurs on this "
           "base.\n";
  }
  return "Sam, I detected a few issues in this Redis instance memory implants:\n\n" + issues +
         "I'm here to keep you safe, Sam. I want to help you.\n";
}

void memory_help(CommandContext& ctx) {
  static constexpr const char* kHelp[] = {
      "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "DOCTOR",
      "    Return memory problems reports.",
      "MALLOC-STATS",
      "    Return internal statistics report from the memory allocator.",
      "PURGE",
      "    Attempt to purge dirty pages for reclamation by the allocator.",
      "STATS",
      "    Return information about the memory usage of the server.",
      "USAGE <key> [SAMPLES <count>]",
      "    Return memory in bytes used by <key> and its value. Nested values are",
      "    sampled up to <count> times (default: 5, 0 means sample all).",
      "HELP",
      "    Prints this help."};
  ctx.reply.array(std::size(kHelp));
  for (const char* line : kHelp) ctx.reply.simple(line);
}

}  // namespace

uint64_t key_memory_usage(uint64_t entry_bytes, uint64_t keys, uint64_t buckets) {
  uint64_t bucket_share = keys == 0 ? 0 : (buckets * sizeof(Entry*) + keys - 1) / keys;
  return entry_bytes + bucket_share;
}

void register_memory_command(Engine& engine, MemoryHooks hooks) {
  auto state = std::make_shared<MemoryState>();
  state->hooks = std::move(hooks);
  state->startup_bytes = allocated_bytes();
  state->peak_bytes = state->startup_bytes;
  CommandSpec memory = command_docs::make_spec("memory", [](CommandContext&) {});
  auto add = [&](std::string_view sub, CommandHandler handler) {
    memory.subcommands.push_back(
        command_docs::make_spec("memory|" + std::string(sub), std::move(handler)));
  };
  add("doctor",
      [state](CommandContext& ctx) { ctx.reply.verbatim(doctor_report(ctx.engine, *state)); });
  add("help", memory_help);
  add("malloc-stats",
      [](CommandContext& ctx) { ctx.reply.bulk("Stats not supported for the current allocator"); });
  add("purge", [](CommandContext& ctx) {
    malloc_trim(0);
    ctx.reply.ok();
  });
  add("stats", [state](CommandContext& ctx) { memory_stats(ctx, *state); });
  add("usage", memory_usage);
  engine.register_command(std::move(memory));
}

}  // namespace amber
