// RDB serialisation. The encoding choices copy redis-server 7.0's observable
// behaviour so that a file saved by amber is the file redis-server would
// save for the same keyspace (up to key order, ctime and used-mem): strings
// that are canonical integers fitting 32 bits become INT8/16/32, longer ones
// are LZF-compressed when that saves at least 4 bytes, the rest verbatim.
//
// Bytes are staged in a 64 KiB buffer and checksummed as they leave it, so
// the CRC costs one pass over each chunk while it is still in cache, and the
// sink sees few, large writes.
#include "core/persist/rdb_writer.h"

extern "C" {
#include <liblzf/lzf.h>
}

#include <charconv>
#include <cstdio>

#include "core/assert.h"
#include "core/engine.h"
#include "core/persist/crc64.h"
#include "core/persist/rdb_format.h"

namespace amber {
namespace {

constexpr size_t kFlushThresholdBytes = 64 * 1024;

void append_le(std::string* out, uint64_t v, size_t bytes) {
  for (size_t i = 0; i < bytes; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void append_be(std::string* out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// INT8/16/32 form of `s`, or false when redis-server would not use one.
bool append_integer_encoded(std::string* out, std::string_view s) {
  int64_t v;
  if (s.size() > rdb::kMaxIntEncodedStringBytes || !parse_canonical_int64(s, &v)) return false;
  const uint8_t special = rdb::kLenEncoded << 6;
  if (v >= INT8_MIN && v <= INT8_MAX) {
    out->push_back(static_cast<char>(special | rdb::kEncInt8));
    append_le(out, static_cast<uint64_t>(v), 1);
  } else if (v >= INT16_MIN && v <= INT16_MAX) {
    out->push_back(static_cast<char>(special | rdb::kEncInt16));
    append_le(out, static_cast<uint64_t>(v), 2);
  } else if (v >= INT32_MIN && v <= INT32_MAX) {
    out->push_back(static_cast<char>(special | rdb::kEncInt32));
    append_le(out, static_cast<uint64_t>(v), 4);
  } else {
    return false;
  }
  return true;
}

// The LZF form of `s`, or false when it does not fit in len - 4 bytes.
bool append_lzf(std::string* out, std::string_view s, std::string* scratch) {
  if (s.size() <= rdb::kMinLzfSavingBytes || s.size() > UINT32_MAX) return false;
  const size_t limit = s.size() - rdb::kMinLzfSavingBytes;
  scratch->resize(limit);
  unsigned int compressed = lzf_compress(s.data(), static_cast<unsigned int>(s.size()),
                                         scratch->data(), static_cast<unsigned int>(limit));
  if (compressed == 0) return false;
  out->push_back(static_cast<char>((rdb::kLenEncoded << 6) | rdb::kEncLzf));
  append_rdb_length(out, compressed);
  append_rdb_length(out, s.size());
  out->append(scratch->data(), compressed);
  return true;
}

std::string decimal(int64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, end);
}

}  // namespace

void append_rdb_length(std::string* out, uint64_t length) {
  if (length < (1u << 6)) {
    out->push_back(static_cast<char>(length | (rdb::kLen6Bit << 6)));
  } else if (length < (1u << 14)) {
    out->push_back(static_cast<char>((length >> 8) | (rdb::kLen14Bit << 6)));
    out->push_back(static_cast<char>(length & 0xff));
  } else if (length <= UINT32_MAX) {
    out->push_back(static_cast<char>(rdb::kLen32Bit));
    append_be(out, length, 4);
  } else {
    out->push_back(static_cast<char>(rdb::kLen64Bit));
    append_be(out, length, 8);
  }
}

void append_rdb_string(std::string* out, std::string_view s, bool compress, std::string* scratch) {
  if (append_integer_encoded(out, s)) return;
  if (compress && s.size() >= rdb::kMinCompressibleBytes && append_lzf(out, s, scratch)) return;
  append_rdb_length(out, s.size());
  out->append(s);
}

RdbWriter::RdbWriter(RdbSink& sink, const RdbWriteOptions& options)
    : sink_(sink), options_(options) {
  buffer_.reserve(kFlushThresholdBytes + 1024);
}

Status RdbWriter::check_usable() const {
  if (!failed_.ok()) return failed_;
  if (phase_ == Phase::kFinished) return Status::invalid_argument("RDB writer already finished");
  return {};
}

void RdbWriter::append_string(std::string_view s) {
  append_rdb_string(&buffer_, s, options_.compression, &lzf_scratch_);
}

Status RdbWriter::flush_buffer() {
  if (buffer_.empty()) return {};
  if (options_.checksum) crc_ = crc64(crc_, buffer_);
  Status status = sink_.write(buffer_);
  flushed_bytes_ += buffer_.size();
  buffer_.clear();
  if (!status.ok()) failed_ = status;
  return status;
}

Status RdbWriter::maybe_flush() {
  return buffer_.size() >= kFlushThresholdBytes ? flush_buffer() : Status();
}

Status RdbWriter::write_header() {
  AMBER_RETURN_IF_ERROR(check_usable());
  AMBER_ASSERT(phase_ == Phase::kStart);
  phase_ = Phase::kHeader;
  char magic[16];
  std::snprintf(magic, sizeof(magic), "REDIS%04d", rdb::kVersion);
  buffer_.append(magic, rdb::kHeaderBytes);
  AMBER_RETURN_IF_ERROR(write_aux("redis-ver", rdb::kRedisVersion));
  AMBER_RETURN_IF_ERROR(write_aux("redis-bits", "64"));
  AMBER_RETURN_IF_ERROR(write_aux("ctime", decimal(options_.ctime_s)));
  AMBER_RETURN_IF_ERROR(
      write_aux("used-mem", decimal(static_cast<int64_t>(options_.used_mem_bytes))));
  return write_aux("aof-base", options_.aof_base ? "1" : "0");
}

Status RdbWriter::write_aux(std::string_view key, std::string_view value) {
  AMBER_RETURN_IF_ERROR(check_usable());
  AMBER_ASSERT(phase_ == Phase::kHeader);
  buffer_.push_back(static_cast<char>(rdb::kOpAux));
  append_string(key);
  append_string(value);
  return maybe_flush();
}

Status RdbWriter::write_function(std::string_view library_code) {
  AMBER_RETURN_IF_ERROR(check_usable());
  AMBER_ASSERT(phase_ == Phase::kHeader);
  buffer_.push_back(static_cast<char>(rdb::kOpFunction2));
  append_string(library_code);
  return maybe_flush();
}

Status RdbWriter::begin_db(int db_index, uint64_t keys, uint64_t keys_with_expire) {
  AMBER_RETURN_IF_ERROR(check_usable());
  AMBER_ASSERT(phase_ != Phase::kStart && db_index >= 0);
  phase_ = Phase::kDbs;
  buffer_.push_back(static_cast<char>(rdb::kOpSelectDb));
  append_rdb_length(&buffer_, static_cast<uint64_t>(db_index));
  buffer_.push_back(static_cast<char>(rdb::kOpResizeDb));
  append_rdb_length(&buffer_, keys);
  append_rdb_length(&buffer_, keys_with_expire);
  return maybe_flush();
}

Status RdbWriter::write_string_key(std::string_view key, std::string_view value,
                                   int64_t expire_ms) {
  AMBER_RETURN_IF_ERROR(check_usable());
  AMBER_ASSERT(phase_ == Phase::kDbs);
  if (expire_ms != kNoExpire) {
    buffer_.push_back(static_cast<char>(rdb::kOpExpireTimeMs));
    append_le(&buffer_, static_cast<uint64_t>(expire_ms), 8);
  }
  buffer_.push_back(static_cast<char>(rdb::Type::kString));
  append_string(key);
  append_string(value);
  ++keys_written_;
  return maybe_flush();
}

Status RdbWriter::write_serialized_keys(std::string_view records, uint64_t keys) {
  AMBER_RETURN_IF_ERROR(check_usable());
  AMBER_ASSERT(phase_ == Phase::kDbs);
  AMBER_RETURN_IF_ERROR(flush_buffer());
  if (options_.checksum) crc_ = crc64(crc_, records);
  Status status = sink_.write(records);
  flushed_bytes_ += records.size();
  keys_written_ += keys;
  if (!status.ok()) failed_ = status;
  return status;
}

void append_rdb_key(std::string* out, const Entry& entry, bool compress, std::string* scratch) {
  AMBER_ASSERT(entry.value_type() == ValueType::kString);
  if (entry.has_expire()) {
    out->push_back(static_cast<char>(rdb::kOpExpireTimeMs));
    append_le(out, static_cast<uint64_t>(entry.expire_ms), 8);
  }
  out->push_back(static_cast<char>(rdb::Type::kString));
  append_rdb_string(out, entry.key(), compress, scratch);
  append_rdb_string(out, entry.value(), compress, scratch);
}

Status RdbWriter::write_entry(const Entry& entry) {
  AMBER_ASSERT(entry.value_type() == ValueType::kString);
  return write_string_key(entry.key(), entry.value(), entry.expire_ms);
}

Status RdbWriter::finish() {
  AMBER_RETURN_IF_ERROR(check_usable());
  AMBER_ASSERT(phase_ != Phase::kStart);
  phase_ = Phase::kFinished;
  buffer_.push_back(static_cast<char>(rdb::kOpEof));
  // The trailer covers every byte before it and not itself.
  AMBER_RETURN_IF_ERROR(flush_buffer());
  append_le(&buffer_, options_.checksum ? crc_ : 0, rdb::kChecksumBytes);
  Status status = sink_.write(buffer_);
  flushed_bytes_ += buffer_.size();
  buffer_.clear();
  if (!status.ok()) failed_ = status;
  return status;
}

Status write_rdb(std::span<Db* const> dbs, RdbSink& sink, const RdbWriteOptions& options) {
  RdbWriter writer(sink, options);
  AMBER_RETURN_IF_ERROR(writer.write_header());
  for (size_t i = 0; i < dbs.size(); ++i) {
    Db& db = *dbs[i];
    if (db.size() == 0) continue;
    AMBER_RETURN_IF_ERROR(writer.begin_db(static_cast<int>(i), db.size(), db.volatile_count()));
    Status status;
    EntryScratch scratch;
    db.for_each([&](Entry* e) {
      if (status.ok()) status = writer.write_entry(db.readable(*e, &scratch));
    });
    AMBER_RETURN_IF_ERROR(status);
  }
  return writer.finish();
}

std::vector<Db*> engine_dbs(Engine& engine) {
  std::vector<Db*> dbs;
  for (int i = 0; i < engine.db_count(); ++i) dbs.push_back(&engine.db(i));
  return dbs;
}

Status write_rdb(Engine& engine, RdbSink& sink, const RdbWriteOptions& options) {
  std::vector<Db*> dbs = engine_dbs(engine);
  return write_rdb(dbs, sink, options);
}

Status save_rdb_file(FileSystem& fs, const std::string& dir, const std::string& name,
                     std::span<Db* const> dbs, const RdbWriteOptions& options) {
  return write_file_atomically(fs, dir, name, [&](WritableFile& file) {
    FileRdbSink sink(file);
    return write_rdb(dbs, sink, options);
  });
}

}  // namespace amber
