// SPDX-License-Identifier: GPL-3.0-or-later
#include "tune/trainable_layer.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <utility>

namespace nnb::tune::detail {
namespace {

std::string describe(const ir::Node& node) { return "node '" + node.name + "' (" + std::string(ir::opName(node.op)) + ")"; }

const ir::Tensor* constantInput(const ir::Graph& graph, const ir::Node& node, size_t slot)
{
    if (slot >= node.inputs.size() || node.inputs[slot] == ir::kNoValue)
        return nullptr;
    return graph.value(node.inputs[slot]).constant.get();
}

bool isFloatMatrix(const ir::Tensor* t) { return t != nullptr && t->dtype == ir::DataType::Float32 && t->rank() == 2; }

/// A Gemm Y = alpha·X·op(B) + beta·C as a dense layer, or nullopt when reform-linear would not
/// make it a core-op either (then it runs in float).
std::optional<TrainableLayer> gemmLayer(const ir::Graph& graph, const ir::Node& node)
{
    const ir::Tensor* b = constantInput(graph, node, 1);
    const ir::Shape& x = graph.value(node.inputs[0]).shape;
    if (!isFloatMatrix(b) || node.attrs.getInt("transA", 0) != 0 || x.size() != 2)
        return std::nullopt;
    TrainableLayer layer;
    layer.transB = node.attrs.getInt("transB", 0) != 0;
    layer.alpha = node.attrs.getFloat("alpha", 1.0f);
    layer.beta = node.attrs.getFloat("beta", 1.0f);
    if (layer.alpha == 0.0f) // no weights to tune, and storing would divide by alpha
        return std::nullopt;
    const int64_t k = layer.transB ? b->shape[1] : b->shape[0];
    const int64_t m = layer.transB ? b->shape[0] : b->shape[1];
    if (x[1] != k)
        return std::nullopt;
    layer.weight.resize(m, k);
    for (int64_t r = 0; r < m; ++r)
        for (int64_t c = 0; c < k; ++c)
            layer.weight(r, c) = layer.alpha * b->f[static_cast<size_t>(layer.transB ? r * k + c : c * m + r)];
    layer.bias = Vector::Zero(m);
    if (node.inputs.size() > 2 && node.inputs[2] != ir::kNoValue) {
        const ir::Tensor* c = constantInput(graph, node, 2);
        // Only a bias shared by all rows ([M], [1, M] or a scalar) is a core-op bias.
        if (c == nullptr || c->dtype != ir::DataType::Float32
            || (c->size() != 1 && (c->size() != m || c->shape.back() != m)))
            return std::nullopt;
        if (layer.beta != 0.0f) { // beta 0 ignores C: the layer has no bias to tune
            layer.biasValue = node.inputs[2];
            for (int64_t j = 0; j < m; ++j)
                layer.bias[j] = layer.beta * c->f[static_cast<size_t>(c->size() == 1 ? 0 : j)];
        }
    }
    layer.shape.outputs = m;
    layer.shape.groupInputs = k;
    layer.shape.sampleSize = k;
    return layer;
}

std::optional<TrainableLayer> matMulLayer(const ir::Graph& graph, const ir::Node& node)
{
    const ir::Tensor* b = constantInput(graph, node, 1);
    const ir::Shape& x = graph.value(node.inputs[0]).shape;
    if (!isFloatMatrix(b) || x.size() != 2 || x[1] != b->shape[0])
        return std::nullopt;
    const int64_t k = b->shape[0];
    const int64_t m = b->shape[1];
    TrainableLayer layer;
    layer.weight = Eigen::Map<const Matrix>(b->data(), k, m).transpose();
    layer.bias = Vector::Zero(m);
    layer.shape.outputs = m;
    layer.shape.groupInputs = k;
    layer.shape.sampleSize = k;
    return layer;
}

std::optional<TrainableLayer> convLayer(const ir::Graph& graph, const ir::Node& node)
{
    const ir::Tensor* w = constantInput(graph, node, 1);
    const ir::Shape& x = graph.value(node.inputs[0]).shape;
    if (w == nullptr || w->dtype != ir::DataType::Float32 || w->rank() != 4 || x.size() != 4
        || std::any_of(x.begin() + 1, x.end(), [](int64_t d) { return d < 1; }))
        return std::nullopt;
    const int64_t m = w->shape[0];
    const int64_t group = node.attrs.getInt("group", 1);
    if (group < 1 || m % group != 0 || x[1] != w->shape[1] * group)
        return std::nullopt;
    const ir::Tensor* bias = constantInput(graph, node, 2);
    const bool biasInput = node.inputs.size() > 2 && node.inputs[2] != ir::kNoValue;
    if (biasInput && (bias == nullptr || bias->dtype != ir::DataType::Float32 || bias->size() != m))
        return std::nullopt;
    const auto window = ir::computeWindowGeometry(node, x[2], x[3], w->shape[2], w->shape[3]);
    if (!window)
        return std::nullopt;

    TrainableLayer layer;
    LayerShape& s = layer.shape;
    s.conv = true;
    s.outputs = m;
    s.groups = group;
    s.groupInputs = w->shape[1] * w->shape[2] * w->shape[3];
    s.rowsPerSample = window->outH * window->outW;
    s.channels = x[1];
    s.sampleSize = x[1] * x[2] * x[3];
    s.window = *window;
    layer.weight = Eigen::Map<const Matrix>(w->data(), m, s.groupInputs);
    layer.bias = Vector::Zero(m);
    if (biasInput) {
        layer.biasValue = node.inputs[2];
        layer.bias = Eigen::Map<const Vector>(bias->data(), m);
    }
    return layer;
}

/// \returns the weights in the hardware layout of tuner.h: dense [K, M], conv [M, C/g, kh, kw].
ir::Tensor hardwareLayout(const LayerShape& shape, const Matrix& w)
{
    if (shape.conv) {
        const int64_t k = shape.window.kernelH * shape.window.kernelW;
        return ir::Tensor::fromData({shape.outputs, shape.groupInputs / k, shape.window.kernelH, shape.window.kernelW},
                                    std::vector<float>(w.data(), w.data() + w.size()));
    }
    ir::Tensor t = ir::Tensor::filled({shape.groupInputs, shape.outputs});
    Eigen::Map<Matrix>(t.data(), shape.groupInputs, shape.outputs) = w.transpose();
    return t;
}

} // namespace

namespace {

/// The output columns [lo, hi) whose input column ow·stride + offset lies inside [0, inW).
std::pair<int64_t, int64_t> validColumns(int64_t offset, int64_t stride, int64_t inW, int64_t outW)
{
    const auto ceilDiv = [](int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); };
    const int64_t lo = std::clamp<int64_t>(ceilDiv(-offset, stride), 0, outW);
    const int64_t hi = std::clamp<int64_t>(ceilDiv(inW - offset, stride), lo, outW);
    return {lo, hi};
}

/// Calls run(column, inputOffset, length, stride) for every run of one image's im2col row
/// (channel c, ki, kj) that reads the input, output pixels first..first+length−1 reading input
/// elements inputOffset + t·stride, and zero(column, length) for the padding between.
template <class Run, class Zero>
void im2colRow(const ir::WindowGeometry& g, int64_t c, int64_t ki, int64_t kj, Run&& run, Zero&& zero)
{
    const int64_t offset = kj * g.dilationW - g.padLeft;
    const auto [lo, hi] = validColumns(offset, g.strideW, g.inW, g.outW);
    for (int64_t oh = 0; oh < g.outH; ++oh) {
        const int64_t ih = oh * g.strideH - g.padTop + ki * g.dilationH;
        const int64_t column = oh * g.outW;
        if (ih < 0 || ih >= g.inH || lo == hi) {
            zero(column, g.outW);
            continue;
        }
        zero(column, lo);
        run(column + lo, (c * g.inH + ih) * g.inW + lo * g.strideW + offset, hi - lo, g.strideW);
        zero(column + hi, g.outW - hi);
    }
}

} // namespace

