// Executor: where work that production runs off the engine thread goes
// (snapshot file writes and fsyncs, later AOF fsyncs). The engine thread
// submits jobs; the executor runs them one at a time, in submission order.
// The server passes one backed by a background thread; tests and the
// simulator pass one that runs jobs when they choose (QueuedExecutor), so a
// crash can land between any two jobs.
//
// A job must not touch engine state: it gets everything it needs by value or
// through state it shares with its submitter under its own synchronisation.
#pragma once

#include <deque>
#include <functional>
#include <utility>

namespace amber {

class Executor {
 public:
  using Job = std::function<void()>;
  Executor() = default;
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;
  virtual ~Executor() = default;
  // Queues `job`. Jobs run one at a time in submission order, on a thread
  // the executor chooses. Called from the engine thread.
  virtual void submit(Job job) = 0;
};

// Runs each job inside submit(): synchronous SAVE, simple tests.
class InlineExecutor final : public Executor {
 public:
  void submit(Job job) override { job(); }
};

// Holds jobs until the owner runs them (tests, the simulator).
class QueuedExecutor final : public Executor {
 public:
  void submit(Job job) override { jobs_.push_back(std::move(job)); }
  size_t pending() const { return jobs_.size(); }
  // Runs the oldest job; false if none.
  bool run_one() {
    if (jobs_.empty()) return false;
    Job job = std::move(jobs_.front());
    jobs_.pop_front();
    job();
    return true;
  }
  void run_all() {
    while (run_one()) {
    }
  }

 private:
  std::deque<Job> jobs_;
};

}  // namespace amber
