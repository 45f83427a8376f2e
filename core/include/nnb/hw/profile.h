// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <algorithm>
#include <string>
#include <vector>

namespace nnb::hw {

/// How a signed integer weight is stored in crossbar cells.
enum class WeightEncoding {
    Integer,      ///< one cell (or digital SRAM word) holds the whole signed weight (TianJi)
    BitSliced,    ///< weight bits are split over cells of cellBits each, one array per slice (PRIME, ISAAC)
    ValueSet,     ///< per neuron, one signed weight per axon type; inputs pick the type (TrueNorth)
};

/// The hardware neuron function every core-op ends in.
enum class NeuronModel {
    Relu, ///< saturating ReLU, rounded to outputBits
    Lif,  ///< leaky integrate-and-fire: V += W·x + L, spike when V >= T
    If,   ///< integrate-and-fire without leak
};

/// What an integrate-and-fire neuron does to its potential after a spike.
enum class ResetMode { Zero, Subtract };

/// Crossbar (core) geometry: the largest W of one core-op is rows inputs × cols outputs.
struct CrossbarSpec {
    int rows = 128;
    int cols = 128;
};

/// Weight storage.
struct WeightSpec {
    int bits = 8;              ///< bits of a weight value (magnitude + sign when signed)
    bool isSigned = true;
    WeightEncoding encoding = WeightEncoding::Integer;
    int cellBits = 8;          ///< BitSliced: bits per cell; slices = ceil(magnitude bits / cellBits)
    bool differential = false; ///< signed weights as a positive and a negative column (doubles arrays)
    int axonTypes = 0;         ///< ValueSet: axon types per core (TrueNorth: 4)
};

/// Signal precision and conversion at the crossbar boundary.
struct SignalSpec {
    int inputBits = 8;
    bool inputSigned = false;
    int outputBits = 8;
    int dacBits = 8; ///< bits fed per input step; dacBits < inputBits means bit-serial input
    int adcBits = 0; ///< 0: no ADC (digital or spiking core)
};

/// The neuron function.
struct NeuronSpec {
    NeuronModel model = NeuronModel::Relu;
    int outputBits = 8;     ///< Relu: saturating output precision
    int leakBits = 0;       ///< Lif: signed leak width
    int thresholdBits = 0;  ///< Lif/If: threshold width
    ResetMode reset = ResetMode::Subtract;
    int ticksPerInference = 1; ///< spiking: time steps of the rate-coding window
};

/// Chip organisation: number of cores and their mesh.
struct ChipSpec {
    int cores = 64;
    int meshWidth = 8;
    int meshHeight = 8;
};

/// Network-on-chip costs.
struct NocSpec {
    double hopLatencyNs = 1.0;
    double hopEnergyPj = 1.0;
    double linkBandwidthGbitPerS = 32.0;
};

/// Per-operation latency (ns) and energy (pJ).
struct OperationCosts {
    double crossbarMvmLatencyNs = 100.0;
    double crossbarMvmEnergyPj = 10.0;
    double adcConversionLatencyNs = 1.0;
    double adcConversionEnergyPj = 2.0;
    double dacConversionLatencyNs = 1.0;
    double dacConversionEnergyPj = 0.5;
    double spikeLatencyNs = 1.0;
    double spikeEnergyPj = 0.1;
    double digitalOpLatencyNs = 1.0;
    double digitalOpEnergyPj = 0.1;
};

/// Device non-idealities for Monte Carlo simulation.
struct DeviceSpec {
    double conductanceVariationSigma = 0.0; ///< relative sigma of each cell's conductance
    double stuckAtZeroRate = 0.0;           ///< fraction of cells stuck at the lowest level
    double stuckAtMaxRate = 0.0;            ///< fraction of cells stuck at the highest level
};

/// One piece of hardware: every limit and cost the compiler and simulator respect. A value type;
/// profiles are read from YAML files by loadProfile (profile_io.h).
struct Profile {
    int schemaVersion = 1;
    std::string id;          ///< short identifier, the file's stem ("tianji")
    std::string name;
    std::string description;
    std::vector<std::string> illustrative; ///< keys (or key prefixes) whose values are not published figures

    CrossbarSpec crossbar;
    WeightSpec weights;
    SignalSpec io; ///< (not "signals": that is a Qt keyword macro)
    NeuronSpec neuron;
    bool digitalPartialSums = true; ///< row-split partial sums add exactly (else through a merge neuron)
    ChipSpec chip;
    NocSpec noc;
    OperationCosts costs;
    DeviceSpec device;

    /// \returns true when the neuron is integrate-and-fire (spiking cores).
    bool isSpiking() const { return neuron.model != NeuronModel::Relu; }
    /// \returns arrays needed per crossbar-sized weight block: bit slices × (2 if differential).
    int arraysPerWeightBlock() const;

    /// Signals between crossbars of a spiking profile are spike counts over
    /// neuron.ticks_per_inference ticks (rate coding, the rate model Y = clamp((W·X + L)/T, 0, 1)):
    /// codes 0..T in steps of 1/T, whatever the per-tick width of signals.input_bits.
    /// \returns T for a spiking profile, 0 otherwise.
    int rateCodeMax() const { return isSpiking() ? std::max(1, neuron.ticksPerInference) : 0; }
    /// \returns the bits of a crossbar's input codes: signals.input_bits, or for a spiking profile
    /// the bits of the spike counts 0..T (fed to the integer simulator one tick-bit at a time).
    int inputCodeBits() const;
};

const char* toString(WeightEncoding encoding);
const char* toString(NeuronModel model);
const char* toString(ResetMode mode);

} // namespace nnb::hw
