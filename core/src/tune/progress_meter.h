// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Private to core/src/tune/: progress of a tuning run in abstract work units, reported through
// a RunContext at most every 50 ms, with the cancellation poll of the hot loops.

#include <algorithm>
#include <chrono>
#include <string>

#include "nnb/support/run_context.h"

namespace nnb::tune::detail {

/// Counts done work units against a total and turns them into throttled progress reports.
class ProgressMeter {
public:
    ProgressMeter(const RunContext& ctx, double totalUnits)
        : m_ctx(ctx)
        , m_total(std::max(totalUnits, 1.0))
        , m_last(std::chrono::steady_clock::now())
    {
    }

    /// Counts \p units of work as done and reports \p stage (built only when a report is due).
    /// \returns false when the run is cancelled.
    template <class StageFn>
    [[nodiscard]] bool advance(double units, StageFn&& stage)
    {
        m_done += units;
        if (m_ctx.onProgress) {
            const auto now = std::chrono::steady_clock::now();
            if (now - m_last >= std::chrono::milliseconds(50)) {
                m_last = now;
                m_ctx.report(std::clamp(static_cast<int>(1000.0 * m_done / m_total), 0, 1000), stage());
            }
        }
        return !m_ctx.cancelled();
    }

private:
    const RunContext& m_ctx;
    double m_total;
    double m_done = 0.0;
    std::chrono::steady_clock::time_point m_last;
};

} // namespace nnb::tune::detail
