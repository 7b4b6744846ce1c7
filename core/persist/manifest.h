// The multi-part AOF's manifest, in redis-server 7.0's format. The manifest
// `<appendfilename>.manifest` in `<dir>/<appenddirname>/` lists the files
// that make up the AOF, one per line:
//
//   file appendonly.aof.2.base.rdb seq 2 type b
//   file appendonly.aof.1.incr.aof seq 1 type h
//   file appendonly.aof.3.incr.aof seq 3 type i
//
// 'b' is the base (at most one, written first; `.rdb` when it has an RDB
// preamble, else `.aof`), 'h' history files awaiting deletion, 'i' the
// incremental files in replay order (strictly increasing seq). Lines
// starting with '#' are comments; extra key/value pairs are ignored for
// forward compatibility; a line is at most 1024 bytes. A file name with
// spaces or special bytes is written quoted ("..." with escapes), as
// sdscatrepr does.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace amber {

struct AofFileInfo {
  enum class Type : char { kBase = 'b', kHistory = 'h', kIncr = 'i' };
  std::string name;
  int64_t seq = 0;
  Type type = Type::kIncr;
  bool operator==(const AofFileInfo&) const = default;
};

struct AofManifest {
  std::optional<AofFileInfo> base;
  std::vector<AofFileInfo> history;
  std::vector<AofFileInfo> incr;
  int64_t base_seq = 0;  // seq of the latest base (0: none yet)
  int64_t incr_seq = 0;  // seq of the latest incr file (0: none yet)

  // The text redis-server writes: base, then history, then incr lines.
  std::string to_string() const;
  // Starts a new incremental file named after `filename` and returns it.
  const AofFileInfo& add_incr(std::string_view filename);
  // Names the next base (history gets the old base and every incr file).
  AofFileInfo next_base(std::string_view filename, bool rdb_preamble);
};

// Parses manifest text. Errors carry Redis's message ("Invalid AOF manifest
// file format", "Found duplicate base file information", ...) and the line
// number and text.
Status parse_aof_manifest(std::string_view text, AofManifest* manifest);

// Names: "<filename>.manifest", "<filename>.<seq>.incr.aof",
// "<filename>.<seq>.base.rdb|aof".
std::string aof_manifest_name(std::string_view filename);
std::string aof_incr_name(std::string_view filename, int64_t seq);
std::string aof_base_name(std::string_view filename, int64_t seq, bool rdb_preamble);

}  // namespace amber
