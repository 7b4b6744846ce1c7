// Loading an RDB file: the opcode loop of redis-server 7.0's rdbLoadRio,
// rebuilt around amber's rule that nothing is skipped silently. Metadata
// opcodes (AUX, RESIZEDB, IDLE, FREQ, functions) are read in full; module
// data and value types amber lacks stop the load with an error naming the
// key and its type, since dropping them would lose data without a trace.
//
// Hostile input is expected (torn files, flipped bytes): every length is
// checked against the bytes left before anything is allocated for it, LZF
// output sizes are bounded by what the compressed bytes could expand to,
// and the CRC-64 trailer is compared at the end.
#include "core/persist/rdb_loader.h"

extern "C" {
#include <liblzf/lzf.h>
}

#include <charconv>
#include <cstring>

#include "core/entry.h"
#include "core/persist/rdb_format.h"
#include "core/persist/rdb_input.h"
#include "core/persist/rdb_key_batch.h"

namespace amber {
namespace {

// One LZF back-reference of 3 bytes expands to at most 264 bytes.
constexpr uint64_t kMaxLzfExpansion = 88;

std::string hex64(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof(buf), "0x%016llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string module_name(uint64_t module_id) {
  std::string name(rdb::kModuleNameChars, '?');
  uint64_t bits = module_id >> rdb::kModuleVersionBits;
  for (int i = rdb::kModuleNameChars - 1; i >= 0; --i) {
    name[static_cast<size_t>(i)] = rdb::kModuleNameCharset[bits & 63];
    bits >>= 6;
  }
  return name;
}

uint64_t load_le(const unsigned char* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
  return v;
}

// Attributes that opcodes before a key attach to it.
struct PendingKey {
  int64_t expire_ms = kNoExpire;
  int64_t idle_s = -1;
};

class Loader {
 public:
  Loader(RdbInput& in, std::span<Db* const> dbs, const RdbLoadOptions& options,
         RdbLoadResult* result)
      : in_(in),
        dbs_(dbs),
        options_(options),
        result_(result),
        batch_([this](uint64_t at, std::string_view key, size_t db) {
          return in_.corruption(
              at, "duplicated key '" + printable_key(key) + "' in db " + std::to_string(db));
        }) {
    // The input notes that another interval was read (in the middle of a
    // record, maybe); the callback runs at the next record boundary, once
    // the batch is in the databases (RdbLoadOptions::progress).
    if (options.progress) {
      in_.set_progress([this](uint64_t, uint64_t) { progress_due_ = true; },
                       options.progress_interval_bytes);
    }
  }

  // The whole file; on an error, the first one in file order.
  Status run() {
    Status status = read_all();
    Status flushed = batch_.flush(&result_->keys_loaded);
    return flushed.ok() ? status : flushed;
  }

 private:
  Status read_all();
  Status read_header();
  Status read_length(uint64_t* length, bool* encoded, const ReadWhat& what);
  Status read_plain_length(uint64_t* length, const ReadWhat& what);
  Status read_string(std::string* out, const ReadWhat& what);
  Status read_integer_string(uint8_t encoding, std::string* out);
  Status read_lzf_string(std::string* out, const ReadWhat& what, uint64_t at);
  Status read_aux();
  Status read_function(uint8_t opcode);
  Status read_module_aux(uint64_t at);
  Status skip_module_value(const std::string& module, uint64_t at);
  Status read_select_db(uint64_t at);
  Status read_key(uint8_t type, uint64_t at, const PendingKey& pending);
  Status refuse_type(uint8_t type, uint64_t at);
  Status read_trailer();
  Status read_resize_db();

  RdbInput& in_;
  std::span<Db* const> dbs_;
  const RdbLoadOptions& options_;
  RdbLoadResult* result_;
  int version_ = 0;
  size_t db_index_ = 0;
  std::string key_;
  std::string value_;
  std::string scratch_;
  RdbKeyBatch batch_;
  bool progress_due_ = false;
};

Status Loader::read_header() {
  char header[rdb::kHeaderBytes];
  AMBER_RETURN_IF_ERROR(in_.read(header, sizeof(header), "the RDB header"));
  std::string_view h(header, sizeof(header));
  if (h.substr(0, rdb::kMagic.size()) != rdb::kMagic) {
    return in_.corruption(0, "wrong signature (the file does not start with \"REDIS\")");
  }
  std::string_view digits = h.substr(rdb::kMagic.size());
  int version = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), version);
  if (ec != std::errc() || end != digits.data() + digits.size()) {
    return in_.corruption(rdb::kMagic.size(),
                          "malformed RDB version \"" + std::string(digits) + "\"");
  }
  if (version < rdb::kOldestVersion || version > rdb::kVersion) {
    return in_.not_supported(rdb::kMagic.size(), "can't handle RDB format version " +
                                                     std::to_string(version) + " (amber loads 1.." +
                                                     std::to_string(rdb::kVersion) + ")");
  }
  version_ = version;
  result_->version = version;
  return {};
}

