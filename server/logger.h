// Logger: amber-server's log in Redis's format, so that people and tools
// that read redis-server logs read ours:
//   <pid>:M <dd Mon yyyy HH:MM:SS.mmm> <level char> <message>
// with level chars '.' debug, '-' verbose, '*' notice, '#' warning. Lines go
// to stdout, or are appended to `logfile` (opened per line, as Redis does,
// so log rotation works). Server thread only.
#pragma once

#include <string>
#include <string_view>

namespace amber {

enum class LogLevel { kDebug = 0, kVerbose = 1, kNotice = 2, kWarning = 3, kNothing = 4 };

class Logger {
 public:
  Logger() = default;
  Logger(LogLevel level, std::string logfile) : level_(level), logfile_(std::move(logfile)) {}

  // Redis's loglevel names; false if unknown.
  static bool parse_level(std::string_view name, LogLevel* level);

  void set_level(LogLevel level) { level_ = level; }
  void set_logfile(std::string logfile) { logfile_ = std::move(logfile); }
  bool enabled(LogLevel level) const { return level >= level_; }

  void log(LogLevel level, std::string_view message) const;

 private:
  LogLevel level_ = LogLevel::kNotice;
  std::string logfile_;
};

}  // namespace amber
