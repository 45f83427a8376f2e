// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Private to core/src/tune/: the trainable layers of a graph and the matrix arithmetic that
// trains them.
//
// Every layer is computed in one "row layout": a sample contributes rowsPerSample rows (1 for a
// dense layer, one per output pixel for a convolution) of patchWidth() inputs, and the layer is
// Z [rows, M] = patches [rows, groups·K] · blockdiag(W_g)ᵀ + b, with W [M, K] holding one row
// per output neuron (group g owns rows [g·M/groups, (g+1)·M/groups) and patch columns
// [g·K, (g+1)·K)). Conv weights [M, C/group, kh, kw] are that matrix as stored; dense weights are
// transposed into it. One code path then serves Gemm, MatMul and grouped, strided, padded and
// dilated convolutions. The patches are held transposed, as "columns" [groups·K, rows]: the
// im2col layout, built from contiguous runs of the input.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "nnb/ir/graph.h"
#include "nnb/ir/shape_inference.h"
#include "nnb/quant/weight_quantizer.h"
#include "nnb/support/expected.h"

namespace nnb::tune::detail {

using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Vector = Eigen::VectorXf;

/// The hardware neuron function applied to z.
enum class Neuron { Identity, Relu, Ramp };

/// Geometry of one layer in the row layout, and its forward and backward products.
struct LayerShape {
    bool conv = false;
    int64_t outputs = 0;       ///< M, output neurons (conv: filters)
    int64_t groups = 1;
    int64_t groupInputs = 0;   ///< K, inputs of one neuron (conv: C/group·kh·kw)
    int64_t rowsPerSample = 1; ///< conv: outH·outW
    int64_t sampleSize = 0;    ///< floats of one input sample (dense: K, conv: C·H·W)
    int64_t channels = 0;      ///< conv: C
    ir::WindowGeometry window; ///< conv only

    int64_t patchWidth() const { return groups * groupInputs; }
    int64_t groupOutputs() const { return outputs / groups; }

    /// Fills \p columns [patchWidth(), samples.size()·rowsPerSample] with the transposed patch
    /// rows of the given samples of \p x (sample-major, sampleSize floats each): the samples
    /// themselves for a dense layer, the im2col of each image for a convolution (row = (channel,
    /// ki, kj), column = output pixel, zero in the padding).
    void gatherPatches(const float* x, std::span<const int64_t> samples, Matrix& columns) const;
    /// \p z = \p columnsᵀ · blockdiag(\p w)ᵀ + \p b, resized as needed.
    void forward(const Matrix& columns, const Matrix& w, const Vector& b, Matrix& z) const;
    /// \p dw = dL/dW for \p dz = dL/dZ of forward(\p columns, ...).
    void weightGradient(const Matrix& columns, const Matrix& dz, Matrix& dw) const;
    /// \p dcolumns = (\p dz · blockdiag(\p w))ᵀ: the gradient of forward() with respect to its columns.
    void patchGradient(const Matrix& dz, const Matrix& w, Matrix& dcolumns) const;
    /// Adds \p dcolumns, the gradient of the columns gatherPatches() made of samples
    /// 0..\p count − 1, onto the gradient of those samples' inputs at \p dx (the adjoint of
    /// gatherPatches: col2im for a convolution).
    void scatterPatches(const Matrix& dcolumns, int64_t count, float* dx) const;
    /// Converts one sample's output rows [rowsPerSample, M] (row layout) into the node's output
    /// layout ([M] dense, [M, outH, outW] conv) at \p out, and back.
    void rowsToNodeLayout(const float* rows, float* out) const;
    void nodeLayoutToRows(const float* in, float* rows) const;
};

/// A trainable layer found in a graph: where it sits and its initial parameters.
struct TrainableLayer {
    std::string name;                  ///< the node's name
    ir::NodeId node = ir::kNoNode;     ///< the Gemm, MatMul or Conv
    ir::NodeId fusedRelu = ir::kNoNode;
    ir::ValueId input = ir::kNoValue;  ///< x
    ir::ValueId output = ir::kNoValue; ///< the value the layer reproduces: the Relu's output when fused
    ir::ValueId weightValue = ir::kNoValue;
    ir::ValueId biasValue = ir::kNoValue; ///< kNoValue when the layer has no (effective) bias
    LayerShape shape;
    bool transB = false; ///< Gemm: B is stored [M, K]
    float alpha = 1.0f;  ///< Gemm: folded into weight, divided out again when storing
    float beta = 1.0f;   ///< Gemm: folded into bias
    Matrix weight;       ///< [M, K], alpha included
    Vector bias;         ///< [M], beta included; zeros when there is no bias

    bool hasBias() const { return biasValue != ir::kNoValue; }
};

/// \returns the trainable layers of \p graph in topological order (see tuner.h for what is
/// trainable); UnsupportedOp when a BatchNormalization reads a trainable layer's result.
[[nodiscard]] Expected<std::vector<TrainableLayer>> findTrainableLayers(const ir::Graph& graph);

/// \returns \p w [M, K] dequantised by quantizeWeights() in the layout the hardware stores it
/// (see tuner.h), i.e. what the layer multiplies with on the chip.
[[nodiscard]] Expected<Matrix> quantizedWeights(const LayerShape& shape, const Matrix& w,
                                                const quant::WeightQuantOptions& options);
/// As quantizedWeights(), but \returns the QuantizedWeights themselves (codes, codebooks),
/// whose element order is the hardware layout.
[[nodiscard]] Expected<quant::QuantizedWeights> quantizeLayerWeights(const LayerShape& shape, const Matrix& w,
                                                                     const quant::WeightQuantOptions& options);
/// \returns the dequantised values of \p q as an [M, K] matrix.
Matrix dequantizedMatrix(const LayerShape& shape, const quant::QuantizedWeights& q);

/// Replaces the weight (and bias) constants of \p layer in \p graph by \p w and \p b, in the
/// node's own layout (transB, alpha and beta undone).
void storeParameters(ir::Graph& graph, const TrainableLayer& layer, const Matrix& w, const Vector& b);

} // namespace nnb::tune::detail