Status Loader::read_length(uint64_t* length, bool* encoded, const ReadWhat& what) {
  const uint64_t at = in_.offset();
  uint8_t first;
  AMBER_RETURN_IF_ERROR(in_.read_u8(&first, what));
  *encoded = false;
  const uint8_t form = first >> 6;
  if (form == rdb::kLenEncoded) {
    *encoded = true;
    *length = first & 0x3f;
  } else if (form == rdb::kLen6Bit) {
    *length = first & 0x3f;
  } else if (form == rdb::kLen14Bit) {
    uint8_t second;
    AMBER_RETURN_IF_ERROR(in_.read_u8(&second, what));
    *length = (static_cast<uint64_t>(first & 0x3f) << 8) | second;
  } else if (first == rdb::kLen32Bit || first == rdb::kLen64Bit) {
    unsigned char bytes[8];
    const size_t n = first == rdb::kLen32Bit ? 4 : 8;
    AMBER_RETURN_IF_ERROR(in_.read(bytes, n, what));
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v = (v << 8) | bytes[i];
    *length = v;
  } else {
    return in_.corruption(
        at, "unknown length encoding (first byte " + std::to_string(first) + ") of " + what.str());
  }
  return {};
}

Status Loader::read_plain_length(uint64_t* length, const ReadWhat& what) {
  const uint64_t at = in_.offset();
  bool encoded;
  AMBER_RETURN_IF_ERROR(read_length(length, &encoded, what));
  if (encoded)
    return in_.corruption(at, "string encoding found where " + what.str() + " was expected");
  return {};
}

Status Loader::read_integer_string(uint8_t encoding, std::string* out) {
  static constexpr size_t kWidths[] = {1, 2, 4};
  const size_t width = kWidths[encoding];
  unsigned char bytes[4];
  AMBER_RETURN_IF_ERROR(in_.read(bytes, width, "an integer-encoded string"));
  const uint64_t raw = load_le(bytes, width);
  int64_t v;
  if (width == 1)
    v = static_cast<int8_t>(raw);
  else if (width == 2)
    v = static_cast<int16_t>(raw);
  else
    v = static_cast<int32_t>(raw);
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out->assign(buf, end);
  return {};
}

Status Loader::read_lzf_string(std::string* out, const ReadWhat& what, uint64_t at) {
  uint64_t compressed_len, len;
  AMBER_RETURN_IF_ERROR(
      read_plain_length(&compressed_len, "the compressed length of an LZF string"));
  AMBER_RETURN_IF_ERROR(read_plain_length(&len, "the length of an LZF string"));
  AMBER_RETURN_IF_ERROR(in_.check_declared(at, compressed_len, what.prefixed("LZF-compressed ")));
  if (len > compressed_len * kMaxLzfExpansion) {
    return in_.corruption(at, "LZF string declares " + std::to_string(len) + " bytes, more than " +
                                  std::to_string(compressed_len) + " compressed bytes can hold");
  }
  if (len > UINT32_MAX) {
    return in_.not_supported(
        at, "string of " + std::to_string(len) + " bytes is larger than amber's 4 GiB limit");
  }
  AMBER_RETURN_IF_ERROR(
      in_.read_string(&scratch_, compressed_len, what.prefixed("LZF-compressed ")));
  out->resize(static_cast<size_t>(len));
  unsigned int got = lzf_decompress(scratch_.data(), static_cast<unsigned int>(scratch_.size()),
                                    out->data(), static_cast<unsigned int>(len));
  if (got != len) return in_.corruption(at, "invalid LZF compressed " + what.str());
  return {};
}

