// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Private to core/src/tune/: the optional end-to-end pass after the layer-wise phases: all
// trainable layers jointly, softmax cross-entropy of the quantised network's logits on labels,
// with every quantiser in the forward pass and straight-through estimators in the backward pass.

#include <cstdint>
#include <memory>
#include <random>
#include <vector>

#include "nnb/tune/tuner.h"
#include "tune/hardware_layer.h"
#include "tune/progress_meter.h"
#include "tune/trainable_layer.h"

namespace nnb::tune::detail {

/// One trainable layer in the end-to-end pass: its hardware semantics and shadow weights.
struct JointLayer {
    const TrainableLayer* layer = nullptr;
    Neuron neuron = Neuron::Identity;
    quant::SignalQuant input;
    quant::SignalQuant output;
    Matrix weight; ///< float shadow weights, tuned in place
    Vector bias;
};

/// The part of the graph between the trainable layers and the logits, and how to train it.
///
/// The logits are the graph's first output, or the input of the Softmax producing it. Nodes
/// that lie between a trainable layer and the logits run in float with their exact gradient;
/// supported are Relu, MaxPool, AveragePool, GlobalAveragePool, Add of two equal shapes,
/// Flatten, Reshape, Identity and Dropout that keep the batch dimension. Values the trained part
/// reads but does not compute (the "frontier": the first layer's input, say) are computed once
/// by the caller.
class EndToEndTuner {
public:
    /// \returns a tuner for \p layers of \p graph, or UnsupportedOp naming the first node the
    /// pass cannot train through.
    [[nodiscard]] static Expected<std::unique_ptr<EndToEndTuner>> create(const ir::Graph& graph,
                                                                          std::vector<JointLayer> layers);
    ~EndToEndTuner();

    /// The values the caller computes on all images, in the order run() takes them.
    const std::vector<ir::ValueId>& frontier() const;
    /// \returns the work units (see ProgressMeter) of run().
    double units(int64_t samples, const TuneOptions& options) const;

    /// Runs options.endToEndEpochs of Adam on all layers and keeps the epoch (or the start) with
    /// the lowest cross-entropy on all samples. \p frontierValues hold frontier() on the
    /// calibration images, \p labels one class per image. \returns Cancelled or the error of a
    /// weight quantisation; InvalidArgument when a label is not a class of the logits.
    [[nodiscard]] Expected<EndToEndReport> run(const std::vector<ir::Tensor>& frontierValues,
                                               const std::vector<uint8_t>& labels, const HardwareQuant& hw,
                                               const TuneOptions& options, std::mt19937_64& rng, ProgressMeter& meter);

    /// The layers: set their quantisers and starting weights before run(), read the tuned
    /// shadow weights after it.
    std::vector<JointLayer>& layers();

    /// The analysed graph and the layers; defined in end_to_end.cpp.
    struct Plan;

private:
    explicit EndToEndTuner(std::unique_ptr<Plan> plan);
    /// Multiply-accumulates of one sample through the trained layers.
    double stepMacs() const;
    std::unique_ptr<Plan> m_plan;
};

} // namespace nnb::tune::detail