void LayerShape::gatherPatches(const float* x, std::span<const int64_t> samples, Matrix& columns) const
{
    const auto count = static_cast<int64_t>(samples.size());
    columns.resize(patchWidth(), count * rowsPerSample);
    if (!conv) {
        for (int64_t i = 0; i < count; ++i)
            columns.col(i) = Eigen::Map<const Vector>(x + samples[static_cast<size_t>(i)] * sampleSize, sampleSize);
        return;
    }
    const ir::WindowGeometry& g = window;
    const int64_t width = count * rowsPerSample;
    for (int64_t i = 0; i < count; ++i) {
        const float* image = x + samples[static_cast<size_t>(i)] * sampleSize;
        int64_t row = 0;
        for (int64_t c = 0; c < channels; ++c) {
            for (int64_t ki = 0; ki < g.kernelH; ++ki) {
                for (int64_t kj = 0; kj < g.kernelW; ++kj, ++row) {
                    float* dst = columns.data() + row * width + i * rowsPerSample;
                    im2colRow(
                        g, c, ki, kj,
                        [&](int64_t column, int64_t in, int64_t length, int64_t stride) {
                            // Plain loops: the runs are a kernel row long, too short for memcpy calls.
                            if (stride == 1)
                                for (int64_t t = 0; t < length; ++t)
                                    dst[column + t] = image[in + t];
                            else
                                for (int64_t t = 0; t < length; ++t)
                                    dst[column + t] = image[in + t * stride];
                        },
                        [&](int64_t column, int64_t length) {
                            for (int64_t t = 0; t < length; ++t)
                                dst[column + t] = 0.0f;
                        });
                }
            }
        }
    }
}

