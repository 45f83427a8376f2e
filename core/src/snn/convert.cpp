// SPDX-License-Identifier: GPL-3.0-or-later
// ANN→SNN conversion of a compiled core-op graph; the steps are in nnb/snn/convert.h.
#include "nnb/snn/convert.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <set>

#include "nnb/exec/executor.h"
#include "nnb/ir/op_kind.h"
#include "nnb/support/assert.h"

namespace nnb::snn {
namespace {

/// One core-op before normalisation: real weights over global source ids.
struct FloatLayer {
    ir::NodeId node = ir::kNoNode;
    ir::ValueId output = ir::kNoValue;
    std::string activation;
    std::vector<int64_t> rowStart{0};
    std::vector<int32_t> source;
    std::vector<float> weight;
    std::vector<float> bias; ///< per neuron (0 without a bias input)
};

/// Per-sample element ids of a value: the global neuron that carries each element (-1: none).
struct IdTensor {
    bool known = false;
    ir::Shape shape; ///< with the batch dimension set to 1
    std::vector<int64_t> ids;
};

int64_t product(const ir::Shape& s, size_t from, size_t to)
{
    int64_t p = 1;
    for (size_t k = from; k < to; ++k)
        p *= s[k];
    return p;
}

ir::Shape sampleShape(const ir::Shape& shape)
{
    ir::Shape s = shape;
    if (!s.empty())
        s[0] = 1;
    return s;
}

Expected<size_t> axisOf(const ir::Node& node, int64_t rank, int64_t fallback)
{
    int64_t axis = node.attrs.getInt("axis", fallback);
    if (axis < 0)
        axis += rank;
    if (axis < 0 || axis >= rank)
        return makeError(Errc::InvalidArgument, "axis out of range in node '" + node.name + "'");
    return static_cast<size_t>(axis);
}

tl::unexpected<Error> unsupported(const ir::Node& node, const std::string& why)
{
    auto e = makeError(Errc::UnsupportedOp, why);
    e.value().context.push_back("node '" + node.name + "' (" + std::string(ir::opName(node.op)) + ")");
    return e;
}

/// Resolves a routing node's output ids from its inputs' ids.
Expected<IdTensor> route(const ir::Graph& g, const ir::Node& node, const std::vector<IdTensor>& ids)
{
    const auto in = [&](size_t k) -> const IdTensor& { return ids[static_cast<size_t>(node.inputs[k])]; };
    IdTensor out;
    out.known = true;
    out.shape = sampleShape(g.value(node.outputs[0]).shape);
    const IdTensor& x = in(0);
    const int64_t rank = static_cast<int64_t>(x.shape.size());
    switch (node.op) {
    case ir::OpKind::Identity:
    case ir::OpKind::Dropout:
    case ir::OpKind::Flatten:
    case ir::OpKind::Reshape:
        out.ids = x.ids;
        break;
    case ir::OpKind::Slice: {
        NNB_TRY(const size_t a, axisOf(node, rank, 1));
        const int64_t start = node.attrs.getInt("start", 0), end = node.attrs.getInt("end", 0);
        const int64_t dim = x.shape[a], inner = product(x.shape, a + 1, x.shape.size());
        for (int64_t o = 0; o < product(x.shape, 0, a); ++o)
            for (int64_t i = start; i < end; ++i)
                for (int64_t k = 0; k < inner; ++k)
                    out.ids.push_back(x.ids[static_cast<size_t>((o * dim + i) * inner + k)]);
        break;
    }
    case ir::OpKind::Select: {
        NNB_TRY(const size_t a, axisOf(node, rank, 1));
        const std::vector<int64_t> indices = node.attrs.getInts("indices");
        const int64_t dim = x.shape[a], inner = product(x.shape, a + 1, x.shape.size());
        for (int64_t o = 0; o < product(x.shape, 0, a); ++o)
            for (int64_t i : indices)
                for (int64_t k = 0; k < inner; ++k)
                    out.ids.push_back(x.ids[static_cast<size_t>((o * dim + i) * inner + k)]);
        break;
    }
    case ir::OpKind::Concat: {
        NNB_TRY(const size_t a, axisOf(node, rank, 1));
        for (size_t k = 0; k < node.inputs.size(); ++k)
            if (!in(k).known)
                return unsupported(node, "the concatenation mixes spiking and off-chip values");
        const int64_t outer = product(x.shape, 0, a);
        for (int64_t o = 0; o < outer; ++o) {
            for (size_t k = 0; k < node.inputs.size(); ++k) {
                const IdTensor& p = in(k);
                const int64_t run = product(p.shape, a, p.shape.size());
                const auto first = p.ids.begin() + static_cast<std::ptrdiff_t>(o * run);
                out.ids.insert(out.ids.end(), first, first + static_cast<std::ptrdiff_t>(run));
            }
        }
        break;
    }
    case ir::OpKind::Transpose: {
        std::vector<int64_t> perm = node.attrs.getInts("perm");
        if (perm.empty()) {
            perm.resize(x.shape.size());
            std::iota(perm.rbegin(), perm.rend(), int64_t{0});
        }
        const size_t r = x.shape.size();
        std::vector<int64_t> inStride(r, 1);
        for (size_t k = r; k-- > 1;)
            inStride[k - 1] = inStride[k] * x.shape[k];
        ir::Shape outShape(r);
        for (size_t k = 0; k < r; ++k)
            outShape[k] = x.shape[static_cast<size_t>(perm[k])];
        const int64_t n = product(outShape, 0, r);
        out.ids.resize(static_cast<size_t>(n));
        std::vector<int64_t> idx(r, 0);
        for (int64_t e = 0; e < n; ++e) {
            int64_t src = 0;
            for (size_t k = 0; k < r; ++k)
                src += idx[k] * inStride[static_cast<size_t>(perm[k])];
            out.ids[static_cast<size_t>(e)] = x.ids[static_cast<size_t>(src)];
            for (size_t k = r; k-- > 0;) {
                if (++idx[k] < outShape[k])
                    break;
                idx[k] = 0;
            }
        }
        break;
    }
    default:
        return unsupported(node, "this operation has no spiking form");
    }
    if (static_cast<int64_t>(out.ids.size()) != product(out.shape, 0, out.shape.size()))
        return makeError(Errc::Internal, "routing of node '" + node.name + "' lost elements");
    return out;
}

/// Builds the real-valued synapses of a dense or conv CoreOp.
Expected<FloatLayer> buildCoreOp(const ir::Graph& g, ir::NodeId id, const IdTensor& x)
{
    const ir::Node& node = g.node(id);
    FloatLayer layer;
    layer.node = id;
    layer.output = node.outputs[0];
    layer.activation = node.attrs.getString("activation", "none");
    if (layer.activation != "relu" && layer.activation != "ramp" && layer.activation != "none")
        return unsupported(node, "activation '" + layer.activation + "' has no integrate-and-fire form");
    const ir::Value& wv = g.value(node.inputs[1]);
    if (!wv.isConstant())
        return unsupported(node, "the core-op's weights are not constant");
    const ir::Tensor& w = *wv.constant;
    const ir::Tensor* b = node.inputs.size() > 2 && node.inputs[2] != ir::kNoValue && g.value(node.inputs[2]).isConstant()
                              ? g.value(node.inputs[2]).constant.get()
                              : nullptr;
    const ir::Shape outShape = sampleShape(g.value(node.outputs[0]).shape);
    const int64_t neurons = product(outShape, 0, outShape.size());
    const int64_t group = std::max<int64_t>(1, node.attrs.getInt("group", 1));
    const std::string kind = node.attrs.getString("kind", "dense");
    const auto add = [&](int64_t element, float value) {
        if (value == 0.0f)
            return; // structural zeros (max-tree, merge) are no connection
        const int64_t src = x.ids[static_cast<size_t>(element)];
        if (src < 0)
            return;
        layer.source.push_back(static_cast<int32_t>(src));
        layer.weight.push_back(value);
    };
    if (kind == "dense") {
        if (w.rank() != 2 || x.shape.size() != 2)
            return unsupported(node, "a dense core-op needs a matrix input and weight");
        const int64_t in = x.shape[1], out = neurons;
        const int64_t inBlock = w.shape[0], outBlock = out / group;
        if (w.shape[1] != out || inBlock * group != in)
            return makeError(Errc::InvalidModel, "dense core-op '" + node.name + "' has inconsistent shapes");
        for (int64_t o = 0; o < out; ++o) {
            const int64_t blk = o / outBlock;
            for (int64_t i = 0; i < inBlock; ++i)
                add(blk * inBlock + i, w.f[static_cast<size_t>(i * out + o)]);
            layer.rowStart.push_back(static_cast<int64_t>(layer.source.size()));
        }
    } else if (kind == "conv") {
        if (w.rank() != 4 || x.shape.size() != 4 || outShape.size() != 4)
            return unsupported(node, "a conv core-op needs NCHW input and [M, C/group, kh, kw] weights");
        const int64_t C = x.shape[1], H = x.shape[2], W = x.shape[3];
        const int64_t M = outShape[1], OH = outShape[2], OW = outShape[3];
        const int64_t cg = w.shape[1], kh = w.shape[2], kw = w.shape[3];
        if (w.shape[0] != M || cg * group != C)
            return makeError(Errc::InvalidModel, "conv core-op '" + node.name + "' has inconsistent shapes");
        const std::vector<int64_t> strides = node.attrs.getInts("strides", {1, 1});
        const std::vector<int64_t> dil = node.attrs.getInts("dilations", {1, 1});
        const std::vector<int64_t> pads = node.attrs.getInts("pads", {0, 0, 0, 0});
        const int64_t mPerGroup = M / group;
        for (int64_t m = 0; m < M; ++m) {
            const int64_t gi = m / mPerGroup;
            for (int64_t oy = 0; oy < OH; ++oy) {
                for (int64_t ox = 0; ox < OW; ++ox) {
                    for (int64_t c = 0; c < cg; ++c) {
                        for (int64_t ky = 0; ky < kh; ++ky) {
                            const int64_t iy = oy * strides[0] - pads[0] + ky * dil[0];
                            if (iy < 0 || iy >= H)
                                continue;
                            for (int64_t kx = 0; kx < kw; ++kx) {
                                const int64_t ix = ox * strides[1] - pads[1] + kx * dil[1];
                                if (ix < 0 || ix >= W)
                                    continue;
                                add(((gi * cg + c) * H + iy) * W + ix,
                                    w.f[static_cast<size_t>(((m * cg + c) * kh + ky) * kw + kx)]);
                            }
                        }
                    }
                    layer.rowStart.push_back(static_cast<int64_t>(layer.source.size()));
                }
            }
        }
    } else {
        return unsupported(node, "core-op kind '" + kind + "' is not converted");
    }
    layer.bias.assign(static_cast<size_t>(neurons), 0.0f);
    if (b != nullptr) {
        const int64_t channels = kind == "conv" ? outShape[1] : neurons;
        const int64_t inner = neurons / std::max<int64_t>(1, channels);
        if (b->size() != channels)
            return makeError(Errc::InvalidModel, "core-op '" + node.name + "' has a bias of the wrong size");
        for (int64_t j = 0; j < neurons; ++j)
            layer.bias[static_cast<size_t>(j)] = b->f[static_cast<size_t>(j / inner)];
    }
    return layer;
}

/// Activation statistics of one core-op output on the calibration images.
struct ActivationStats {
    std::vector<float> positive; ///< every value > 0 (for percentiles)
    double maxPositive = 0.0;
    double maxAbs = 0.0;
    int64_t negative = 0;
    int64_t total = 0;
};

double percentileOf(std::vector<float>& values, double p)
{
    if (values.empty())
        return 0.0;
    // Linear interpolation between order statistics (numpy's default), as quant::calibrateRange.
    const double pos = p / 100.0 * static_cast<double>(values.size() - 1);
    const size_t lo = static_cast<size_t>(std::floor(pos));
    std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(lo), values.end());
    const double a = values[lo];
    if (lo + 1 >= values.size())
        return a;
    const double b = *std::min_element(values.begin() + static_cast<std::ptrdiff_t>(lo) + 1, values.end());
    return a + (pos - static_cast<double>(lo)) * (b - a);
}

int64_t signedMax(int bits) { return bits <= 1 ? 1 : (int64_t{1} << std::min(bits - 1, 30)) - 1; }

} // namespace

