// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "nnb/support/expected.h"

namespace nnb::cli {

struct InfoOptions {
    std::filesystem::path model;
    bool printIr = false;
};

struct EvalOptions {
    std::filesystem::path model;
    std::string data = "fashion-mnist"; ///< "fashion-mnist", "sample" or a directory of IDX files
    int64_t limit = 0;
    int64_t batch = 256;
    int threads = 0;
    std::filesystem::path reportPath;   ///< optional JSON report
};

/// `nnbridge info`: layers, shapes, parameter counts and the op histogram.
[[nodiscard]] Expected<void> runInfo(const InfoOptions& options);
/// `nnbridge eval`: float top-1 accuracy and throughput on a labelled data set.
[[nodiscard]] Expected<void> runEval(const EvalOptions& options);
/// `nnbridge default`: the embedded default job (shipped network, data sample), headless.
[[nodiscard]] Expected<void> runDefault();

} // namespace nnb::cli
