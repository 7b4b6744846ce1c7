// CLOCK_REALTIME in microseconds: Redis's ustime(), used for expire times
// that must survive restarts (they are absolute Unix times).
#include "server/system_clock.h"

#include <time.h>

namespace amber {

int64_t SystemClock::now_us() const {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000 + ts.tv_nsec / 1000;
}

}  // namespace amber
