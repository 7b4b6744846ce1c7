// INFO: Redis 7.0's sections, field names and order (server.c
// genRedisInfoString) for everything amber has; fields for machinery amber
// does not have yet (replicas, forks, scripts, defrag) report Redis's idle
// values, so monitoring tools parse the output unchanged. Sections:
// `INFO` / `INFO default` (the default set), `all` (plus commandstats and
// latencystats), `everything`, or any list of names; an unknown name gives
// an empty reply.
#include <malloc.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <set>

#include "core/args.h"
#include "server/aof_persistence.h"
#include "server/config.h"
#include "server/format.h"
#include "server/nvm_persistence_host.h"
#include "server/rdb_persistence.h"
#include "server/server.h"

namespace amber {
namespace {

constexpr std::string_view kDefaultSections[] = {
    "server", "clients",     "memory",     "persistence", "stats",   "replication",
    "cpu",    "module_list", "errorstats", "cluster",     "keyspace"};

struct SectionSet {
  std::set<std::string> names;
  bool all = false;
  bool everything = false;
  bool wants(std::string_view name) const { return all || names.count(std::string(name)) != 0; }
};

SectionSet parse_sections(ArgList args) {
  SectionSet s;
  if (args.empty()) {
    for (std::string_view name : kDefaultSections) s.names.emplace(name);
    return s;
  }
  for (std::string_view arg : args) {
    std::string name(arg);
    std::transform(name.begin(), name.end(), name.begin(), ::tolower);
    if (name == "default") {
      for (std::string_view d : kDefaultSections) s.names.emplace(d);
    } else if (name == "all") {
      s.all = true;
    } else if (name == "everything") {
      s.all = s.everything = true;
    } else {
      s.names.insert(std::move(name));
    }
  }
  return s;
}

std::string bytes_to_human(uint64_t n) {
  static constexpr const char* kUnits = "KMGTP";
  if (n < 1024) return string_printf("%lluB", static_cast<unsigned long long>(n));
  double d = static_cast<double>(n);
  for (int i = 0; i < 5; ++i) {
    d /= 1024;
    if (d < 1024 || i == 4) return string_printf("%.2f%c", d, kUnits[i]);
  }
  return {};
}

uint64_t allocator_used_bytes() {
  struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
}

uint64_t process_rss_bytes() {
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  unsigned long long size = 0, resident = 0;
  int n = std::fscanf(f, "%llu %llu", &size, &resident);
  std::fclose(f);
  return n == 2 ? resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE)) : 0;
}

uint64_t total_system_memory() {
  return static_cast<uint64_t>(sysconf(_SC_PHYS_PAGES)) *
         static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

void server_section(Server& server, std::string* out) {
  utsname name;
  uname(&name);
  int64_t now_us = server.engine().clock().now_us();
  int64_t uptime = now_us / 1'000'000 - server.start_time_s();
  append_printf(
      out,
      "# Server\r\nredis_version:%.*s\r\namber_version:%.*s\r\nredis_git_sha1:00000000\r\n"
      "redis_git_dirty:0\r\nredis_build_id:0\r\nredis_mode:standalone\r\nos:%s %s %s\r\n"
      "arch_bits:%d\r\nmonotonic_clock:POSIX clock_gettime\r\nmultiplexing_api:epoll\r\n"
      "atomicvar_api:c11-builtin\r\ngcc_version:%d.%d.%d\r\nprocess_id:%lld\r\n"
      "process_supervised:no\r\nrun_id:%s\r\ntcp_port:%d\r\nserver_time_usec:%lld\r\n"
      "uptime_in_seconds:%lld\r\nuptime_in_days:%lld\r\nhz:%d\r\nconfigured_hz:%d\r\n"
      "lru_clock:%u\r\nexecutable:%s\r\nconfig_file:%s\r\nio_threads_active:0\r\n",
      static_cast<int>(Server::kRedisVersion.size()), Server::kRedisVersion.data(),
      static_cast<int>(Server::kAmberVersion.size()), Server::kAmberVersion.data(), name.sysname,
      name.release, name.machine, static_cast<int>(sizeof(void*) * 8), __GNUC__, __GNUC_MINOR__,
      __GNUC_PATCHLEVEL__, static_cast<long long>(getpid()), server.run_id().c_str(),
      server.tcp_port(), static_cast<long long>(now_us), static_cast<long long>(uptime),
      static_cast<long long>(uptime / 86400), server.hz(), server.settings().configured_hz,
      server.engine().lru_clock(), server.executable().c_str(),
      server.config().config_file().c_str());
}

void clients_section(Server& server, std::string* out) {
  size_t max_in = 0, max_out = 0;
  for (const auto& [id, c] : server.clients()) {
    max_in = std::max(max_in, c->parser.total_bytes());
    max_out = std::max(max_out, c->out.size());
  }
  append_printf(out,
                "# Clients\r\nconnected_clients:%zu\r\ncluster_connections:0\r\nmaxclients:%lld\r\n"
                "client_recent_max_input_buffer:%zu\r\nclient_recent_max_output_buffer:%zu\r\n"
                "blocked_clients:0\r\ntracking_clients:0\r\nclients_in_timeout_table:0\r\n",
                server.clients().size(), static_cast<long long>(server.settings().maxclients),
                max_in, max_out);
}

}  // namespace

void memory_section(Server& server, std::string* out);
void persistence_section(Server& server, std::string* out);
void stats_section(Server& server, std::string* out);
void replication_section(Server& server, std::string* out);
void cpu_section(std::string* out);
void commandstats_section(Server& server, std::string* out);
void errorstats_section(Server& server, std::string* out);
void keyspace_section(Server& server, std::string* out);

