// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "nnb/hw/profile.h"
#include "nnb/ir/graph.h"

namespace nnb::report {

/// Resources one layer of the original network takes on the chip after compilation.
struct LayerResources {
    std::string layer;        ///< name of the original node
    std::string op;           ///< its original op type
    std::string rewrite;      ///< how it was realised ("2 core-ops (split 1x2)", "host", "folded", ...)
    int coreOps = 0;          ///< core-op nodes created for it (tiles, merge and tree stages)
    int crossbars = 0;        ///< physical arrays: tiles x weight slices x differential pairs
    int64_t weights = 0;      ///< weight cells in use per array (structural, zeros of block-diagonal tiles excluded)
    int64_t mvmsPerInference = 0; ///< crossbar activations per inference (conv tiles run once per output position)
    double utilizationPercent = 0.0; ///< weights / (crossbars/arrays-per-block x rows x cols)
    int lowerBound = 0;       ///< ceil(original weights / crossbar capacity) x arrays per block
    bool offChip = false;     ///< runs on the host
};

/// Per-layer and total resources of a compiled network.
struct ResourceReport {
    std::vector<LayerResources> layers;
    int coreOps = 0;
    int crossbars = 0;
    int64_t weights = 0;
    int64_t mvmsPerInference = 0;
    double utilizationPercent = 0.0;
    int lowerBound = 0;
    int offChipOps = 0;
};

/// Computes the resource report of \p compiled (core-ops carry their original layer in the
/// "layer" attribute) against \p original for \p profile.
ResourceReport accountResources(const ir::Graph& original, const ir::Graph& compiled, const hw::Profile& profile);

} // namespace nnb::report
