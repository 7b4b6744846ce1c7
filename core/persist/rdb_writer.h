// RdbWriter: serialises a keyspace to an RDB version 10 file that
// redis-server 7.0 loads, byte for byte in the form redis-server 7.0 would
// write it (see rdb_format.h): same AUX fields, same choice between integer,
// LZF and verbatim string encodings, same CRC-64 trailer.
//
// It is incremental so that the fork-less snapshotter can drive it one key at
// a time between engine steps:
//
//   RdbWriter w(sink, options);
//   w.write_header();
//   for each non-empty db: w.begin_db(index, keys, keys_with_expire);
//                          w.write_entry(e) for each key
//   w.finish();
//
// Bytes go to an RdbSink (a WritableFile, a memory buffer, later a replica
// socket) in chunks of up to 64 KiB. After any sink error the writer is
// poisoned: every later call returns that error. Single-threaded.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/db.h"
#include "core/io/file_system.h"
#include "core/status.h"

namespace amber {

class Engine;

// Where an RDB goes.
class RdbSink {
 public:
  RdbSink() = default;
  RdbSink(const RdbSink&) = delete;
  RdbSink& operator=(const RdbSink&) = delete;
  virtual ~RdbSink() = default;
  virtual Status write(std::string_view bytes) = 0;
};

// Appends to a string (DUMP, tests, replication buffers).
class StringRdbSink final : public RdbSink {
 public:
  explicit StringRdbSink(std::string* out) : out_(out) {}
  Status write(std::string_view bytes) override {
    out_->append(bytes);
    return {};
  }

 private:
  std::string* out_;
};

// Appends to a file. Durability is the caller's: sync the file afterwards.
class FileRdbSink final : public RdbSink {
 public:
  explicit FileRdbSink(WritableFile& file) : file_(file) {}
  Status write(std::string_view bytes) override { return file_.append(bytes); }

 private:
  WritableFile& file_;
};

struct RdbWriteOptions {
  bool compression = true;      // rdbcompression
  bool checksum = true;         // rdbchecksum; when off the trailer is 0
  bool aof_base = false;        // AUX aof-base: 1 when the file is an AOF base
  int64_t ctime_s = 0;          // AUX ctime: the caller's clock (core has no wall clock)
  uint64_t used_mem_bytes = 0;  // AUX used-mem
};

class RdbWriter {
 public:
  RdbWriter(RdbSink& sink, const RdbWriteOptions& options);
  RdbWriter(const RdbWriter&) = delete;
  RdbWriter& operator=(const RdbWriter&) = delete;

  // Magic and the AUX fields redis-server 7.0 writes. Call once, first.
  Status write_header();
  // An extra AUX field. Only between write_header and the first begin_db.
  Status write_aux(std::string_view key, std::string_view value);
  // A FUNCTION LOAD library (its code). Only before the first begin_db.
  Status write_function(std::string_view library_code);
  // Starts database `db_index`. `keys` and `keys_with_expire` are RESIZEDB
  // hints; redis-server writes the exact counts. Skip empty databases.
  Status begin_db(int db_index, uint64_t keys, uint64_t keys_with_expire);
  // One string key; expire_ms is absolute Unix ms or kNoExpire.
  Status write_string_key(std::string_view key, std::string_view value, int64_t expire_ms);
  // One key of the current database, of any type amber has.
  Status write_entry(const Entry& entry);
  // Key records serialised earlier with append_rdb_key (the snapshotter's
  // copy-on-write side buffer), `keys` of them, for the current database.
  Status write_serialized_keys(std::string_view records, uint64_t keys);
  // EOF opcode, checksum, and hands every byte to the sink.
  Status finish();

  // Bytes produced so far (including those still buffered).
  uint64_t bytes_written() const { return flushed_bytes_ + buffer_.size(); }
  uint64_t keys_written() const { return keys_written_; }

 private:
  Status check_usable() const;
  Status maybe_flush();
  Status flush_buffer();
  void append_string(std::string_view s);

  enum class Phase { kStart, kHeader, kDbs, kFinished };

  RdbSink& sink_;
  RdbWriteOptions options_;
  Phase phase_ = Phase::kStart;
  std::string buffer_;
  std::string lzf_scratch_;
  uint64_t crc_ = 0;
  uint64_t flushed_bytes_ = 0;
  uint64_t keys_written_ = 0;
  Status failed_;
};

// The whole keyspace: dbs[i] is database i; empty ones are skipped.
Status write_rdb(std::span<Db* const> dbs, RdbSink& sink, const RdbWriteOptions& options);
Status write_rdb(Engine& engine, RdbSink& sink, const RdbWriteOptions& options);
// Saves to dir/name crash-safely (temp file, sync, rename, sync dir).
Status save_rdb_file(FileSystem& fs, const std::string& dir, const std::string& name,
                     std::span<Db* const> dbs, const RdbWriteOptions& options);

// The engine's databases in index order.
std::vector<Db*> engine_dbs(Engine& engine);

// Encoding primitives, shared with DUMP/RESTORE and tests.
void append_rdb_length(std::string* out, uint64_t length);
// One string key record (expire opcode, type, key, value) as write_entry
// writes it.
void append_rdb_key(std::string* out, const Entry& entry, bool compress, std::string* scratch);
// A string as redis-server encodes it (integer, LZF when `compress`, or
// verbatim). `scratch` is reused for LZF output.
void append_rdb_string(std::string* out, std::string_view s, bool compress, std::string* scratch);

}  // namespace amber
