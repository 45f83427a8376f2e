// SPDX-License-Identifier: GPL-3.0-or-later
#include "exec/batch_split.h"

#include <algorithm>

#include "exec/kernels.h"

namespace nnb::exec::detail {
namespace {

bool staticTail(const ir::Shape& shape)
{
    for (size_t d = 1; d < shape.size(); ++d)
        if (shape[d] < 0)
            return false;
    return true;
}

/// \returns \p axis in [0, rank) (or [0, rank] when \p inclusive), or -1 if out of range.
int64_t wrapAxis(int64_t axis, int64_t rank, bool inclusive = false)
{
    if (axis < -rank || axis > (inclusive ? rank : rank - 1))
        return -1;
    return axis < 0 ? axis + rank : axis;
}

/// The per-op rule: does \p node, some of whose inputs carry the batch as dimension 0, compute
/// each sample from that sample alone, with the batch staying dimension 0 of its outputs?
/// Conservative: anything not recognised as sample-wise says no, and the graph then runs on
/// one thread.
bool keepsSamplesIndependent(
    const ir::Graph& graph, const ir::Node& node, const std::vector<bool>& batched)
{
    const auto present = [&](size_t slot) {
        return slot < node.inputs.size() && node.inputs[slot] != ir::kNoValue;
    };
    const auto isBatched = [&](size_t slot) {
        return present(slot) && batched[static_cast<size_t>(node.inputs[slot])];
    };
    const auto shapeOf
        = [&](size_t slot) -> const ir::Shape& { return graph.value(node.inputs[slot]).shape; };
    const auto rankOf = [&](size_t slot) { return static_cast<int64_t>(shapeOf(slot).size()); };
    // Most ops take the batch through their first input only; weights, biases, bounds and
    // statistics must not carry it.
    const auto onlyFirstBatched = [&] {
        if (!isBatched(0))
            return false;
        for (size_t slot = 1; slot < node.inputs.size(); ++slot)
            if (isBatched(slot))
                return false;
        return true;
    };
    const ir::Attributes& attrs = node.attrs;

    using ir::OpKind;
    switch (node.op) {
    // Element-wise in the sample, or per-sample windows / per-channel statistics.
    case OpKind::Relu:
    case OpKind::LeakyRelu:
    case OpKind::Sigmoid:
    case OpKind::Tanh:
    case OpKind::Clip:
    case OpKind::Identity:
    case OpKind::Dropout:
    case OpKind::Conv:
    case OpKind::MaxPool:
    case OpKind::AveragePool:
    case OpKind::GlobalAveragePool:
    case OpKind::BatchNormalization:
    // Internal: a dense core-op's rows are samples, a conv core-op works per sample.
    case OpKind::CoreOp: return onlyFirstBatched();

    case OpKind::Add:
    case OpKind::Sub:
    case OpKind::Mul:
    case OpKind::Div: {
        // Batched operands must have the result's rank (so their dimension 0 is the result's);
        // the others must broadcast along dimension 0: lower rank, or a leading 1.
        int64_t rank = 0;
        for (size_t slot = 0; slot < node.inputs.size(); ++slot)
            rank = std::max(rank, rankOf(slot));
        for (size_t slot = 0; slot < node.inputs.size(); ++slot) {
            if (isBatched(slot) ? rankOf(slot) != rank
                                : rankOf(slot) == rank && shapeOf(slot)[0] != 1)
                return false;
        }
        return true;
    }

    case OpKind::Softmax: {
        // Both the axis form and the opset < 13 coerce_2d form only mix what lies at or after
        // the axis; axis 0 would normalise across samples.
        const bool coerce2d = attrs.getInt("coerce_2d", 0) == 1;
        const int64_t axis
            = wrapAxis(attrs.getInt("axis", coerce2d ? 1 : -1), rankOf(0), /*inclusive=*/coerce2d);
        return onlyFirstBatched() && axis >= 1;
    }
    case OpKind::Flatten: {
        // Flatten's axis may equal the rank; axis 0 gives [1, everything].
        const int64_t axis = wrapAxis(attrs.getInt("axis", 1), rankOf(0), /*inclusive=*/true);
        return onlyFirstBatched() && axis >= 1;
    }
    case OpKind::Reshape: {
        // Sample-preserving if the target keeps dimension 0 (0 copies it, unless allowzero),
        // or infers it (-1) while the rest of the target has exactly a sample's elements.
        if (!onlyFirstBatched() || !present(1))
            return false;
        const ir::Value& shapeValue = graph.value(node.inputs[1]);
        if (!shapeValue.isConstant() || shapeValue.constant->dtype != ir::DataType::Int64
            || shapeValue.constant->i.empty())
            return false;
        const std::vector<int64_t>& target = shapeValue.constant->i;
        if (target[0] == 0)
            return attrs.getInt("allowzero", 0) == 0;
        if (target[0] != -1)
            return false;
        int64_t targetSample = 1;
        for (size_t d = 1; d < target.size(); ++d) {
            if (target[d] <= 0)
                return false;
            targetSample *= target[d];
        }
        return dimProduct(shapeOf(0), 1, shapeOf(0).size()) == targetSample;
    }
    case OpKind::Transpose: {
        const std::vector<int64_t> perm = attrs.getInts("perm");
        // The default perm reverses the dimensions, which keeps dimension 0 only at rank 1.
        return onlyFirstBatched() && (perm.empty() ? rankOf(0) == 1 : perm[0] == 0);
    }
    case OpKind::Quantize: // internal: elementwise
    case OpKind::MergeCopies: // internal: per row
        return onlyFirstBatched();
    case OpKind::Slice: // internal routing along a feature axis (default 1)
    case OpKind::Select:
        return onlyFirstBatched() && wrapAxis(attrs.getInt("axis", 1), rankOf(0)) >= 1;
    case OpKind::Accumulate: // internal: partial sums of equal shapes, so all carry the batch
    case OpKind::Concat: {
        for (size_t slot = 0; slot < node.inputs.size(); ++slot)
            if (!isBatched(slot))
                return false;
        return node.op == OpKind::Accumulate || wrapAxis(attrs.getInt("axis", 0), rankOf(0)) >= 1;
    }
    case OpKind::Gemm:
        // Rows of A' are samples only without transA; C must not have a row per sample.
        return onlyFirstBatched() && attrs.getInt("transA", 0) == 0
            && (!present(2) || rankOf(2) < 2 || shapeOf(2)[0] == 1);
    case OpKind::MatMul: {
        // A [N, ..., K] times one matrix (or vector) B: B may have batch dimensions only if
        // they are all 1 and do not outrank A's (which would prepend dimensions).
        if (!onlyFirstBatched() || rankOf(0) < 2)
            return false;
        const ir::Shape& b = shapeOf(1);
        if (b.size() <= 2)
            return true;
        return rankOf(1) <= rankOf(0) && dimProduct(b, 0, b.size() - 2) == 1;
    }
    }
    return false;
}

} // namespace

std::vector<bool> batchedValues(const ir::Graph& graph, const std::vector<ir::NodeId>& order)
{
    std::vector<bool> batched(static_cast<size_t>(graph.numValues()), false);
    for (ir::ValueId v : graph.inputs())
        batched[static_cast<size_t>(v)] = true;
    for (ir::NodeId id : order) {
        const ir::Node& node = graph.node(id);
        const bool any = std::any_of(node.inputs.begin(), node.inputs.end(),
            [&](ir::ValueId v) { return v != ir::kNoValue && batched[static_cast<size_t>(v)]; });
        if (any)
            for (ir::ValueId v : node.outputs)
                if (v != ir::kNoValue)
                    batched[static_cast<size_t>(v)] = true;
    }
    return batched;
}

bool canSplitBatch(const ir::Graph& graph)
{
    if (graph.inputs().empty())
        return false;
    auto order = graph.topologicalOrder();
    if (!order)
        return false;
    const std::vector<bool> batched = batchedValues(graph, *order);
    for (ir::ValueId v = 0; v < graph.numValues(); ++v) {
        const ir::Value& value = graph.value(v);
        if (batched[static_cast<size_t>(v)]) {
            // The batch must be the one dynamic dimension, and it must stay in front.
            if (value.shape.empty() || value.shape[0] != ir::kDynamicDim
                || !staticTail(value.shape))
                return false;
        } else if (!value.isConstant() && value.producer != ir::kNoNode && !ir::isStatic(value.shape)) {
            // Some other dynamic dimension: do not guess. (A value without producer that is
            // neither an input nor a constant is a leftover no node can read at run time, such
            // as a Gemm output that compilation fused away: it does not count.)
            return false;
        }
    }
    for (const ir::Node& node : graph.nodes()) {
        const bool readsBatch = std::any_of(node.inputs.begin(), node.inputs.end(),
            [&](ir::ValueId v) { return v != ir::kNoValue && batched[static_cast<size_t>(v)]; });
        if (readsBatch && !keepsSamplesIndependent(graph, node, batched))
            return false;
    }
    return true;
}

std::vector<SampleRange> splitBatch(int64_t batch, int maxChunks)
{
    const int64_t granules = (batch + kBatchGranule - 1) / kBatchGranule;
    const int64_t chunks = std::clamp<int64_t>(granules, 1, std::max(maxChunks, 1));
    std::vector<SampleRange> ranges;
    int64_t granule = 0;
    for (int64_t c = 0; c < chunks; ++c) {
        // The first (granules % chunks) chunks take one granule more.
        const int64_t count = granules / chunks + (c < granules % chunks ? 1 : 0);
        const int64_t begin = std::min(granule * kBatchGranule, batch);
        granule += count;
        ranges.push_back({begin, std::min(granule * kBatchGranule, batch)});
    }
    return ranges;
}

} // namespace nnb::exec::detail
