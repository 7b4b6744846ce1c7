// Structure-aware fuzz target for NVM mode's restart after a crash
// (NvmPersistence::recover): the log records the store has not folded in
// yet are applied to the new process's DRAM, in prefetched batches whose
// keys are hashed once up to the batch's first FLUSHDB, FLUSHALL or SWAPDB.
// The input becomes writes on an engine in NVM mode (emulated regions in a
// scratch directory), with group commits and small replay steps between
// them, so that any mix of ops, databases and record sizes lands in the
// unfolded tail, partly folded; then a crash and a recovery into a fresh
// engine.
//
// Byte format: a step byte; %16 == 0: a group commit, == 1: a replay step of
// (next byte % 8) records, else a command: a kind byte (%8: SET, SET with an
// expire time, DEL, MSET of (byte % 64 + 1) keys, SWAPDB, FLUSHDB, SELECT,
// a long value), then its key, database and value bytes. Keys come from a
// set of 12 names; a long value (8 KB, logged whole, or 16 KB, past the
// link threshold and written straight into the store) only on two of them.
//
// Checks: recovery succeeds and yields exactly the keyspace as of the last
// group commit (the run ends with one); a second crash once the recovered
// log is folded in leaves the same keyspace; a write NVM mode refuses before
// it runs (NvmPersistence::unit_fits) is not run, as the server does.
#include <stdlib.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/engine.h"
#include "core/io/clock.h"
#include "core/io/random.h"
#include "fuzz/fuzz_check.h"
#include "fuzz/fuzz_input.h"
#include "fuzz/fuzz_targets.h"
#include "nvm/nvm_persistence.h"

namespace amber::fuzz {
namespace {

constexpr size_t kMaxSteps = 300;
// The smallest NVM mode takes (an 80 KiB log, a 10 KiB link threshold, a
// 256 KiB store): cheap to open three times a run, and a log that fills.
constexpr uint64_t kNvmBytes = 320 << 10;
constexpr int64_t kNowUs = 1'700'000'000'000'000;

using Keyspace = std::map<std::pair<int, std::string>, std::pair<std::string, int64_t>>;

// On tmpfs where there is one: every start syncs the region files, which
// on a disk would cost the fuzzer most of its time.
struct ScratchDir {
  ScratchDir() {
    const char* base = std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : "/tmp";
    std::string tmpl = std::string(base) + "/amber-fuzz-nvm-tail-XXXXXX";
    FUZZ_CHECK(mkdtemp(tmpl.data()) != nullptr, "no scratch directory");
    path = tmpl;
  }
  ~ScratchDir() { std::filesystem::remove_all(path); }
  std::string path;
};

// One process lifetime: an engine with NVM mode recovered into it.
// Dropping it is a crash: the emulated regions keep only what was persisted.
class Lifetime {
 public:
  explicit Lifetime(const std::string& dir)
      : clock_(kNowUs), random_(1), engine_(EngineOptions{}, clock_, random_) {
    nvm_ = std::make_unique<nvm::NvmPersistence>(nvm::NvmOptions{
        .dir = dir, .size_bytes = kNvmBytes, .backend = nvm::NvmBackend::kEmulated});
    status_ = nvm_->recover(engine_);
  }
  ~Lifetime() { nvm_.reset(); }  // before the engine it observes

  const Status& status() const { return status_; }
  nvm::NvmPersistence& nvm() { return *nvm_; }

  // Runs a write unless NVM mode refuses it before it runs.
  void run(const std::vector<std::string_view>& argv) {
    const CommandSpec* spec = engine_.find_command(argv[0]);
    FUZZ_CHECK(spec != nullptr, "unknown command %s", std::string(argv[0]).c_str());
    if (!nvm_->unit_fits(session_, *spec, ArgList(argv.data(), argv.size()))) return;
    std::string out;
    Reply reply(&out, 2);
    engine_.execute(session_, argv, reply);
    FUZZ_CHECK(!out.empty() && out[0] != '-', "%s failed: %s", std::string(argv[0]).c_str(),
               out.c_str());
  }

  Keyspace dump() {
    Keyspace out;
    EntryScratch scratch;
    for (int db = 0; db < engine_.db_count(); ++db) {
      engine_.db(db).for_each([&](Entry* stored) {
        const Entry& e = engine_.db(db).readable(*stored, &scratch);
        out[{db, std::string(e.key())}] = {std::string(e.value()), e.expire_ms};
      });
    }
    return out;
  }

