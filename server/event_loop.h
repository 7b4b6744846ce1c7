// EventLoop: a thin epoll wrapper (level-triggered) for the server's one
// thread. File descriptors are registered with an IoHandler; `poll()` waits
// up to a timeout and calls each ready handler once. `wake()` is the only
// method other threads (and signal handlers) may call: it makes a sleeping
// `poll()` return at once.
//
// A handler object must stay alive until the poll() that may report it has
// returned; the server therefore frees clients only between polls.
#pragma once

#include <cstdint>
#include <vector>

#include <sys/epoll.h>

namespace amber {

class IoHandler {
 public:
  virtual ~IoHandler() = default;
  // `events` is the epoll mask (EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP).
  virtual void on_io(uint32_t events) = 0;
};

class EventLoop {
 public:
  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  bool ok() const { return epoll_fd_ >= 0 && wake_fd_ >= 0; }

  // Registers, changes or drops the interest set of `fd`.
  bool add(int fd, uint32_t events, IoHandler* handler);
  bool modify(int fd, uint32_t events, IoHandler* handler);
  void remove(int fd);

  // Waits at most `timeout_ms` (-1: forever) and dispatches. Returns the
  // number of events handled.
  int poll(int timeout_ms);

  // Thread-safe and async-signal-safe.
  void wake();

 private:
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  std::vector<epoll_event> events_;
};

}  // namespace amber
