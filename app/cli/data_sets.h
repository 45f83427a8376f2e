// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <string>

#include "nnb/data/dataset.h"
#include "nnb/support/expected.h"

namespace nnb::cli {

/// Resolves a `--data` argument: "fashion-mnist" (Debian's package), "sample" (the shipped
/// 1,000 images) or a directory holding t10k-*-ubyte[.gz] files.
[[nodiscard]] Expected<data::Dataset> loadDataSet(const std::string& spec);

/// Calibration and tuning images: the Fashion-MNIST training split when Debian's package is
/// installed (so accuracy is never measured on the images that set the quantisers), else
/// \p fallbackSpec as for loadDataSet. \p note says which was used.
[[nodiscard]] Expected<data::Dataset> loadCalibrationSet(const std::string& fallbackSpec, std::string& note);

} // namespace nnb::cli