const char* toString(NormalizationMethod method)
{
    switch (method) {
    case NormalizationMethod::Max:
        return "max";
    case NormalizationMethod::Percentile:
        return "percentile";
    case NormalizationMethod::None:
        return "none";
    }
    return "?";
}

Expected<NormalizationMethod> parseNormalizationMethod(const std::string& name)
{
    if (name == "max")
        return NormalizationMethod::Max;
    if (name == "percentile")
        return NormalizationMethod::Percentile;
    if (name == "none")
        return NormalizationMethod::None;
    return makeError(Errc::InvalidArgument, "unknown normalisation '" + name + "' (max, percentile, none)");
}

const char* toString(OutputReadout readout)
{
    return readout == OutputReadout::Potential ? "potential" : "spike-count";
}

ConvertOptions convertOptionsFor(const strategy::Strategy& strategy)
{
    ConvertOptions o;
    if (strategy.quantization.signalRange == quant::RangeMethod::Max) {
        o.normalization = NormalizationMethod::Max;
    } else {
        o.normalization = NormalizationMethod::Percentile;
        o.percentile = strategy.quantization.percentile;
    }
    return o;
}

std::map<std::string, double> tuningActivationScales(const ir::Graph& tunedOriginal,
                                                     const std::vector<tune::LayerTuneReport>& layers)
{
    std::map<std::string, double> scales;
    for (const tune::LayerTuneReport& l : layers)
        for (const ir::Node& node : tunedOriginal.nodes())
            if (node.name == l.layer && !node.inputs.empty())
                scales[tunedOriginal.value(node.inputs[0]).name] = l.inputQuant.dequantize(l.inputQuant.qmax);
    return scales;
}

