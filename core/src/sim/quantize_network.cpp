// SPDX-License-Identifier: GPL-3.0-or-later
// quantizeNetwork: fixes every signal quantiser, weight code and ADC step of a compiled graph
// (the rules are in nnb/sim/network.h).
#include <algorithm>
#include <cmath>
#include <iterator>
#include <map>
#include <numeric>

#include <Eigen/Core>

#include "nnb/quant/quantize_node.h"
#include "nnb/sim/network.h"
#include "sim/network_layout.h"

namespace nnb::sim {

const char* toString(AdcRange range)
{
    switch (range) {
    case AdcRange::FullScale: return "full-scale";
    case AdcRange::Weights: return "weights";
    case AdcRange::Calibrated: return "calibrated";
    }
    return "?";
}

const CoreOpQuant* QuantizedNetwork::coreOp(ir::NodeId id) const
{
    for (const CoreOpQuant& q : coreOps)
        if (q.node == id)
            return &q;
    return nullptr;
}

namespace {

bool isRouting(ir::OpKind op)
{
    using ir::OpKind;
    return op == OpKind::Slice || op == OpKind::Select || op == OpKind::Concat || op == OpKind::Flatten
        || op == OpKind::Reshape || op == OpKind::Transpose || op == OpKind::Identity || op == OpKind::Dropout;
}

/// Union-find over value ids: routing joins values into one signal.
class Signals {
public:
    explicit Signals(size_t n) : m_parent(n) { std::iota(m_parent.begin(), m_parent.end(), ir::ValueId{0}); }
    ir::ValueId find(ir::ValueId v)
    {
        while (m_parent[static_cast<size_t>(v)] != v)
            v = m_parent[static_cast<size_t>(v)] = m_parent[static_cast<size_t>(m_parent[static_cast<size_t>(v)])];
        return v;
    }
    void join(ir::ValueId a, ir::ValueId b) { m_parent[static_cast<size_t>(find(a))] = find(b); }

private:
    std::vector<ir::ValueId> m_parent;
};

/// What the pass knows about one signal (a union-find class).
struct SignalInfo {
    std::vector<ir::ValueId> sources; ///< values where it is produced (quantised there)
    bool readByCrossbar = false;
    bool producedByNeuron = false;
    std::optional<quant::SignalQuant> quant;
};

bool allIntegers(const ir::Tensor& w)
{
    return std::all_of(w.f.begin(), w.f.end(), [](float v) { return std::isfinite(v) && v == std::round(v) && std::abs(v) < 1 << 20; });
}

/// Structural weights that are integers already: stored as they are, scale 1.
quant::QuantizedWeights exactWeights(const ir::Tensor& w, int outputAxis)
{
    quant::QuantizedWeights q;
    q.shape = w.shape;
    q.outputAxis = outputAxis;
    q.scheme = quant::WeightScheme::Uniform;
    q.granularity = quant::Granularity::PerTensor;
    q.scale = {1.0f};
    q.zeroPoint = {0};
    q.codes.reserve(w.f.size());
    for (float v : w.f)
        q.codes.push_back(static_cast<int32_t>(v));
    q.minCode = *std::min_element(q.codes.begin(), q.codes.end());
    q.maxCode = *std::max_element(q.codes.begin(), q.codes.end());
    q.bits = 1;
    while ((int64_t{1} << (q.bits - 1)) - 1 < std::max(std::abs(q.minCode), std::abs(q.maxCode)))
        ++q.bits;
    return q;
}

/// Concatenates the weights of partial core-ops along their input axis (dense: axis 0 of
/// [in, out]; conv: axis 1 of [M, C, kh, kw]), so they are quantised with shared scales.
ir::Tensor concatInputs(const std::vector<const ir::Tensor*>& parts, bool conv)
{
    ir::Tensor out;
    out.shape = parts.front()->shape;
    const int axis = conv ? 1 : 0;
    out.shape[axis] = 0;
    for (const ir::Tensor* p : parts)
        out.shape[axis] += p->shape[axis];
    out.f.resize(static_cast<size_t>(ir::numElements(out.shape)));
    const int64_t outer = conv ? out.shape[0] : 1;
    const int64_t inner = conv ? out.shape[2] * out.shape[3] : out.shape[1];
    int64_t offset = 0;
    for (const ir::Tensor* p : parts) {
        const int64_t len = p->shape[axis];
        for (int64_t o = 0; o < outer; ++o)
            std::copy_n(p->f.begin() + o * len * inner, len * inner,
                        out.f.begin() + (o * out.shape[axis] + offset) * inner);
        offset += len;
    }
    return out;
}

/// The codes of part \p k (input offset \p offset, length \p len) back out of a joint quantisation.
quant::QuantizedWeights splitInputs(const quant::QuantizedWeights& joint, const ir::Shape& shape, bool conv, int64_t offset)
{
    quant::QuantizedWeights part = joint;
    part.shape = shape;
    const int axis = conv ? 1 : 0;
    const int64_t len = shape[axis];
    const int64_t outer = conv ? shape[0] : 1;
    const int64_t inner = conv ? shape[2] * shape[3] : shape[1];
    const int64_t jointLen = joint.shape[axis];
    part.codes.assign(static_cast<size_t>(ir::numElements(shape)), 0);
    for (int64_t o = 0; o < outer; ++o)
        std::copy_n(joint.codes.begin() + (o * jointLen + offset) * inner, len * inner, part.codes.begin() + o * len * inner);
    if (!joint.rowType.empty()) {
        // ValueSet: rows are input rows (element index without the output axis).
        const int64_t rowsPerPart = conv ? len * inner : len;
        const int64_t rowOffset = conv ? offset * inner : offset;
        part.rowType.assign(joint.rowType.begin() + rowOffset, joint.rowType.begin() + rowOffset + rowsPerPart);
    }
    return part;
}

/// \returns the \p percentile-th percentile of \p values (nearest rank; 100: the maximum).
float percentileOf(std::vector<float>& values, double percentile)
{
    if (values.empty())
        return 0.0f;
    const auto k = static_cast<size_t>(std::ceil(percentile / 100.0 * static_cast<double>(values.size()))) ;
    const size_t index = std::clamp<size_t>(k, 1, values.size()) - 1;
    std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(index), values.end());
    return values[index];
}

/// The \p percentile-th percentile read of each array (slice-major, positive before negative)
/// and input cycle (array-major) of group \p g of one core-op on \p x's rows of input codes:
/// stored levels times DAC digits (docs/domain.md §6). Per cycle because the ADC's range is set
/// per array and cycle (CrossbarConfig::AdcMode::Scale): the high bit-planes of activations are
/// sparse and their reads small.
std::vector<int64_t> maxReads(const CrossbarConfig& config, const detail::CoreOpLayout& l, const quant::QuantizedWeights& w,
                              const detail::Im2Col& x, int64_t g, double percentile, bool perColumn)
{
    const int64_t R = l.rowsPerGroup, C = l.colsPerGroup;
    using Mat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    const int64_t samples = std::min<int64_t>(x.rows, 8192);
    const int32_t offset = config.weightOffset();
    const int32_t mask = (1 << config.dacBits) - 1;
    std::vector<Mat> digits;
    for (int t = 0; t < config.inputCycles(); ++t) {
        Mat d(samples, R);
        for (int64_t n = 0; n < samples; ++n)
            for (int64_t r = 0; r < R; ++r)
                d(n, r) = static_cast<float>((x.codes[static_cast<size_t>(n * R + r)] >> (t * config.dacBits)) & mask);
        digits.push_back(std::move(d));
    }
    std::vector<int64_t> result;
    for (int s = 0; s < config.weightSlices(); ++s)
        for (int polarity = 0; polarity < config.polarities(); ++polarity) {
            Mat levels(R, C);
            for (int64_t r = 0; r < R; ++r)
                for (int64_t c = 0; c < C; ++c) {
                    const int32_t code = w.integerWeight(detail::weightIndex(l, r, g * C + c));
                    const int32_t stored = config.differential ? std::max(polarity ? -code : code, 0) : code + offset;
                    levels(r, c) = static_cast<float>((stored >> (s * config.cellBits)) & config.maxCellLevel());
                }
            // Float sums of small integers: exact below 2^24.
            for (const Mat& d : digits) {
                const Mat r = d * levels;
                if (perColumn) {
                    // Each column's own percentile over the samples (and conv positions).
                    std::vector<float> column(static_cast<size_t>(r.rows()));
                    for (int64_t c = 0; c < C; ++c) {
                        for (Eigen::Index n = 0; n < r.rows(); ++n)
                            column[static_cast<size_t>(n)] = r(n, c);
                        result.push_back(static_cast<int64_t>(std::ceil(percentileOf(column, percentile))));
                    }
                    continue;
                }
                std::vector<float> reads(r.data(), r.data() + r.size());
                result.push_back(static_cast<int64_t>(std::ceil(percentileOf(reads, percentile))));
            }
        }
    return result;
}

} // namespace

