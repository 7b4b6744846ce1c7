#include "core/engine.h"

namespace amber {

void active_expire_cycle(Engine&, bool) {}

}  // namespace amber
