// Structure-aware fuzz target for the engine: the input is decoded into a
// sequence of steps — a command from amber's own command table with
// arguments drawn from small word lists and raw bytes, sent by one of two
// sessions (so MULTI/WATCH of one meets writes of the other), or a move of
// the manual clock, a cron() call, a protocol switch — and run on an Engine
// with a ManualClock and a seeded Random, as the server and the simulator do.
//
// Byte format (scripts/gen_fuzz_corpus.sh writes seeds in it): a step byte
// (<16 clock, <24 cron, <28 protocol switch, else a command of session
// byte&1), then for a command: a table index byte (0xff: a name follows as
// [len][bytes]), a subcommand byte for containers, an argument count
// (byte % 8), and per argument a kind byte (%8: key, number, option, db,
// value, or 7 = raw [len][bytes]) and a word byte.
//
// After every command:
//  - the reply is exactly one well-formed RESP value in the session's
//    protocol (fuzz/resp_validator.h);
//  - in every non-empty database, a full SCAN returns as many distinct keys
//    as DBSIZE then reports (SCAN deletes the expired keys it meets, as
//    Redis does, so afterwards both count the same live keys), and the Db's
//    list of volatile keys matches the keys that carry an expire time.
// The checker runs as a third session; its SCANs are part of the run.
// At the end the whole run is repeated from scratch and must produce the
// same transcript: the engine is a deterministic state machine.
//
// Strings are capped at 64 KiB (proto-max-bulk-len) so that SETRANGE, APPEND
// and LCS cannot spend the fuzzer's memory on what Redis would also allow.
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "core/engine.h"
#include "fuzz/engine_vocabulary.h"
#include "fuzz/fuzz_check.h"
#include "fuzz/fuzz_input.h"
#include "fuzz/fuzz_targets.h"
#include "fuzz/resp_validator.h"

namespace amber::fuzz {
namespace {

constexpr size_t kMaxSteps = 400;
constexpr size_t kMaxArgs = 8;
constexpr int64_t kMaxStringBytes = 64 * 1024;
// A command byte with this value is followed by the command's name.
constexpr uint8_t kByName = 0xff;

std::string_view pick(FuzzInput& in, std::span<const std::string_view> words) {
  return words[in.below(static_cast<uint32_t>(words.size()))];
}

std::string_view next_argument(FuzzInput& in) {
  switch (in.byte() % 8) {
    case 0:
    case 1:
      return pick(in, vocabulary_keys());
    case 2:
      return pick(in, vocabulary_numbers());
    case 3:
    case 4:
      return pick(in, vocabulary_options());
    case 5:
      return pick(in, vocabulary_databases());
    case 6:
      return pick(in, vocabulary_values());
    default:
      return in.bytes(32);
  }
}

class EngineRun {
 public:
  EngineRun(const uint8_t* data, size_t size)
      : in_(data, size), random_(1), engine_(options(), clock_, random_) {
    sessions_[0].id = 1;
    sessions_[1].id = 2;
    checker_.id = 3;
    commands_ = engine_.all_commands();
    std::sort(commands_.begin(), commands_.end(),
              [](const CommandSpec* a, const CommandSpec* b) { return a->name < b->name; });
  }

  // Runs every step; returns the transcript of replies.
  std::string run() {
    for (size_t step = 0; step < kMaxSteps && !in_.empty(); ++step) {
      uint8_t op = in_.byte();
      if (op < 16) {
        advance_clock();
      } else if (op < 24) {
        engine_.cron();
      } else if (op < 28) {
        Session& s = sessions_[op & 1];
        s.protocol = s.protocol == 2 ? 3 : 2;
      } else {
        run_command(sessions_[op & 1]);
      }
    }
    return transcript_;
  }

 private:
  static EngineOptions options() {
    EngineOptions o;
    o.proto_max_bulk_len = kMaxStringBytes;
    return o;
  }

  void advance_clock() {
    static constexpr int64_t kUnitsMs[] = {1, 100, 1000, 3600 * 1000};
    clock_.advance_ms(kUnitsMs[in_.byte() % 4] * in_.byte());
  }

