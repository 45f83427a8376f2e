// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Parameter sweeps (tradeoff curves): one or more profile or strategy keys, each over a list or
// range of values; every point of their cartesian product is compiled, quantised, simulated bit
// accurately on labelled test images and costed with the mapping model, in parallel; the
// results stream out point by point and the Pareto front of any two metrics can be drawn.
//
// Use from a GUI thread pool or the CLI:
//   NNB_TRY(const SweepSpec spec, readSweepSpec(file, {profileDir}));
//   NNB_TRY(const auto prepared, prepareSweep(spec, test, calibration, ctx));   // once
//   NNB_TRY(const SweepResult r, runSweep(*prepared, {threads}, onPoint, ctx)); // may run again
//   const auto front = paretoFront(r.points, Metric::Crossbars, Metric::ErrorPercent);
// Nothing here holds global state; every result is an immutable value.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nnb/data/dataset.h"
#include "nnb/hw/profile.h"
#include "nnb/ir/graph.h"
#include "nnb/ir/tensor.h"
#include "nnb/map/placement.h"
#include "nnb/strategy/strategy.h"
#include "nnb/support/diagnostics.h"
#include "nnb/support/expected.h"
#include "nnb/support/run_context.h"

namespace nnb::sweep {

/// Whether a swept key belongs to the hardware profile or to the transformation strategy.
enum class Target { Profile, Strategy };

/// One swept parameter: the keys it sets (all to the same value, e.g. crossbar.rows and
/// crossbar.cols for a square crossbar size) and its values, as YAML scalars ("4", "ternary").
struct Parameter {
    std::string name;              ///< shown in tables and CSV headers; defaults to the first key
    std::vector<std::string> keys; ///< dotted keys of the profile ("weights.bits") or strategy ("quantization.weights")
    std::vector<std::string> values;
    int line = -1;                 ///< of the parameter in the spec file (1-based), for messages
};

/// What the runner measures of each point (all "lower is better" except accuracy).
enum class Metric {
    ErrorPercent,   ///< 100 − bit-accurate top-1 accuracy
    AccuracyDrop,   ///< float − bit-accurate accuracy, points
    Crossbars,      ///< physical arrays (tiles × slices × polarities)
    Tiles,          ///< core-ops, one per core
    EnergyPj,       ///< per inference, mapping cost model
    LatencyNs,      ///< per inference (critical path, not pipelined)
};
/// \returns "error_percent", "accuracy_drop", "crossbars", "tiles", "energy_pj" or "latency_ns".
const char* toString(Metric metric);
/// \returns the metric called \p name (as toString), or nullopt.
std::optional<Metric> parseMetric(std::string_view name);

/// Largest grid runSweep accepts unless the spec says otherwise (max_points).
inline constexpr int64_t kDefaultMaxPoints = 10000;

/// A sweep as read from a spec file (format in README.md, "Parameter sweeps"). A value type.
struct SweepSpec {
    std::string name;                       ///< defaults to the file's stem
    std::filesystem::path source;           ///< the spec file, for messages
    std::filesystem::path model;            ///< ONNX file (relative paths resolved against the spec's folder)
    std::string profile = "prime";          ///< as written: a shipped profile id or a file
    std::filesystem::path profilePath;      ///< resolved profile file
    std::filesystem::path strategyPath;     ///< optional strategy file (empty: built-in defaults)
    /// The base profile and strategy given in memory (the desktop app's edited ones): when set,
    /// profilePath or strategyPath is not read. The overrides below still apply on top.
    std::optional<hw::Profile> profileValue;
    std::optional<strategy::Strategy> strategyValue;
    std::vector<std::string> profileOverrides;  ///< "key=value", applied to every point first
    std::vector<std::string> strategyOverrides; ///< "key=value", applied to every point first
    std::vector<Parameter> parameters;      ///< at least one; the grid is their cartesian product
    std::string data = "sample";            ///< the labelled test set, resolved by the app ("sample", "fashion-mnist", a folder)
    int64_t testImages = 1000;              ///< first N test images evaluated per point (0: all)
    int calibrationImages = 256;            ///< calibration images (training split) for ranges and quantisers
    uint64_t seed = 1;                      ///< the strategy's seed for every point
    bool tune = false;                      ///< layer-wise fine-tuning per point (slow)
    mapping::Placer placer = mapping::Placer::Greedy; ///< placement for the cost model
    /// A network needing more cores than the profile has is infeasible (false), or is costed on
    /// the smallest square mesh that holds it with a warning (true).
    bool growMesh = false;
    int64_t maxPoints = kDefaultMaxPoints;  ///< a larger grid is refused as a probable typo
    Metric paretoX = Metric::Crossbars;     ///< the front marked in the CSV's pareto column
    Metric paretoY = Metric::ErrorPercent;
};

/// Where readSweepSpec looks for shipped profiles named by id (the core never locates files).
struct SpecReadOptions {
    std::filesystem::path profileDir;
};

/// Reads a sweep spec (YAML). Errors (InvalidProfile, or Io when unreadable) name the file, the
/// key and its line, and say what to write instead: "sweep.yaml: key parameters[1].range (line
/// 14): '8..2' is empty: write lo..hi with lo <= hi, e.g. '2..8', '2..8 step 2' or '64..256 x2'".
/// Unknown keys are refused. Swept keys are checked against the profile and strategy schema by
/// prepareSweep (which loads them).
[[nodiscard]] Expected<SweepSpec> readSweepSpec(const std::filesystem::path& path, const SpecReadOptions& options);
/// As readSweepSpec, from YAML text; \p source names it in messages and relative paths resolve
/// against its folder.
[[nodiscard]] Expected<SweepSpec> parseSweepSpec(std::string_view yaml, const std::filesystem::path& source,
                                                 const SpecReadOptions& options);

/// Expands a range "lo..hi" (step 1), "lo..hi step s" or "lo..hi x f" (geometric; also "*f"
/// and "×f") into values. Integers stay integers. \returns InvalidArgument for an empty or
/// malformed range (lo > hi, step <= 0, factor <= 1, a geometric range from lo <= 0) or one of
/// more than \p maxValues values, saying what to write instead.
[[nodiscard]] Expected<std::vector<std::string>> expandRange(std::string_view range, int64_t maxValues = kDefaultMaxPoints);

/// One point of the grid: a value index per parameter and the overrides they make.
struct GridPoint {
    int index = 0;                              ///< row-major over the parameters (the last varies fastest)
    std::vector<int> valueIndex;                ///< per parameter
    std::vector<std::string> values;            ///< per parameter, the value
    std::vector<std::string> profileOverrides;  ///< "key=value" of this point (after the spec's base ones)
    std::vector<std::string> strategyOverrides;
    std::string label;                          ///< "weight bits=4, crossbar=128"
};

/// \returns the target of a dotted key by its section ("crossbar.rows": Profile,
/// "quantization.weights": Strategy), or nullopt when the section belongs to neither.
std::optional<Target> targetOf(std::string_view key);

/// The cartesian product of \p spec's parameters. \returns InvalidArgument for no parameters, a
/// parameter without values, or more than spec.maxPoints points (naming the sizes).
[[nodiscard]] Expected<std::vector<GridPoint>> expandGrid(const SweepSpec& spec);


/// Wall-clock time of the stages of one point, milliseconds.
struct PointTimings {
    double compileMs = 0;
    double tuneMs = 0;
    double quantizeMs = 0;
    double simulateMs = 0;
    double mapMs = 0;
    double totalMs = 0;
};

/// The measured result of one grid point. Immutable once handed out.
struct PointResult {
    GridPoint point;
    /// False when the point cannot be built or run (an invalid key value, output bits the
    /// profile cannot hold, a network that does not fit the chip): diagnostics say why, and
    /// metrics that could still be measured are filled.
    bool feasible = false;
    std::optional<double> accuracyPercent;     ///< bit-accurate top-1 on the test images
    std::optional<double> accuracyDropPoints;  ///< float − bit-accurate
    double agreementPercent = 0;               ///< predictions equal to the float network's
    int64_t images = 0;
    int64_t crossbars = 0;
    int64_t lowerBoundCrossbars = 0;
    int64_t tiles = 0;                         ///< core-ops (one per core)
    double utilizationPercent = 0;
    int coresAvailable = 0;
    bool fitsChip = false;
    std::optional<double> energyPj;            ///< per inference
    std::optional<double> latencyNs;           ///< per inference, not pipelined
    std::optional<double> pipelinedThroughputPerS;
    double adcClippedFraction = 0;
    Diagnostics diagnostics;                   ///< warnings and errors of every stage, with the stage named in `where`
    PointTimings timings;

