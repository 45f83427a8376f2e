// SPDX-License-Identifier: GPL-3.0-or-later
// Resource accounting of a compiled graph, per original layer. After split-merge every CoreOp is
// one crossbar-sized tile; a tile occupies profile.arraysPerWeightBlock() physical arrays (bit
// slices × differential pairs). Convolution tiles are reused over output positions, which costs
// time (MVMs per inference), not arrays.
#include "nnb/report/resources.h"

#include <algorithm>
#include <map>

namespace nnb::report {
namespace {

int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

struct TileFigures {
    int64_t weights = 0;
    int64_t mvms = 1;
};

TileFigures tileFigures(const ir::Graph& graph, const ir::Node& node)
{
    TileFigures t;
    const ir::Tensor& w = *graph.value(node.inputs[1]).constant;
    if (node.attrs.getInt("structural", 0) != 0)
        t.weights = std::count_if(w.f.begin(), w.f.end(), [](float v) { return v != 0.0f; });
    else
        t.weights = w.size();
    if (node.attrs.getString("kind", "dense") == "conv") {
        const ir::Shape& out = graph.value(node.outputs[0]).shape;
        if (out.size() == 4 && out[2] > 0 && out[3] > 0)
            t.mvms = out[2] * out[3];
    }
    return t;
}

std::string describeRewrite(const std::map<std::string, int>& roles, int coreOps)
{
    std::string text = std::to_string(coreOps) + (coreOps == 1 ? " core-op" : " core-ops");
    if (roles.size() == 1 && roles.count("layer"))
        return text;
    text += " (";
    bool first = true;
    for (const auto& [role, count] : roles) {
        text += (first ? "" : ", ") + std::to_string(count) + " " + role;
        first = false;
    }
    return text + ")";
}

} // namespace

ResourceReport accountResources(const ir::Graph& original, const ir::Graph& compiled, const hw::Profile& profile)
{
    const int64_t capacity = int64_t{profile.crossbar.rows} * profile.crossbar.cols;
    const int arrays = profile.arraysPerWeightBlock();

    struct Accumulator {
        int coreOps = 0;
        int64_t weights = 0;
        int64_t mvms = 0;
        std::map<std::string, int> roles;
        bool host = false;
        bool routing = false;
    };
    std::map<std::string, Accumulator> byLayer;
    for (const ir::Node& node : compiled.nodes()) {
        if (node.op == ir::OpKind::CoreOp) {
            Accumulator& a = byLayer[node.attrs.getString("layer", node.name)];
            const TileFigures t = tileFigures(compiled, node);
            ++a.coreOps;
            a.weights += t.weights;
            a.mvms += t.mvms;
            a.roles[node.attrs.getString("role", "layer")]++;
        } else if (node.attrs.getString("placement", "") == "host") {
            byLayer[node.name].host = true;
        } else if (node.attrs.getString("placement", "") == "routing") {
            byLayer[node.attrs.getString("layer", node.name)].routing = true;
        }
    }

    ResourceReport report;
    int64_t originalWeights = 0;
    for (ir::NodeId n = 0; n < original.numNodes(); ++n) {
        const ir::Node& node = original.node(n);
        LayerResources layer;
        layer.layer = node.name;
        layer.op = std::string(ir::opName(node.op));
        const bool hasWeights = (node.op == ir::OpKind::Gemm || node.op == ir::OpKind::Conv || node.op == ir::OpKind::MatMul) &&
                                node.inputs.size() > 1 && node.inputs[1] >= 0 && original.value(node.inputs[1]).isConstant();
        const int64_t weightCount = hasWeights ? original.value(node.inputs[1]).constant->size() : 0;
        originalWeights += weightCount;
        layer.lowerBound = static_cast<int>(ceilDiv(weightCount, capacity) * arrays);
        const auto it = byLayer.find(node.name);
        if (it != byLayer.end() && it->second.coreOps > 0) {
            const Accumulator& a = it->second;
            layer.coreOps = a.coreOps;
            layer.crossbars = a.coreOps * arrays;
            layer.weights = a.weights;
            layer.mvmsPerInference = a.mvms;
            layer.utilizationPercent = 100.0 * static_cast<double>(a.weights) / static_cast<double>(a.coreOps * capacity);
            layer.rewrite = describeRewrite(a.roles, a.coreOps);
        } else if (it != byLayer.end() && it->second.host) {
            layer.offChip = true;
            layer.rewrite = "host (off-chip)";
        } else if (it != byLayer.end() && it->second.routing) {
            layer.rewrite = "routing";
        } else {
            layer.rewrite = node.op == ir::OpKind::Relu ? "fused into the neuron" : "folded";
        }
        report.coreOps += layer.coreOps;
        report.crossbars += layer.crossbars;
        report.weights += layer.weights;
        report.mvmsPerInference += layer.mvmsPerInference;
        report.offChipOps += layer.offChip ? 1 : 0;
        report.layers.push_back(std::move(layer));
    }
    // Core-ops whose layer is not an original node name (none today) still count in the totals.
    for (const auto& [name, a] : byLayer) {
        if (original.numNodes() > 0 && std::any_of(original.nodes().begin(), original.nodes().end(),
                                                   [&](const ir::Node& node) { return node.name == name; }))
            continue;
        report.coreOps += a.coreOps;
        report.crossbars += a.coreOps * arrays;
        report.weights += a.weights;
        report.mvmsPerInference += a.mvms;
    }
    report.lowerBound = static_cast<int>(ceilDiv(originalWeights, capacity) * arrays);
    report.utilizationPercent =
        report.coreOps ? 100.0 * static_cast<double>(report.weights) / static_cast<double>(int64_t{report.coreOps} * capacity) : 0.0;
    return report;
}

} // namespace nnb::report
