// One seeded simulation run (see simulation.h). The loop plays the event
// loop around a Host; every decision comes from one SeededRandom, and
// every reply and I/O op feeds the run's digest.
#include "sim/simulation.h"

#include <xxhash.h>

#include <cstdio>
#include <memory>

#include "sim/checker.h"
#include "sim/host.h"
#include "sim/sim_clock.h"
#include "sim/sim_fs.h"
#include "sim/workload.h"

namespace amber::sim {
namespace {

constexpr int64_t kCronMs = 100;
// An everysec fsync job waits at most this long (a healthy disk).
constexpr int64_t kMaxFsyncDelayMs = 300;
constexpr int kMaxStartAttempts = 8;

class Run {
 public:
  explicit Run(const SimOptions& options)
      : options_(options),
        rng_(options.seed),
        fs_(options.seed * 0x9e3779b97f4a7c15ULL + 1),
        workload_(options.seed),
        checker_(promise_of(options.persistence.mode)) {
    settings_ = options.persistence;
    settings_.bugs = &options_.bugs;
    if (options_.trace) settings_.log = [this](const std::string& line) { trace(line); };
  }

  SimResult go();

 private:
  bool start_host(bool after_crash);
  void batch();
  void run_unit(const std::vector<Argv>& unit);
  void tick(int64_t dt_ms);
  void schedule_jobs();
  void crash();
  void schedule_crash() {
    fs_.set_crash_at_op(fs_.ops() + 1 + rng_.uniform(options_.crash_span_ops));
  }
  void note_faults();
  void trace(const std::string& line) {
    if (options_.trace) {
      std::fprintf(stderr, "[t=%lld w=%llu] %s\n", static_cast<long long>(clock_.now_ms()),
                   static_cast<unsigned long long>(checker_.writes_total()), line.c_str());
    }
  }
  void mix(std::string_view bytes) { digest_ = XXH64(bytes.data(), bytes.size(), digest_); }
  bool failed() const { return result_.violation; }

