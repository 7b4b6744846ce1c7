// Redis 7.0.15's configuration parameters as data: name, alias, kind, flags,
// bounds and default of each, in the order of config.c's standardConfig
// table, with the enum value sets and the validators that some parameters
// add to their kind's generic checks. The defaults are what `CONFIG GET`
// prints on a fresh redis-server (tests/server/data/redis7_config_defaults.tsv
// pins them).
#include "server/config_table.h"

#include <climits>
#include <cstdint>
#include <string>
#include <string_view>

namespace amber::config {
namespace {

// --- enum value sets (names and values are Redis's) ---
constexpr EnumItem kMaxmemoryPolicy[] = {
    {"volatile-lru", 1}, {"volatile-lfu", 2}, {"volatile-random", 3}, {"volatile-ttl", 4},
    {"allkeys-lru", 5},  {"allkeys-lfu", 6},  {"allkeys-random", 7},  {"noeviction", 8},
};
constexpr EnumItem kSyslogFacility[] = {
    {"user", 8},     {"local0", 128}, {"local1", 136}, {"local2", 144}, {"local3", 152},
    {"local4", 160}, {"local5", 168}, {"local6", 176}, {"local7", 184},
};
constexpr EnumItem kLoglevel[] = {{"debug", 0}, {"verbose", 1}, {"notice", 2}, {"warning", 3}};
constexpr EnumItem kSupervised[] = {{"upstart", 3}, {"systemd", 2}, {"auto", 1}, {"no", 0}};
constexpr EnumItem kAppendfsync[] = {{"everysec", 2}, {"always", 1}, {"no", 0}};
constexpr EnumItem kShutdownOnSig[] = {
    {"default", 0}, {"save", 1}, {"nosave", 2}, {"now", 4}, {"force", 8},
};
constexpr EnumItem kReplDisklessLoad[] = {{"disabled", 0}, {"on-empty-db", 1}, {"swapdb", 2}};
constexpr EnumItem kTlsAuthClients[] = {{"no", 0}, {"yes", 1}, {"optional", 2}};
constexpr EnumItem kOomScoreAdj[] = {{"no", 0}, {"yes", 1}, {"relative", 1}, {"absolute", 2}};
constexpr EnumItem kAclPubsubDefault[] = {{"allchannels", 8}, {"resetchannels", 0}};
constexpr EnumItem kSanitizeDumpPayload[] = {{"no", 0}, {"yes", 1}, {"clients", 2}};
constexpr EnumItem kProtectedAction[] = {{"no", 0}, {"yes", 1}, {"local", 2}};
constexpr EnumItem kClusterPreferredEndpointType[] = {
    {"ip", 0}, {"hostname", 1}, {"unknown-endpoint", 2}};
constexpr EnumItem kPropagationErrorBehavior[] = {
    {"ignore", 0}, {"panic", 1}, {"panic-on-replicas", 2}};

// amber's own (nvm/nvm_persistence.h): NvmBackend's values.
constexpr EnumItem kNvmBackend[] = {{"pmem", 0}, {"emulated", 1}};
constexpr int kLogLocal0 = 128;
constexpr int kMaxmemoryNoEviction = 8;
constexpr int64_t kUllongMaxAsInt64 = -1;  // ULLONG_MAX, compared unsigned
constexpr int64_t kSsizeMax = INT64_MAX;

// --- validators that some parameters add (texts are Redis's) ---

// amber has no allocator-level defragmenter; Redis built without jemalloc
// (as Debian's is) refuses the same way.
bool valid_active_defrag(int64_t value, std::string* error) {
  if (value == 0) return true;
  *error =
      "Active defragmentation cannot be enabled: it requires a Redis server compiled with a "
      "modified Jemalloc like the one shipped by default with the Redis source distribution";
  return false;
}

bool is_base_name(std::string_view path) { return path.find_first_of("/\\") == path.npos; }

bool valid_db_filename(std::string_view value, std::string* error) {
  if (is_base_name(value)) return true;
  *error = "dbfilename can't be a path, just a filename";
  return false;
}

bool valid_aof_filename(std::string_view value, std::string* error) {
  if (value.empty()) {
    *error = "appendfilename can't be empty";
    return false;
  }
  if (is_base_name(value)) return true;
  *error = "appendfilename can't be a path, just a filename";
  return false;
}

bool valid_aof_dirname(std::string_view value, std::string* error) {
  if (value.empty()) {
    *error = "appenddirname can't be empty";
    return false;
  }
  if (is_base_name(value)) return true;
  *error = "appenddirname can't be a path, just a dirname";
  return false;
}

bool valid_shutdown_on_sig(int64_t flags, std::string* error) {
  if ((flags & 1) && (flags & 2)) {
    *error = "shutdown options SAVE and NOSAVE can't be used simultaneously";
    return false;
  }
  return true;
}

bool valid_announced_hostname(std::string_view value, std::string* error) {
  if (value.size() >= 256) {
    *error = "Hostnames must be less than 256 characters";
    return false;
  }
  for (char c : value) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.';
    if (!ok) {
      *error = "Hostnames may only contain alphanumeric characters, hyphens or dots";
      return false;
    }
  }
  return true;
}

// A proc title template must expand (known {variables}, balanced braces;
// "{{" is a literal '{') to a non-empty title when the title itself is
// empty. Of the variables only {title} and {server-mode} can expand to "".
bool valid_proc_title_template(std::string_view value, std::string* error) {
  static constexpr std::string_view kVariables[] = {
      "title", "listen-addr", "server-mode", "config-file", "port", "tls-port", "unixsocket"};
  bool non_empty = false;
  size_t i = 0;
  bool ok = true;
  while (ok && i < value.size()) {
    if (value[i] != '{') {
      non_empty = true;
      ++i;
      continue;
    }
    if (i + 1 >= value.size()) {
      ok = false;
    } else if (value[i + 1] == '{') {
      non_empty = true;
      i += 2;
    } else {
      size_t close = value.find('}', i + 1);
      if (close == value.npos) {
        ok = false;
        break;
      }
      std::string_view var = value.substr(i + 1, close - i - 1);
      ok = false;
      for (std::string_view known : kVariables) ok = ok || var == known;
      if (var != "title" && var != "server-mode") non_empty = true;
      i = close + 1;
    }
  }
  if (ok && non_empty) return true;
  *error = "template format is invalid or contains unknown variables";
  return false;
}

// --- table builders, one per config.c create*Config macro ---

constexpr ParamSpec boolean(const char* name, const char* alias, uint32_t flags, bool def,
                            NumericValidator validate = nullptr) {
  return {.name = name,
          .alias = alias,
          .type = ParamType::kBool,
          .flags = flags,
          .default_num = def ? 1 : 0,
          .validate_num = validate};
}

constexpr ParamSpec string(const char* name, const char* alias, uint32_t flags, bool empty_is_null,
                           const char* def, StringValidator validate = nullptr) {
  return {.name = name,
          .alias = alias,
          .type = ParamType::kString,
          .flags = flags,
          .default_str = def,
          .empty_is_null = empty_is_null,
          .validate_str = validate};
}

constexpr ParamSpec enumeration(const char* name, uint32_t flags, std::span<const EnumItem> items,
                                int def, NumericValidator validate = nullptr) {
  return {.name = name,
          .alias = nullptr,
          .type = ParamType::kEnum,
          .flags = flags,
          .default_num = def,
          .enum_items = items,
          .validate_num = validate};
}

constexpr ParamSpec number(const char* name, const char* alias, uint32_t flags, int64_t lower,
                           int64_t upper, int64_t def, uint8_t numeric_flags = kInteger) {
  return {.name = name,
          .alias = alias,
          .type = ParamType::kNumeric,
          .flags = flags,
          .default_num = def,
          .numeric_flags = numeric_flags,
          .lower = lower,
          .upper = upper};
}

// Unsigned C types (unsigned int, unsigned long long, size_t): Redis
// compares their bounds as unsigned, so "-1" is out of range from above.
constexpr ParamSpec unsigned_number(const char* name, const char* alias, uint32_t flags,
                                    int64_t lower, int64_t upper, int64_t def,
                                    uint8_t numeric_flags = kInteger) {
  ParamSpec spec = number(name, alias, flags, lower, upper, def, numeric_flags);
  spec.unsigned_bounds = true;
  return spec;
}

constexpr ParamSpec special(const char* name, const char* alias, uint32_t flags, Special kind) {
  return {
      .name = name, .alias = alias, .type = ParamType::kSpecial, .flags = flags, .special = kind};
}

constexpr uint32_t kMod = 0;    // MODIFIABLE_CONFIG
constexpr bool kNull = true;    // EMPTY_STRING_IS_NULL
constexpr bool kEmpty = false;  // ALLOW_EMPTY_STRING

const ParamSpec kParams[] = {
    // Bool configs.
    boolean("rdbchecksum", nullptr, kImmutable, true),
    boolean("daemonize", nullptr, kImmutable, false),
    boolean("io-threads-do-reads", nullptr, kDebug | kImmutable, false),
    boolean("always-show-logo", nullptr, kImmutable, false),
    boolean("protected-mode", nullptr, kMod, true),
    boolean("rdbcompression", nullptr, kMod, true),
    boolean("rdb-del-sync-files", nullptr, kMod, false),
    boolean("activerehashing", nullptr, kMod, true),
    boolean("stop-writes-on-bgsave-error", nullptr, kMod, true),
    boolean("set-proc-title", nullptr, kImmutable, true),
    boolean("dynamic-hz", nullptr, kMod, true),
    boolean("lazyfree-lazy-eviction", nullptr, kDebug, false),
    boolean("lazyfree-lazy-expire", nullptr, kDebug, false),
    boolean("lazyfree-lazy-server-del", nullptr, kDebug, false),
    boolean("lazyfree-lazy-user-del", nullptr, kDebug, false),
    boolean("lazyfree-lazy-user-flush", nullptr, kDebug, false),
    boolean("repl-disable-tcp-nodelay", nullptr, kMod, false),
    boolean("repl-diskless-sync", nullptr, kDebug, true),
    boolean("aof-rewrite-incremental-fsync", nullptr, kMod, true),
    boolean("no-appendfsync-on-rewrite", nullptr, kMod, false),
    boolean("cluster-require-full-coverage", nullptr, kMod, true),
    boolean("rdb-save-incremental-fsync", nullptr, kMod, true),
    boolean("aof-load-truncated", nullptr, kMod, true),
    boolean("aof-use-rdb-preamble", nullptr, kMod, true),
    boolean("aof-timestamp-enabled", nullptr, kMod, false),
    boolean("cluster-replica-no-failover", "cluster-slave-no-failover", kMod, false),
    boolean("replica-lazy-flush", "slave-lazy-flush", kMod, false),
    boolean("replica-serve-stale-data", "slave-serve-stale-data", kMod, true),
    boolean("replica-read-only", "slave-read-only", kDebug, true),
    boolean("replica-ignore-maxmemory", "slave-ignore-maxmemory", kMod, true),
    boolean("jemalloc-bg-thread", nullptr, kMod, true),
    boolean("activedefrag", nullptr, kDebug, false, valid_active_defrag),
    boolean("syslog-enabled", nullptr, kImmutable, false),
    boolean("cluster-enabled", nullptr, kImmutable, false),
    boolean("appendonly", nullptr, kDenyLoading, false),
    boolean("cluster-allow-reads-when-down", nullptr, kMod, false),
    boolean("cluster-allow-pubsubshard-when-down", nullptr, kMod, true),
    boolean("crash-log-enabled", nullptr, kMod, true),
    boolean("crash-memcheck-enabled", nullptr, kMod, true),
    boolean("use-exit-on-panic", nullptr, kHidden, false),
    boolean("disable-thp", nullptr, kImmutable, true),
    boolean("cluster-allow-replica-migration", nullptr, kMod, true),
    boolean("replica-announced", nullptr, kMod, true),
    boolean("latency-tracking", nullptr, kMod, true),
    boolean("aof-disable-auto-gc", nullptr, kMod, false),
    boolean("replica-ignore-disk-write-errors", nullptr, kMod, false),

    // String configs.
    string("aclfile", nullptr, kImmutable, kEmpty, ""),
    string("unixsocket", nullptr, kImmutable, kNull, nullptr),
    string("pidfile", nullptr, kImmutable, kNull, nullptr),
    string("replica-announce-ip", "slave-announce-ip", kMod, kNull, nullptr),
    string("masteruser", nullptr, kSensitive, kNull, nullptr),
    string("cluster-announce-ip", nullptr, kMod, kNull, nullptr),
    string("cluster-config-file", nullptr, kImmutable, kEmpty, "nodes.conf"),
    string("cluster-announce-hostname", nullptr, kMod, kNull, nullptr, valid_announced_hostname),
    string("syslog-ident", nullptr, kImmutable, kEmpty, "redis"),
    string("dbfilename", nullptr, kProtected, kEmpty, "dump.rdb", valid_db_filename),
    string("appendfilename", nullptr, kImmutable, kEmpty, "appendonly.aof", valid_aof_filename),
    string("appenddirname", nullptr, kImmutable, kEmpty, "appendonlydir", valid_aof_dirname),
    string("server_cpulist", nullptr, kImmutable, kNull, nullptr),
    string("bio_cpulist", nullptr, kImmutable, kNull, nullptr),
    string("aof_rewrite_cpulist", nullptr, kImmutable, kNull, nullptr),
    string("bgsave_cpulist", nullptr, kImmutable, kNull, nullptr),
    string("ignore-warnings", nullptr, kMod, kEmpty, ""),
    string("proc-title-template", nullptr, kMod, kEmpty, "{title} {listen-addr} {server-mode}",
           valid_proc_title_template),
    string("bind-source-addr", nullptr, kMod, kNull, nullptr),
    string("logfile", nullptr, kImmutable, kEmpty, ""),

    // SDS configs (same behaviour as strings here).
    string("masterauth", nullptr, kSensitive, kNull, nullptr),
    string("requirepass", nullptr, kSensitive, kNull, nullptr),

    // Enum configs.
    enumeration("supervised", kImmutable, kSupervised, 0),
    enumeration("syslog-facility", kImmutable, kSyslogFacility, kLogLocal0),
    enumeration("repl-diskless-load", kDebug | kDenyLoading, kReplDisklessLoad, 0),
    enumeration("loglevel", kMod, kLoglevel, 2),
    enumeration("maxmemory-policy", kMod, kMaxmemoryPolicy, kMaxmemoryNoEviction),
    enumeration("appendfsync", kMod, kAppendfsync, 2),
    enumeration("oom-score-adj", kMod, kOomScoreAdj, 0),
    enumeration("acl-pubsub-default", kMod, kAclPubsubDefault, 0),
    enumeration("sanitize-dump-payload", kDebug, kSanitizeDumpPayload, 0),
    enumeration("enable-protected-configs", kImmutable, kProtectedAction, 0),
    enumeration("enable-debug-command", kImmutable, kProtectedAction, 0),
    enumeration("enable-module-command", kImmutable, kProtectedAction, 0),
    enumeration("cluster-preferred-endpoint-type", kMod, kClusterPreferredEndpointType, 0),
    enumeration("propagation-error-behavior", kMod, kPropagationErrorBehavior, 0),
    enumeration("shutdown-on-sigint", kMultiArg, kShutdownOnSig, 0, valid_shutdown_on_sig),
    enumeration("shutdown-on-sigterm", kMultiArg, kShutdownOnSig, 0, valid_shutdown_on_sig),

    // Integer configs.
    number("databases", nullptr, kImmutable, 1, INT_MAX, 16),
    number("port", nullptr, kMod, 0, 65535, 6379),
    number("io-threads", nullptr, kDebug | kImmutable, 1, 128, 1),
    number("auto-aof-rewrite-percentage", nullptr, kMod, 0, INT_MAX, 100),
    number("cluster-replica-validity-factor", "cluster-slave-validity-factor", kMod, 0, INT_MAX,
           10),
    number("list-max-listpack-size", "list-max-ziplist-size", kMod, INT_MIN, INT_MAX, -2),
    number("tcp-keepalive", nullptr, kMod, 0, INT_MAX, 300),
    number("cluster-migration-barrier", nullptr, kMod, 0, INT_MAX, 1),
    number("active-defrag-cycle-min", nullptr, kMod, 1, 99, 1),
    number("active-defrag-cycle-max", nullptr, kMod, 1, 99, 25),
    number("active-defrag-threshold-lower", nullptr, kMod, 0, 1000, 10),
    number("active-defrag-threshold-upper", nullptr, kMod, 0, 1000, 100),
    number("lfu-log-factor", nullptr, kMod, 0, INT_MAX, 10),
    number("lfu-decay-time", nullptr, kMod, 0, INT_MAX, 1),
    number("replica-priority", "slave-priority", kMod, 0, INT_MAX, 100),
    number("repl-diskless-sync-delay", nullptr, kMod, 0, INT_MAX, 5),
    number("maxmemory-samples", nullptr, kMod, 1, INT_MAX, 5),
    number("maxmemory-eviction-tenacity", nullptr, kMod, 0, 100, 10),
    number("timeout", nullptr, kMod, 0, INT_MAX, 0),
    number("replica-announce-port", "slave-announce-port", kMod, 0, 65535, 0),
    number("tcp-backlog", nullptr, kImmutable, 0, INT_MAX, 511),
    number("cluster-port", nullptr, kImmutable, 0, 65535, 0),
    number("cluster-announce-bus-port", nullptr, kMod, 0, 65535, 0),
    number("cluster-announce-port", nullptr, kMod, 0, 65535, 0),
    number("cluster-announce-tls-port", nullptr, kMod, 0, 65535, 0),
    number("repl-timeout", nullptr, kMod, 1, INT_MAX, 60),
    number("repl-ping-replica-period", "repl-ping-slave-period", kMod, 1, INT_MAX, 10),
    number("list-compress-depth", nullptr, kDebug, 0, INT_MAX, 0),
    number("rdb-key-save-delay", nullptr, kHidden, INT_MIN, INT_MAX, 0),
    number("key-load-delay", nullptr, kHidden, INT_MIN, INT_MAX, 0),
    number("active-expire-effort", nullptr, kMod, 1, 10, 1),
    number("hz", nullptr, kMod, 0, INT_MAX, 10),
    number("min-replicas-to-write", "min-slaves-to-write", kMod, 0, INT_MAX, 0),
    number("min-replicas-max-lag", "min-slaves-max-lag", kMod, 0, INT_MAX, 10),
    number("watchdog-period", nullptr, kHidden, 0, INT_MAX, 0),
    number("shutdown-timeout", nullptr, kMod, 0, INT_MAX, 10),
    number("repl-diskless-sync-max-replicas", nullptr, kMod, 0, INT_MAX, 0),

    // Unsigned int configs.
    unsigned_number("maxclients", nullptr, kMod, 1, UINT_MAX, 10000),
    unsigned_number("unixsocketperm", nullptr, kImmutable, 0, 0777, 0, kOctal),
    unsigned_number("socket-mark-id", nullptr, kImmutable, 0, UINT_MAX, 0),

    // Unsigned long configs (Redis checks their bounds signed).
    number("active-defrag-max-scan-fields", nullptr, kMod, 1, LONG_MAX, 1000),
    number("slowlog-max-len", nullptr, kMod, 0, LONG_MAX, 128),
    number("acllog-max-len", nullptr, kMod, 0, LONG_MAX, 128),

    // Long long configs.
    number("busy-reply-threshold", "lua-time-limit", kMod, 0, LONG_MAX, 5000),
    number("cluster-node-timeout", nullptr, kMod, 0, LLONG_MAX, 15000),
    number("slowlog-log-slower-than", nullptr, kMod, -1, LLONG_MAX, 10000),
    number("latency-monitor-threshold", nullptr, kMod, 0, LLONG_MAX, 0),
    number("proto-max-bulk-len", nullptr, kDebug, 1024 * 1024, LONG_MAX, 512LL * 1024 * 1024,
           kMemory),
    number("stream-node-max-entries", nullptr, kMod, 0, LLONG_MAX, 100),
    number("repl-backlog-size", nullptr, kMod, 1, LLONG_MAX, 1024 * 1024, kMemory),

    // Unsigned long long configs.
    unsigned_number("maxmemory", nullptr, kMod, 0, kUllongMaxAsInt64, 0, kMemory),
    unsigned_number("cluster-link-sendbuf-limit", nullptr, kMod, 0, kUllongMaxAsInt64, 0, kMemory),

    // Size_t configs.
    unsigned_number("hash-max-listpack-entries", "hash-max-ziplist-entries", kMod, 0, LONG_MAX,
                    512),
    unsigned_number("set-max-intset-entries", nullptr, kMod, 0, LONG_MAX, 512),
    unsigned_number("zset-max-listpack-entries", "zset-max-ziplist-entries", kMod, 0, LONG_MAX,
                    128),
    unsigned_number("active-defrag-ignore-bytes", nullptr, kMod, 1, LLONG_MAX, 100LL << 20,
                    kMemory),
    unsigned_number("hash-max-listpack-value", "hash-max-ziplist-value", kMod, 0, LONG_MAX, 64,
                    kMemory),
    unsigned_number("stream-node-max-bytes", nullptr, kMod, 0, LONG_MAX, 4096, kMemory),
    unsigned_number("zset-max-listpack-value", "zset-max-ziplist-value", kMod, 0, LONG_MAX, 64,
                    kMemory),
    unsigned_number("hll-sparse-max-bytes", nullptr, kMod, 0, LONG_MAX, 3000, kMemory),
    unsigned_number("tracking-table-max-keys", nullptr, kMod, 0, LONG_MAX, 1000000),
    unsigned_number("client-query-buffer-limit", nullptr, kDebug, 1024 * 1024, LONG_MAX,
                    1024 * 1024 * 1024, kMemory),
    number("maxmemory-clients", nullptr, kMod, -100, kSsizeMax, 0, kMemory | kPercent),

    // Other configs (time_t, off_t).
    number("repl-backlog-ttl", nullptr, kMod, 0, LONG_MAX, 60 * 60),
    number("auto-aof-rewrite-min-size", nullptr, kMod, 0, LLONG_MAX, 64 * 1024 * 1024, kMemory),
    number("loading-process-events-interval-bytes", nullptr, kHidden, 1024, INT_MAX,
           1024 * 1024 * 2),

    // TLS configs (Redis built with TLS).
    number("tls-port", nullptr, kMod, 0, 65535, 0),
    number("tls-session-cache-size", nullptr, kMod, 0, INT_MAX, 20 * 1024),
    number("tls-session-cache-timeout", nullptr, kMod, 0, INT_MAX, 300),
    boolean("tls-cluster", nullptr, kMod, false),
    boolean("tls-replication", nullptr, kMod, false),
    enumeration("tls-auth-clients", kMod, kTlsAuthClients, 1),
    boolean("tls-prefer-server-ciphers", nullptr, kMod, false),
    boolean("tls-session-caching", nullptr, kMod, true),
    string("tls-cert-file", nullptr, kMod, kNull, nullptr),
    string("tls-key-file", nullptr, kMod, kNull, nullptr),
    string("tls-key-file-pass", nullptr, kMod, kNull, nullptr),
    string("tls-client-cert-file", nullptr, kMod, kNull, nullptr),
    string("tls-client-key-file", nullptr, kMod, kNull, nullptr),
    string("tls-client-key-file-pass", nullptr, kMod, kNull, nullptr),
    string("tls-dh-params-file", nullptr, kMod, kNull, nullptr),
    string("tls-ca-cert-file", nullptr, kMod, kNull, nullptr),
    string("tls-ca-cert-dir", nullptr, kMod, kNull, nullptr),
    string("tls-protocols", nullptr, kMod, kNull, nullptr),
    string("tls-ciphers", nullptr, kMod, kNull, nullptr),
    string("tls-ciphersuites", nullptr, kMod, kNull, nullptr),

    // amber's own: NVM persistence. Hidden (CONFIG GET by exact name only)
    // so that CONFIG GET * lists what redis-server 7.0.15 lists.
    boolean("nvm-enabled", nullptr, kImmutable | kHidden, false),
    string("nvm-path", nullptr, kImmutable | kHidden, kEmpty, ""),
    unsigned_number("nvm-size", nullptr, kImmutable | kHidden, 1024 * 1024, INT64_MAX,
                    256LL * 1024 * 1024, kMemory),
    enumeration("nvm-backend", kImmutable | kHidden, kNvmBackend, 0),
    // How much unreplayed log a burst of writes may leave (the rest of the
    // replay waits for an idle loop); 0: replay at every loop iteration.
    unsigned_number("nvm-replay-lag", nullptr, kHidden, 0, INT64_MAX, 32LL * 1024 * 1024, kMemory),
    // The capacity tier (nvm/capacity_tier.h): DRAM the keyspace may use
    // before cold values are served from the NVM store; 0: no bound.
    unsigned_number("nvm-dram-max-memory", nullptr, kHidden, 0, INT64_MAX, 0, kMemory),

    // Special configs.
    special("dir", nullptr, kProtected | kDenyLoading, Special::kDir),
    special("save", nullptr, kMultiArg, Special::kSave),
    special("client-output-buffer-limit", nullptr, kMultiArg, Special::kClientOutputBufferLimit),
    special("oom-score-adj-values", nullptr, kMultiArg, Special::kOomScoreAdjValues),
    special("notify-keyspace-events", nullptr, kMod, Special::kNotifyKeyspaceEvents),
    special("bind", nullptr, kMultiArg, Special::kBind),
    special("replicaof", "slaveof", kImmutable | kMultiArg, Special::kReplicaOf),
    special("latency-tracking-info-percentiles", nullptr, kMultiArg,
            Special::kLatencyTrackingInfoPercentiles),
};

}  // namespace

std::span<const ParamSpec> param_table() { return kParams; }

}  // namespace amber::config
