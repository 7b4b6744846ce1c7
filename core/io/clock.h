// Clock: the only source of time for the engine. Production passes a wall
// clock (server/system_clock.h); tests and the simulator pass one they move by
// hand, so that expiry and every time-dependent reply are reproducible.
#pragma once

#include <cstdint>

namespace amber {

class Clock {
 public:
  Clock() = default;
  Clock(const Clock&) = delete;
  Clock& operator=(const Clock&) = delete;
  virtual ~Clock() = default;

  // Microseconds since the Unix epoch. Never goes backwards between calls
  // made from the same thread.
  virtual int64_t now_us() const = 0;

  int64_t now_ms() const { return now_us() / 1000; }
};

// A clock that only moves when told to. For tests and the simulator.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t start_us = 1'700'000'000'000'000) : now_us_(start_us) {}
  int64_t now_us() const override {
    const int64_t now = now_us_;
    now_us_ += tick_us_;
    return now;
  }
  void advance_us(int64_t delta_us) { now_us_ += delta_us; }
  // From now on every reading moves the clock by `tick_us` (0: it stands
  // still): for tests of work bounded by a time budget.
  void tick_on_read(int64_t tick_us) { tick_us_ = tick_us; }
  void advance_ms(int64_t delta_ms) { now_us_ += delta_ms * 1000; }
  void set_us(int64_t now_us) { now_us_ = now_us; }

 private:
  mutable int64_t now_us_;
  int64_t tick_us_ = 0;
};

}  // namespace amber
