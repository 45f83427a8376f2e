// SPDX-License-Identifier: GPL-3.0-or-later
#include "nnb/passes/pipeline.h"

namespace nnb::passes {

std::vector<PassId> defaultPipeline()
{
    return {
        // Normalize first: later patterns should not have to see through Identity/Dropout, and a
        // BatchNorm folded into its Conv costs no core-op at all.
        PassId::DropIdentity,
        PassId::FoldBatchNorm,
        PassId::CanonicalizeShapes,
        // Ranges are measured on the normalized graph, whose values are the ones later passes see.
        PassId::CalibrateRanges,
        // Approximators first, so reform-linear sees no Sigmoid/Tanh and fuses only real ReLUs.
        PassId::ApproximateFunctions,
        PassId::ReformLinear,
        // Pooling after linear layers: the max-tree drops its negative half when its input comes
        // from a ReLU core-op, which is only visible once reform-linear fused the ReLUs.
        PassId::ReformPooling,
        PassId::ReformElementwise,
        PassId::PlaceHostOps,
        // Splitting last: every earlier pass may create core-ops, and all must fit.
        PassId::SplitMerge,
        // After splitting, so that only a core-op whose widened copies still fit is re-encoded.
        PassId::ReencodeOutputs,
    };
}

} // namespace nnb::passes