Status Loader::read_string(std::string* out, const ReadWhat& what) {
  const uint64_t at = in_.offset();
  uint64_t length;
  bool encoded;
  AMBER_RETURN_IF_ERROR(read_length(&length, &encoded, what));
  if (encoded) {
    if (length <= rdb::kEncInt32) return read_integer_string(static_cast<uint8_t>(length), out);
    if (length == rdb::kEncLzf) return read_lzf_string(out, what, at);
    return in_.corruption(
        at, "unknown string encoding " + std::to_string(length) + " of " + what.str());
  }
  if (length > UINT32_MAX && length <= in_.remaining()) {
    return in_.not_supported(at, what.str() + " of " + std::to_string(length) +
                                     " bytes is larger than amber's 4 GiB limit");
  }
  AMBER_RETURN_IF_ERROR(in_.check_declared(at, length, what));
  return in_.read_string(out, length, what);
}

Status Loader::read_aux() {
  std::string key, value;
  AMBER_RETURN_IF_ERROR(read_string(&key, "an AUX field name"));
  AMBER_RETURN_IF_ERROR(read_string(&value, "an AUX field value"));
  if (options_.observer) options_.observer->on_aux(in_.offset(), key, value);
  result_->aux.emplace_back(std::move(key), std::move(value));
  return {};
}

Status Loader::read_function(uint8_t opcode) {
  std::string payload;
  if (opcode == rdb::kOpFunction2) {
    AMBER_RETURN_IF_ERROR(read_string(&payload, "a function library"));
  } else {
    // 7.0-rc format: name, engine, optional description, code; 7.0 folds
    // name and engine into a "#!<engine> name=<name>" first line.
    std::string name, engine, description, code;
    uint64_t has_description;
    AMBER_RETURN_IF_ERROR(read_string(&name, "a function library name"));
    AMBER_RETURN_IF_ERROR(read_string(&engine, "a function engine name"));
    AMBER_RETURN_IF_ERROR(read_plain_length(&has_description, "a function description flag"));
    if (has_description != 0) {
      AMBER_RETURN_IF_ERROR(read_string(&description, "a function library description"));
    }
    AMBER_RETURN_IF_ERROR(read_string(&code, "a function library"));
    payload = "#!" + engine + " name=" + name + "\n" + code;
  }
  if (options_.observer) options_.observer->on_function(in_.offset());
  result_->function_libraries.push_back(std::move(payload));
  return {};
}

Status Loader::skip_module_value(const std::string& module, uint64_t at) {
  for (;;) {
    const uint64_t op_at = in_.offset();
    uint64_t opcode;
    AMBER_RETURN_IF_ERROR(read_plain_length(&opcode, "a module data opcode"));
    unsigned char ignored[8];
    uint64_t number;
    switch (opcode) {
      case rdb::kModuleOpEof:
        return {};
      case rdb::kModuleOpSint:
      case rdb::kModuleOpUint:
        AMBER_RETURN_IF_ERROR(read_plain_length(&number, "a module integer"));
        break;
      case rdb::kModuleOpFloat:
        AMBER_RETURN_IF_ERROR(in_.read(ignored, 4, "a module float"));
        break;
      case rdb::kModuleOpDouble:
        AMBER_RETURN_IF_ERROR(in_.read(ignored, 8, "a module double"));
        break;
      case rdb::kModuleOpString:
        AMBER_RETURN_IF_ERROR(read_string(&scratch_, "a module string"));
        break;
      default:
        return in_.corruption(op_at, "unknown opcode " + std::to_string(opcode) +
                                         " in data of module '" + module + "' starting at offset " +
                                         std::to_string(at));
    }
  }
}

Status Loader::read_module_aux(uint64_t at) {
  uint64_t module_id, when_opcode, when;
  AMBER_RETURN_IF_ERROR(read_plain_length(&module_id, "a module id"));
  AMBER_RETURN_IF_ERROR(read_plain_length(&when_opcode, "a module aux 'when' opcode"));
  AMBER_RETURN_IF_ERROR(read_plain_length(&when, "a module aux 'when'"));
  const std::string module = module_name(module_id);
  if (when_opcode != rdb::kModuleOpUint) {
    return in_.corruption(at, "bad 'when' opcode in aux data of module '" + module + "'");
  }
  if (!options_.skip_module_aux) {
    return in_.not_supported(
        at, "the file holds aux data of module '" + module + "', which amber cannot load");
  }
  AMBER_RETURN_IF_ERROR(skip_module_value(module, at));
  if (options_.observer) options_.observer->on_module_aux(in_.offset(), module);
  return {};
}