 private:
  ManualClock clock_;
  SeededRandom random_;
  Engine engine_;
  Session session_;
  std::unique_ptr<nvm::NvmPersistence> nvm_;
  Status status_;
};

// "" when equal, else the first key whose state differs, for the report.
std::string first_difference(const Keyspace& got, const Keyspace& want) {
  for (const auto& [name, state] : want) {
    auto it = got.find(name);
    if (it == got.end()) return "db " + std::to_string(name.first) + " lost " + name.second;
    if (it->second != state) return "db " + std::to_string(name.first) + " changed " + name.second;
  }
  for (const auto& [name, state] : got) {
    if (!want.contains(name)) return "db " + std::to_string(name.first) + " gained " + name.second;
  }
  return "";
}

const std::string& key_name(uint8_t byte) {
  static const std::vector<std::string> kKeys = [] {
    std::vector<std::string> keys;
    for (int i = 0; i < 12; ++i) keys.push_back("key:" + std::to_string(i));
    return keys;
  }();
  return kKeys[byte % kKeys.size()];
}

std::string db_name(uint8_t byte) { return std::to_string(byte % 4); }

// Runs the input's writes; false if NVM mode stopped being healthy (a store
// full of long values), when the run proves nothing more.
bool run_writes(FuzzInput& in, Lifetime& life) {
  std::vector<std::string> values;  // MSET's, kept alive for its argv
  for (size_t step = 0; step < kMaxSteps && !in.empty(); ++step) {
    const uint8_t op = in.byte();
    if (op % 16 == 0) {
      life.nvm().before_reply();
    } else if (op % 16 == 1) {
      Status s = life.nvm().step(in.byte() % 8);
      if (!s.ok()) return false;
    } else {
      const std::string& key = key_name(in.byte());
      const std::string value = "v" + std::to_string(in.byte());
      switch (in.byte() % 8) {
        case 0:
          life.run({"SET", key, value});
          break;
        case 1:
          life.run({"SET", key, value, "PX", std::to_string(1'000'000 + in.byte())});
          break;
        case 2:
          life.run({"DEL", key});
          break;
        case 3: {
          const size_t count = in.byte() % 64 + 1;
          values.clear();
          for (size_t i = 0; i < count; ++i) values.push_back(value + "." + std::to_string(i));
          std::vector<std::string_view> argv{"MSET"};
          for (size_t i = 0; i < count; ++i) {
            argv.push_back(key_name(static_cast<uint8_t>(in.byte() + i)));
            argv.push_back(values[i]);
          }
          life.run(argv);
          break;
        }
        case 4:
          life.run({"SWAPDB", db_name(in.byte()), db_name(in.byte())});
          break;
        case 5:
          life.run({"FLUSHDB"});
          break;
        case 6:
          life.run({"SELECT", db_name(in.byte())});
          break;
        case 7: {
          const bool linked = in.byte() & 1;
          life.run({"SET", key_name(in.byte() % 2), std::string(linked ? 16000 : 8000, 'x')});
          break;
        }
      }
    }
    if (!life.nvm().healthy()) return false;
  }
  life.nvm().before_reply();
  return life.nvm().healthy();
}

}  // namespace

int fuzz_nvm_tail(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  ScratchDir dir;
  Keyspace committed;
  {
    Lifetime life(dir.path);
    FUZZ_CHECK(life.status().ok(), "a fresh NVM directory does not open: %s",
               life.status().to_string().c_str());
    if (!run_writes(in, life)) return 0;
    committed = life.dump();
  }  // crash
  {
    Lifetime life(dir.path);
    FUZZ_CHECK(life.status().ok(), "recovery failed: %s", life.status().to_string().c_str());
    const std::string diff = first_difference(life.dump(), committed);
    FUZZ_CHECK(diff.empty(), "recovery from the unfolded log: %s", diff.c_str());
    FUZZ_CHECK(life.nvm().finish_fill().ok(), "the fill failed");
    for (int i = 0; i < 100000 && life.nvm().replay_lag_bytes() > 0; ++i) {
      FUZZ_CHECK(life.nvm().step().ok(), "replaying the recovered log failed");
    }
    FUZZ_CHECK(life.nvm().replay_lag_bytes() == 0, "the recovered log does not fold in");
  }  // crash with the log folded in
  Lifetime life(dir.path);
  FUZZ_CHECK(life.status().ok(), "recovery from the store failed: %s",
             life.status().to_string().c_str());
  const std::string diff = first_difference(life.dump(), committed);
  FUZZ_CHECK(diff.empty(), "recovery from the folded store: %s", diff.c_str());
  return 0;
}

}  // namespace amber::fuzz
