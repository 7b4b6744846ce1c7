// SimClock: the simulator's time. It is core's ManualClock (core/io/clock.h):
// time only moves when the simulation advances it — by the few milliseconds
// a batch takes, by idle periods of up to 3 s, always across cron's 100 ms
// boundaries one step at a time — and nothing ever sleeps. One clock runs
// through every crash and restart of a simulation, so expiry times stay
// comparable between the run before a crash and the recovery after it.
#pragma once

#include "core/io/clock.h"

namespace amber::sim {

using SimClock = ManualClock;

}  // namespace amber::sim