Status Loader::read_select_db(uint64_t at) {
  uint64_t db;
  AMBER_RETURN_IF_ERROR(read_plain_length(&db, "a database number"));
  if (db >= dbs_.size()) {
    return in_.not_supported(at, "the file selects database " + std::to_string(db) +
                                     " but amber is configured with " +
                                     std::to_string(dbs_.size()) + " databases");
  }
  db_index_ = static_cast<size_t>(db);
  if (options_.observer) options_.observer->on_select_db(in_.offset(), db);
  return {};
}

Status Loader::refuse_type(uint8_t type, uint64_t at) {
  const rdb::TypeName name = rdb::type_name(type);
  std::string what = std::string(name.type) + " (" + std::string(name.encoding);
  if (type == static_cast<uint8_t>(rdb::Type::kModule) ||
      type == static_cast<uint8_t>(rdb::Type::kModule2)) {
    uint64_t module_id;
    if (read_plain_length(&module_id, "a module id").ok()) {
      what += ", module '" + module_name(module_id) + "'";
    }
  }
  what += ")";
  return in_.not_supported(at, "key '" + printable_key(key_) + "' (db " +
                                   std::to_string(db_index_) + ") has type " + what +
                                   ", which amber cannot load yet");
}

Status Loader::read_key(uint8_t type, uint64_t at, const PendingKey& pending) {
  AMBER_RETURN_IF_ERROR(read_string(&key_, "a key"));
  if (options_.observer) options_.observer->on_key_start(at, type, key_);
  if (type != static_cast<uint8_t>(rdb::Type::kString)) return refuse_type(type, at);
  AMBER_RETURN_IF_ERROR(read_string(&value_, ReadWhat("the value of key", key_)));
  if (options_.observer) options_.observer->on_key(in_.offset(), pending.expire_ms);
  if (options_.drop_expired && pending.expire_ms != kNoExpire &&
      pending.expire_ms < options_.now_ms) {
    ++result_->keys_expired;
    return {};
  }
  int64_t lru = options_.lru_clock;
  if (pending.idle_s >= 0) {
    lru -= pending.idle_s;
    if (lru < 0) lru = (options_.lru_clock + (kLruClockMax / 2)) % kLruClockMax;
  }
  if (batch_.add(*dbs_[db_index_], db_index_, key_, value_, pending.expire_ms,
                 static_cast<uint32_t>(lru) & kLruClockMax, at)) {
    return batch_.flush(&result_->keys_loaded);
  }
  return {};
}

// RESIZEDB: a sizing hint. The table is sized for the announced keys up
// front, so that it does not double and rehash its way through the load;
// a hint is believed only as far as the rest of the file could hold that
// many keys (each takes at least a type, a key and a value byte).
Status Loader::read_resize_db() {
  constexpr uint64_t kMinKeyBytes = 3;
  uint64_t keys, expires;
  AMBER_RETURN_IF_ERROR(read_plain_length(&keys, "a RESIZEDB key count"));
  AMBER_RETURN_IF_ERROR(read_plain_length(&expires, "a RESIZEDB expire count"));
  uint64_t plausible = std::min(keys, in_.remaining() / kMinKeyBytes);
  dbs_[db_index_]->reserve(static_cast<size_t>(plausible));
  return {};
}

Status Loader::read_trailer() {
  if (version_ < rdb::kFirstVersionWithChecksum) return {};
  const uint64_t expected = in_.crc();
  const uint64_t at = in_.offset();
  unsigned char bytes[rdb::kChecksumBytes];
  AMBER_RETURN_IF_ERROR(in_.read(bytes, sizeof(bytes), "the checksum"));
  const uint64_t stored = load_le(bytes, sizeof(bytes));
  if (!options_.verify_checksum || stored == 0) {
    if (options_.observer) options_.observer->on_checksum(in_.offset(), false);
    return {};
  }
  if (stored != expected) {
    return in_.corruption(at, "wrong checksum: the file says " + hex64(stored) +
                                  " but its contents hash to " + hex64(expected));
  }
  result_->checksum_verified = true;
  if (options_.observer) options_.observer->on_checksum(in_.offset(), true);
  return {};
}

