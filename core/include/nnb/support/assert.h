// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <cstdio>
#include <cstdlib>

/// Programmer-error check. Aborts in debug builds and tests; in release builds (NDEBUG) it
/// prints the failed condition and continues, so callers with a return path should follow it
/// with an Errc::Internal return.
#ifndef NDEBUG
#define NNB_ASSERT(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            std::fprintf(stderr, "nnbridge: assertion failed: %s (%s:%d)\n", #cond, __FILE__,      \
                         __LINE__);                                                                \
            std::abort();                                                                          \
        }                                                                                          \
    } while (false)
#else
#define NNB_ASSERT(cond)                                                                           \
    do {                                                                                           \
        if (!(cond))                                                                               \
            std::fprintf(stderr, "nnbridge: internal check failed: %s (%s:%d)\n", #cond,           \
                         __FILE__, __LINE__);                                                      \
    } while (false)
#endif
