// The INFO sections driven by counters (stats, replication, cpu,
// commandstats, errorstats, keyspace) and the INFO command itself. Field
// names and formats are Redis 7.0's (server.c genRedisInfoString).
#include <sys/resource.h>

#include "server/format.h"
#include "server/server.h"

namespace amber {

void stats_section(Server& server, std::string* out) {
  const EngineStats& es = server.engine().stats();
  const ServerStats& ss = server.stats();
  auto inst = [](const ServerStats::Metric& m) {
    double sum = 0;
    for (double v : m.samples) sum += static_cast<double>(static_cast<long long>(v));
    return static_cast<long long>(sum) / ServerStats::kSamples;
  };
  append_printf(
      out,
      "# Stats\r\ntotal_connections_received:%llu\r\ntotal_commands_processed:%llu\r\n"
      "instantaneous_ops_per_sec:%lld\r\ntotal_net_input_bytes:%llu\r\n"
      "total_net_output_bytes:%llu\r\ntotal_net_repl_input_bytes:0\r\n"
      "total_net_repl_output_bytes:0\r\ninstantaneous_input_kbps:%.2f\r\n"
      "instantaneous_output_kbps:%.2f\r\ninstantaneous_input_repl_kbps:0.00\r\n"
      "instantaneous_output_repl_kbps:0.00\r\nrejected_connections:%llu\r\nsync_full:0\r\n"
      "sync_partial_ok:0\r\nsync_partial_err:0\r\nexpired_keys:%llu\r\nexpired_stale_perc:%.2f\r\n"
      "expired_time_cap_reached_count:%llu\r\nexpire_cycle_cpu_milliseconds:%llu\r\n"
      "evicted_keys:0\r\nevicted_clients:0\r\ntotal_eviction_exceeded_time:0\r\n"
      "current_eviction_exceeded_time:0\r\nkeyspace_hits:%llu\r\nkeyspace_misses:%llu\r\n"
      "pubsub_channels:0\r\npubsub_patterns:0\r\npubsubshard_channels:0\r\nlatest_fork_usec:0\r\n"
      "total_forks:0\r\nmigrate_cached_sockets:0\r\nslave_expires_tracked_keys:0\r\n"
      "active_defrag_hits:0\r\nactive_defrag_misses:0\r\nactive_defrag_key_hits:0\r\n"
      "active_defrag_key_misses:0\r\ntotal_active_defrag_time:0\r\n"
      "current_active_defrag_time:0\r\ntracking_total_keys:0\r\ntracking_total_items:0\r\n"
      "tracking_total_prefixes:0\r\nunexpected_error_replies:%llu\r\ntotal_error_replies:%llu\r\n"
      "dump_payload_sanitizations:0\r\ntotal_reads_processed:%llu\r\n"
      "total_writes_processed:%llu\r\nio_threaded_reads_processed:0\r\n"
      "io_threaded_writes_processed:0\r\nreply_buffer_shrinks:0\r\nreply_buffer_expands:0\r\n",
      static_cast<unsigned long long>(ss.connections_received),
      static_cast<unsigned long long>(es.total_commands_processed), inst(ss.ops),
      static_cast<unsigned long long>(ss.net_input_bytes),
      static_cast<unsigned long long>(ss.net_output_bytes),
      static_cast<double>(inst(ss.net_input)) / 1024,
      static_cast<double>(inst(ss.net_output)) / 1024,
      static_cast<unsigned long long>(ss.rejected_connections),
      static_cast<unsigned long long>(es.expired_keys), es.expired_stale_perc * 100,
      static_cast<unsigned long long>(es.expired_time_cap_reached_count),
      static_cast<unsigned long long>(es.expire_cycle_cpu_milliseconds),
      static_cast<unsigned long long>(es.keyspace_hits),
      static_cast<unsigned long long>(es.keyspace_misses),
      static_cast<unsigned long long>(es.unexpected_error_replies),
      static_cast<unsigned long long>(es.total_error_replies),
      static_cast<unsigned long long>(ss.reads_processed),
      static_cast<unsigned long long>(ss.writes_processed));
}

void replication_section(Server& server, std::string* out) {
  append_printf(
      out,
      "# Replication\r\nrole:master\r\nconnected_slaves:0\r\nmaster_failover_state:no-failover\r\n"
      "master_replid:%s\r\nmaster_replid2:0000000000000000000000000000000000000000\r\n"
      "master_repl_offset:0\r\nsecond_repl_offset:-1\r\nrepl_backlog_active:0\r\n"
      "repl_backlog_size:1048576\r\nrepl_backlog_first_byte_offset:0\r\n"
      "repl_backlog_histlen:0\r\n",
      server.replid().c_str());
}

void cpu_section(std::string* out) {
  rusage self{}, children{}, thread{};
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &children);
  getrusage(RUSAGE_THREAD, &thread);
  auto tv = [](const timeval& t) { return std::pair<long, long>(t.tv_sec, t.tv_usec); };
  auto [ss, su] = tv(self.ru_stime);
  auto [us, uu] = tv(self.ru_utime);
  auto [css, csu] = tv(children.ru_stime);
  auto [cus, cuu] = tv(children.ru_utime);
  auto [tss, tsu] = tv(thread.ru_stime);
  auto [tus, tuu] = tv(thread.ru_utime);
  append_printf(out,
                "# CPU\r\nused_cpu_sys:%ld.%06ld\r\nused_cpu_user:%ld.%06ld\r\n"
                "used_cpu_sys_children:%ld.%06ld\r\nused_cpu_user_children:%ld.%06ld\r\n"
                "used_cpu_sys_main_thread:%ld.%06ld\r\nused_cpu_user_main_thread:%ld.%06ld\r\n",
                ss, su, us, uu, css, csu, cus, cuu, tss, tsu, tus, tuu);
}

