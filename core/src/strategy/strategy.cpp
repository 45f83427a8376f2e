// SPDX-License-Identifier: GPL-3.0-or-later
#include "nnb/strategy/strategy.h"

namespace nnb::strategy {

const char* toString(FunctionPolicy policy)
{
    switch (policy) {
    case FunctionPolicy::MlpApproximator: return "mlp_approximator";
    case FunctionPolicy::Host: return "host";
    }
    return "?";
}

const char* toString(PoolingPolicy policy)
{
    switch (policy) {
    case PoolingPolicy::CoreOps: return "core_ops";
    case PoolingPolicy::Host: return "host";
    }
    return "?";
}

const char* toString(SplitPolicy policy)
{
    switch (policy) {
    case SplitPolicy::ExactPartialSums: return "exact_partial_sums";
    case SplitPolicy::MergeLayer: return "merge_layer";
    case SplitPolicy::BlockDiagonal: return "block_diagonal";
    case SplitPolicy::Auto: return "auto";
    }
    return "?";
}

} // namespace nnb::strategy

namespace nnb::strategy {

const char* toString(WeightGranularity granularity)
{
    switch (granularity) {
    case WeightGranularity::PerTensor: return "per_tensor";
    case WeightGranularity::PerOutputChannel: return "per_output_channel";
    case WeightGranularity::PerCrossbar: return "per_crossbar";
    }
    return "?";
}

const char* toString(AdcRangePolicy policy)
{
    switch (policy) {
    case AdcRangePolicy::Calibrated: return "calibrated";
    case AdcRangePolicy::Weights: return "weights";
    case AdcRangePolicy::FullScale: return "full_scale";
    }
    return "?";
}

} // namespace nnb::strategy
