// SPDX-License-Identifier: GPL-3.0-or-later
// The bit-accurate simulator: crossbar kernels for CoreOp and Accumulate plugged into the
// executor (ExecutorOptions::kernels), which keeps scheduling, batch splitting and threads.
#include <algorithm>
#include <cmath>
#include <mutex>

#include "nnb/sim/network.h"
#include "nnb/support/assert.h"
#include "quant/rounding.h"
#include "sim/network_layout.h"

namespace nnb::sim {

namespace {

/// The neuron function of a core-op, parsed once (not per element).
enum class Neuron { None, Relu, Ramp };

/// One CoreOp programmed on its tiles: per group, column blocks of at most `cols` outputs.
struct ProgrammedCoreOp {
    ir::Node node; ///< a copy: the conv geometry comes from its attributes
    CoreOpQuant quant;
    detail::CoreOpLayout layout;
    Neuron activation = Neuron::None;
    bool partial = false;
    struct Tile {
        int64_t group = 0;
        int64_t col0 = 0; ///< first output within the group
        CrossbarTile tile;
    };
    std::vector<Tile> tiles;
    std::vector<int64_t> columnSums; ///< Σ_i w_ij per output (zero-point correction)
};

Neuron parseNeuron(const std::string& name)
{
    return name == "relu" ? Neuron::Relu : name == "ramp" ? Neuron::Ramp : Neuron::None;
}

double neuron(Neuron activation, double y)
{
    switch (activation) {
    case Neuron::Relu: return std::max(y, 0.0);
    case Neuron::Ramp: return std::clamp(y, 0.0, 1.0);
    case Neuron::None: break;
    }
    return y;
}

/// The requantiser: the real value of the output code of \p y.
float requantize(const quant::SignalQuant& q, double y)
{
    const int32_t code = quant::detail::roundClamp(y / static_cast<double>(q.scale), q.qmin - q.zeroPoint, q.qmax - q.zeroPoint);
    return q.scale * static_cast<float>(code);
}

uint64_t mixSeed(uint64_t seed, uint64_t a, uint64_t b)
{
    uint64_t h = seed ^ (a * 0x9E3779B97F4A7C15ull) ^ (b * 0xC2B2AE3D27D4EB4Full);
    h ^= h >> 31;
    h *= 0xBF58476D1CE4E5B9ull;
    return h ^ (h >> 29);
}

} // namespace

struct Simulator::State {
    std::vector<std::shared_ptr<const ProgrammedCoreOp>> coreOps; ///< by NodeId (null: not a CoreOp)
    std::vector<std::shared_ptr<const AccumulateQuant>> accumulates;
    mutable std::mutex statsMutex;
    AdcStats stats;
    int64_t tiles = 0;
};

namespace {

Expected<void> runCoreOp(const ProgrammedCoreOp& op, const std::vector<const ir::Tensor*>& inputs,
                         std::vector<ir::Tensor>& outputs, AdcStats& stats)
{
    const ir::Tensor* x = inputs.empty() ? nullptr : inputs[0];
    if (x == nullptr || x->dtype != ir::DataType::Float32 || x->shape.empty())
        return makeError(Errc::InvalidArgument, "the core-op input must be a float32 batch");
    // Every core-op input comes from a Quantize node through routing, so each value is
    // scale·(code − zero point) and a multiply by the reciprocal recovers the code exactly (the
    // product is within an ulp of an integer far below 2^22); asserted in debug builds.
    const quant::SignalQuant& in = op.quant.input;
    std::vector<int32_t> codes(x->f.size());
    const float inverse = 1.0f / in.scale;
    for (size_t i = 0; i < codes.size(); ++i) {
        const auto code = static_cast<int32_t>(std::nearbyint(x->f[i] * inverse)) + in.zeroPoint;
        codes[i] = std::clamp(code, in.qmin, in.qmax);
        NNB_ASSERT(codes[i] == in.quantize(x->f[i]));
    }

    const detail::CoreOpLayout& l = op.layout;
    const int64_t n = x->shape[0];
    ir::Tensor& out = outputs[0];
    const int64_t total = ir::numElements(out.shape);
    const int64_t positions = l.conv ? total / (n * l.outputs) : 1;
    if (total != n * positions * l.outputs)
        return makeError(Errc::Internal, "core-op output " + ir::shapeToString(out.shape) + " does not match its weights");

    // acc[(sample·positions + p)·outputs + o]: the integer accumulator of output o.
    std::vector<int64_t> acc(static_cast<size_t>(total), 0);
    std::vector<int64_t> tileOut;
    std::vector<double> tileReal;
    int64_t lastGroup = -1;
    detail::Im2Col rows;
    // A dense core-op without groups reads its input rows as they are.
    const bool direct = !l.conv && l.group == 1;
    if (direct && (x->shape.size() != 2 || x->shape[1] != l.rowsPerGroup))
        return makeError(Errc::InvalidArgument, "dense core-op '" + op.node.name + "' got input " + ir::shapeToString(x->shape));
    rows.rows = direct ? n : 0;
    for (const ProgrammedCoreOp::Tile& t : op.tiles) {
        if (!direct && t.group != lastGroup) {
            NNB_TRY(rows, detail::gatherRows(op.node, l, codes, x->shape, t.group, in.zeroPoint));
            lastGroup = t.group;
        }
        const int32_t* input = direct ? codes.data() : rows.codes.data();
        const int64_t cols = t.tile.colsUsed();
        const size_t m = static_cast<size_t>(rows.rows * cols);
        const int64_t base = t.group * l.colsPerGroup + t.col0;
        if (t.tile.hasIntegerOutput()) {
            tileOut.resize(m);
            t.tile.mvm(input, rows.rows, tileOut.data(), &stats);
            for (int64_t r = 0; r < rows.rows; ++r)
                for (int64_t c = 0; c < cols; ++c)
                    acc[static_cast<size_t>(r * l.outputs + base + c)] += tileOut[static_cast<size_t>(r * cols + c)];
        } else {
            // Device variation: analog sums are real; the digital periphery rounds them.
            tileReal.resize(m);
            t.tile.mvm(input, rows.rows, tileReal.data(), &stats);
            for (int64_t r = 0; r < rows.rows; ++r)
                for (int64_t c = 0; c < cols; ++c)
                    acc[static_cast<size_t>(r * l.outputs + base + c)] += std::llround(tileReal[static_cast<size_t>(r * cols + c)]);
        }
    }
    for (int64_t r = 0; r < n * positions; ++r)
        for (int64_t o = 0; o < l.outputs; ++o) {
            int64_t& a = acc[static_cast<size_t>(r * l.outputs + o)];
            a -= static_cast<int64_t>(in.zeroPoint) * op.columnSums[static_cast<size_t>(o)];
            if (!op.quant.bias.empty())
                a += op.quant.bias[static_cast<size_t>(o)];
        }

    // Output layout: dense [N, out]; conv [N, M, positions] from rows (sample, position).
    const auto outIndex = [&](int64_t r, int64_t o) {
        return l.conv ? static_cast<size_t>(((r / positions) * l.outputs + o) * positions + r % positions)
                      : static_cast<size_t>(r * l.outputs + o);
    };
    if (op.partial) {
        out.dtype = ir::DataType::Int64;
        out.f.clear();
        out.i.assign(static_cast<size_t>(total), 0);
        for (int64_t r = 0; r < n * positions; ++r)
            for (int64_t o = 0; o < l.outputs; ++o)
                out.i[outIndex(r, o)] = acc[static_cast<size_t>(r * l.outputs + o)];
        return {};
    }
    out.dtype = ir::DataType::Float32;
    out.f.assign(static_cast<size_t>(total), 0.0f);
    for (int64_t r = 0; r < n * positions; ++r)
        for (int64_t o = 0; o < l.outputs; ++o) {
            const double y = neuron(op.activation, op.quant.accScale[static_cast<size_t>(o)]
                                                       * static_cast<double>(acc[static_cast<size_t>(r * l.outputs + o)]));
            out.f[outIndex(r, o)] = op.quant.output ? requantize(*op.quant.output, y) : static_cast<float>(y);
        }
    return {};
}

Expected<void> runAccumulate(const AccumulateQuant& aq, Neuron activation,
                             const std::vector<const ir::Tensor*>& inputs, std::vector<ir::Tensor>& outputs)
{
    ir::Tensor& out = outputs[0];
    const size_t total = static_cast<size_t>(ir::numElements(out.shape));
    std::vector<int64_t> sum(total, 0);
    for (const ir::Tensor* t : inputs) {
        if (t == nullptr || t->dtype != ir::DataType::Int64 || t->i.size() != total)
            return makeError(Errc::InvalidArgument, "Accumulate expects integer partial sums of its output's shape");
        for (size_t i = 0; i < total; ++i)
            sum[i] += t->i[i];
    }
    // Feature index: dense [N, F] → i % F; conv [N, C, H, W] → (i / HW) % C.
    const int64_t features = static_cast<int64_t>(aq.accScale.size());
    const int64_t inner = out.shape.size() > 2 ? ir::numElements(ir::Shape(out.shape.begin() + 2, out.shape.end())) : 1;
    out.dtype = ir::DataType::Float32;
    out.f.resize(total);
    for (size_t i = 0; i < total; ++i) {
        const auto feature = static_cast<size_t>((static_cast<int64_t>(i) / inner) % features);
        out.f[i] = requantize(aq.output, neuron(activation, aq.accScale[feature] * static_cast<double>(sum[i])));
    }
    return {};
}

} // namespace

Expected<Simulator> Simulator::create(const QuantizedNetwork& network, const SimulatorOptions& options)
{
    if (!network.simulatable || network.graph == nullptr)
        return makeError(Errc::InvalidArgument, "this quantised network has no integer form to simulate "
                                                "(k-means weights, or a stage without quantised signals or weights)");
    const ir::Graph& graph = *network.graph;
    CrossbarConfig base = CrossbarConfig::fromProfile(network.profile);
    NNB_RETURN_IF_ERROR(base.validate());
    if (options.device)
        NNB_RETURN_IF_ERROR(options.device->validate());

    auto state = std::make_shared<State>();
    state->coreOps.resize(static_cast<size_t>(graph.numNodes()));
    state->accumulates.resize(static_cast<size_t>(graph.numNodes()));
    const auto consumers = graph.consumers();
    for (const CoreOpQuant& cq : network.coreOps) {
        const ir::Node& node = graph.node(cq.node);
        auto op = std::make_shared<ProgrammedCoreOp>();
        op->node = node;
        op->quant = cq;
        op->activation = parseNeuron(node.attrs.getString("activation", "none"));
        op->partial = !cq.output.has_value();
        NNB_TRY(op->layout, detail::layoutOf(node, *graph.value(node.inputs[1]).constant));
        const detail::CoreOpLayout& l = op->layout;
        if (l.rowsPerGroup > base.rows)
            return makeError(Errc::InvalidArgument, "core-op '" + node.name + "' needs " + std::to_string(l.rowsPerGroup)
                                                        + " crossbar rows but the crossbar has " + std::to_string(base.rows)
                                                        + "; compile with the split-merge pass");
        op->columnSums.assign(static_cast<size_t>(l.outputs), 0);
        for (int64_t o = 0; o < l.outputs; ++o)
            for (int64_t r = 0; r < l.rowsPerGroup; ++r)
                op->columnSums[static_cast<size_t>(o)] += cq.weights.integerWeight(detail::weightIndex(l, r, o));

        CrossbarConfig config = base;
        const bool scaled = network.options.adc != AdcRange::FullScale;
        config.adcMode = scaled ? CrossbarConfig::AdcMode::Scale : CrossbarConfig::AdcMode::Clip;
        config.adcStep = network.profile.io.adcBits > 0 && !scaled ? cq.adcStep : 0.0;
        int64_t tileIndex = 0;
        for (int64_t g = 0; g < l.group; ++g)
            for (int64_t c0 = 0; c0 < l.colsPerGroup; c0 += base.cols) {
                const int64_t cols = std::min<int64_t>(base.cols, l.colsPerGroup - c0);
                std::vector<int32_t> block(static_cast<size_t>(l.rowsPerGroup * cols));
                for (int64_t r = 0; r < l.rowsPerGroup; ++r)
                    for (int64_t c = 0; c < cols; ++c)
                        block[static_cast<size_t>(r * cols + c)] = cq.weights.integerWeight(detail::weightIndex(l, r, g * l.colsPerGroup + c0 + c));
                std::span<const int64_t> ranges;
                if (scaled && static_cast<size_t>(g) < cq.readRanges.size())
                    ranges = cq.readRanges[static_cast<size_t>(g)];
                auto tile = CrossbarTile::create(config, block, static_cast<int>(l.rowsPerGroup), static_cast<int>(cols),
                                                 options.kernel, ranges);
                if (!tile)
                    return addContext<Simulator>(tl::unexpected<Error>(tile.error()), "core-op '" + node.name + "'");
                if (options.device) {
                    DeviceModel model = *options.device;
                    model.seed = mixSeed(options.device->seed, static_cast<uint64_t>(cq.node), static_cast<uint64_t>(tileIndex));
                    NNB_TRY(*tile, tile->withDeviceModel(model));
                }
                op->tiles.push_back({g, c0, std::move(*tile)});
                ++tileIndex;
            }
        state->tiles += tileIndex;
        state->coreOps[static_cast<size_t>(cq.node)] = std::move(op);
    }
    for (const AccumulateQuant& aq : network.accumulates)
        state->accumulates[static_cast<size_t>(aq.node)] = std::make_shared<const AccumulateQuant>(aq);

    exec::ExecutorOptions execOptions;
    execOptions.threads = options.threads;
    execOptions.kernels.resize(static_cast<size_t>(graph.numNodes()));
    const std::shared_ptr<State> shared = state;
    for (size_t id = 0; id < execOptions.kernels.size(); ++id) {
        if (const auto& op = state->coreOps[id]) {
            execOptions.kernels[id] = [op, shared](const ir::Node&, const std::vector<const ir::Tensor*>& in,
                                                std::vector<ir::Tensor>& out) -> Expected<void> {
                AdcStats local;
                NNB_RETURN_IF_ERROR(runCoreOp(*op, in, out, local));
                const std::lock_guard lock(shared->statsMutex);
                shared->stats += local;
                return {};
            };
        } else if (const auto& aq = state->accumulates[id]) {
            const Neuron activation = parseNeuron(graph.node(static_cast<ir::NodeId>(id)).attrs.getString("activation", "none"));
            execOptions.kernels[id] = [aq, activation](const ir::Node&, const std::vector<const ir::Tensor*>& in,
                                                       std::vector<ir::Tensor>& out) {
                return runAccumulate(*aq, activation, in, out);
            };
        }
    }
    Simulator sim;
    sim.m_executor = std::make_shared<const exec::Executor>(network.graph, std::move(execOptions));
    sim.m_state = std::move(state);
    return sim;
}

AdcStats Simulator::adcStats() const
{
    const std::lock_guard lock(m_state->statsMutex);
    return m_state->stats;
}

int64_t Simulator::tiles() const { return m_state->tiles; }

} // namespace nnb::sim
