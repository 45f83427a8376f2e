// SPDX-License-Identifier: GPL-3.0-or-later
// Builders of small synthetic IR graphs with deterministic pseudo-random weights, for compiler
// tests (exact rewrites must reproduce the original's float outputs).
#pragma once

#include <cstdint>
#include <random>
#include <string>

#include "nnb/ir/graph.h"
#include "nnb/ir/shape_inference.h"

namespace nnb::test {

/// Deterministic weights in [-scale, scale].
inline ir::Tensor randomTensor(ir::Shape shape, uint32_t seed, float scale = 0.5f)
{
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> dist(-scale, scale);
    ir::Tensor t = ir::Tensor::filled(std::move(shape));
    for (float& v : t.f)
        v = dist(rng);
    return t;
}

/// A graph under construction: tracks the current value and names nodes uniquely.
class GraphBuilder {
public:
    explicit GraphBuilder(ir::Shape inputShape)
    {
        m_graph.name = "synthetic";
        m_current = m_graph.addInput("input", std::move(inputShape));
    }

    ir::ValueId current() const { return m_current; }
    void setCurrent(ir::ValueId v) { m_current = v; }

    ir::ValueId node(ir::OpKind op, std::vector<ir::ValueId> inputs, ir::Attributes attrs = {})
    {
        const std::string name = "n" + std::to_string(m_count++);
        const ir::ValueId out = m_graph.addValue(name + ".out");
        m_graph.addNode(name, op, std::move(inputs), {out}, std::move(attrs));
        m_current = out;
        return out;
    }

    ir::ValueId constant(ir::Tensor t) { return m_graph.addConstant("c" + std::to_string(m_count++), std::move(t)); }

    ir::ValueId conv(int64_t inChannels, int64_t outChannels, int64_t k, std::vector<int64_t> strides,
                     std::vector<int64_t> pads, int64_t group = 1, std::vector<int64_t> dilations = {1, 1})
    {
        ir::Attributes a;
        a.set("strides", std::move(strides));
        a.set("pads", std::move(pads));
        a.set("dilations", std::move(dilations));
        a.set("group", group);
        const ir::ValueId w = constant(randomTensor({outChannels, inChannels / group, k, k}, m_seed++));
        const ir::ValueId b = constant(randomTensor({outChannels}, m_seed++, 0.1f));
        return node(ir::OpKind::Conv, {m_current, w, b}, std::move(a));
    }

    ir::ValueId gemm(int64_t in, int64_t out)
    {
        ir::Attributes a;
        a.set("transB", int64_t{1});
        const ir::ValueId w = constant(randomTensor({out, in}, m_seed++, 1.0f / static_cast<float>(in) * 4.0f));
        const ir::ValueId b = constant(randomTensor({out}, m_seed++, 0.1f));
        return node(ir::OpKind::Gemm, {m_current, w, b}, std::move(a));
    }

    ir::ValueId batchNorm(int64_t channels)
    {
        ir::Tensor scale = randomTensor({channels}, m_seed++, 0.5f), var = randomTensor({channels}, m_seed++, 0.5f);
        for (float& v : scale.f)
            v += 1.0f;
        for (float& v : var.f)
            v = v * v + 0.5f;
        const ir::ValueId s = constant(std::move(scale));
        const ir::ValueId b = constant(randomTensor({channels}, m_seed++, 0.2f));
        const ir::ValueId m = constant(randomTensor({channels}, m_seed++, 0.2f));
        const ir::ValueId v = constant(std::move(var));
        return node(ir::OpKind::BatchNormalization, {m_current, s, b, m, v});
    }

    ir::ValueId unary(ir::OpKind op, ir::Attributes attrs = {}) { return node(op, {m_current}, std::move(attrs)); }

    /// Finishes the graph with the current value as output and infers shapes.
    ir::Graph finish()
    {
        m_graph.addOutput(m_current);
        auto ok = ir::inferShapes(m_graph);
        (void)ok;
        return m_graph;
    }

    ir::Graph& graph() { return m_graph; }

private:
    ir::Graph m_graph;
    ir::ValueId m_current = ir::kNoValue;
    int m_count = 0;
    uint32_t m_seed = 7;
};

} // namespace nnb::test
