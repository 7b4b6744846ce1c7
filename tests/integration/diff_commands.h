// Random command sequences for the differential test: every command of the
// foundation issue with its options, over a few keys so that commands
// collide, plus malformed variants (wrong arity, bad numbers, syntax errors,
// unknown commands and options, random letter case).
//
// Expiry arguments are placeholders resolved when the step runs
// (resolve_time_args): relative TTLs are large and distinct per step, so that
// no key expires during a case and NX/XX/GT/LT comparisons never depend on
// how many milliseconds passed between two commands; absolute times are far
// in the future, or in the past where Redis deletes the key at once.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include <rapidcheck.h>

namespace amber::testing {

struct Step {
  int client = 0;  // which of the two connections per server sends it
  std::vector<std::string> argv;
};

void showValue(const Step& step, std::ostream& os);

// One random step.
rc::Gen<Step> gen_step();

// Replaces time placeholders in `argv`; `serial` makes each step's relative
// times unique and must be the same for both servers.
std::vector<std::string> resolve_time_args(const std::vector<std::string>& argv, int serial);

}  // namespace amber::testing