std::string generate_info(Server& server, ArgList args) {
  SectionSet s = parse_sections(args);
  std::string out;
  int sections = 0;
  auto section = [&](std::string_view name, auto&& emit) {
    if (!s.wants(name)) return;
    if (sections++ > 0) out.append("\r\n");
    emit();
  };
  section("server", [&] { server_section(server, &out); });
  section("clients", [&] { clients_section(server, &out); });
  section("memory", [&] { memory_section(server, &out); });
  section("persistence", [&] { persistence_section(server, &out); });
  section("stats", [&] { stats_section(server, &out); });
  section("replication", [&] { replication_section(server, &out); });
  section("cpu", [&] { cpu_section(&out); });
  if (s.all || s.names.count("module_list") || s.names.count("modules")) {
    if (sections++ > 0) out.append("\r\n");
    out.append("# Modules\r\n");
  }
  section("commandstats", [&] { commandstats_section(server, &out); });
  section("errorstats", [&] { errorstats_section(server, &out); });
  section("latencystats", [&] { out.append("# Latencystats\r\n"); });
  section("cluster", [&] { out.append("# Cluster\r\ncluster_enabled:0\r\n"); });
  section("keyspace", [&] { keyspace_section(server, &out); });
  // amber's own section: by name, or with all/everything when NVM mode is on.
  if (s.names.count("nvm") || (s.all && server.nvm().enabled())) {
    if (sections++ > 0) out.append("\r\n");
    out.append(server.nvm().info_section());
  }
  return out;
}

void memory_section(Server& server, std::string* out) {
  uint64_t used = allocator_used_bytes();
  ServerStats& stats = server.stats();
  stats.peak_memory = std::max(stats.peak_memory, used);
  uint64_t rss = process_rss_bytes();
  uint64_t system = total_system_memory();
  const ServerSettings& settings = server.settings();
  double frag = used > 0 ? static_cast<double>(rss) / static_cast<double>(used) : 0;
  append_printf(
      out,
      "# Memory\r\nused_memory:%llu\r\nused_memory_human:%s\r\nused_memory_rss:%llu\r\n"
      "used_memory_rss_human:%s\r\nused_memory_peak:%llu\r\nused_memory_peak_human:%s\r\n"
      "used_memory_peak_perc:%.2f%%\r\nused_memory_overhead:0\r\nused_memory_startup:0\r\n"
      "used_memory_dataset:%llu\r\nused_memory_dataset_perc:100.00%%\r\n"
      "allocator_allocated:%llu\r\nallocator_active:%llu\r\nallocator_resident:%llu\r\n"
      "total_system_memory:%llu\r\ntotal_system_memory_human:%s\r\nused_memory_lua:32768\r\n"
      "used_memory_vm_eval:32768\r\nused_memory_lua_human:32.00K\r\nused_memory_scripts_eval:0\r\n"
      "number_of_cached_scripts:0\r\nnumber_of_functions:0\r\nnumber_of_libraries:0\r\n"
      "used_memory_vm_functions:33792\r\nused_memory_vm_total:66560\r\n"
      "used_memory_vm_total_human:65.00K\r\nused_memory_functions:200\r\nused_memory_scripts:"
      "200\r\n"
      "used_memory_scripts_human:200B\r\nmaxmemory:%lld\r\nmaxmemory_human:%s\r\n"
      "maxmemory_policy:%s\r\nallocator_frag_ratio:1.00\r\nallocator_frag_bytes:0\r\n"
      "allocator_rss_ratio:1.00\r\nallocator_rss_bytes:0\r\nrss_overhead_ratio:1.00\r\n"
      "rss_overhead_bytes:0\r\nmem_fragmentation_ratio:%.2f\r\nmem_fragmentation_bytes:%lld\r\n"
      "mem_not_counted_for_evict:0\r\nmem_replication_backlog:0\r\n"
      "mem_total_replication_buffers:0\r\nmem_clients_slaves:0\r\nmem_clients_normal:0\r\n"
      "mem_cluster_links:0\r\nmem_aof_buffer:0\r\nmem_allocator:libc\r\n"
      "active_defrag_running:0\r\nlazyfree_pending_objects:0\r\nlazyfreed_objects:0\r\n",
      static_cast<unsigned long long>(used), bytes_to_human(used).c_str(),
      static_cast<unsigned long long>(rss), bytes_to_human(rss).c_str(),
      static_cast<unsigned long long>(stats.peak_memory), bytes_to_human(stats.peak_memory).c_str(),
      stats.peak_memory > 0
          ? 100.0 * static_cast<double>(used) / static_cast<double>(stats.peak_memory)
          : 0.0,
      static_cast<unsigned long long>(used), static_cast<unsigned long long>(used),
      static_cast<unsigned long long>(used), static_cast<unsigned long long>(rss),
      static_cast<unsigned long long>(system), bytes_to_human(system).c_str(),
      static_cast<long long>(settings.maxmemory),
      bytes_to_human(static_cast<uint64_t>(settings.maxmemory)).c_str(),
      settings.maxmemory_policy.c_str(), frag,
      static_cast<long long>(rss) - static_cast<long long>(used));
}

void persistence_section(Server& server, std::string* out) {
  *out += "# Persistence\r\n";
  *out += server.rdb().info_fields();
  *out += server.aof().info_fields();
  *out += server.rdb().loading_info_fields();
}

}  // namespace amber
