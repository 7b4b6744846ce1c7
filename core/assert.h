// AMBER_ASSERT: an invariant check that stays on in release builds. On the
// persistence paths a crash on a broken invariant beats silent corruption.
#pragma once

#include <cstdio>
#include <cstdlib>

#define AMBER_ASSERT(cond)                                                                       \
  do {                                                                                           \
    if (!(cond)) [[unlikely]] {                                                                  \
      std::fprintf(stderr, "amber: assertion failed at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                              \
    }                                                                                            \
  } while (0)
