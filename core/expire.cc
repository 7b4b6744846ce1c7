// Active expiry: reclaims keys whose time is up even if nobody reads them
// again. Lazy expiry (on lookup) alone would keep such keys in memory
// forever.
//
// The shape is Redis 7.0's activeExpireCycle, so memory and latency behave
// as users expect: each cycle visits up to 16 databases in turn; in each it
// samples up to 20 keys that carry a TTL, expires the due ones, and samples
// again while more than 10% of the sample was due; all of it within a time
// budget (25% of a cron period for the slow cycle run from cron, 1 ms for the
// fast one run before the event loop sleeps). active-expire-effort (1..10)
// raises the sample size, the budgets and lowers the tolerated stale share.
//
// Time comes from the engine's injected clock. A simulated clock may stand
// still for a whole cycle, so the budget is also counted in sampling rounds
// (a round is assumed to cost at least kMinRoundCostUs): a cycle always ends,
// and a run is the same for the same seed and clock.
#include <algorithm>
#include <vector>

#include "core/engine.h"

namespace amber {
namespace {

constexpr uint64_t kKeysPerLoop = 20;       // ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP
constexpr int64_t kFastDurationUs = 1000;   // ACTIVE_EXPIRE_CYCLE_FAST_DURATION
constexpr int64_t kSlowTimePercent = 25;    // ACTIVE_EXPIRE_CYCLE_SLOW_TIME_PERC
constexpr uint64_t kAcceptableStale = 10;   // ACTIVE_EXPIRE_CYCLE_ACCEPTABLE_STALE
constexpr uint64_t kDbsPerCall = 16;        // CRON_DBS_PER_CALL
constexpr uint64_t kBudgetCheckMask = 0xf;  // check the budget every 16 rounds
constexpr int64_t kMinRoundCostUs = 16;

struct CycleParams {
  uint64_t keys_per_loop;
  int64_t fast_duration_us;
  int64_t slow_time_percent;
  uint64_t acceptable_stale;  // percent of a sample
};

CycleParams params_for(int effort_setting) {
  const uint64_t effort = static_cast<uint64_t>(std::clamp(effort_setting, 1, 10) - 1);
  return {
      .keys_per_loop = kKeysPerLoop + kKeysPerLoop / 4 * effort,
      .fast_duration_us = kFastDurationUs + kFastDurationUs / 4 * static_cast<int64_t>(effort),
      .slow_time_percent = kSlowTimePercent + 2 * static_cast<int64_t>(effort),
      .acceptable_stale = kAcceptableStale - effort,
  };
}

struct Sample {
  uint64_t sampled = 0;
  uint64_t expired = 0;
};

// Draws up to `num` distinct keys that carry a TTL and expires the due ones.
// Redis walks buckets of its expires table and sees each key once per round;
// distinct draws keep that property. The draw limit keeps a round short when
// `num` is close to the number of such keys.
Sample sample_and_expire(Engine& engine, int db_index, uint64_t num, int64_t now_ms) {
  Db& db = engine.db(db_index);
  std::vector<Entry*> picked;
  picked.reserve(num);
  for (uint64_t draws = 0; picked.size() < num && draws < num * 4; ++draws) {
    Entry* e = db.random_resident_volatile(engine.random());
    if (std::find(picked.begin(), picked.end(), e) == picked.end()) picked.push_back(e);
  }
  Sample s;
  for (Entry* e : picked) {
    ++s.sampled;
    if (engine.key_is_expired(e, now_ms)) {
      engine.expire_entry(db_index, e);
      ++s.expired;
    }
  }
  return s;
}

class Cycle {
 public:
  Cycle(Engine& engine, const CycleParams& params, int64_t start_us, int64_t budget_us)
      : engine_(engine),
        params_(params),
        start_us_(start_us),
        budget_us_(budget_us),
        max_rounds_((std::max<int64_t>(budget_us / kMinRoundCostUs, 1) + kBudgetCheckMask) &
                    ~kBudgetCheckMask) {}

  // Samples `db` until its stale share looks acceptable or the budget is spent.
  void expire_db(int db);