Expected<SpikingNetwork> convert(const CompileResult& compiled, const ir::Tensor& calibration,
                                 const ConvertOptions& options, const RunContext& ctx)
{
    if (!compiled.compiled)
        return makeError(Errc::InvalidArgument, "the compile result holds no compiled graph");
    return convert(*compiled.compiled, compiled.profile, calibration, options, ctx);
}

Expected<SpikingNetwork> convert(const ir::Graph& compiled, const hw::Profile& profile, const ir::Tensor& calibration,
                                 const ConvertOptions& options, const RunContext& ctx)
{
    if (!profile.isSpiking())
        return makeError(Errc::InvalidArgument, "profile '" + profile.id + "' has no integrate-and-fire neuron");
    if (profile.weights.encoding == hw::WeightEncoding::ValueSet)
        return makeError(Errc::UnsupportedOp,
            "profile '" + profile.id + "' stores value-set (axon-type) weights, which are not converted yet");
    if (options.normalization == NormalizationMethod::Percentile && !(options.percentile > 50.0 && options.percentile <= 100.0))
        return makeError(Errc::InvalidArgument, "the normalisation percentile must lie in (50, 100]");
    if (options.ticks < 0 || options.calibrationChunk < 1)
        return makeError(Errc::InvalidArgument, "ticks must be >= 0 and the calibration chunk >= 1");
    if (compiled.inputs().size() != 1 || compiled.outputs().empty())
        return makeError(Errc::UnsupportedOp, "only networks with one input and an output are converted");

    SpikingNetwork net;
    net.model = profile.neuron.model;
    net.reset = profile.neuron.reset;
    net.ticks = options.ticks > 0 ? options.ticks : std::max(1, profile.neuron.ticksPerInference);
    net.weightBits = profile.weights.bits;
    net.leakBits = profile.neuron.model == hw::NeuronModel::Lif ? profile.neuron.leakBits : 0;
    net.thresholdBits = profile.neuron.thresholdBits > 0 ? profile.neuron.thresholdBits : 16;
    net.readout = options.readout;
    net.normalization = options.normalization;
    net.percentile = options.percentile;
    const bool hasLeak = net.leakBits > 1;

    // --- 1. Connectivity: ids of every value, real-valued synapses of every core-op.
    const ir::ValueId inputId = compiled.inputs()[0];
    net.inputShape = compiled.value(inputId).shape;
    if (net.inputShape.empty() || !std::all_of(net.inputShape.begin() + 1, net.inputShape.end(), [](int64_t d) { return d > 0; }))
        return makeError(Errc::InvalidArgument, "the graph input needs static sample dimensions");
    net.inputShape.erase(net.inputShape.begin());
    net.inputNeurons = product(net.inputShape, 0, net.inputShape.size());
    net.hasBiasSource = !hasLeak;
    int64_t nextId = net.inputNeurons + (net.hasBiasSource ? 1 : 0);

    std::vector<IdTensor> ids(static_cast<size_t>(compiled.numValues()));
    {
        IdTensor& in = ids[static_cast<size_t>(inputId)];
        in.known = true;
        in.shape = sampleShape(compiled.value(inputId).shape);
        in.ids.resize(static_cast<size_t>(net.inputNeurons));
        std::iota(in.ids.begin(), in.ids.end(), int64_t{0});
    }
    NNB_TRY(const std::vector<ir::NodeId> order, compiled.topologicalOrder());
    std::vector<FloatLayer> floats;
    std::vector<int64_t> firstIds;
    ir::ValueId outputValue = compiled.outputs()[0];
    for (ir::NodeId id : order) {
        const ir::Node& node = compiled.node(id);
        if (node.outputs.empty() || node.inputs.empty())
            continue;
        const IdTensor& x = ids[static_cast<size_t>(node.inputs[0])];
        if (node.op == ir::OpKind::CoreOp) {
            if (!x.known)
                return unsupported(node, "the core-op reads a value computed off the spiking cores");
            NNB_TRY(FloatLayer layer, buildCoreOp(compiled, id, x));
            IdTensor& out = ids[static_cast<size_t>(node.outputs[0])];
            out.known = true;
            out.shape = sampleShape(compiled.value(node.outputs[0]).shape);
            const int64_t n = static_cast<int64_t>(layer.rowStart.size()) - 1;
            out.ids.resize(static_cast<size_t>(n));
            std::iota(out.ids.begin(), out.ids.end(), nextId);
            firstIds.push_back(nextId);
            nextId += n;
            if (nextId > std::numeric_limits<int32_t>::max())
                return makeError(Errc::UnsupportedOp, "the network has more than 2^31 neurons");
            floats.push_back(std::move(layer));
        } else if (node.op == ir::OpKind::Softmax && node.outputs[0] == compiled.outputs()[0]) {
            outputValue = node.inputs[0]; // the host's Softmax keeps the arg-max
        } else if (node.op == ir::OpKind::Accumulate) {
            return unsupported(node, "digital partial-sum accumulation is not converted (use merge layers: "
                                     "accumulation.digital_partial_sums false)");
        } else if (node.op == ir::OpKind::MergeCopies) {
            return unsupported(node, "output re-encoding is not converted (quantization.output_expansion 1)");
        } else if (x.known) {
            NNB_TRY(IdTensor out, route(compiled, node, ids));
            ids[static_cast<size_t>(node.outputs[0])] = std::move(out);
        }
    }
    const IdTensor& outIds = ids[static_cast<size_t>(outputValue)];
    if (!outIds.known)
        return makeError(Errc::UnsupportedOp, "the network output is not computed on the spiking cores");
    if (ctx.cancelled())
        return makeError(Errc::Cancelled, "conversion cancelled");

    const auto layerOfId = [&](int64_t gid) -> int {
        if (gid < net.inputNeurons)
            return -1;
        if (net.hasBiasSource && gid == net.inputNeurons)
            return -2;
        const auto it = std::upper_bound(firstIds.begin(), firstIds.end(), gid);
        return static_cast<int>(it - firstIds.begin()) - 1;
    };
    std::vector<bool> readout(floats.size(), false);
    for (int64_t gid : outIds.ids) {
        const int l = layerOfId(gid);
        if (l < 0)
            return makeError(Errc::UnsupportedOp, "the network output reads its input directly");
        readout[static_cast<size_t>(l)] = true;
        net.outputNeurons.push_back(static_cast<int32_t>(gid));
    }
    for (const FloatLayer& layer : floats)
        for (int32_t src : layer.source) {
            const int l = layerOfId(src);
            if (l >= 0 && readout[static_cast<size_t>(l)] && options.readout == OutputReadout::Potential)
                return unsupported(compiled.node(layer.node),
                    "the core-op reads the output layer, which does not fire with the potential readout");
        }

    // --- 2. Activation scales on the calibration images.
    std::vector<ActivationStats> stats(floats.size());
    double inputMax = 0.0, inputMin = 0.0;
    if (calibration.dtype != ir::DataType::Float32 || calibration.rank() < 1
        || calibration.size() != calibration.shape[0] * net.inputNeurons || calibration.shape[0] < 1)
        return makeError(Errc::InvalidArgument, "the calibration images do not match the network input "
            + ir::shapeToString(compiled.value(inputId).shape));
    {
        auto graph = std::make_shared<const ir::Graph>(compiled);
        exec::ExecutorOptions eo;
        eo.threads = options.threads;
        const exec::Executor executor(graph, eo);
        const int64_t n = calibration.shape[0];
        for (int64_t begin = 0; begin < n; begin += options.calibrationChunk) {
            const int64_t end = std::min(n, begin + options.calibrationChunk);
            ir::Shape shape = compiled.value(inputId).shape;
            shape[0] = end - begin;
            const auto first = calibration.f.begin() + static_cast<std::ptrdiff_t>(begin * net.inputNeurons);
            ir::Tensor chunk = ir::Tensor::fromData(shape, std::vector<float>(first, first + static_cast<std::ptrdiff_t>((end - begin) * net.inputNeurons)));
            for (float v : chunk.f) {
                inputMax = std::max(inputMax, static_cast<double>(v));
                inputMin = std::min(inputMin, static_cast<double>(v));
            }
            RunContext inner;
            inner.isCancelled = ctx.isCancelled;
            NNB_TRY(const std::vector<ir::Tensor> values, executor.runAll({chunk}, inner));
            for (size_t l = 0; l < floats.size(); ++l) {
                const ir::Tensor& t = values[static_cast<size_t>(floats[l].output)];
                ActivationStats& s = stats[l];
                for (float v : t.f) {
                    if (v > 0.0f) {
                        if (options.normalization == NormalizationMethod::Percentile)
                            s.positive.push_back(v);
                        s.maxPositive = std::max(s.maxPositive, static_cast<double>(v));
                    } else if (v < 0.0f) {
                        ++s.negative;
                    }
                    s.maxAbs = std::max(s.maxAbs, std::fabs(static_cast<double>(v)));
                }
                s.total += static_cast<int64_t>(t.f.size());
            }
            ctx.report(static_cast<int>(800 * end / n), "calibrating activation scales");
        }
    }
    if (inputMin < 0.0)
        net.diagnostics.push_back({Severity::Warning, "input",
            "the calibration input has negative values; rate coding carries only non-negative values, so they read as 0"});
    net.inputScale = options.normalization == NormalizationMethod::None || inputMax <= 0.0 ? 1.0 : inputMax;

    std::vector<double> lambda(floats.size(), 1.0);
    for (size_t l = 0; l < floats.size(); ++l) {
        ActivationStats& s = stats[l];
        const std::string& where = compiled.node(floats[l].node).name;
        double v = 1.0;
        if (floats[l].activation == "ramp" || options.normalization == NormalizationMethod::None)
            v = 1.0; // already in rate units
        else if (readout[l] && options.readout == OutputReadout::Potential)
            v = s.maxAbs; // only the arg-max matters; keeps V/T ≈ the logit / λ moderate
        else if (const auto fixed = options.activationScales.find(compiled.value(compiled.node(floats[l].node).outputs[0]).name);
                 fixed != options.activationScales.end())
            v = fixed->second;
        else if (options.normalization == NormalizationMethod::Max)
            v = s.maxPositive;
        else
            v = percentileOf(s.positive, options.percentile);
        lambda[l] = v > 0.0 ? v : 1.0;
        if (!readout[l] && floats[l].activation == "none" && s.negative > 0)
            net.diagnostics.push_back({Severity::Warning, where,
                "a linear core-op that is not the output becomes a spiking neuron, which drops its negative values ("
                    + std::to_string(s.negative) + " of " + std::to_string(s.total) + " calibration values)"});
        s.positive = {};
    }

    // --- 3. Integer weights, thresholds and leaks.
    const int64_t wMax = profile.weights.isSigned ? signedMax(net.weightBits) : (int64_t{1} << std::min(net.weightBits, 30)) - 1;
    const int64_t tMax = signedMax(net.thresholdBits);
    const int64_t lMax = hasLeak ? signedMax(net.leakBits) : wMax; // no leak: the bias is a synapse
    const auto lambdaOf = [&](int32_t src) {
        const int l = layerOfId(src);
        return l == -1 ? net.inputScale : l == -2 ? 1.0 : lambda[static_cast<size_t>(l)];
    };
    for (size_t l = 0; l < floats.size(); ++l) {
        const FloatLayer& f = floats[l];
        const ir::Node& node = compiled.node(f.node);
        SpikingLayer layer;
        layer.name = node.name;
        layer.layer = node.attrs.getString("layer", node.name);
        layer.role = node.attrs.getString("role", "layer");
        layer.shape = sampleShape(compiled.value(f.output).shape);
        layer.shape.erase(layer.shape.begin());
        layer.firstNeuron = firstIds[l];
        layer.neurons = static_cast<int64_t>(f.rowStart.size()) - 1;
        layer.spiking = !(readout[l] && options.readout == OutputReadout::Potential);
        layer.activationScale = lambda[l];

        // Normalised weights W' = W·λ_src/λ and biases b' = b/λ, and each neuron's threshold cap.
        std::vector<double> wn(f.weight.size());
        std::vector<double> bn(static_cast<size_t>(layer.neurons));
        std::vector<double> cap(static_cast<size_t>(layer.neurons), static_cast<double>(tMax));
        for (int64_t j = 0; j < layer.neurons; ++j) {
            double m = 0.0;
            for (int64_t k = f.rowStart[static_cast<size_t>(j)]; k < f.rowStart[static_cast<size_t>(j) + 1]; ++k) {
                wn[static_cast<size_t>(k)] = f.weight[static_cast<size_t>(k)] * lambdaOf(f.source[static_cast<size_t>(k)]) / lambda[l];
                m = std::max(m, std::fabs(wn[static_cast<size_t>(k)]));
            }
            bn[static_cast<size_t>(j)] = f.bias[static_cast<size_t>(j)] / lambda[l];
            double& c = cap[static_cast<size_t>(j)];
            if (m > 0.0)
                c = std::min(c, static_cast<double>(wMax) / m);
            if (bn[static_cast<size_t>(j)] != 0.0)
                c = std::min(c, static_cast<double>(lMax) / std::fabs(bn[static_cast<size_t>(j)]));
        }
        if (!layer.spiking) {
            const double common = cap.empty() ? static_cast<double>(tMax) : *std::min_element(cap.begin(), cap.end());
            std::fill(cap.begin(), cap.end(), common);
        }
        int64_t clippedWeights = 0, clippedLeaks = 0;
        layer.rowStart.push_back(0);
        std::set<int> sources;
        for (int64_t j = 0; j < layer.neurons; ++j) {
            const int64_t t = std::max<int64_t>(1, static_cast<int64_t>(std::floor(cap[static_cast<size_t>(j)])));
            layer.threshold.push_back(static_cast<int32_t>(t));
            for (int64_t k = f.rowStart[static_cast<size_t>(j)]; k < f.rowStart[static_cast<size_t>(j) + 1]; ++k) {
                int64_t q = std::llround(wn[static_cast<size_t>(k)] * static_cast<double>(t));
                if (q > wMax || q < -wMax) {
                    ++clippedWeights;
                    q = std::clamp(q, -wMax, wMax);
                }
                if (q == 0)
                    continue;
                layer.source.push_back(f.source[static_cast<size_t>(k)]);
                layer.weight.push_back(static_cast<int32_t>(q));
                sources.insert(layerOfId(f.source[static_cast<size_t>(k)]));
            }
            int64_t bias = std::llround(bn[static_cast<size_t>(j)] * static_cast<double>(t));
            if (bias > lMax || bias < -lMax) {
                ++clippedLeaks;
                bias = std::clamp(bias, -lMax, lMax);
            }
            if (hasLeak) {
                layer.leak.push_back(static_cast<int32_t>(bias));
            } else {
                layer.leak.push_back(0);
                if (bias != 0) {
                    layer.source.push_back(static_cast<int32_t>(net.biasNeuron()));
                    layer.weight.push_back(static_cast<int32_t>(bias));
                    sources.insert(-2);
                }
            }
            layer.rowStart.push_back(static_cast<int64_t>(layer.source.size()));
        }
        layer.sourceLayers.assign(sources.begin(), sources.end());
        if (clippedWeights > 0 || clippedLeaks > 0)
            net.diagnostics.push_back({Severity::Warning, layer.name,
                std::to_string(clippedWeights) + " weights and " + std::to_string(clippedLeaks)
                    + " biases exceed the integer ranges even at threshold 1 and were clipped"});
        net.layers.push_back(std::move(layer));
    }
    ctx.report(1000, "converted");
    return net;
}

} // namespace nnb::snn
