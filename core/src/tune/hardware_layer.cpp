// SPDX-License-Identifier: GPL-3.0-or-later
#include "tune/hardware_layer.h"

#include <algorithm>
#include <numeric>
#include <string>
#include <vector>

#include "tune/training.h"

namespace nnb::tune::detail {

Neuron neuronOf(const TrainableLayer& layer, const HardwareQuant& hw)
{
    if (layer.fusedRelu == ir::kNoNode)
        return Neuron::Identity;
    return hw.rampNeuron ? Neuron::Ramp : Neuron::Relu;
}

Expected<quant::SignalQuant> calibrateSignal(const float* values, size_t n, int bits, const HardwareQuant& hw)
{
    const bool isSigned = std::any_of(values, values + n, [](float v) { return v < 0.0f; });
    if (bits < (isSigned ? 2 : 1) || bits > 24)
        return makeError(Errc::InvalidArgument, std::string(isSigned ? "a signed signal needs 2..24 bits" : "a signal needs 1..24 bits")
                                                    + ", got " + std::to_string(bits));
    if (hw.range == quant::RangeMethod::Percentile && !(hw.percentile > 50.0 && hw.percentile <= 100.0))
        return makeError(Errc::InvalidArgument, "the calibration percentile must be in (50, 100], got " + std::to_string(hw.percentile));
    const quant::Range range = quant::calibrateRange(values, n, hw.range, bits, hw.percentile);
    if (hw.rateCodeMax > 0)
        return quant::SignalQuant::fromRangeCodes(range, hw.rateCodeMax, isSigned);
    return quant::SignalQuant::fromRange(range, bits, isSigned);
}

void hardwareRows(const LayerShape& shape, Neuron neuron, const FakeQuant& output, const float* xq,
                  std::span<const int64_t> samples, const Matrix& w, const Vector& b, Matrix& columns, Matrix& y)
{
    shape.gatherPatches(xq, samples, columns);
    shape.forward(columns, w, b, y);
    applyNeuron(neuron, y.data(), y.size());
    output.apply(y.data(), y.size());
}

void hardwareOutput(const HardwareLayer& layer, const float* xq, int64_t n, float* y)
{
    const LayerShape& s = layer.shape;
    const FakeQuant out(layer.output);
    const int64_t sampleOut = s.rowsPerSample * s.outputs;
    const int64_t size = blockSamples(s);
    const int64_t blocks = (n + size - 1) / size;
    inHalves(macsPerSample(s) * static_cast<double>(n), [&](int half) {
        std::vector<int64_t> samples;
        Matrix columns;
        Matrix rows;
        for (int64_t block = half; block < blocks; block += 2) {
            const int64_t begin = block * size;
            samples.resize(static_cast<size_t>(std::min(size, n - begin)));
            std::iota(samples.begin(), samples.end(), begin);
            hardwareRows(s, layer.neuron, out, xq, samples, layer.weight, layer.bias, columns, rows);
            for (size_t i = 0; i < samples.size(); ++i)
                s.rowsToNodeLayout(rows.data() + static_cast<int64_t>(i) * sampleOut, y + samples[i] * sampleOut);
        }
    });
}

exec::NodeKernel hardwareKernel(std::shared_ptr<const HardwareLayer> layer)
{
    return [layer = std::move(layer)](const ir::Node& node, const std::vector<const ir::Tensor*>& inputs,
                                      std::vector<ir::Tensor>& outputs) -> Expected<void> {
        const LayerShape& s = layer->shape;
        const ir::Tensor* x = inputs.empty() ? nullptr : inputs[0];
        if (x == nullptr || x->dtype != ir::DataType::Float32 || x->rank() < 1 || outputs.empty()
            || x->size() != x->shape[0] * s.sampleSize || outputs[0].size() != x->shape[0] * s.rowsPerSample * s.outputs)
            return makeError(Errc::Internal, "the hardware kernel of '" + node.name + "' got shapes it was not built for");
        std::vector<float> xq = x->f;
        FakeQuant(layer->input).apply(xq.data(), static_cast<Eigen::Index>(xq.size()));
        ir::Tensor& y = outputs[0];
        y.dtype = ir::DataType::Float32;
        y.f.resize(static_cast<size_t>(y.size()));
        hardwareOutput(*layer, xq.data(), x->shape[0], y.data());
        return {};
    };
}

} // namespace nnb::tune::detail