  bool out_of_budget() const { return out_of_budget_; }
  uint64_t sampled() const { return sampled_; }
  uint64_t expired() const { return expired_; }

 private:
  bool budget_spent() const {
    return rounds_ >= max_rounds_ || engine_.clock().now_us() - start_us_ > budget_us_;
  }

  Engine& engine_;
  const CycleParams params_;
  const int64_t start_us_;
  const int64_t budget_us_;
  const uint64_t max_rounds_;
  uint64_t rounds_ = 0;  // across databases, as Redis counts its iterations
  uint64_t sampled_ = 0;
  uint64_t expired_ = 0;
  bool out_of_budget_ = false;
};

void Cycle::expire_db(int db) {
  Sample s;
  do {
    ++rounds_;
    uint64_t num = engine_.db(db).resident_volatile_count();
    if (num == 0) break;
    s = sample_and_expire(engine_, db, std::min(num, params_.keys_per_loop),
                          engine_.clock().now_ms());
    sampled_ += s.sampled;
    expired_ += s.expired;
    if ((rounds_ & kBudgetCheckMask) == 0 && budget_spent()) {
      out_of_budget_ = true;
      ++engine_.stats().expired_time_cap_reached_count;
      break;
    }
  } while (s.sampled == 0 || s.expired * 100 / s.sampled > params_.acceptable_stale);
}

// Redis's gate for the fast cycle. It compares the stale fraction (0..1)
// with a percentage, so in practice a fast cycle only follows a slow cycle
// that ran out of time; amber keeps that so that it expires as Redis does.
bool fast_cycle_may_run(Engine& engine, const CycleParams& params, int64_t start_us) {
  ActiveExpireState& state = engine.active_expire_state();
  if (!state.timelimit_exit &&
      engine.stats().expired_stale_perc < static_cast<double>(params.acceptable_stale)) {
    return false;
  }
  if (start_us < state.last_fast_cycle_us + params.fast_duration_us * 2) return false;
  state.last_fast_cycle_us = start_us;
  return true;
}

void record_cycle(Engine& engine, const Cycle& cycle, int64_t start_us) {
  ActiveExpireState& state = engine.active_expire_state();
  EngineStats& stats = engine.stats();
  state.timelimit_exit = cycle.out_of_budget();
  state.time_used_us +=
      static_cast<uint64_t>(std::max<int64_t>(0, engine.clock().now_us() - start_us));
  stats.expire_cycle_cpu_milliseconds = state.time_used_us / 1000;
  // Running estimate of the share of TTL keys that are due but not reclaimed.
  double current = cycle.sampled() == 0 ? 0.0
                                        : static_cast<double>(cycle.expired()) /
                                              static_cast<double>(cycle.sampled());
  stats.expired_stale_perc = current * 0.05 + stats.expired_stale_perc * 0.95;
}

}  // namespace

void active_expire_cycle(Engine& engine, bool fast) {
  const CycleParams params = params_for(engine.options().active_expire_effort);
  ActiveExpireState& state = engine.active_expire_state();
  const int64_t start_us = engine.clock().now_us();
  if (fast && !fast_cycle_may_run(engine, params, start_us)) return;

  const uint64_t db_count = static_cast<uint64_t>(engine.db_count());
  // After a cycle that ran out of time, visit every database this time.
  const uint64_t dbs = state.timelimit_exit ? db_count : std::min(kDbsPerCall, db_count);
  int64_t budget_us = params.slow_time_percent * 1000000 / std::max(1, engine.options().hz) / 100;
  if (budget_us <= 0) budget_us = 1;
  if (fast) budget_us = params.fast_duration_us;

  Cycle cycle(engine, params, start_us, budget_us);
  for (uint64_t j = 0; j < dbs && !cycle.out_of_budget(); ++j) {
    // Advance first, so a cycle that runs out of time resumes with the next db.
    const int db = static_cast<int>(state.next_db % db_count);
    ++state.next_db;
    cycle.expire_db(db);
  }
  record_cycle(engine, cycle, start_us);
}

}  // namespace amber
