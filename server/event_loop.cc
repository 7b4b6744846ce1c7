// epoll-based event loop. Level-triggered on purpose: a handler that stops
// reading early (a paused client, a full output buffer) is simply called
// again on the next poll, so no readiness is ever lost. An eventfd
// registered with a null handler lets other threads and signal handlers
// interrupt the wait.
#include "server/event_loop.h"

#include <cerrno>
#include <cstdint>

#include <sys/eventfd.h>
#include <unistd.h>

namespace amber {
namespace {

constexpr int kMaxEventsPerPoll = 1024;

}  // namespace

EventLoop::EventLoop() : events_(kMaxEventsPerPoll) {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (epoll_fd_ >= 0 && wake_fd_ >= 0) add(wake_fd_, EPOLLIN, nullptr);
}

EventLoop::~EventLoop() {
  if (wake_fd_ >= 0) close(wake_fd_);
  if (epoll_fd_ >= 0) close(epoll_fd_);
}

bool EventLoop::add(int fd, uint32_t events, IoHandler* handler) {
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = handler;
  return epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) == 0;
}

bool EventLoop::modify(int fd, uint32_t events, IoHandler* handler) {
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = handler;
  return epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &ev) == 0;
}

void EventLoop::remove(int fd) { epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr); }

int EventLoop::poll(int timeout_ms) {
  int n = epoll_wait(epoll_fd_, events_.data(), static_cast<int>(events_.size()), timeout_ms);
  if (n < 0) return 0;  // EINTR: the caller's loop re-checks its state
  for (int i = 0; i < n; ++i) {
    auto* handler = static_cast<IoHandler*>(events_[static_cast<size_t>(i)].data.ptr);
    if (handler == nullptr) {
      uint64_t drained;
      while (read(wake_fd_, &drained, sizeof(drained)) > 0) {
      }
      continue;
    }
    handler->on_io(events_[static_cast<size_t>(i)].events);
  }
  return n;
}

void EventLoop::wake() {
  uint64_t one = 1;
  ssize_t ignored = write(wake_fd_, &one, sizeof(one));
  (void)ignored;
}

}  // namespace amber