Status Loader::read_all() {
  AMBER_RETURN_IF_ERROR(read_header());
  PendingKey pending;
  for (;;) {
    if (progress_due_) {
      progress_due_ = false;
      AMBER_RETURN_IF_ERROR(batch_.flush(&result_->keys_loaded));
      options_.progress(in_.offset(), in_.file_size());
    }
    const uint64_t at = in_.offset();
    uint8_t type;
    AMBER_RETURN_IF_ERROR(in_.read_u8(&type, "an opcode or value type"));
    unsigned char bytes[8];
    uint64_t ignored;
    switch (type) {
      case rdb::kOpExpireTime:
        AMBER_RETURN_IF_ERROR(in_.read(bytes, 4, "an expire time"));
        pending.expire_ms = int64_t{static_cast<int32_t>(load_le(bytes, 4))} * 1000;
        continue;
      case rdb::kOpExpireTimeMs:
        AMBER_RETURN_IF_ERROR(in_.read(bytes, 8, "an expire time"));
        pending.expire_ms = static_cast<int64_t>(load_le(bytes, 8));
        continue;
      case rdb::kOpFreq:
        AMBER_RETURN_IF_ERROR(in_.read(bytes, 1, "an LFU frequency"));  // no LFU in amber yet
        continue;
      case rdb::kOpIdle:
        AMBER_RETURN_IF_ERROR(read_plain_length(&ignored, "an LRU idle time"));
        pending.idle_s = ignored > INT32_MAX ? INT32_MAX : static_cast<int64_t>(ignored);
        continue;
      case rdb::kOpEof:
        AMBER_RETURN_IF_ERROR(batch_.flush(&result_->keys_loaded));
        AMBER_RETURN_IF_ERROR(read_trailer());
        result_->bytes_consumed = in_.offset();
        return {};
      case rdb::kOpSelectDb:
        AMBER_RETURN_IF_ERROR(read_select_db(at));
        continue;
      case rdb::kOpResizeDb:
        AMBER_RETURN_IF_ERROR(read_resize_db());
        continue;
      case rdb::kOpAux:
        AMBER_RETURN_IF_ERROR(read_aux());
        continue;
      case rdb::kOpModuleAux:
        AMBER_RETURN_IF_ERROR(read_module_aux(at));
        continue;
      case rdb::kOpFunction:
      case rdb::kOpFunction2:
        AMBER_RETURN_IF_ERROR(read_function(type));
        continue;
      default:
        break;
    }
    if (!rdb::is_value_type(type)) {
      return in_.corruption(at, "unknown opcode or value type " + std::to_string(type));
    }
    AMBER_RETURN_IF_ERROR(read_key(type, at, pending));
    pending = PendingKey{};
  }
}

// A SequentialFile over bytes in memory.
class MemorySequentialFile final : public SequentialFile {
 public:
  explicit MemorySequentialFile(std::string_view bytes) : bytes_(bytes) {}
  Status read(size_t n, char* scratch, size_t* bytes_read) override {
    *bytes_read = std::min(n, bytes_.size());
    std::memcpy(scratch, bytes_.data(), *bytes_read);
    bytes_.remove_prefix(*bytes_read);
    return {};
  }
  Status skip(uint64_t n) override {
    bytes_.remove_prefix(static_cast<size_t>(std::min<uint64_t>(n, bytes_.size())));
    return {};
  }

 private:
  std::string_view bytes_;
};

}  // namespace

Status load_rdb(SequentialFile& file, uint64_t file_size, std::string_view source,
                std::span<Db* const> dbs, const RdbLoadOptions& options, RdbLoadResult* result) {
  *result = RdbLoadResult{};
  RdbInput in(file, file_size, std::string(source));
  Loader loader(in, dbs, options, result);
  return loader.run();
}

Status load_rdb_file(FileSystem& fs, const std::string& path, std::span<Db* const> dbs,
                     const RdbLoadOptions& options, RdbLoadResult* result) {
  uint64_t size = 0;
  AMBER_RETURN_IF_ERROR(fs.get_file_size(path, &size));
  std::unique_ptr<SequentialFile> file;
  AMBER_RETURN_IF_ERROR(fs.new_sequential_file(path, &file));
  return load_rdb(*file, size, path, dbs, options, result);
}

Status load_rdb_bytes(std::string_view bytes, std::span<Db* const> dbs,
                      const RdbLoadOptions& options, RdbLoadResult* result) {
  MemorySequentialFile file(bytes);
  return load_rdb(file, bytes.size(), "<memory>", dbs, options, result);
}

}  // namespace amber
