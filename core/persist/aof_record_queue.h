// AofRecordQueue: the AOF loader's view of a file's records, parsed a few
// ahead of the one being replayed. As each record is parsed, the bucket of
// its first key (argv[1], the key of nearly every command an AOF holds) is
// prefetched in the session's current db. Replaying a large base file costs
// about one cache miss per key; parsing ahead lets those misses overlap
// instead of queueing. A wrong guess (a command without a key, a SELECT
// ahead) only wastes a prefetch.
//
// Parsing stops at the first torn or bad record, which is still handed out
// (the loader decides what it means). Single-threaded.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/persist/aof_format.h"

namespace amber {

class Engine;
struct Session;

class AofRecordQueue {
 public:
  struct Record {
    AofParse kind = AofParse::kCommand;
    std::vector<std::string_view> argv;  // views into the file's bytes
    size_t offset = 0;                   // where the record starts
    size_t consumed = 0;
    std::string error;  // for kBad
  };

  // Records of `data` from `start`; `session` is the replaying session (its
  // db is where keys are prefetched).
  AofRecordQueue(std::string_view data, size_t start, Engine& engine, const Session& session)
      : data_(data), parse_pos_(start), engine_(engine), session_(session) {}

  // The next record, valid until the following call; nullptr at the end.
  const Record* next();

 private:
  static constexpr size_t kLookahead = 16;
  void fill();

  std::string_view data_;
  size_t parse_pos_;
  Engine& engine_;
  const Session& session_;
  std::array<Record, kLookahead> ring_;
  size_t head_ = 0;
  size_t count_ = 0;
  bool handed_out_ = false;  // ring_[head_] is the caller's current record
  bool stopped_ = false;     // a torn or bad record was parsed
};

}  // namespace amber
