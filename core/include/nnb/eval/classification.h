// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <cstdint>
#include <vector>

#include "nnb/data/dataset.h"
#include "nnb/exec/executor.h"
#include "nnb/support/expected.h"
#include "nnb/support/run_context.h"

namespace nnb::eval {

/// Options of a classification evaluation.
struct ClassificationOptions {
    int64_t limit = 0;      ///< evaluate the first \p limit images only; 0 = all
    int64_t batchSize = 256;
};

/// Outcome of running a classifier over a labelled data set.
struct ClassificationResult {
    int64_t correct = 0;
    int64_t total = 0;
    std::vector<uint8_t> predictions; ///< argmax class per image (lowest index wins a tie)
    double seconds = 0.0;             ///< wall-clock time of the inference only

    double accuracyPercent() const { return total ? 100.0 * static_cast<double>(correct) / static_cast<double>(total) : 0.0; }
    double imagesPerSecond() const { return seconds > 0 ? static_cast<double>(total) / seconds : 0.0; }
};

/// Runs \p executor (a graph with one input [N,1,H,W] and one output [N,classes]) over \p data
/// in batches and counts top-1 hits. Progress is reported per batch; cancellation is honoured
/// between batches. \returns InvalidArgument if the graph's input or output does not fit the data.
[[nodiscard]] Expected<ClassificationResult> evaluateClassifier(const exec::Executor& executor, const data::Dataset& data,
                                                                const ClassificationOptions& options = {},
                                                                const RunContext& ctx = {});

} // namespace nnb::eval
