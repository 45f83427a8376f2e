// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The desktop app's whole compile job as one plain function (no Qt objects, no GUI): compile,
// map onto the core mesh, quantise and simulate bit-accurately on a few test images, and the
// per-layer weight data the views draw. CompileController runs it on a worker thread; the result
// is an immutable snapshot. This header is kept out of moc's sight (it includes core headers).

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <QString>

#include "nnb/assess.h"
#include "nnb/compile.h"
#include "nnb/data/dataset.h"
#include "nnb/hw/profile.h"
#include "nnb/map/mapping.h"
#include "nnb/onnx/import.h"
#include "nnb/strategy/strategy.h"
#include "nnb/support/expected.h"
#include "nnb/support/run_context.h"
#include "nnb/widgets/cluster_map_data.h"
#include "nnb/widgets/resource_summary.h"
#include "nnb/widgets/weight_data.h"

namespace nnb::app {

/// Where the compile job's images come from. Loaded by the first job and then shared.
struct CompileData {
    std::shared_ptr<const data::Dataset> test;        ///< labelled test images the accuracy is measured on
    std::shared_ptr<const data::Dataset> calibration; ///< images that set the quantisers (training split if installed)
    std::string calibrationNote;                      ///< which images those are, for the UI
};

/// Everything one compile needs: snapshots and values only, safe to hand to a worker thread.
struct CompileRequest {
    std::shared_ptr<const onnx::ImportedModel> model;
    hw::Profile profile;
    strategy::Strategy strategy;
    /// The test images: a directory of t10k-*-ubyte[.gz] files (the shipped sample by default).
    std::filesystem::path testDirectory;
    /// Test images evaluated per stage (the first N); small so that a compile takes seconds.
    int64_t testImages = 1000;
    /// Test images the per-layer errors are measured on.
    int64_t layerImages = 128;
    /// Already loaded images (may be empty: the job loads them).
    CompileData data;
    /// Whether to run the accuracy assessment (quantisation and bit-accurate simulation).
    bool assess = true;
};

/// One finished compile: an immutable snapshot handed from the worker to the GUI.
struct CompileSnapshot {
    std::shared_ptr<const onnx::ImportedModel> model;
    std::shared_ptr<const CompileResult> compiled;
    /// The mapping onto the profile's mesh; feasible == false when the network does not fit.
    /// Null only when mapping itself failed (see mappingError).
    std::shared_ptr<const mapping::MappingResult> mapping;
    std::string mappingError;
    /// Null when the assessment was not requested or failed (see assessmentError).
    std::shared_ptr<const Assessment> assessment;
    std::string assessmentError;
    CompileData data;         ///< the images used (for the controller's cache)
    int64_t testImages = 0;   ///< test images each stage ran on
    /// Per original Gemm/Conv layer: its float weights and their quantised values.
    std::vector<std::shared_ptr<const widgets::WeightHistogramData>> histograms;
    /// Per tile (index as in mapping->tiles.tiles): the crossbar's weight matrix.
    std::vector<std::shared_ptr<const widgets::WeightMatrix>> tileMatrices;
    /// Spiking profiles: the neuron-level clustering onto crossbars (LCTES'20).
    std::optional<widgets::SpikingClusters> spikingClusters;
    /// Spiking profiles: the clusters on the mesh, their spike traffic and the guaranteed
    /// throughput, for the cluster view (its error set when clustering failed).
    std::shared_ptr<const widgets::ClusterMapData> clusterMap;
    double compileSeconds = 0, mappingSeconds = 0, assessSeconds = 0, totalSeconds = 0;
    double clusterSeconds = 0; ///< spiking clusters: spike estimate, partition, placement and dataflow analysis

    /// \returns the histogram data of layer \p layer, or nullptr.
    std::shared_ptr<const widgets::WeightHistogramData> histogram(const std::string& layer) const;
};

/// Runs \p request: load images if needed, compile, map, assess, extract weight data. Progress
/// (0..1000) names the stage; a cancel returns Errc::Cancelled. Mapping and assessment problems
/// are recorded in the snapshot (and shown as problems), not returned as errors: the compile
/// itself is the result.
[[nodiscard]] Expected<std::shared_ptr<const CompileSnapshot>> runCompileJob(const CompileRequest& request,
                                                                              const RunContext& ctx = {});

/// Fills what \p cached lacks: the test images from \p testDirectory and the calibration images
/// (the Fashion-MNIST training split when installed, else the test images). Shared by the
/// compile and sweep jobs.
[[nodiscard]] Expected<CompileData> loadImages(const CompileData& cached, const std::filesystem::path& testDirectory,
                                               const RunContext& ctx = {});

/// \returns a RunContext that forwards \p outer's cancel and maps progress 0..1000 onto
/// [\p from, \p to] of \p outer, prefixing stage texts with \p prefix.
RunContext subContext(const RunContext& outer, int from, int to, std::string prefix);

} // namespace nnb::app
