// The background thread behind snapshot writes and fsyncs: a plain FIFO
// queue under a mutex. Jobs are few and large (64 KiB chunks, an fsync), so
// one lock round trip per job costs nothing next to the I/O.
#include "server/background_executor.h"

namespace amber {

BackgroundExecutor::BackgroundExecutor() : thread_([this] { run(); }) {}

BackgroundExecutor::~BackgroundExecutor() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void BackgroundExecutor::submit(Job job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    jobs_.push_back(std::move(job));
  }
  wake_.notify_one();
}

void BackgroundExecutor::drain() {
  std::unique_lock<std::mutex> lock(mu_);
  idle_.wait(lock, [this] { return jobs_.empty() && !running_job_; });
}

void BackgroundExecutor::run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
    if (jobs_.empty()) return;  // stopping and nothing left
    Job job = std::move(jobs_.front());
    jobs_.pop_front();
    running_job_ = true;
    lock.unlock();
    job();
    lock.lock();
    running_job_ = false;
    if (jobs_.empty()) idle_.notify_all();
  }
}

}  // namespace amber
