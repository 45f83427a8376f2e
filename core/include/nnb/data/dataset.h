// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "nnb/ir/tensor.h"
#include "nnb/support/expected.h"

namespace nnb::data {

/// A labelled image classification set held as bytes (IDX images are 8-bit grey).
struct Dataset {
    int64_t count = 0;
    int rows = 0;
    int cols = 0;
    std::vector<uint8_t> pixels; ///< count * rows * cols, row-major per image
    std::vector<uint8_t> labels; ///< count
    std::string source;          ///< where it was read from, for reports

    /// \returns images [begin, end) as a float tensor [n, 1, rows, cols] holding pixel / 255,
    /// the preprocessing the shipped networks were trained with.
    ir::Tensor batch(int64_t begin, int64_t end) const;
};

/// Reads an IDX image file (magic 0x00000803, dims [n, rows, cols], unsigned bytes) and its IDX
/// label file (magic 0x00000801, dims [n]). Either file may be gzip-compressed (detected by its
/// magic bytes). Errors name the file and what is wrong (bad magic, truncated, count mismatch).
[[nodiscard]] Expected<Dataset> loadIdx(const std::filesystem::path& images, const std::filesystem::path& labels);

/// Reads the Fashion-MNIST test split (t10k-*) from a directory laid out like Debian's
/// dataset-fashion-mnist package (gzipped or plain IDX files).
[[nodiscard]] Expected<Dataset> loadFashionMnistTest(const std::filesystem::path& directory);

/// Reads the Fashion-MNIST training split (train-*): calibration and tuning data, kept apart
/// from the test images accuracy is measured on.
[[nodiscard]] Expected<Dataset> loadFashionMnistTrain(const std::filesystem::path& directory);

/// Where Debian's dataset-fashion-mnist package installs the data.
inline const std::filesystem::path kDebianFashionMnistDir = "/usr/share/datasets/fashion-mnist";

} // namespace nnb::data
