#include "core/engine.h"

namespace amber {

void register_key_commands(Engine&) {}

}  // namespace amber
