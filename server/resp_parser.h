// RespParser: turns one client's query bytes into commands, incrementally.
//
// It owns the client's query buffer. The host reads socket bytes straight
// into `write_space()`, `commit()`s them, then calls `next()` until it
// returns kNeedMore (wait for more bytes) or kError (reply `error()`, then
// close the client). Both request forms of Redis are understood: RESP
// multibulk (`*N\r\n$len\r\n...`) and inline commands (a line split with
// Redis's sdssplitargs quoting rules). Input may be cut at any byte and many
// commands may arrive in one read (pipelining).
//
// The argv that `next()` fills are views into the query buffer (inline
// arguments, which may be unescaped, live in a side buffer). They stay valid
// until the next call to write_space(), compact() or next(). No allocation
// is sized from a header: a `*2147483647` or `$536870912` header reserves
// nothing; the buffer only grows as bytes arrive.
//
// Limits and error texts are Redis 7.0's (networking.c processInlineBuffer
// and processMultibulkBuffer). Single-threaded: the owning client's thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace amber {

class RespParser {
 public:
  // Longest inline request, and longest "*N" / "$N" line (PROTO_INLINE_MAX_SIZE).
  static constexpr size_t kInlineMaxSize = 64 * 1024;
  // Normal read size (PROTO_IOBUF_LEN).
  static constexpr size_t kIoBufLen = 16 * 1024;
  // Bulks at least this big are read with reads sized to the bulk
  // (PROTO_MBULK_BIG_ARG).
  static constexpr int64_t kBigArg = 32 * 1024;
  // Header limits for clients that still have to AUTH.
  static constexpr int64_t kUnauthMaxMultibulk = 10;
  static constexpr int64_t kUnauthMaxBulk = 16384;

  struct Limits {
    int64_t max_bulk_len = 512LL * 1024 * 1024;  // proto-max-bulk-len
    bool auth_required = false;                  // the client has not authenticated yet
  };

  enum class Status { kCommand, kNeedMore, kError };

  RespParser() = default;
  ~RespParser();
  RespParser(const RespParser&) = delete;
  RespParser& operator=(const RespParser&) = delete;

  // Space for at least `min_bytes` more input; returns where to write.
  // Invalidates the views of the last command.
  char* write_space(size_t min_bytes);
  size_t write_capacity() const { return capacity_ - size_; }
  void commit(size_t n) { size_ += n; }

  // How many bytes the next read should ask for: kIoBufLen, or for a big
  // bulk in progress, the rest of it (grown at most geometrically).
  size_t read_hint() const;

  // Parses the next complete command into `argv` (cleared first).
  Status next(const Limits& limits, std::vector<std::string_view>* argv);
  // After kError: the error text without '-' (e.g. "ERR Protocol error: ...").
  const std::string& error() const { return error_; }

  // Gives back the command `next()` just returned, so that the same bytes
  // are parsed again later (a command delayed by CLIENT PAUSE).
  void unread_command();

  // The second argument (for most commands, the key) of each complete
  // multibulk command buffered from the next one on, in order, up to
  // `keys.size()` of them; commands of one argument have none and are
  // passed over. Returns how many were found. A hint for the server, which
  // prefetches a pipeline's keys before it runs the commands, so that
  // their lookups miss the cache together rather than one after another:
  // the scan stops at the first thing that is not a plain multibulk
  // command (an inline one, a partial one, a malformed header), applies no
  // limits and changes nothing. Empty between the parts of a command.
  size_t peek_keys(std::span<std::string_view> keys) const;

  // Drops consumed bytes. Call when the views of the last command are no
  // longer needed (after the batch ran).
  void compact();
  // Frees a large idle buffer (Redis's clientsCronResizeQueryBuffer).
  void shrink_if_idle();

  // For CLIENT LIST: qbuf (unconsumed bytes), qbuf-free, argv-mem.
  size_t buffered_bytes() const { return size_ - pos_; }
  size_t free_bytes() const { return capacity_ - size_; }
  size_t total_bytes() const { return size_; }
  size_t argv_bytes() const;

 private:
  enum class Mode { kNone, kInline, kMultibulk };

  Status parse_inline(std::vector<std::string_view>* argv);
  Status parse_multibulk(const Limits& limits, std::vector<std::string_view>* argv);
  Status parse_multibulk_header(const Limits& limits);
  Status parse_bulk_header(const Limits& limits);
  Status fail(std::string message);
  // Index of the first `c` in [pos_, size_), or npos.
  size_t find(char c) const;
  void reset_command();

  char* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
  size_t pos_ = 0;        // next byte to parse
  size_t cmd_start_ = 0;  // first byte of the command being parsed
  Mode mode_ = Mode::kNone;
  int64_t multibulk_left_ = 0;  // 0: the "*N" header is still to be read
  int64_t bulk_len_ = -1;       // -1: the "$N" header is still to be read
  // Multibulk arguments parsed so far (offset, length); offsets survive a
  // buffer reallocation where pointers would not.
  std::vector<std::pair<size_t, size_t>> args_;
  std::vector<std::string> inline_args_;
  std::string error_;
};

// Redis's sdssplitargs: splits an inline request line into arguments
// ("..." with \n \r \t \b \a \xHH escapes, '...' with \'). Returns false on
// unbalanced quotes. `out` is resized; its strings keep their capacity.
bool split_inline_args(std::string_view line, std::vector<std::string>* out, size_t* count);

}  // namespace amber
