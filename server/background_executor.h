// BackgroundExecutor: the production Executor (core/io/executor.h). One
// thread runs submitted jobs in order; drain() waits until the queue is
// empty. submit() and drain() are called from the event-loop thread; jobs
// run on the background thread.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "core/io/executor.h"

namespace amber {

class BackgroundExecutor final : public Executor {
 public:
  BackgroundExecutor();
  // Runs what is queued, then joins the thread.
  ~BackgroundExecutor() override;
  void submit(Job job) override;
  // Blocks until every submitted job has run.
  void drain();

 private:
  void run();

  std::mutex mu_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::deque<Job> jobs_;
  bool running_job_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace amber
