// The AOF loader: replays a multi-part AOF (manifest.h) — the base file
// (RDB preamble or RESP) then every incremental file in order — into an
// engine, by running each command through Engine::execute with a session
// of its own, as redis-server's fake AOF client does.
//
// Fault model on load: only the tail of the *last* file may be torn by a
// crash. A record cut short there (or a MULTI without its EXEC) is cut off
// and the file truncated when `load_truncated` (aof-load-truncated yes),
// with a warning; otherwise loading fails. Anything else — bad bytes, an
// unknown command, a torn file that is not the last, a missing file — is an
// error naming the file and offset. On error the engine holds whatever was
// applied before it; the caller refuses to start.
//
// Single-threaded; no propagation sink may be installed while loading.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/io/file_system.h"
#include "core/persist/manifest.h"
#include "core/status.h"

namespace amber {

class Engine;

struct AofLoadOptions {
  bool load_truncated = true;   // aof-load-truncated
  bool verify_checksum = true;  // rdbchecksum, for the RDB preamble
  // Warnings and notices for the log ("!!! Warning: short read ...").
  std::function<void(const std::string&)> log;
  // Called every kProgressCommands commands replayed and every 2 MiB of an
  // RDB preamble, so that the host can serve clients (-LOADING) during a
  // long load (Redis's processEventsWhileBlocked). May be empty.
  std::function<void()> progress;
  static constexpr uint64_t kProgressCommands = 1024;
};

struct AofLoadResult {
  uint64_t commands = 0;      // commands replayed (MULTI/EXEC/SELECT included)
  uint64_t rdb_keys = 0;      // keys from RDB preambles
  bool truncated = false;     // a torn tail was cut
  uint64_t truncated_at = 0;  // ... at this offset of the last file
  uint64_t base_size = 0;     // bytes of the base file
  uint64_t total_size = 0;    // bytes of all files loaded
};

// Loads one file with the engine in loading mode (nothing expires, as in
// Redis while loading). `is_last`: a torn tail may be cut (per options).
Status load_aof_file(FileSystem& fs, const std::string& path, bool is_last, Engine& engine,
                     const AofLoadOptions& options, AofLoadResult* result);

// Loads every file the manifest lists from `aof_dir`, base first.
Status load_aof_files(FileSystem& fs, const std::string& aof_dir, const AofManifest& manifest,
                      Engine& engine, const AofLoadOptions& options, AofLoadResult* result);

// Reads `dir/name` whole.
Status read_whole_file(FileSystem& fs, const std::string& path, std::string* out);

}  // namespace amber
