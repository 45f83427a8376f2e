// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <cstdint>
#include <string>

#include "nnb/quant/calibrate.h"
#include "nnb/quant/weight_quantizer.h"

namespace nnb::strategy {

/// What to do with a function the hardware neuron cannot compute (sigmoid, tanh, leaky ReLU,
/// clip, ...).
enum class FunctionPolicy {
    MlpApproximator, ///< replace it by a small MLP of the hardware's own neurons (ASPLOS'18 §graph reform)
    Host,            ///< run it off-chip on the host (reported as an off-chip op)
};

/// How pooling layers are realised.
enum class PoolingPolicy {
    CoreOps, ///< average pooling as a linear core-op, max pooling as an exact ReLU max-tree
    Host,    ///< run pooling off-chip
};

/// How a weight matrix larger than one crossbar is split.
enum class SplitPolicy {
    ExactPartialSums, ///< digital accumulation of row-split partial sums (exact; needs the hardware to support it)
    MergeLayer,       ///< partial core-ops feed an extra merge core-op through the hardware neuron
    BlockDiagonal,    ///< NEUTRAMS: permute and prune to block-diagonal crossbar-sized blocks (needs retraining)
    Auto,             ///< ExactPartialSums when the profile accumulates digitally, else MergeLayer
};

/// How the ADC step of each crossbar is chosen.
enum class AdcRangePolicy {
    Calibrated, ///< per array, from the largest read the calibration images produce
    Weights,    ///< per array, from the largest read the programmed weights allow
    FullScale,  ///< one step from the crossbar's worst case (rows × max input digit × max cell level)
};

/// How the end-to-end tuning pass changes its learning rate over its steps.
enum class LearningRateSchedule {
    Constant, ///< tuning.learning_rate throughout
    Cosine,   ///< from tuning.learning_rate down to 0 along half a cosine over all steps
};

/// Which weights share one scale (or codebook).
enum class WeightGranularity {
    PerTensor,        ///< one per layer: every crossbar tile of the layer shares it
    PerOutputChannel, ///< one per output neuron (column), across the tiles that split its inputs
    PerCrossbar,      ///< one per crossbar tile; tiles that split one neuron's inputs (row splits,
                      ///< whose partial sums add digitally) share theirs, so sums stay integers
};

/// How weights and signals are quantised (the hardware's bits come from the profile).
struct QuantizationStrategy {
    quant::WeightScheme weights = quant::WeightScheme::Uniform; ///< value-set profiles always use ValueSet
    int weightBits = 0; ///< 0: the profile's weight bits
    WeightGranularity granularity = WeightGranularity::PerOutputChannel;
    int levels = 16; ///< k-means codebook size
    quant::RangeMethod signalRange = quant::RangeMethod::Percentile;
    double percentile = 99.99;
    AdcRangePolicy adcRange = AdcRangePolicy::Calibrated;
    /// Scale-mode ADC steps (adc_range calibrated or weights): one per array, input cycle and
    /// column (true; assumes a per-column ADC reference, beyond the PRIME paper) or one per
    /// array and input cycle (false).
    bool adcStepPerColumn = true;
    double adcPercentile = 99.9; ///< calibrated ADC: percentile of the reads each array's range covers (rare larger reads clip)
    /// Data re-encoding of the network's outputs (the logits read off the chip): each output
    /// value is carried by this many neurons whose biases are offset by fractions of one code
    /// step, which the host sums into expansion·(2^bits − 1) levels. 1: off.
    int outputExpansion = 1;
};

/// Layer-wise fine-tuning (ASPLOS'18 §fine-tuning), run when enabled or asked for (--tune).
struct TuningStrategy {
    bool enabled = false;
    int epochs = 4;        ///< per phase and layer
    int batchSize = 64;
    double learningRate = 1e-3;
    int images = 2048;     ///< training images used
    bool endToEnd = true;  ///< then a joint pass on the labels (cross-entropy, quantisers in the loop)
    int endToEndEpochs = 1;
    /// Annealing the step size lets the straight-through weights settle on codes instead of
    /// flipping between them (ternary LeNet, 4 end-to-end epochs: -2.44 points instead of -3.95).
    LearningRateSchedule endToEndSchedule = LearningRateSchedule::Cosine;
};

/// The user's choices of how to transform a network for a profile. Kept apart from the
/// hardware profile (what the chip can do) as Timeloop keeps mapper options apart from the
/// architecture. Read from YAML by loadStrategy (strategy_io.h); every field has a default.
struct Strategy {
    std::string name = "default";

    FunctionPolicy functions = FunctionPolicy::MlpApproximator;
    int approximatorWidth = 16;        ///< hidden neurons per approximated scalar function
    int approximatorIterations = 300;  ///< training budget of each approximator fit
    double approximatorRangeMargin = 0.1; ///< widen the calibrated input range by this fraction per side

    PoolingPolicy pooling = PoolingPolicy::CoreOps;
    SplitPolicy split = SplitPolicy::Auto;

    int calibrationImages = 256; ///< images used to calibrate ranges (approximators, quantisation)
    QuantizationStrategy quantization;
    TuningStrategy tuning;
    uint64_t seed = 1;
};

const char* toString(FunctionPolicy policy);
const char* toString(PoolingPolicy policy);
const char* toString(SplitPolicy policy);
const char* toString(AdcRangePolicy policy);
const char* toString(WeightGranularity granularity);

} // namespace nnb::strategy
