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
    };
}

} // namespace nnb::passes
