// SPDX-License-Identifier: GPL-3.0-or-later
// fold-batchnorm: y = scale·(x − mean)/sqrt(var + eps) + B is a per-channel affine map, so when
// x comes from a Conv or Gemm used by nothing else it folds exactly into that layer's weights
// and bias: W'[m] = W[m]·s_m, b'_m = (b_m − mean_m)·s_m + B_m with s = scale/sqrt(var + eps).
// A BatchNormalization without such a producer stays and is reformed later as a per-channel
// core-op.
#include "passes/pass_factories.h"
#include "passes/rewrite_util.h"

namespace nnb::passes::detail {
namespace {

/// Folds into Conv: W [M, C/g, kh, kw] scaled per output channel m.
bool foldIntoConv(ir::Graph& graph, ir::Node& conv, const ChannelAffine& a)
{
    const ir::Tensor& w = *constantInput(graph, conv, 1);
    const int64_t m = w.shape[0];
    if (static_cast<int64_t>(a.scale.size()) != m)
        return false;
    const int64_t per = w.size() / m;
    ir::Tensor nw = w;
    for (int64_t o = 0; o < m; ++o)
        for (int64_t k = 0; k < per; ++k)
            nw.f[static_cast<size_t>(o * per + k)] *= a.scale[static_cast<size_t>(o)];
    const ir::Tensor* b = constantInput(graph, conv, 2);
    std::vector<float> nb(static_cast<size_t>(m));
    for (int64_t o = 0; o < m; ++o)
        nb[static_cast<size_t>(o)] = (b ? b->f[static_cast<size_t>(o)] : 0.0f) * a.scale[static_cast<size_t>(o)] +
                                     a.shift[static_cast<size_t>(o)];
    const std::string base = conv.name;
    conv.inputs[1] = graph.addConstant(graph.uniqueValueName(base + ".folded_weight"), std::move(nw));
    const ir::ValueId bias = graph.addConstant(graph.uniqueValueName(base + ".folded_bias"), ir::Tensor::fromData({m}, nb));
    if (conv.inputs.size() < 3)
        conv.inputs.push_back(bias);
    else
        conv.inputs[2] = bias;
    return true;
}

/// Folds into Gemm: Y = alpha·A·op(B) + beta·C with BatchNormalization over the M columns.
bool foldIntoGemm(ir::Graph& graph, ir::Node& gemm, const ChannelAffine& a)
{
    const ir::Tensor& b = *constantInput(graph, gemm, 1);
    const bool transB = gemm.attrs.getInt("transB", 0) != 0;
    const int64_t m = transB ? b.shape[0] : b.shape[1];
    const int64_t k = transB ? b.shape[1] : b.shape[0];
    if (static_cast<int64_t>(a.scale.size()) != m)
        return false;
    const ir::Tensor* c = constantInput(graph, gemm, 2);
    if (gemm.inputs.size() > 2 && gemm.inputs[2] >= 0 && (!c || (c->size() != m && c->size() != 1)))
        return false; // a per-row or runtime C cannot absorb a per-column shift
    ir::Tensor nb = b;
    for (int64_t r = 0; r < (transB ? m : k); ++r)
        for (int64_t col = 0; col < (transB ? k : m); ++col)
            nb.f[static_cast<size_t>(r * (transB ? k : m) + col)] *= a.scale[static_cast<size_t>(transB ? r : col)];
    const double beta = gemm.attrs.getFloat("beta", 1.0f);
    std::vector<float> nc(static_cast<size_t>(m));
    for (int64_t o = 0; o < m; ++o) {
        const double cv = c ? c->f[static_cast<size_t>(c->size() == 1 ? 0 : o)] : 0.0;
        nc[static_cast<size_t>(o)] = static_cast<float>(beta * cv * a.scale[static_cast<size_t>(o)] + a.shift[static_cast<size_t>(o)]);
    }
    gemm.inputs[1] = graph.addConstant(graph.uniqueValueName(gemm.name + ".folded_weight"), std::move(nb));
    const ir::ValueId bias = graph.addConstant(graph.uniqueValueName(gemm.name + ".folded_bias"), ir::Tensor::fromData({m}, nc));
    if (gemm.inputs.size() < 3)
        gemm.inputs.push_back(bias);
    else
        gemm.inputs[2] = bias;
    gemm.attrs.set("beta", 1.0f);
    return true;
}

class FoldBatchNormPass final : public PassBase<PassId::FoldBatchNorm> {
    Expected<bool> runImpl(ir::Graph& graph, const PassContext&) override
    {
        const auto consumers = graph.consumers();
        std::vector<bool> dead(static_cast<size_t>(graph.numNodes()), false);
        bool changed = false;
        for (ir::NodeId n = 0; n < graph.numNodes(); ++n) {
            const ir::Node& bn = graph.node(n);
            if (bn.op != ir::OpKind::BatchNormalization)
                continue;
            const auto affine = batchNormAffine(graph, bn);
            const ir::ValueId x = bn.inputs[0];
            const ir::NodeId producerId = graph.value(x).producer;
            if (!affine || producerId == ir::kNoNode || !hasSingleUse(graph, consumers, x))
                continue;
            ir::Node& producer = graph.node(producerId);
            const bool weightsConstant = constantInput(graph, producer, 1) != nullptr &&
                                         (producer.inputs.size() < 3 || producer.inputs[2] < 0 ||
                                          constantInput(graph, producer, 2) != nullptr);
            if (!weightsConstant)
                continue;
            const ChannelAffine& a = *affine;
            bool folded = false;
            if (producer.op == ir::OpKind::Conv)
                folded = foldIntoConv(graph, producer, a);
            else if (producer.op == ir::OpKind::Gemm && graph.value(x).shape.size() == 2)
                folded = foldIntoGemm(graph, producer, a);
            if (!folded)
                continue;
            graph.replaceAllUses(bn.outputs[0], x);
            dead[static_cast<size_t>(n)] = true;
            changed = true;
        }
        if (changed)
            graph.eraseNodes(dead);
        return changed;
    }
};

} // namespace

std::unique_ptr<Pass> createFoldBatchNormPass() { return std::make_unique<FoldBatchNormPass>(); }

} // namespace nnb::passes::detail