  std::vector<std::string_view> decode_command() {
    uint8_t choice = in_.byte();
    if (choice == kByName) {
      // Spelled out: seeds stay meaningful when the table grows, and
      // unknown names reach the dispatcher's error path.
      std::vector<std::string_view> argv{in_.bytes(24)};
      if (argv[0].empty()) argv[0] = "ping";
      size_t extra = in_.below(kMaxArgs);
      for (size_t i = 0; i < extra; ++i) argv.push_back(next_argument(in_));
      return argv;
    }
    const CommandSpec* spec = commands_[choice % commands_.size()];
    std::vector<std::string_view> argv{spec->name};
    if (!spec->subcommands.empty() && in_.byte() % 8 != 0) {
      const std::string& full =
          spec->subcommands[in_.below(static_cast<uint32_t>(spec->subcommands.size()))].name;
      argv.push_back(std::string_view(full).substr(full.find('|') + 1));
    }
    size_t extra = in_.below(kMaxArgs);
    for (size_t i = 0; i < extra; ++i) argv.push_back(next_argument(in_));
    return argv;
  }

  void run_command(Session& session) {
    std::vector<std::string_view> argv = decode_command();
    std::string out;
    Reply reply(&out, session.protocol);
    engine_.execute(session, argv, reply);
    RespCheck check = validate_resp_value(out, session.protocol);
    FUZZ_CHECK(check.ok, "reply to %s is not one RESP%d value (%s): %.200s",
               std::string(argv[0]).c_str(), session.protocol, check.error.c_str(), out.c_str());
    transcript_ += out;
    check_keyspace();
  }

  // Runs one command as the checker session in `db`.
  std::string checker_run(int db, std::vector<std::string_view> argv) {
    checker_.db = db;
    std::string out;
    Reply reply(&out, 2);
    engine_.execute(checker_, argv, reply);
    return out;
  }

  size_t scan_count(int db) {
    std::set<std::string> keys;
    std::string cursor = "0";
    do {
      std::string out = checker_run(db, {"scan", cursor, "count", "7"});
      FUZZ_CHECK(out.rfind("*2\r\n$", 0) == 0, "SCAN failed: %s", out.c_str());
      // *2\r\n$<n>\r\n<cursor>\r\n*<m>\r\n($<len>\r\n<key>\r\n)*
      size_t p = out.find('\n', 4) + 1;
      size_t cursor_end = out.find('\r', p);
      cursor = out.substr(p, cursor_end - p);
      p = cursor_end + 2;
      size_t count_end = out.find('\r', p);
      size_t m = std::stoul(out.substr(p + 1, count_end - p - 1));
      p = count_end + 2;
      for (size_t i = 0; i < m; ++i) {
        size_t len_end = out.find('\r', p);
        size_t len = std::stoul(out.substr(p + 1, len_end - p - 1));
        keys.insert(out.substr(len_end + 2, len));
        p = len_end + 2 + len + 2;
      }
    } while (cursor != "0");
    return keys.size();
  }

  void check_keyspace() {
    for (int db = 0; db < engine_.db_count(); ++db) {
      if (engine_.db(db).size() == 0) continue;
      size_t scanned = scan_count(db);
      std::string dbsize = checker_run(db, {"dbsize"});
      FUZZ_CHECK(dbsize == ":" + std::to_string(scanned) + "\r\n",
                 "db %d: SCAN returned %zu keys, DBSIZE says %s", db, scanned, dbsize.c_str());
      size_t with_expire = 0;
      engine_.db(db).for_each([&](Entry* e) { with_expire += e->has_expire() ? 1 : 0; });
      FUZZ_CHECK(with_expire == engine_.db(db).volatile_count(),
                 "db %d: %zu keys with an expire, %zu in the volatile list", db, with_expire,
                 engine_.db(db).volatile_count());
    }
  }

  FuzzInput in_;
  ManualClock clock_;
  SeededRandom random_;
  Engine engine_;
  Session sessions_[2];
  Session checker_;
  std::vector<const CommandSpec*> commands_;
  std::string transcript_;
};

}  // namespace

int fuzz_engine(const uint8_t* data, size_t size) {
  std::string first = EngineRun(data, size).run();
  std::string second = EngineRun(data, size).run();
  FUZZ_CHECK(first == second, "same input, different replies: the engine is not deterministic");
  return 0;
}

}  // namespace amber::fuzz