namespace {

// INFO keys must not break the "name:value\r\n" format (getSafeInfoString).
std::string safe_info_name(std::string_view name) {
  std::string out(name);
  for (char& c : out) {
    if (c == '#' || c == ':' || c == '\n' || c == '\r') c = '_';
  }
  return out;
}

void append_command_stats(const CommandSpec& spec, std::string* out) {
  if (spec.calls || spec.failed_calls || spec.rejected_calls) {
    append_printf(out,
                  "cmdstat_%s:calls=%llu,usec=%llu,usec_per_call=%.2f,rejected_calls=%llu,"
                  "failed_calls=%llu\r\n",
                  safe_info_name(spec.name).c_str(), static_cast<unsigned long long>(spec.calls),
                  static_cast<unsigned long long>(spec.usec),
                  spec.calls == 0 ? 0.0
                                  : static_cast<double>(static_cast<float>(spec.usec) /
                                                        static_cast<float>(spec.calls)),
                  static_cast<unsigned long long>(spec.rejected_calls),
                  static_cast<unsigned long long>(spec.failed_calls));
  }
  for (const CommandSpec& sub : spec.subcommands) append_command_stats(sub, out);
}

}  // namespace

void commandstats_section(Server& server, std::string* out) {
  out->append("# Commandstats\r\n");
  for (const CommandSpec* spec : server.engine().all_commands()) append_command_stats(*spec, out);
}

void errorstats_section(Server& server, std::string* out) {
  out->append("# Errorstats\r\n");
  for (const auto& [code, count] : server.engine().stats().errorstats) {
    append_printf(out, "errorstat_%s:count=%llu\r\n", safe_info_name(code).c_str(),
                  static_cast<unsigned long long>(count));
  }
}

void keyspace_section(Server& server, std::string* out) {
  out->append("# Keyspace\r\n");
  Engine& engine = server.engine();
  // Resident counts: INFO must stay cheap while an NVM restart is still
  // moving keys into memory (then the counts grow to the full keyspace and
  // INFO nvm says nvm_fill_in_progress:1); otherwise they are the totals.
  for (int i = 0; i < engine.db_count(); ++i) {
    Db& db = engine.db(i);
    if (db.resident_size() == 0 && db.resident_volatile_count() == 0) continue;
    append_printf(out, "db%d:keys=%zu,expires=%zu,avg_ttl=0\r\n", i, db.resident_size(),
                  db.resident_volatile_count());
  }
}

void register_info_command(Server& server) {
  Server* s = &server;
  server.engine().register_command({.name = "info",
                                    .arity = -1,
                                    .flags = kCmdLoading | kCmdStale,
                                    .handler = [s](CommandContext& ctx) {
                                      ctx.reply.verbatim(generate_info(*s, ctx.argv.subspan(1)));
                                    }});
}

}  // namespace amber
