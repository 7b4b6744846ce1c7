// SimExecutor: the Executor the simulator hands to the persistence code in
// place of a background thread. Jobs wait in a queue until the simulation's
// scheduler runs them, so a crash can land between any two jobs and a job
// can be delayed (a slow disk) by as much simulated time as the seed says.
// Single-threaded.
#pragma once

#include <cstdint>
#include <deque>
#include <utility>

#include "core/io/clock.h"
#include "core/io/executor.h"

namespace amber::sim {

class SimExecutor final : public Executor {
 public:
  explicit SimExecutor(const Clock& clock) : clock_(clock) {}
  void submit(Job job) override { jobs_.push_back({clock_.now_ms(), std::move(job)}); }
  size_t pending() const { return jobs_.size(); }
  // Submission time of the oldest job; -1 if none.
  int64_t oldest_ms() const { return jobs_.empty() ? -1 : jobs_.front().first; }
  // Runs the oldest job; false if none.
  bool run_one() {
    if (jobs_.empty()) return false;
    Job job = std::move(jobs_.front().second);
    jobs_.pop_front();
    job();
    return true;
  }

 private:
  const Clock& clock_;
  std::deque<std::pair<int64_t, Job>> jobs_;
};

}  // namespace amber::sim
