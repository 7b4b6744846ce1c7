// One seeded simulation run (see simulation.h). The loop plays the event
// loop around a Host; every decision comes from one SeededRandom, and
// every reply and I/O op feeds the run's digest.
#include "sim/simulation.h"

#include <xxhash.h>

#include <cerrno>
#include <cstdio>
#include <memory>

#include "core/persist/rdb_writer.h"
#include "nvm/nvm_import.h"
#include "sim/checker.h"
#include "sim/host.h"
#include "sim/nvm_media.h"
#include "sim/sim_clock.h"
#include "sim/sim_fs.h"
#include "sim/workload.h"

namespace amber::sim {
namespace {

constexpr int64_t kCronMs = 100;
// An everysec fsync job waits at most this long (a healthy disk).
constexpr int64_t kMaxFsyncDelayMs = 300;
constexpr int kMaxStartAttempts = 8;
// A restart may crash within this many ops or crash points.
constexpr uint64_t kRecoveryCrashWindow = 20;
// NVM mode: one run in kImportOneRunIn starts by importing a dump.rdb, and
// that start may crash within a window of up to this many crash points (an
// import of a few KB makes a few hundred).
constexpr uint64_t kImportOneRunIn = 4;
constexpr uint64_t kImportCrashWindow = 400;
// NVM mode: keys read through the command path after a restart, before the
// lazy load completes (the workload's key space: k0..k15 in db 0..2).
constexpr int kSampledReads = 6;

class Run {
 public:
  explicit Run(const SimOptions& options)
      : options_(options),
        rng_(options.seed),
        fs_(options.seed * 0x9e3779b97f4a7c15ULL + 1),
        media_(options.seed),
        read_rng_(options.seed ^ 0x7265616473ULL),
        workload_(options.seed, options.workload),
        checker_(promise_of(options.persistence.mode)) {
    settings_ = options.persistence;
    settings_.bugs = &options_.bugs;
    // One process: when it dies at an NVM crash point its file I/O stops
    // there too (an import's marker removal must not outlive it).
    media_.set_on_crash([this] { fs_.set_crash_at_op(fs_.ops() + 1); });
    if (options_.trace) settings_.log = [this](const std::string& line) { trace(line); };
  }

  SimResult go();

