// Status: the outcome of an operation that can fail for reasons outside the
// program (a full disk, a torn file, a missing directory). Errors are values
// the caller must look at, not exceptions: every persistence path returns one,
// and its message names what was at fault (file, offset, key) so that an
// operator can act on the log line alone.
//
// An ok Status carries no allocation; an error carries a code, the errno that
// caused it (0 when none) and a message.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

namespace amber {

class [[nodiscard]] Status {
 public:
  enum class Code : uint8_t {
    kOk = 0,
    kIoError,          // the OS refused a read/write/sync/rename...
    kNotFound,         // a file or directory that must exist does not
    kCorruption,       // bytes on disk do not follow their format
    kNotSupported,     // valid data that amber cannot handle (yet)
    kInvalidArgument,  // the caller asked for something impossible
  };

  Status() = default;  // ok

  static Status io_error(std::string message, int sys_errno = 0) {
    return Status(Code::kIoError, std::move(message), sys_errno);
  }
  static Status not_found(std::string message, int sys_errno = 0) {
    return Status(Code::kNotFound, std::move(message), sys_errno);
  }
  static Status corruption(std::string message) {
    return Status(Code::kCorruption, std::move(message), 0);
  }
  static Status not_supported(std::string message) {
    return Status(Code::kNotSupported, std::move(message), 0);
  }
  static Status invalid_argument(std::string message) {
    return Status(Code::kInvalidArgument, std::move(message), 0);
  }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  bool is_io_error() const { return code_ == Code::kIoError; }
  bool is_not_found() const { return code_ == Code::kNotFound; }
  bool is_corruption() const { return code_ == Code::kCorruption; }
  bool is_not_supported() const { return code_ == Code::kNotSupported; }
  // The errno behind an I/O error, 0 if none.
  int sys_errno() const { return sys_errno_; }
  // Empty when ok.
  const std::string& message() const { return message_; }
  // "OK", or "<code name>: <message>", for logs and test failures.
  std::string to_string() const;

 private:
  Status(Code code, std::string message, int sys_errno)
      : code_(code), sys_errno_(sys_errno), message_(std::move(message)) {}

  Code code_ = Code::kOk;
  int sys_errno_ = 0;
  std::string message_;
};

inline std::string Status::to_string() const {
  const char* name = "OK";
  switch (code_) {
    case Code::kOk:
      return name;
    case Code::kIoError:
      name = "IO error";
      break;
    case Code::kNotFound:
      name = "Not found";
      break;
    case Code::kCorruption:
      name = "Corruption";
      break;
    case Code::kNotSupported:
      name = "Not supported";
      break;
    case Code::kInvalidArgument:
      name = "Invalid argument";
      break;
  }
  return std::string(name) + ": " + message_;
}

// Returns from the enclosing function if `expr` yields an error Status.
#define AMBER_RETURN_IF_ERROR(expr)                \
  do {                                             \
    ::amber::Status amber_status_ = (expr);        \
    if (!amber_status_.ok()) return amber_status_; \
  } while (0)

}  // namespace amber
