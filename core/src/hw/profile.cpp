// SPDX-License-Identifier: GPL-3.0-or-later
#include "nnb/hw/profile.h"

#include <cstdint>

namespace nnb::hw {

int Profile::arraysPerWeightBlock() const
{
    int slices = 1;
    if (weights.encoding == WeightEncoding::BitSliced) {
        // Differential pairs store magnitudes, so the sign bit needs no cell.
        const int magnitudeBits = weights.isSigned && weights.differential ? weights.bits - 1 : weights.bits;
        slices = (magnitudeBits + weights.cellBits - 1) / weights.cellBits;
    }
    return slices * (weights.differential ? 2 : 1);
}

int Profile::inputCodeBits() const
{
    const int codes = rateCodeMax();
    if (codes == 0)
        return io.inputBits;
    int bits = 1;
    while ((int64_t{1} << bits) - 1 < codes)
        ++bits;
    return bits;
}

const char* toString(WeightEncoding encoding)
{
    switch (encoding) {
    case WeightEncoding::Integer: return "integer";
    case WeightEncoding::BitSliced: return "bit_sliced";
    case WeightEncoding::ValueSet: return "value_set";
    }
    return "?";
}

const char* toString(NeuronModel model)
{
    switch (model) {
    case NeuronModel::Relu: return "relu";
    case NeuronModel::Lif: return "lif";
    case NeuronModel::If: return "if";
    }
    return "?";
}

const char* toString(ResetMode mode)
{
    switch (mode) {
    case ResetMode::Zero: return "zero";
    case ResetMode::Subtract: return "subtract";
    }
    return "?";
}

} // namespace nnb::hw
