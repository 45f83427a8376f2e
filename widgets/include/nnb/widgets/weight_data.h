// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <vector>

#include <QString>

namespace nnb::widgets {

/// The weights one crossbar holds, as the heat map draws them: rows are crossbar inputs (word
/// lines), columns its outputs (neurons). A value type, shared as std::shared_ptr<const T>.
struct WeightMatrix {
    QString tile;  ///< the core-op's name
    QString layer; ///< its original layer
    QString role;  ///< "layer", "partial", "max-tree", ...
    int rows = 0;  ///< inputs in use
    int cols = 0;  ///< outputs in use
    int crossbarRows = 0; ///< the crossbar's size, for the unused part
    int crossbarCols = 0;
    std::vector<float> values; ///< rows x cols, row-major
};

/// One layer's weights before and after quantisation, for the histogram view.
struct WeightHistogramData {
    QString layer;
    QString scheme;    ///< "uniform, 8 bits, per output channel"
    std::vector<float> floatWeights;
    std::vector<float> quantizedWeights; ///< the dequantised value of each weight, same order
    std::vector<float> levels;           ///< the distinct quantised values (sorted)
    double mse = 0.0;                    ///< mean squared quantisation error
};

} // namespace nnb::widgets
