// RdbInput: how the RDB loader sees a file: buffered sequential reads that
// know their byte offset, how many bytes the file has left, and the CRC-64 of
// everything consumed so far. It never needs the whole file in memory, and it
// lets the loader refuse a declared length larger than what is left in the
// file before allocating anything for it.
//
// Errors it builds name the offset, the reason and the source (file path).
// Single-threaded.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/io/file_system.h"
#include "core/status.h"

namespace amber {

// What a read is for, named in its error message: "[prefix]text", or
// "[prefix]text '<key>'". Formatted only when an error is built — the loader
// names the key of every value it reads, and formatting that per key would
// cost more than reading it. The viewed strings must outlive the read.
class ReadWhat {
 public:
  ReadWhat(const char* text) : text_(text) {}         // NOLINT: implicit on purpose
  ReadWhat(std::string_view text) : text_(text) {}    // NOLINT
  ReadWhat(const std::string& text) : text_(text) {}  // NOLINT
  ReadWhat(std::string_view text, std::string_view key) : text_(text), key_(key), has_key_(true) {}
  // The same description after `prefix` ("LZF-compressed ").
  ReadWhat prefixed(std::string_view prefix) const {
    ReadWhat out = *this;
    out.prefix_ = prefix;
    return out;
  }
  std::string str() const;

 private:
  std::string_view prefix_;
  std::string_view text_;
  std::string_view key_;
  bool has_key_ = false;
};

class RdbInput {
 public:
  // `file_size` bounds every read; `source` names the file in messages.
  RdbInput(SequentialFile& file, uint64_t file_size, std::string source);
  RdbInput(const RdbInput&) = delete;
  RdbInput& operator=(const RdbInput&) = delete;

  uint64_t offset() const { return offset_; }
  uint64_t remaining() const { return file_size_ > offset_ ? file_size_ - offset_ : 0; }
  uint64_t file_size() const { return file_size_; }
  // CRC-64 of bytes [0, offset()).
  uint64_t crc();

  // Calls `progress(offset, file_size)` each time another `interval_bytes`
  // were consumed (INFO loading_loaded_bytes / loading_loaded_perc).
  void set_progress(std::function<void(uint64_t, uint64_t)> progress, uint64_t interval_bytes);

  // Reads exactly `n` bytes; `what` says what they are, for the error.
  Status read(void* out, size_t n, const ReadWhat& what);
  Status read_u8(uint8_t* out, const ReadWhat& what) { return read(out, 1, what); }
  // Replaces `out` with the next `n` bytes, checking first that the file
  // has them (so a corrupt length never causes a huge allocation).
  Status read_string(std::string* out, uint64_t n, const ReadWhat& what);
  // An error if `n` bytes declared at `at` do not fit in what is left.
  Status check_declared(uint64_t at, uint64_t n, const ReadWhat& what) const;

  // Corruption at `at`: "RDB: <reason> at offset <at> (<source>)".
  Status corruption(uint64_t at, std::string_view reason) const;
  // Valid data amber cannot handle; same shape as corruption().
  Status not_supported(uint64_t at, std::string_view reason) const;

 private:
  Status fill();
  void consumed(size_t n);
  // Folds the handed-out buffer bytes not yet in crc_ (once per buffer,
  // not per field: most fields are a few bytes).
  void fold_crc();

  SequentialFile& file_;
  const uint64_t file_size_;
  const std::string source_;
  std::vector<char> buffer_;
  size_t pos_ = 0;
  size_t end_ = 0;
  size_t crc_from_ = 0;  // buffer_[crc_from_, pos_) is handed out, not in crc_
  uint64_t offset_ = 0;
  uint64_t crc_ = 0;
  std::function<void(uint64_t, uint64_t)> progress_;
  uint64_t progress_interval_bytes_ = 0;
  uint64_t next_progress_at_ = 0;
};

// A key for an error message: printable ASCII as is, other bytes as \xNN,
// cut after 128 bytes.
std::string printable_key(std::string_view key);

}  // namespace amber
