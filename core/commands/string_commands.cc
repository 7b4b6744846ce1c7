#include "core/engine.h"

namespace amber {

void register_string_commands(Engine&) {}

}  // namespace amber
