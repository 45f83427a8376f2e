// SPDX-License-Identifier: GPL-3.0-or-later
#include "nnb/eval/layer_error.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

namespace nnb::eval {

LayerError compareActivations(const ir::Tensor& reference, const ir::Tensor& transformed)
{
    LayerError e;
    const size_t n = std::min(reference.f.size(), transformed.f.size());
    double ff = 0.0, tt = 0.0, ft = 0.0, dd = 0.0;
    for (size_t i = 0; i < n; ++i) {
        const double f = reference.f[i], t = transformed.f[i], d = t - f;
        ff += f * f;
        tt += t * t;
        ft += f * t;
        dd += d * d;
        e.maxAbs = std::max(e.maxAbs, std::abs(d));
    }
    const double norm = ff > 0.0 ? ff : tt;
    e.relativeL2 = norm > 0.0 ? std::sqrt(dd / norm) : 0.0;
    e.cosine = ff > 0.0 && tt > 0.0 ? ft / std::sqrt(ff * tt) : (ff == tt ? 1.0 : 0.0);
    return e;
}

std::vector<LayerError> compareLayers(const ir::Graph& original, const std::vector<ir::Tensor>& originalValues,
                                      const ir::Graph& transformed, const std::vector<ir::Tensor>& transformedValues)
{
    std::unordered_map<std::string, ir::ValueId> byName;
    for (ir::ValueId v = 0; v < transformed.numValues(); ++v)
        if (transformed.value(v).producer != ir::kNoNode)
            byName.emplace(transformed.value(v).name, v);
    std::vector<LayerError> rows;
    for (const ir::Node& node : original.nodes()) {
        if (node.outputs.empty() || node.outputs[0] == ir::kNoValue)
            continue;
        const ir::Value& value = original.value(node.outputs[0]);
        const auto it = byName.find(value.name);
        if (it == byName.end())
            continue;
        const ir::Tensor& f = originalValues.at(static_cast<size_t>(node.outputs[0]));
        const ir::Tensor& t = transformedValues.at(static_cast<size_t>(it->second));
        if (f.dtype != ir::DataType::Float32 || t.dtype != ir::DataType::Float32 || f.f.size() != t.f.size())
            continue;
        LayerError e = compareActivations(f, t);
        e.layer = node.name;
        e.value = value.name;
        rows.push_back(std::move(e));
    }
    return rows;
}

} // namespace nnb::eval