void LayerShape::forward(const Matrix& columns, const Matrix& w, const Vector& b, Matrix& z) const
{
    z.resize(columns.cols(), outputs);
    const int64_t mg = groupOutputs();
    Matrix zt(mg, columns.cols());
    for (int64_t g = 0; g < groups; ++g) {
        // W·columns then a transposition: twice as fast as columnsᵀ·Wᵀ for the few output
        // channels of early convolutions (Eigen's kernel then runs along the long dimension).
        zt.noalias() = w.middleRows(g * mg, mg) * columns.middleRows(g * groupInputs, groupInputs);
        z.middleCols(g * mg, mg) = zt.transpose();
    }
    z.rowwise() += b.transpose();
}

void LayerShape::weightGradient(const Matrix& columns, const Matrix& dz, Matrix& dw) const
{
    dw.resize(outputs, groupInputs);
    const int64_t mg = groupOutputs();
    for (int64_t g = 0; g < groups; ++g)
        dw.middleRows(g * mg, mg).noalias() =
            dz.middleCols(g * mg, mg).transpose() * columns.middleRows(g * groupInputs, groupInputs).transpose();
}

void LayerShape::patchGradient(const Matrix& dz, const Matrix& w, Matrix& dcolumns) const
{
    dcolumns.resize(patchWidth(), dz.rows());
    const int64_t mg = groupOutputs();
    for (int64_t g = 0; g < groups; ++g)
        dcolumns.middleRows(g * groupInputs, groupInputs).noalias() =
            w.middleRows(g * mg, mg).transpose() * dz.middleCols(g * mg, mg).transpose();
}

void LayerShape::scatterPatches(const Matrix& dcolumns, int64_t count, float* dx) const
{
    if (!conv) {
        Eigen::Map<Matrix>(dx, count, sampleSize) += dcolumns.transpose();
        return;
    }
    const ir::WindowGeometry& g = window;
    const int64_t width = count * rowsPerSample;
    for (int64_t i = 0; i < count; ++i) {
        float* image = dx + i * sampleSize;
        int64_t row = 0;
        for (int64_t c = 0; c < channels; ++c) {
            for (int64_t ki = 0; ki < g.kernelH; ++ki) {
                for (int64_t kj = 0; kj < g.kernelW; ++kj, ++row) {
                    const float* src = dcolumns.data() + row * width + i * rowsPerSample;
                    im2colRow(
                        g, c, ki, kj,
                        [&](int64_t column, int64_t in, int64_t length, int64_t stride) {
                            for (int64_t t = 0; t < length; ++t)
                                image[in + t * stride] += src[column + t];
                        },
                        [](int64_t, int64_t) {});
                }
            }
        }
    }
}

void LayerShape::rowsToNodeLayout(const float* rows, float* out) const
{
    for (int64_t p = 0; p < rowsPerSample; ++p)
        for (int64_t m = 0; m < outputs; ++m)
            out[m * rowsPerSample + p] = rows[p * outputs + m];
}

void LayerShape::nodeLayoutToRows(const float* in, float* rows) const
{
    for (int64_t p = 0; p < rowsPerSample; ++p)
        for (int64_t m = 0; m < outputs; ++m)
            rows[p * outputs + m] = in[m * rowsPerSample + p];
}

