// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The desktop app's sweep as plain code (no Qt objects): the form's setup and the edited profile
// and strategy become a sweep plan (validated on the GUI thread: it is pure and fast), which a
// worker runs through the core's sweep engine, streaming points. Kept out of moc's sight (it
// includes core headers).

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <QStringList>

#include "compile_job.h"
#include "nnb/sweep/sweep.h"
#include "nnb/widgets/sweep_setup.h"

namespace nnb::app {

/// Everything a sweep needs: values only, safe to hand to a worker thread.
struct SweepRequest {
    std::filesystem::path modelPath;
    hw::Profile profile;          ///< the base every point overrides
    strategy::Strategy strategy;  ///< likewise (tuning is off in the app's sweeps)
    widgets::SweepSetup setup;
    std::filesystem::path testDirectory;
    CompileData data;             ///< already loaded images (may be empty)
    int threads = 0;              ///< points at once (0: hardware concurrency)
};

/// A sweep about to run: the spec handed to the engine, its grid and the base configuration as
/// YAML (to rebuild any point's profile and strategy later). Immutable once made.
struct SweepPlan {
    widgets::SweepSetup setup;
    sweep::SweepSpec spec;
    std::vector<sweep::GridPoint> grid;
    std::string profileYaml;
    std::string strategyYaml;
    QStringList parameterNames;
    std::string modelName;   ///< file name, for captions
    std::string profileName; ///< profile id
};

/// \returns the plan of \p request, or InvalidArgument naming the parameter whose keys or values
/// are missing or malformed ("Parameter 2 (ADC bits): '10..4' is empty: write lo..hi ...").
[[nodiscard]] Expected<std::shared_ptr<const SweepPlan>> planSweep(const SweepRequest& request);

/// A sweep's results so far, with its plan: what the window shows, exports and saves.
struct SweepRecord {
    std::shared_ptr<const SweepPlan> plan;
    std::vector<std::shared_ptr<const sweep::PointResult>> points; ///< grid order
    double floatAccuracyPercent = 0;
    int64_t testImages = 0;
    double seconds = 0;
    int threads = 0;
    bool complete = false;
    CompileData data; ///< the images used (the controller keeps them for the next sweep); not saved

    /// The points as the engine's result type (for CSV export).
    sweep::SweepResult result() const;
    /// The plan's parameters by name and keys (values are not needed for export).
    std::vector<sweep::Parameter> parameters() const;
};

/// Called from the worker for every finished point (serialised, in completion order).
using SweepPointSink = std::function<void(std::shared_ptr<const sweep::PointResult>)>;

/// Loads images if needed, prepares the sweep once and runs every point of \p plan on
/// request.threads threads, handing each point to \p sink as it finishes. Progress names the
/// point; a cancel returns Errc::Cancelled. \returns the complete record.
[[nodiscard]] Expected<std::shared_ptr<const SweepRecord>> runSweepJob(std::shared_ptr<const SweepPlan> plan,
                                                                      const SweepRequest& request,
                                                                      const SweepPointSink& sink,
                                                                      const RunContext& ctx = {});

} // namespace nnb::app
