// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <functional>
#include <string>

namespace nnb {

/// Coarse progress of a long operation.
struct Progress {
    int permille = 0;  ///< 0..1000 of the whole operation
    std::string stage; ///< what runs now, for a progress bar ("executing batch 3/40")
};

/// Progress and cancellation hooks handed to every long core operation. Both may be empty.
/// Core code calls onProgress at most every ~50 ms of work and polls isCancelled at stage
/// boundaries and inside hot loops; a cancel yields Errc::Cancelled. Callbacks may be invoked
/// from a worker thread, so they must be thread-safe.
struct RunContext {
    std::function<void(const Progress&)> onProgress;
    std::function<bool()> isCancelled;

    void report(int permille, std::string stage) const
    {
        if (onProgress)
            onProgress(Progress{permille, std::move(stage)});
    }
    bool cancelled() const { return isCancelled && isCancelled(); }
};

} // namespace nnb
