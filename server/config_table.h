// The table of Redis 7.0's configuration parameters: for each one its name,
// alias, kind, flags, bounds and default, as config.c's standardConfig table
// declares them. Everything else in the config module (file parsing, CONFIG
// GET/SET/REWRITE, typed getters) is driven from this one table, so adding a
// parameter is one line here.
//
// Internal to server/config*.cc.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace amber::config {

enum class ParamType : uint8_t { kBool, kString, kEnum, kNumeric, kSpecial };

// Redis's per-parameter flags (server.h *_CONFIG).
enum ParamFlag : uint32_t {
  kImmutable = 1 << 0,    // only at startup: CONFIG SET refuses it
  kSensitive = 1 << 1,    // value is a secret (redacted from logs)
  kDebug = 1 << 2,        // listed by DEBUG CONFIG
  kMultiArg = 1 << 3,     // takes several words ("save 3600 1 300 100")
  kHidden = 1 << 4,       // CONFIG GET only by exact name, never by pattern
  kProtected = 1 << 5,    // settable only if enable-protected-configs allows
  kDenyLoading = 1 << 6,  // CONFIG SET refused while loading the dataset
};

// How a numeric parameter is written (config.c: MEMORY/PERCENT/OCTAL_CONFIG).
enum NumericFlag : uint8_t {
  kInteger = 0,
  kMemory = 1 << 0,   // accepts units: k kb m mb g gb (b)
  kPercent = 1 << 1,  // accepts "N%", stored as -N
  kOctal = 1 << 2,    // parsed and printed in base 8
};

// The parameters whose syntax is their own (config.c: createSpecialConfig).
enum class Special : uint8_t {
  kNone,
  kDir,
  kSave,
  kClientOutputBufferLimit,
  kOomScoreAdjValues,
  kNotifyKeyspaceEvents,
  kBind,
  kReplicaOf,
  kLatencyTrackingInfoPercentiles,
};

struct EnumItem {
  const char* name;
  int value;
};

using NumericValidator = bool (*)(int64_t value, std::string* error);
using StringValidator = bool (*)(std::string_view value, std::string* error);

struct ParamSpec {
  const char* name;
  const char* alias;  // nullptr when the parameter has no second name
  ParamType type;
  uint32_t flags;
  int64_t default_num = 0;            // bool (0/1), enum value, number
  const char* default_str = nullptr;  // strings; nullptr is Redis's NULL
  bool empty_is_null = false;         // strings: "" stores NULL
  uint8_t numeric_flags = kInteger;
  bool unsigned_bounds = false;  // unsigned C type: bounds compare unsigned
  int64_t lower = 0;
  int64_t upper = 0;
  std::span<const EnumItem> enum_items;
  Special special = Special::kNone;
  NumericValidator validate_num = nullptr;  // bool, enum and numeric
  StringValidator validate_str = nullptr;
};

// Every parameter of Redis 7.0.15 (built with TLS, as Debian's redis-server
// is), in config.c's order.
std::span<const ParamSpec> param_table();

// Redis's client classes for client-output-buffer-limit, in its order.
inline constexpr int kClientClassCount = 3;
inline constexpr const char* kClientClassNames[kClientClassCount] = {"normal", "slave", "pubsub"};

struct ClientBufferLimit {
  uint64_t hard_bytes = 0;
  uint64_t soft_bytes = 0;
  int64_t soft_seconds = 0;
  bool operator==(const ClientBufferLimit&) const = default;
};
inline constexpr ClientBufferLimit kDefaultClientBufferLimits[kClientClassCount] = {
    {0, 0, 0},
    {256ULL * 1024 * 1024, 64ULL * 1024 * 1024, 60},
    {32ULL * 1024 * 1024, 8ULL * 1024 * 1024, 60},
};

inline constexpr int kOomScoreAdjCount = 3;
inline constexpr int kDefaultOomScoreAdjValues[kOomScoreAdjCount] = {0, 200, 800};

inline constexpr const char* kDefaultBind[] = {"*", "-::*"};
inline constexpr int kBindAddrMax = 16;

inline constexpr int kMinHz = 1;
inline constexpr int kMaxHz = 500;

}  // namespace amber::config