  SimOptions options_;
  PersistenceSettings settings_;
  SeededRandom rng_;
  SimFs fs_;
  SimClock clock_;
  Workload workload_;
  Checker checker_;
  std::unique_ptr<Host> host_;
  SimResult result_;
  uint64_t digest_ = 0;
  uint64_t faults_seen_ = 0;
  uint64_t heals_seen_ = 0;
};

SimResult Run::go() {
  (void)fs_.create_dir_if_missing(settings_.dir);
  (void)fs_.sync_dir(".");
  fs_.set_fault_rate(options_.fault_per_million);
  if (!start_host(false)) return result_;
  schedule_crash();
  while (result_.commands < options_.commands && !failed()) {
    batch();
    if (failed()) break;
    if (fs_.crashed()) {
      crash();
      continue;
    }
    const uint64_t r = rng_.uniform(100);
    tick(r < 70   ? static_cast<int64_t>(rng_.uniform(20))
         : r < 95 ? 20 + static_cast<int64_t>(rng_.uniform(180))
                  : 200 + static_cast<int64_t>(rng_.uniform(2800)));
    if (fs_.crashed()) crash();
  }
  // A last crash at the end checks the final state too.
  if (!failed()) crash();
  host_.reset();
  result_.faults = fs_.faults_injected();
  result_.digest = XXH64(&digest_, sizeof(digest_), fs_.digest());
  return result_;
}

bool Run::start_host(bool after_crash) {
  for (int attempt = 0;; ++attempt) {
    const bool crash_in_recovery = after_crash && attempt < 3 && rng_.uniform(4) == 0;
    fs_.set_crash_at_op(crash_in_recovery ? fs_.ops() + 1 + rng_.uniform(20) : 0);
    if (attempt >= kMaxStartAttempts) fs_.set_fault_rate(0);
    const uint64_t faults_before = fs_.faults_injected();
    HostHooks hooks{[this] { return 1 + static_cast<int>(rng_.uniform(3)); },
                    [this] { checker_.snapshot_started(); },
                    [this] { checker_.snapshot_completed(); }};
    host_ = std::make_unique<Host>(fs_, clock_, rng_.next_u64(), settings_, hooks);
    heals_seen_ = 0;
    Status s = host_->start();
    if (fs_.crashed()) {  // the power failed during recovery
      host_.reset();
      ++result_.crashes;
      ++result_.crashes_in_recovery;
      fs_.power_failure(rng_.next_u64());
      continue;
    }
    if (!s.ok() && fs_.faults_injected() > faults_before) {
      host_.reset();  // a disk error at startup: the operator restarts
      continue;
    }
    fs_.set_fault_rate(options_.fault_per_million);
    faults_seen_ = fs_.faults_injected();
    if (s.ok()) return true;
    result_.violation = true;
    result_.report = "  startup refused after a crash: " + s.to_string() + "\n";
    return false;
  }
}

void Run::run_unit(const std::vector<Argv>& unit) {
  const int client = static_cast<int>(rng_.uniform(Host::kClients));
  std::vector<Argv> body;
  for (const Argv& argv : unit) {
    const int db = host_->session(client).db;
    Host::Outcome out = host_->execute(client, argv);
    mix(out.reply);
    ++result_.commands;
    const std::string& name = argv[0];
    if (name == "MULTI") continue;
    if (name == "EXEC") {
      if (!out.reply.empty() && out.reply[0] == '*' && out.reply != "*-1\r\n") {
        checker_.executed(HistoryEntry{body, db, clock_.now_ms()});
      }
    } else if (unit.size() > 1) {
      body.push_back(argv);
    } else if (out.admitted && name != "GET" && name != "SELECT") {
      checker_.executed(HistoryEntry{{argv}, db, clock_.now_ms()});
    }
  }
}

void Run::batch() {
  const uint64_t units = 1 + rng_.uniform(6);
  for (uint64_t i = 0; i < units; ++i) run_unit(workload_.next_unit());
  if (rng_.uniform(60) == 0) host_->background_save();
  // serverCron may fire between reading the commands and before_sleep.
  if (rng_.uniform(8) == 0) {
    host_->cron();
    note_faults();
    if (fs_.crashed()) return;
  }
  const bool replies_leave = host_->end_batch();
  note_faults();
  if (fs_.crashed()) return;
  if (!replies_leave) {
    fs_.set_crash_at_op(fs_.ops() + 1);  // the server exits: treated as a crash
    (void)fs_.sync_dir(".");
    return;
  }
  checker_.acknowledge_all(clock_.now_ms());
}

void Run::note_faults() {
  if (fs_.faults_injected() != faults_seen_) {
    faults_seen_ = fs_.faults_injected();
    trace("disk fault injected");
    checker_.fault(clock_.now_ms());
  } else if (host_->persistence().heals() != heals_seen_) {
    checker_.healed();
  }
  heals_seen_ = host_->persistence().heals();
}

void Run::schedule_jobs() {
  SimExecutor& fsync = host_->fsync_executor();
  while (fsync.pending() > 0 && !fs_.crashed() &&
         (rng_.uniform(2) == 0 || clock_.now_ms() - fsync.oldest_ms() >= kMaxFsyncDelayMs)) {
    fsync.run_one();
  }
  SimExecutor& bg = host_->bg_executor();
  while (bg.pending() > 0 && !fs_.crashed() && rng_.uniform(3) != 0) bg.run_one();
  note_faults();
}

// Moves time by `dt_ms`, in cron-sized steps; each step is an event-loop
// iteration without client traffic.
void Run::tick(int64_t dt_ms) {
  schedule_jobs();
  while (dt_ms > 0 && !fs_.crashed()) {
    const int64_t to_cron = kCronMs - clock_.now_ms() % kCronMs;
    const int64_t step = std::min(dt_ms, to_cron);
    clock_.advance_ms(step);
    dt_ms -= step;
    if (step == to_cron) {
      host_->cron();
      note_faults();
      if (fs_.crashed()) return;
      if (!host_->end_batch()) {
        fs_.set_crash_at_op(fs_.ops() + 1);
        (void)fs_.sync_dir(".");
        return;
      }
      schedule_jobs();
    }
  }
}

void Run::crash() {
  const int64_t crash_ms = clock_.now_ms();
  trace("power failure");
  ++result_.crashes;
  if (host_->bg_executor().pending() > 0) ++result_.crashes_in_background;
  result_.background_done += host_->persistence().heals();
  if (!fs_.crashed()) {
    fs_.set_crash_at_op(fs_.ops() + 1);
    (void)fs_.sync_dir(".");
  }
  host_.reset();
  fs_.power_failure(rng_.next_u64());
  clock_.advance_ms(1 + static_cast<int64_t>(rng_.uniform(50)));
  if (!start_host(true)) return;
  ++result_.checks;
  std::string report;
  if (!checker_.check(host_->engine(), crash_ms, clock_.now_ms(), &report)) {
    result_.violation = true;
    result_.report = report +
                     "  history since the last verified state (t relative to the crash):\n" +
                     checker_.describe_history(crash_ms, 40);
    return;
  }
  schedule_crash();
}

}  // namespace

SimResult run_simulation(const SimOptions& options) {
  Run run(options);
  return run.go();
}

}  // namespace amber::sim
