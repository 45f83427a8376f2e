// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <string>

#include "nnb/data/dataset.h"
#include "nnb/support/expected.h"

namespace nnb::cli {

/// Resolves a `--data` argument: "fashion-mnist" (Debian's package), "sample" (the shipped
/// 1,000 images) or a directory holding t10k-*-ubyte[.gz] files.
[[nodiscard]] Expected<data::Dataset> loadDataSet(const std::string& spec);

} // namespace nnb::cli