Expected<QuantizedNetwork> quantizeNetwork(const ir::Graph& compiled, const hw::Profile& profile,
                                           const QuantizeOptions& options, const ir::Tensor& calibration,
                                           const RunContext& ctx)
{
    QuantizedNetwork result;
    result.profile = profile;
    result.options = options;
    if (calibration.shape.empty() || calibration.shape[0] < 1)
        return makeError(Errc::InvalidArgument, "quantisation needs at least one calibration image");

    ctx.report(0, "calibrating signal ranges");
    auto graph = std::make_shared<ir::Graph>(compiled);
    NNB_TRY(std::vector<ir::Tensor> acts, exec::Executor(std::make_shared<const ir::Graph>(compiled)).runAll({calibration}, ctx));
    if (ctx.cancelled())
        return makeError(Errc::Cancelled, "quantisation cancelled");

    const auto consumers = graph->consumers();
    NNB_TRY(const std::vector<ir::NodeId> order, graph->topologicalOrder());

    // Partial sums: CoreOp outputs read only by Accumulate nodes stay exact integers.
    const auto isPartialOutput = [&](ir::ValueId v) {
        const auto& readers = consumers[static_cast<size_t>(v)];
        return !readers.empty() && std::all_of(readers.begin(), readers.end(), [&](ir::NodeId n) {
            return graph->node(n).op == ir::OpKind::Accumulate;
        });
    };

    // 1. Signals: join values through routing; collect sources and readers.
    Signals signals(static_cast<size_t>(graph->numValues()));
    for (const ir::Node& node : graph->nodes())
        if (isRouting(node.op))
            for (size_t k = 0; k < node.inputs.size(); ++k)
                if (node.inputs[k] != ir::kNoValue && !graph->value(node.inputs[k]).isConstant())
                    signals.join(node.inputs[k], node.outputs[0]);
    std::map<ir::ValueId, SignalInfo> info;
    for (ir::ValueId v : graph->inputs())
        info[signals.find(v)].sources.push_back(v);
    for (ir::NodeId id : order) {
        const ir::Node& node = graph->node(id);
        if (node.op == ir::OpKind::CoreOp)
            info[signals.find(node.inputs[0])].readByCrossbar = true;
        // MergeCopies decodes re-encoded copies on the host: its output is exact, not a new signal.
        if (isRouting(node.op) || node.op == ir::OpKind::Quantize || node.op == ir::OpKind::MergeCopies)
            continue;
        for (ir::ValueId out : node.outputs) {
            if (out == ir::kNoValue || (node.op == ir::OpKind::CoreOp && isPartialOutput(out)))
                continue;
            SignalInfo& s = info[signals.find(out)];
            s.sources.push_back(out);
            const std::string act = node.attrs.getString("activation", "none");
            s.producedByNeuron |= (node.op == ir::OpKind::CoreOp || node.op == ir::OpKind::Accumulate) && act != "none";
        }
    }

    // The host computes in float: a host op's output no crossbar reads (a final Softmax) is not
    // quantised again.
    for (auto it = info.begin(); it != info.end();) {
        std::vector<ir::ValueId>& sources = it->second.sources;
        if (!it->second.readByCrossbar)
            std::erase_if(sources, [&](ir::ValueId v) {
                const ir::NodeId p = graph->value(v).producer;
                return p != ir::kNoNode && graph->node(p).op != ir::OpKind::CoreOp && graph->node(p).op != ir::OpKind::Accumulate;
            });
        it = sources.empty() ? info.erase(it) : std::next(it);
    }

    // Quantisers the caller fixed, as unsigned codes: a signed symmetric grid shifted by its qmax.
    for (ir::ValueId v = 0; v < graph->numValues(); ++v) {
        const auto it = options.signalOverrides.find(graph->value(v).name);
        if (it == options.signalOverrides.end() || graph->value(v).isConstant())
            continue;
        quant::SignalQuant q = it->second;
        if (q.isSigned) {
            q.zeroPoint = q.qmax;
            q.qmax = 2 * q.qmax;
            q.qmin = 0;
            q.isSigned = false;
        }
        info[signals.find(v)].quant = q;
    }

    // A spiking profile's signals are spike counts 0..T (rateCodeMax), not codes of the per-tick
    // width.
    const int rateCodes = profile.rateCodeMax();
    const auto bitsOf = [&](const SignalInfo& s) {
        if (rateCodes > 0)
            return profile.inputCodeBits();
        int bits = s.readByCrossbar ? profile.io.inputBits : profile.io.outputBits;
        if (s.producedByNeuron)
            bits = std::min(bits, profile.neuron.outputBits);
        return std::clamp(bits, 1, 24);
    };
    const auto calibrate = [&](SignalInfo& s) {
        std::vector<float> values;
        for (ir::ValueId v : s.sources) {
            const ir::Tensor& t = acts[static_cast<size_t>(v)];
            values.insert(values.end(), t.f.begin(), t.f.end());
        }
        const int bits = bitsOf(s);
        const quant::Range range = quant::calibrateRange(values.data(), values.size(), options.signalRange, bits, options.percentile);
        s.quant = rateCodes > 0 ? quant::SignalQuant::fromRangeCodes(range, rateCodes, /*isSigned=*/false)
                                : quant::SignalQuant::fromRange(range, bits, /*isSigned=*/false);
    };

    // 2. Weights, signal quantisers (in topological order, so a max-tree inherits its input's
    //    quantiser) and ADC steps.
    const CrossbarConfig baseConfig = CrossbarConfig::fromProfile(profile);
    quant::WeightQuantOptions wopt = options.weights;
    if (wopt.bits == 0)
        wopt.bits = profile.weights.bits;
    if (profile.weights.encoding == hw::WeightEncoding::ValueSet) {
        wopt.scheme = quant::WeightScheme::ValueSet;
        wopt.axonTypes = std::max(1, profile.weights.axonTypes);
    }
    if (auto probe = quant::quantizeWeights(ir::Tensor::filled({1, 1}, 1.0f), 1, wopt); !probe)
        return addContext<QuantizedNetwork>(tl::unexpected<Error>(probe.error()), "weight quantisation options");
    if (wopt.scheme == quant::WeightScheme::KMeans && options.stages.weights) {
        result.simulatable = false;
        result.diagnostics.push_back({Severity::Warning, "strategy.quantization.weights",
                                      "k-means weight sharing has no integer form: the bit-accurate simulator is "
                                      "skipped and the quantised network runs in float"});
    }
    if (!options.stages.io || !options.stages.weights)
        result.simulatable = false;
    if (rateCodes > 0 && options.stages.io)
        result.diagnostics.push_back({Severity::Info, "neuron.ticks_per_inference",
                                      "spiking profile: every signal is emulated as its spike count over " + std::to_string(rateCodes)
                                          + " ticks (codes 0.." + std::to_string(rateCodes)
                                          + ", the rate model); `compile --snn` runs the spiking network itself"});

    // Per-tensor granularity spans the whole layer: every non-structural tile of one layer (and
    // role) is quantised once as a flat tensor; each tile takes its slice of the codes.
    const bool layerWide = wopt.granularity == quant::Granularity::PerTensor && !options.perCrossbar
                        && wopt.scheme != quant::WeightScheme::ValueSet;
    const auto tensorKey = [](const ir::Node& n) {
        const std::string role = n.attrs.getString("role", "layer");
        if (role == "approximator")
            return n.name; // hidden and output matrices of one approximator differ
        return n.attrs.getString("layer", n.name) + "/" + (role == "partial" || role == "block-diagonal" ? "layer" : role);
    };
    struct LayerTensor {
        quant::QuantizedWeights joint;
        std::map<std::string, int64_t> offset; ///< by core-op name
    };
    std::map<std::string, LayerTensor> layerTensors;
    const auto layerSlice = [&](const ir::Node& node, const ir::Tensor& w, int outputAxis) -> Expected<quant::QuantizedWeights> {
        const std::string key = tensorKey(node);
        auto it = layerTensors.find(key);
        if (it == layerTensors.end()) {
            LayerTensor t;
            std::vector<float> flat;
            for (const ir::Node& other : compiled.nodes()) {
                if (other.op != ir::OpKind::CoreOp || tensorKey(other) != key)
                    continue;
                const ir::Tensor& ow = *compiled.value(other.inputs[1]).constant;
                if (other.attrs.getInt("structural", 0) != 0 && allIntegers(ow))
                    continue;
                t.offset[other.name] = static_cast<int64_t>(flat.size());
                flat.insert(flat.end(), ow.f.begin(), ow.f.end());
            }
            const auto size = static_cast<int64_t>(flat.size());
            NNB_TRY(t.joint, quant::quantizeWeights(ir::Tensor::fromData({size}, std::move(flat)), 0, wopt));
            it = layerTensors.emplace(key, std::move(t)).first;
        }
        const LayerTensor& t = it->second;
        quant::QuantizedWeights part = t.joint;
        part.shape = w.shape;
        part.outputAxis = outputAxis;
        const auto begin = t.joint.codes.begin() + t.offset.at(node.name);
        part.codes.assign(begin, begin + static_cast<int64_t>(w.f.size()));
        double se = 0.0, maxAbs = 0.0;
        for (size_t i = 0; i < w.f.size(); ++i) {
            const double e = static_cast<double>(part.dequantize(i)) - static_cast<double>(w.f[i]);
            se += e * e;
            maxAbs = std::max(maxAbs, std::abs(e));
        }
        part.mse = w.f.empty() ? 0.0 : se / static_cast<double>(w.f.size());
        part.maxAbsError = maxAbs;
        return part;
    };

    std::map<std::string, CoreOpQuant> coreByName;
    std::map<ir::NodeId, quant::QuantizedWeights> jointWeights; ///< per Accumulate: its partials' weights
    std::map<std::string, AccumulateQuant> accByName;
    const auto signalOf = [&](ir::ValueId v) -> SignalInfo& { return info[signals.find(v)]; };
    const auto ensureQuant = [&](ir::ValueId v) -> const quant::SignalQuant& {
        SignalInfo& s = signalOf(v);
        if (!s.quant)
            calibrate(s);
        return *s.quant;
    };
    for (ir::ValueId v : graph->inputs())
        ensureQuant(v);

    int done = 0;
    for (ir::NodeId id : order) {
        if (ctx.cancelled())
            return makeError(Errc::Cancelled, "quantisation cancelled");
        ctx.report(100 + 800 * done++ / static_cast<int>(order.size()), "quantising " + graph->node(id).name);
        const ir::Node node = graph->node(id); // copy: constants are replaced below
        if (node.op == ir::OpKind::Accumulate) {
            AccumulateQuant aq;
            aq.output = ensureQuant(node.outputs[0]);
            const CoreOpQuant& first = coreByName.at(graph->node(graph->value(node.inputs[0]).producer).name);
            aq.accScale = first.accScale;
            for (ir::ValueId in : node.inputs) {
                const ir::NodeId p = graph->value(in).producer;
                if (p == ir::kNoNode || graph->node(p).op != ir::OpKind::CoreOp)
                    return makeError(Errc::InvalidArgument, "Accumulate '" + node.name + "' reads a value no core-op produces");
                const std::vector<double>& other = coreByName.at(graph->node(p).name).accScale;
                for (size_t j = 0; j < other.size(); ++j)
                    if (other.size() != aq.accScale.size() || other[j] != aq.accScale[j])
                        return makeError(Errc::Internal, "the partial sums of Accumulate '" + node.name
                                                             + "' have different scales at output " + std::to_string(j) + ": "
                                                             + std::to_string(other[j]) + " and " + std::to_string(aq.accScale[j]));
            }
            accByName[node.name] = aq;
            continue;
        }
        if (node.op != ir::OpKind::CoreOp)
            continue;

        const ir::Tensor& w = *compiled.value(node.inputs[1]).constant;
        NNB_TRY(const detail::CoreOpLayout layout, detail::layoutOf(node, w));
        const int outputAxis = layout.conv ? 0 : 1;
        CoreOpQuant cq;
        cq.structural = node.attrs.getInt("structural", 0) != 0;
        const quant::SignalQuant& in = ensureQuant(node.inputs[0]);
        cq.input = in;
        const std::string activation = node.attrs.getString("activation", "none");
        const bool partial = isPartialOutput(node.outputs[0]);

        // Data re-encoding (passes: reencode-outputs): copy i's bias is offset by (i − (k−1)/2)/k of
        // the output's code step, so that the mean of the k quantised copies is the output on a
        // grid k times finer (Hermite's identity). Of partial sums, the first partial carries them.
        const ir::NodeId accumulate = partial ? consumers[static_cast<size_t>(node.outputs[0])].front() : ir::kNoNode;
        const bool carriesOffsets = !partial || graph->node(accumulate).inputs.front() == node.outputs[0];
        if (const int64_t copies = node.attrs.getInt("copies", 1); copies > 1 && carriesOffsets && options.stages.io) {
            const float step = ensureQuant(partial ? graph->node(accumulate).outputs[0] : node.outputs[0]).scale;
            if (node.inputs.size() < 3 || node.inputs[2] == ir::kNoValue || !graph->value(node.inputs[2]).isConstant()
                || layout.outputs % copies != 0)
                return makeError(Errc::InvalidArgument, "core-op '" + node.name + "' has " + std::to_string(copies)
                                                            + " output copies but no bias or a width that is not a multiple");
            ir::Tensor b = *graph->value(node.inputs[2]).constant;
            const int64_t width = layout.outputs / copies;
            for (int64_t o = 0; o < layout.outputs; ++o) {
                const double i = static_cast<double>(o / width);
                b.f[static_cast<size_t>(o)] += static_cast<float>((i - 0.5 * static_cast<double>(copies - 1))
                                                                  / static_cast<double>(copies) * step);
            }
            graph->value(node.inputs[2]).constant = std::make_shared<const ir::Tensor>(std::move(b));
        }

        // Weights: exact integers for structural ones; partials of one Accumulate together.
        if (cq.structural && allIntegers(w)) {
            cq.weights = exactWeights(w, outputAxis);
        } else if (layerWide) {
            auto q = layerSlice(node, w, outputAxis);
            if (!q)
                return addContext<QuantizedNetwork>(tl::unexpected<Error>(q.error()), "layer of core-op '" + node.name + "'");
            cq.weights = std::move(*q);
        } else if (partial) {
            const ir::NodeId acc = consumers[static_cast<size_t>(node.outputs[0])].front();
            std::vector<const ir::Tensor*> parts;
            int64_t offset = 0, myOffset = 0;
            // The float weights of every partial (from the unmodified input graph: this copy's
            // constants are replaced by quantised values as the walk goes), quantised once.
            for (ir::ValueId pv : graph->node(acc).inputs) {
                const ir::Node& p = graph->node(graph->value(pv).producer);
                if (p.name == node.name)
                    myOffset = offset;
                parts.push_back(compiled.value(p.inputs[1]).constant.get());
                offset += parts.back()->shape[layout.conv ? 1 : 0];
            }
            auto joint = jointWeights.find(acc);
            if (joint == jointWeights.end()) {
                NNB_TRY(quant::QuantizedWeights q, quant::quantizeWeights(concatInputs(parts, layout.conv), outputAxis, wopt));
                joint = jointWeights.emplace(acc, std::move(q)).first;
            }
            cq.weights = splitInputs(joint->second, w.shape, layout.conv, myOffset);
        } else {
            auto q = quant::quantizeWeights(w, outputAxis, wopt);
            if (!q)
                return addContext<QuantizedNetwork>(tl::unexpected<Error>(q.error()), "core-op '" + node.name + "'");
            cq.weights = std::move(*q);
        }
        if (cq.weights.hasIntegerForm() && options.stages.weights) {
            for (size_t i = 0; i < cq.weights.codes.size(); ++i) {
                const int32_t iw = cq.weights.integerWeight(i);
                if (iw < baseConfig.minWeightCode() || iw > baseConfig.maxWeightCode())
                    return makeError(Errc::InvalidArgument,
                                     "core-op '" + node.name + "': integer weight " + std::to_string(iw) + " of the "
                                         + quant::toString(cq.weights.scheme) + " scheme does not fit the crossbar's "
                                         + std::to_string(baseConfig.weightBits) + "-bit cells; choose fewer weight bits");
            }
        }
        cq.accScale.resize(static_cast<size_t>(layout.outputs));
        for (int64_t o = 0; o < layout.outputs; ++o) {
            const size_t g = cq.weights.granularity == quant::Granularity::PerTensor ? 0 : static_cast<size_t>(o);
            cq.accScale[static_cast<size_t>(o)] = static_cast<double>(in.scale) * static_cast<double>(cq.weights.scale[g]);
        }

        // Replace the graph's float weights by their quantised values (and the bias by its
        // accumulator-unit rounding) when the weight stage is on.
        ir::Graph& gm = *graph;
        if (options.stages.weights) {
            gm.value(node.inputs[1]).constant = std::make_shared<const ir::Tensor>(cq.weights.dequantized());
            if (node.inputs.size() > 2 && node.inputs[2] != ir::kNoValue) {
                const ir::Tensor& b = *gm.value(node.inputs[2]).constant;
                ir::Tensor bq = b;
                cq.bias.resize(b.f.size());
                for (size_t o = 0; o < b.f.size(); ++o) {
                    const double unit = cq.accScale[o];
                    cq.bias[o] = unit > 0.0 ? static_cast<int64_t>(std::llround(static_cast<double>(b.f[o]) / unit)) : 0;
                    bq.f[o] = static_cast<float>(static_cast<double>(cq.bias[o]) * unit);
                }
                gm.value(node.inputs[2]).constant = std::make_shared<const ir::Tensor>(std::move(bq));
            }
        }

        // Output quantiser: a structural integer core-op with a ReLU keeps its input's.
        if (!partial) {
            SignalInfo& out = signalOf(node.outputs[0]);
            if (!out.quant && cq.structural && cq.weights.scale == std::vector<float>{1.0f} && activation == "relu"
                && in.zeroPoint == 0 && bitsOf(out) == in.bits)
                out.quant = in;
            cq.output = ensureQuant(node.outputs[0]);
        }

        // ADC: the full-scale step, the weights' bound per array, or per array from data.
        if (profile.io.adcBits > 0) {
            if (options.adc == AdcRange::FullScale)
                cq.adcStep = std::ceil(baseConfig.effectiveAdcStep());
            if (options.adc == AdcRange::Calibrated && cq.weights.hasIntegerForm() && options.stages.weights) {
                std::vector<int32_t> codes;
                const ir::Tensor& x = acts[static_cast<size_t>(node.inputs[0])];
                const int64_t samples = std::min<int64_t>(x.shape[0], 256);
                const int64_t perSample = ir::numElements(x.shape) / x.shape[0];
                codes.reserve(static_cast<size_t>(samples * perSample));
                for (int64_t i = 0; i < samples * perSample; ++i)
                    codes.push_back(in.quantize(x.f[static_cast<size_t>(i)]));
                ir::Shape shape = x.shape;
                shape[0] = samples;
                for (int64_t g = 0; g < layout.group; ++g) {
                    NNB_TRY(const detail::Im2Col rows, detail::gatherRows(node, layout, codes, shape, g, in.zeroPoint));
                    cq.readRanges.push_back(maxReads(baseConfig, layout, cq.weights, rows, g, options.adcPercentile, options.adcPerColumn));
                }
            }
        }
        coreByName[node.name] = std::move(cq);
    }

    // 3. Quantize nodes after every source; the quantised value takes the source's name.
    if (options.stages.io) {
        for (auto& [root, s] : info) {
            if (!s.quant)
                ensureQuant(s.sources.front());
            for (ir::ValueId v : s.sources) {
                ir::Value& raw = graph->value(v);
                const bool isInput = std::find(graph->inputs().begin(), graph->inputs().end(), v) != graph->inputs().end();
                const std::string name = raw.name;
                const ir::Shape shape = raw.shape;
                const ir::NodeId producer = raw.producer;
                if (!isInput)
                    raw.name = graph->uniqueValueName(name + ".raw");
                const ir::ValueId q = graph->addValue(isInput ? graph->uniqueValueName(name + ".q") : name, shape);
                graph->replaceAllUses(v, q);
                const std::string layer =
                    producer == ir::kNoNode ? name : graph->node(producer).attrs.getString("layer", graph->node(producer).name);
                graph->addNode(name + ".quantize", ir::OpKind::Quantize, {v}, {q}, quant::quantizeAttributes(*s.quant, layer));
            }
        }
        NNB_RETURN_IF_ERROR(graph->sortTopologically());
    }

    for (ir::NodeId id = 0; id < graph->numNodes(); ++id) {
        const ir::Node& node = graph->node(id);
        if (auto it = coreByName.find(node.name); node.op == ir::OpKind::CoreOp && it != coreByName.end()) {
            it->second.node = id;
            result.coreOps.push_back(it->second);
        } else if (auto at = accByName.find(node.name); node.op == ir::OpKind::Accumulate && at != accByName.end()) {
            at->second.node = id;
            result.accumulates.push_back(at->second);
        }
    }
    result.graph = std::move(graph);
    ctx.report(1000, "quantised");
    return result;
}

} // namespace nnb::sim