Expected<std::vector<TrainableLayer>> findTrainableLayers(const ir::Graph& graph)
{
    NNB_TRY(const std::vector<ir::NodeId> order, graph.topologicalOrder());
    const auto consumers = graph.consumers();
    const auto isGraphOutput = [&](ir::ValueId v) {
        return std::find(graph.outputs().begin(), graph.outputs().end(), v) != graph.outputs().end();
    };
    std::vector<TrainableLayer> layers;
    for (const ir::NodeId id : order) {
        const ir::Node& node = graph.node(id);
        std::optional<TrainableLayer> layer;
        if (node.op == ir::OpKind::Gemm)
            layer = gemmLayer(graph, node);
        else if (node.op == ir::OpKind::MatMul)
            layer = matMulLayer(graph, node);
        else if (node.op == ir::OpKind::Conv)
            layer = convLayer(graph, node);
        if (!layer)
            continue;

        const ir::ValueId result = node.outputs[0];
        const auto& readers = consumers[static_cast<size_t>(result)];
        for (const ir::NodeId reader : readers)
            if (graph.node(reader).op == ir::OpKind::BatchNormalization)
                return addContext<std::vector<TrainableLayer>>(
                    makeError(Errc::UnsupportedOp, "a BatchNormalization follows this layer; fold it into the layer first "
                                                   "(pass fold-batchnorm) so that tuning sees the weights the hardware stores"),
                    describe(node));
        layer->name = node.name;
        layer->node = id;
        layer->input = node.inputs[0];
        layer->weightValue = node.inputs[1];
        layer->output = result;
        // The same fusion rule as reform-linear: a Relu that alone reads the result.
        if (readers.size() == 1 && !isGraphOutput(result) && graph.node(readers[0]).op == ir::OpKind::Relu) {
            layer->fusedRelu = readers[0];
            layer->output = graph.node(readers[0]).outputs[0];
        }
        layers.push_back(std::move(*layer));
    }
    return layers;
}

Expected<quant::QuantizedWeights> quantizeLayerWeights(const LayerShape& shape, const Matrix& w,
                                                       const quant::WeightQuantOptions& options)
{
    return quant::quantizeWeights(hardwareLayout(shape, w), shape.conv ? 0 : 1, options);
}

Matrix dequantizedMatrix(const LayerShape& shape, const quant::QuantizedWeights& q)
{
    const ir::Tensor t = q.dequantized();
    if (shape.conv)
        return Eigen::Map<const Matrix>(t.data(), shape.outputs, shape.groupInputs);
    return Eigen::Map<const Matrix>(t.data(), shape.groupInputs, shape.outputs).transpose();
}

Expected<Matrix> quantizedWeights(const LayerShape& shape, const Matrix& w, const quant::WeightQuantOptions& options)
{
    NNB_TRY(const quant::QuantizedWeights q, quantizeLayerWeights(shape, w, options));
    return dequantizedMatrix(shape, q);
}

void storeParameters(ir::Graph& graph, const TrainableLayer& layer, const Matrix& w, const Vector& b)
{
    ir::Value& weightValue = graph.value(layer.weightValue);
    ir::Tensor weight;
    if (layer.shape.conv) {
        weight = hardwareLayout(layer.shape, w);
    } else {
        const int64_t m = layer.shape.outputs;
        const int64_t k = layer.shape.groupInputs;
        // Gemm B is [M, K] when transposed, else [K, M] as MatMul's; alpha was folded into w.
        weight = ir::Tensor::filled(layer.transB ? ir::Shape{m, k} : ir::Shape{k, m});
        if (layer.transB)
            Eigen::Map<Matrix>(weight.data(), m, k) = w / layer.alpha;
        else
            Eigen::Map<Matrix>(weight.data(), k, m) = w.transpose() / layer.alpha;
    }
    weightValue.constant = std::make_shared<const ir::Tensor>(std::move(weight));
    if (!layer.hasBias())
        return;

    ir::Value& biasValue = graph.value(layer.biasValue);
    ir::Shape shape = biasValue.constant->shape;
    if (biasValue.constant->size() != layer.shape.outputs) {
        // A scalar C cannot hold one tuned bias per neuron: widen it (rank kept where possible).
        if (shape.empty())
            shape = {layer.shape.outputs};
        else
            shape.back() = layer.shape.outputs;
    }
    std::vector<float> values(b.data(), b.data() + b.size());
    for (float& v : values)
        v /= layer.beta;
    biasValue.shape = shape;
    biasValue.constant = std::make_shared<const ir::Tensor>(ir::Tensor::fromData(std::move(shape), std::move(values)));
}

} // namespace nnb::tune::detail
