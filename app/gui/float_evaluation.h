// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <memory>

#include "nnb/data/dataset.h"
#include "nnb/eval/classification.h"
#include "nnb/onnx/import.h"

namespace nnb::app {

/// One float evaluation, an immutable snapshot handed from the worker to the GUI.
struct FloatEvaluation {
    std::shared_ptr<const onnx::ImportedModel> model; ///< the model that was evaluated
    std::shared_ptr<const data::Dataset> data;        ///< the images and labels it ran on
    eval::ClassificationResult result;
    int threads = 1; ///< executor threads used
};

} // namespace nnb::app
