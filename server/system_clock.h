// SystemClock: the wall clock, for production only. The engine never reads
// time itself; the server passes this in (DESIGN.md: no wall clock in core).
#pragma once

#include "core/io/clock.h"

namespace amber {

class SystemClock final : public Clock {
 public:
  int64_t now_us() const override;
};

}  // namespace amber
