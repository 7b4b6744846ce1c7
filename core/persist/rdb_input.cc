// Buffered, bounded, checksummed reading for the RDB loader. Small reads
// (opcodes, lengths, short strings) are served from a 256 KiB buffer; a read
// larger than the buffer goes straight from the file into the destination.
// The CRC is folded over the bytes handed out, a buffer at a time, so the
// loader can compare it with the trailer without a second pass.
#include "core/persist/rdb_input.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "core/persist/crc64.h"

namespace amber {
namespace {

constexpr size_t kBufferBytes = 256 * 1024;

}  // namespace

RdbInput::RdbInput(SequentialFile& file, uint64_t file_size, std::string source)
    : file_(file), file_size_(file_size), source_(std::move(source)), buffer_(kBufferBytes) {}

void RdbInput::set_progress(std::function<void(uint64_t, uint64_t)> progress,
                            uint64_t interval_bytes) {
  progress_ = std::move(progress);
  progress_interval_bytes_ = std::max<uint64_t>(interval_bytes, 1);
  next_progress_at_ = offset_ + progress_interval_bytes_;
}

uint64_t RdbInput::crc() {
  fold_crc();
  return crc_;
}

void RdbInput::fold_crc() {
  crc_ = crc64(crc_, buffer_.data() + crc_from_, pos_ - crc_from_);
  crc_from_ = pos_;
}

void RdbInput::consumed(size_t n) {
  offset_ += n;
  if (progress_ && offset_ >= next_progress_at_) {
    progress_(offset_, file_size_);
    next_progress_at_ = offset_ + progress_interval_bytes_;
  }
}

Status RdbInput::fill() {
  fold_crc();
  crc_from_ = 0;
  pos_ = 0;
  end_ = 0;
  size_t got = 0;
  Status status = file_.read(buffer_.size(), buffer_.data(), &got);
  if (!status.ok()) return status;
  end_ = got;
  return {};
}

Status RdbInput::read(void* out, size_t n, const ReadWhat& what) {
  const uint64_t start = offset_;
  char* dst = static_cast<char*>(out);
  while (n > 0) {
    if (pos_ == end_) {
      if (n >= buffer_.size()) {
        // Large value: bypass the buffer.
        size_t got = 0;
        fold_crc();
        AMBER_RETURN_IF_ERROR(file_.read(n, dst, &got));
        crc_ = crc64(crc_, dst, got);
        consumed(got);
        dst += got;
        n -= got;
        if (n > 0) break;
        return {};
      }
      AMBER_RETURN_IF_ERROR(fill());
      if (end_ == 0) break;
    }
    size_t take = std::min(n, end_ - pos_);
    std::memcpy(dst, buffer_.data() + pos_, take);
    pos_ += take;
    consumed(take);
    dst += take;
    n -= take;
  }
  if (n == 0) return {};
  return corruption(start, "unexpected end of file while reading " + what.str() +
                               " (the file ends at offset " + std::to_string(offset_) + ")");
}

Status RdbInput::check_declared(uint64_t at, uint64_t n, const ReadWhat& what) const {
  if (n <= remaining()) return {};
  return corruption(at, what.str() + " declares " + std::to_string(n) +
                            " bytes but the file has only " + std::to_string(remaining()) +
                            " left");
}

Status RdbInput::read_string(std::string* out, uint64_t n, const ReadWhat& what) {
  AMBER_RETURN_IF_ERROR(check_declared(offset_, n, what));
  out->resize(static_cast<size_t>(n));
  return read(out->data(), out->size(), what);
}

Status RdbInput::corruption(uint64_t at, std::string_view reason) const {
  return Status::corruption("RDB: " + std::string(reason) + " at offset " + std::to_string(at) +
                            " (" + source_ + ")");
}

Status RdbInput::not_supported(uint64_t at, std::string_view reason) const {
  return Status::not_supported("RDB: " + std::string(reason) + " at offset " + std::to_string(at) +
                               " (" + source_ + ")");
}

std::string ReadWhat::str() const {
  std::string out = std::string(prefix_) + std::string(text_);
  if (has_key_) out += " '" + printable_key(key_) + "'";
  return out;
}

std::string printable_key(std::string_view key) {
  constexpr size_t kMaxShownBytes = 128;
  std::string out;
  for (size_t i = 0; i < key.size() && i < kMaxShownBytes; ++i) {
    unsigned char c = static_cast<unsigned char>(key[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\' && c != '\'') {
      out.push_back(static_cast<char>(c));
    } else {
      char hex[8];
      std::snprintf(hex, sizeof(hex), "\\x%02x", c);
      out.append(hex);
    }
  }
  if (key.size() > kMaxShownBytes) out.append("...");
  return out;
}

}  // namespace amber
