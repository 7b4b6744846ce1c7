// Log lines in redis-server's format (server.c serverLogRaw). The wall
// clock is read here, in the server, never in core.
#include "server/logger.h"

#include <cstdio>
#include <ctime>

#include <sys/time.h>
#include <unistd.h>

namespace amber {

bool Logger::parse_level(std::string_view name, LogLevel* level) {
  if (name == "debug") {
    *level = LogLevel::kDebug;
  } else if (name == "verbose") {
    *level = LogLevel::kVerbose;
  } else if (name == "notice") {
    *level = LogLevel::kNotice;
  } else if (name == "warning") {
    *level = LogLevel::kWarning;
  } else if (name == "nothing") {
    *level = LogLevel::kNothing;
  } else {
    return false;
  }
  return true;
}

void Logger::log(LogLevel level, std::string_view message) const {
  if (!enabled(level) || level == LogLevel::kNothing) return;
  static constexpr char kLevelChars[] = ".-*#";
  timeval tv;
  gettimeofday(&tv, nullptr);
  tm local;
  time_t seconds = tv.tv_sec;
  localtime_r(&seconds, &local);
  char stamp[64];
  size_t off = strftime(stamp, sizeof(stamp), "%d %b %Y %H:%M:%S.", &local);
  snprintf(stamp + off, sizeof(stamp) - off, "%03d", static_cast<int>(tv.tv_usec / 1000));
  FILE* fp = logfile_.empty() ? stdout : fopen(logfile_.c_str(), "a");
  if (fp == nullptr) return;
  fprintf(fp, "%d:M %s %c %.*s\n", static_cast<int>(getpid()), stamp,
          kLevelChars[static_cast<int>(level)], static_cast<int>(message.size()), message.data());
  fflush(fp);
  if (fp != stdout) fclose(fp);
}

}  // namespace amber