 private:
  // `crash_window`: the power may fail within this many mutating ops (NVM:
  // crash points) of a start, on its first three attempts; 0: never.
  bool start_host(uint64_t crash_window);
  bool prepare_import();
  // An import may only be refused for a store too small for the RDB's keys,
  // and then the RDB and the import marker are still there for a start
  // with a larger nvm-size.
  bool refused_as_it_may(const Status& s);
  void batch();
  void run_unit(const std::vector<Argv>& unit);
  void tick(int64_t dt_ms);
  void schedule_jobs();
  void crash();
  // The process dies: SimFs's crash op or an NVM crash point.
  bool crashed() const { return fs_.crashed() || media_.crashed(); }
  bool nvm() const { return settings_.mode == Mode::kNvm; }
  void schedule_crash() {
    if (nvm()) {
      media_.set_crash_at_point(media_.points() + 1 + rng_.uniform(options_.crash_span_ops));
    } else {
      fs_.set_crash_at_op(fs_.ops() + 1 + rng_.uniform(options_.crash_span_ops));
    }
  }
  // The machine loses power: the disk keeps what it keeps (NVM mode: the
  // region files' names too), the persistent memory its crash images.
  void power_failure() {
    if (nvm()) media_.power_failure();
    fs_.power_failure(rng_.next_u64());
  }
  // The server exits (or the power fails) here.
  void kill() {
    if (nvm()) {
      media_.crash_now();
      return;
    }
    fs_.set_crash_at_op(fs_.ops() + 1);
    (void)fs_.sync_dir(".");
  }
  // NVM mode: a crash point between batches, after the replies left.
  void boundary() {
    if (nvm()) media_.boundary();
  }
  struct SampledRead {
    int db;
    std::string key, get, pttl;
  };
  std::vector<SampledRead> sample_reads();
  bool check_sampled_reads(const std::vector<SampledRead>& reads, Engine& recovered);
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
  NvmMedia media_;
  // The sampled reads' own generator: they do not shift the run's choices.
  SeededRandom read_rng_;
  SimClock clock_;
  Workload workload_;
  Checker checker_;
  std::unique_ptr<Host> host_;
  SimResult result_;
  uint64_t digest_ = 0;
  uint64_t faults_seen_ = 0;
  uint64_t heals_seen_ = 0;
  // NVM: a dump.rdb waits for the first start to import it, and the largest
  // log record one of its keys needs.
  bool import_pending_ = false;
};

SimResult Run::go() {
  (void)fs_.create_dir_if_missing(settings_.dir);
  (void)fs_.sync_dir(".");
  const bool import = nvm() && rng_.uniform(kImportOneRunIn) == 0;
  if (import && !prepare_import()) return result_;
  fs_.set_fault_rate(options_.fault_per_million);
  const uint64_t crashes_before = result_.crashes_in_recovery;
  // Power failures anywhere in the import, and more often early in it.
  if (!start_host(import ? 1 + rng_.uniform(kImportCrashWindow) : 0)) return result_;
  result_.crashes_in_import = result_.crashes_in_recovery - crashes_before;
  schedule_crash();
  while (result_.commands < options_.commands && !failed()) {
    batch();
    if (failed()) break;
    if (crashed()) {
      crash();
      continue;
    }
    const uint64_t r = rng_.uniform(100);
    tick(r < 70   ? static_cast<int64_t>(rng_.uniform(20))
         : r < 95 ? 20 + static_cast<int64_t>(rng_.uniform(180))
                  : 200 + static_cast<int64_t>(rng_.uniform(2800)));
    if (crashed()) crash();
  }
  // A last crash at the end checks the final state too.
  if (!failed()) crash();
  host_.reset();
  result_.faults = fs_.faults_injected();
  result_.nvm_growths = media_.growths();
  result_.digest = XXH64(&digest_, sizeof(digest_), fs_.digest() ^ media_.digest());
  return result_;
}

bool Run::start_host(uint64_t crash_window) {
  for (int attempt = 0;; ++attempt) {
    const bool crash_in_recovery = crash_window > 0 && attempt < 3 && rng_.uniform(4) == 0;
    if (nvm()) {
      media_.set_crash_at_point(crash_in_recovery ? media_.points() + 1 + rng_.uniform(crash_window)
                                                  : 0);
    } else {
      fs_.set_crash_at_op(crash_in_recovery ? fs_.ops() + 1 + rng_.uniform(crash_window) : 0);
    }
    if (attempt >= kMaxStartAttempts) fs_.set_fault_rate(0);
    const uint64_t faults_before = fs_.faults_injected();
    HostHooks hooks{[this] { return 1 + static_cast<int>(rng_.uniform(3)); },
                    [this] { checker_.snapshot_started(); },
                    [this] { checker_.snapshot_completed(); }, &media_};
    host_ = std::make_unique<Host>(fs_, clock_, rng_.next_u64(), settings_, hooks);
    heals_seen_ = 0;
    Status s = host_->start();
    if (crashed()) {  // the power failed during recovery
      host_.reset();
      ++result_.crashes;
      ++result_.crashes_in_recovery;
      power_failure();
      continue;
    }
    if (!s.ok() && fs_.faults_injected() > faults_before) {
      host_.reset();  // a disk error at startup: the operator restarts
      continue;
    }
    fs_.set_fault_rate(options_.fault_per_million);
    faults_seen_ = fs_.faults_injected();
    if (import_pending_) {
      import_pending_ = false;
      if (!s.ok() && refused_as_it_may(s)) return false;  // the run ends here
    }
    if (s.ok()) return true;
    result_.violation = true;
    result_.report = "  startup refused after a crash: " + s.to_string() + "\n";
    return false;
  }
}

// NVM mode: the dump.rdb of a Redis user switching to NVM, for the first
// start to import. The workload's first units run on a host without NVM
// (snapshot mode, no save points), and the keyspace is saved crash-safely
// and acknowledged: the import must bring every key of it into NVM,
// whatever crashes come (start_host's crash window covers the import).
bool Run::prepare_import() {
  PersistenceSettings rdb_settings = settings_;
  rdb_settings.mode = Mode::kSnapshot;
  rdb_settings.save_points.clear();
  HostHooks hooks{[] { return 1; }, [] {}, [] {}, nullptr};
  host_ = std::make_unique<Host>(fs_, clock_, rng_.next_u64(), rdb_settings, hooks);
  Status s = host_->start();
  const uint64_t units = 10 + rng_.uniform(50);
  for (uint64_t i = 0; i < units && s.ok(); ++i) run_unit(workload_.next_unit());
  // A Redis user's strings can be longer than NVM mode's log takes (APPEND
  // and SETRANGE on large values): the import links those.
  if (s.ok()) {
    s = save_rdb_file(fs_, settings_.dir, kDbFilename, engine_dbs(host_->engine()),
                      RdbWriteOptions());
  }
  host_.reset();
  if (!s.ok()) {
    result_.violation = true;
    result_.report = "  writing the RDB to import failed: " + s.to_string() + "\n";
    return false;
  }
  checker_.acknowledge_all(clock_.now_ms());
  ++result_.nvm_imports;
  import_pending_ = true;
  // An absorb every few hundred bytes, so that crashes land between
  // absorbs, or (the server's 2 MB default, for an RDB this small) one
  // absorb with every key at the end.
  settings_.nvm_import_absorb_bytes = rng_.uniform(2) == 0 ? 512 : 2 << 20;
  trace("dump.rdb written for the first start to import");
  return true;
}

bool Run::refused_as_it_may(const Status& s) {
  host_.reset();
  const bool store_full =
      s.sys_errno() == ENOSPC && s.to_string().find("nvm store full") != std::string::npos;
  if (!store_full || !fs_.file_exists(join_path(settings_.dir, kDbFilename)) ||
      !fs_.file_exists(join_path(settings_.dir, nvm::NvmImport::kMarkerName))) {
    return false;
  }
  ++result_.nvm_imports_refused;
  trace("the import refused an RDB the store cannot hold: " + s.to_string());
  return true;
}

void Run::run_unit(const std::vector<Argv>& unit) {
  const int client = static_cast<int>(rng_.uniform(Host::kClients));
  std::vector<Argv> body;
  for (const Argv& argv : unit) {
    const int db = host_->session(client).db;
    Host::Outcome out = host_->execute(client, argv);
    mix(out.reply);
    ++result_.commands;
    if (!out.admitted) ++result_.refused;
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
    if (crashed()) return;
  }
  const bool replies_leave = host_->end_batch();
  note_faults();
  if (crashed()) return;
  if (!replies_leave) {
    kill();  // the server exits: treated as a crash
    return;
  }
  checker_.acknowledge_all(clock_.now_ms());
  boundary();
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
  while (fsync.pending() > 0 && !crashed() &&
         (rng_.uniform(2) == 0 || clock_.now_ms() - fsync.oldest_ms() >= kMaxFsyncDelayMs)) {
    fsync.run_one();
  }
  SimExecutor& bg = host_->bg_executor();
  while (bg.pending() > 0 && !crashed() && rng_.uniform(3) != 0) bg.run_one();
  note_faults();
}

// Moves time by `dt_ms`, in cron-sized steps; each step is an event-loop
// iteration without client traffic.
void Run::tick(int64_t dt_ms) {
  schedule_jobs();
  while (dt_ms > 0 && !crashed()) {
    const int64_t to_cron = kCronMs - clock_.now_ms() % kCronMs;
    const int64_t step = std::min(dt_ms, to_cron);
    clock_.advance_ms(step);
    dt_ms -= step;
    if (step == to_cron) {
      host_->cron();
      note_faults();
      if (crashed()) return;
      if (!host_->end_batch()) {
        kill();
        return;
      }
      if (!crashed()) boundary();
      schedule_jobs();
    }
  }
}

void Run::crash() {
  const int64_t crash_ms = clock_.now_ms();
  trace("power failure");
  ++result_.crashes;
  if (host_->bg_executor().pending() > 0 || host_->persistence().background_lag() > 0) {
    ++result_.crashes_in_background;
  }
  result_.background_done += host_->persistence().heals();
  if (!crashed()) kill();
  for (int db = 0; db < host_->engine().db_count(); ++db) {
    result_.offloaded_at_crashes += host_->engine().db(db).offloaded_count();
  }
  result_.nvm_linked_values += host_->persistence().linked_values();
  host_.reset();
  power_failure();
  clock_.advance_ms(1 + static_cast<int64_t>(rng_.uniform(50)));
  if (!start_host(kRecoveryCrashWindow)) return;
  ++result_.checks;
  std::vector<SampledRead> reads;
  if (nvm()) reads = sample_reads();
  // NVM mode, every other restart: the checker reads a second recovery of
  // the same images (a shadow host that loads everything) while this host
  // runs on with its keyspace still loading lazily, so that writes, swaps
  // and flushes during the background fill are exercised too (the next
  // crash checks them).
  NvmMedia shadow_media(options_.seed);
  std::unique_ptr<Host> shadow;
  Host* checked = host_.get();
  if (nvm() && rng_.uniform(2) == 0) {
    shadow_media.copy_images_from(media_);
    HostHooks hooks{[] { return 1; }, [] {}, [] {}, &shadow_media};
    shadow = std::make_unique<Host>(fs_, clock_, read_rng_.next_u64(), settings_, hooks);
    // Its startup's file syncs see no injected disk fault: a refused start
    // would only mean an operator's restart (start_host's retry), and this
    // start is there to check the images.
    fs_.set_fault_rate(0);
    Status s = shadow->start();
    fs_.set_fault_rate(options_.fault_per_million);
    if (!s.ok()) {
      result_.violation = true;
      result_.report = "  a second recovery of the same NVM images failed: " + s.to_string() + "\n";
      return;
    }
    checked = shadow.get();
    ++result_.lazy_restarts;
  }
  Status loaded = checked->persistence().finish_load();
  if (!loaded.ok()) {
    result_.violation = true;
    result_.report = "  loading the recovered keyspace failed: " + loaded.to_string() + "\n";
    return;
  }
  std::string report;
  if (!checker_.check(checked->engine(), crash_ms, clock_.now_ms(), &report)) {
    result_.violation = true;
    result_.report = report +
                     "  history since the last verified state (t relative to the crash):\n" +
                     checker_.describe_history(crash_ms, 40);
    return;
  }
  if (!check_sampled_reads(reads, checked->engine())) return;
  schedule_crash();
}

// GET and PTTL of a few seeded keys through the command path, as a client's
// first commands after the restart: they must be served right while the
// keyspace is still being loaded.
std::vector<Run::SampledRead> Run::sample_reads() {
  std::vector<SampledRead> reads;
  Session session;
  session.id = Host::kClients + 1;
  for (int i = 0; i < kSampledReads; ++i) {
    SampledRead r;
    r.db = static_cast<int>(read_rng_.uniform(static_cast<uint64_t>(WorkloadOptions{}.databases)));
    r.key = "k" + std::to_string(read_rng_.uniform(static_cast<uint64_t>(WorkloadOptions{}.keys)));
    std::string ignored;
    const std::string db = std::to_string(r.db);
    auto run = [&](std::vector<std::string_view> args, std::string* out) {
      Reply reply(out, session.protocol);
      host_->engine().execute(session, args, reply);
    };
    run({"SELECT", db}, &ignored);
    run({"GET", r.key}, &r.get);
    run({"PTTL", r.key}, &r.pttl);
    mix(r.get);
    mix(r.pttl);
    reads.push_back(std::move(r));
  }
  return reads;
}

// The sampled replies against the recovered keyspace the checker accepted
// (which equals the reference model after some allowed prefix).
bool Run::check_sampled_reads(const std::vector<SampledRead>& reads, Engine& recovered) {
  if (reads.empty()) return true;
  const int64_t now_ms = clock_.now_ms();
  const KeyspaceImage image = engine_image(recovered, now_ms);
  for (const SampledRead& r : reads) {
    auto it = image.find({r.db, r.key});
    std::string get = "$-1\r\n", pttl = ":-2\r\n";
    if (it != image.end()) {
      const ModelValue& v = it->second;
      get = "$" + std::to_string(v.value.size()) + "\r\n" + v.value + "\r\n";
      pttl = ":" + std::to_string(v.expire_ms < 0 ? -1 : v.expire_ms - now_ms) + "\r\n";
    }
    if (r.get == get && r.pttl == pttl) continue;
    result_.violation = true;
    result_.report = "  a read right after the restart disagrees with the recovered keyspace: db" +
                     std::to_string(r.db) + " " + r.key + " GET " +
                     (r.get.size() > 40 ? r.get.substr(0, 40) + "..." : r.get) + " PTTL " + r.pttl +
                     ", expected GET " + (get.size() > 40 ? get.substr(0, 40) + "..." : get) +
                     " PTTL " + pttl + "\n";
    return false;
  }
  return true;
}

}  // namespace

SimResult run_simulation(const SimOptions& options) {
  Run run(options);
  return run.go();
}

}  // namespace amber::sim