    /// \returns the value of \p metric, or nullopt when it was not measured.
    std::optional<double> metric(Metric metric) const;
    /// \returns the first Error diagnostic's message, or "" (the reason a point is infeasible).
    std::string reason() const;
};

/// Options of runSweep.
struct SweepOptions {
    int threads = 0; ///< points evaluated at once (0: hardware concurrency); results do not depend on it
};

/// The loaded, shared inputs of a sweep (model, profile and strategy text, test and calibration
/// images, float reference), built once by prepareSweep and read by every point. Immutable and
/// safe to share between threads and sweeps.
struct PreparedSweep {
    SweepSpec spec;
    std::vector<GridPoint> grid;
    std::shared_ptr<const ir::Graph> model;
    std::string modelSource;
    std::string profileYaml;   ///< the base profile with the spec's overrides, as YAML
    std::string strategyYaml;  ///< the base strategy with the spec's settings and overrides
    hw::Profile baseProfile;
    strategy::Strategy baseStrategy;
    std::shared_ptr<const data::Dataset> test;
    std::shared_ptr<const data::Dataset> calibrationSet; ///< training images for calibration and tuning
    ir::Tensor calibration;    ///< the first spec.calibrationImages of calibrationSet, as a batch
    int64_t testImages = 0;    ///< evaluated per point
    double floatAccuracyPercent = 0;
    std::vector<uint8_t> floatPredictions;
    double prepareSeconds = 0;
};

/// Loads what every point shares: imports spec.model, reads the profile and strategy once and
/// applies the spec's base overrides, checks every swept key and expands the grid, slices the
/// calibration images, and measures the float accuracy on the first spec.testImages of \p test.
/// \returns InvalidProfile naming the spec file, the parameter and its line for a key neither
/// the profile nor the strategy has; the model's or profile's own errors otherwise.
[[nodiscard]] Expected<std::shared_ptr<const PreparedSweep>> prepareSweep(const SweepSpec& spec, data::Dataset test,
                                                                          data::Dataset calibrationSet,
                                                                          const RunContext& ctx = {});
/// As above, sharing already loaded data sets instead of copying them (the training split is
/// large). Both must be non-null.
[[nodiscard]] Expected<std::shared_ptr<const PreparedSweep>> prepareSweep(const SweepSpec& spec,
                                                                          std::shared_ptr<const data::Dataset> test,
                                                                          std::shared_ptr<const data::Dataset> calibrationSet,
                                                                          const RunContext& ctx = {});

/// All points of a sweep, in grid order.
struct SweepResult {
    std::vector<PointResult> points;
    double floatAccuracyPercent = 0;
    int64_t testImages = 0;
    int threads = 0;
    double seconds = 0; ///< wall-clock of runSweep
};

/// Called once per finished point, in completion order, from a worker thread; calls are
/// serialised by the runner (never two at once), so the callback need not lock, but it must not
/// block for long (hand the shared_ptr to another thread).
using PointCallback = std::function<void(std::shared_ptr<const PointResult>)>;

/// Evaluates every grid point of \p prepared on options.threads std::threads: apply the point's
/// overrides → compile → (tune) → quantise → bit-accurate accuracy → tile graph, placement and
/// cost model. Each point runs single-threaded, so results are identical for any thread count
/// (timings aside). An infeasible point is a result, not an error. Progress (permille of points
/// done, stage "point k/n: label") and cancellation go through \p ctx; a cancel stops promptly
/// (within one stage of the running points) with Errc::Cancelled.
[[nodiscard]] Expected<SweepResult> runSweep(const PreparedSweep& prepared, const SweepOptions& options = {},
                                             const PointCallback& onPoint = {}, const RunContext& ctx = {});

/// The profile and strategy of one grid point: \p prepared's base ones with the point's
/// overrides applied. \returns the parse error of an invalid value (InvalidProfile).
struct PointConfiguration {
    hw::Profile profile;
    strategy::Strategy strategy;
};
[[nodiscard]] Expected<PointConfiguration> configurationOf(const PreparedSweep& prepared, const GridPoint& point);
/// As above, from the base profile and strategy as YAML (PreparedSweep::profileYaml and
/// strategyYaml, kept for example in a saved session).
[[nodiscard]] Expected<PointConfiguration> configurationOf(std::string_view profileYaml, std::string_view strategyYaml,
                                                           const GridPoint& point);

/// Evaluates one grid point of \p prepared on the calling thread (what runSweep runs per point).
[[nodiscard]] Expected<PointResult> runPoint(const PreparedSweep& prepared, const GridPoint& point,
                                             const RunContext& ctx = {});

/// The Pareto front of \p points for minimising both \p x and \p y: indices (into \p points) of
/// every feasible point with both metrics measured that no other such point dominates (another
/// point dominates p when it is no worse in both metrics and better in at least one). Points
/// with equal (x, y) do not dominate each other, so all of them are on the front. \returns the
/// indices ordered by x ascending, then y ascending, then index.
std::vector<size_t> paretoFront(const std::vector<PointResult>& points, Metric x, Metric y);

/// \returns \p result as CSV (RFC 4180, '\n' line ends): a header row, then one row per point in
/// grid order: index, label, one column per parameter (its name), feasible, accuracy_percent,
/// accuracy_drop_points, agreement_percent, images, crossbars, lower_bound_crossbars, tiles,
/// utilization_percent, cores_available, fits_chip, energy_pj, latency_ns,
/// pipelined_throughput_per_s, adc_clipped_fraction, pareto (1 when on the front of \p x, \p y),
/// compile_ms, tune_ms, quantize_ms, simulate_ms, map_ms, total_ms, diagnostic. Unmeasured
/// metrics are empty cells.
std::string toCsv(const SweepResult& result, const std::vector<Parameter>& parameters, Metric x = Metric::Crossbars,
                  Metric y = Metric::ErrorPercent);

} // namespace nnb::sweep
