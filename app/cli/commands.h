// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "nnb/support/expected.h"
#include "resource_paths.h"

namespace nnb::cli {

struct InfoOptions {
    std::filesystem::path model;
    bool printIr = false;
};

struct EvalOptions {
    std::filesystem::path model;
    std::string data = "fashion-mnist"; ///< "fashion-mnist", "sample" or a directory of IDX files
    int64_t limit = 0;
    int64_t batch = 256;
    int threads = 0;
    std::filesystem::path reportPath;   ///< optional JSON report
};

struct CompileCommandOptions {
    std::filesystem::path model;
    std::string profile = app::kDefaultProfileId; ///< a profile id (profiles/<id>.yaml) or a file path
    std::filesystem::path strategy;    ///< optional strategy file; built-in defaults otherwise
    std::filesystem::path reportPath;  ///< optional JSON report
    std::string data = "sample";       ///< calibration and equivalence data (as for eval)
    int calibrationImages = -1;        ///< overrides the strategy's count when >= 0
    int equivalenceImages = 256;       ///< images for the float equivalence check; 0 skips it
    std::vector<std::string> dumpAfter;
    std::string stopAfter;
    bool verifyEach = false;
    bool printIr = false;
    std::vector<std::string> profileOverrides;  ///< --set section.key=value
    std::vector<std::string> strategyOverrides; ///< --strategy-set section.key=value
    std::string evalData;      ///< --eval: measure accuracy stage by stage on this labelled set
    int64_t evalImages = 0;    ///< test images for --eval (0: all)
    int monteCarloRuns = 0;    ///< --mc: device-variation runs
    bool tune = false;         ///< --tune: layer-wise fine-tuning before quantisation
    int threads = 0;
    bool snn = false;          ///< --snn: the spiking path (conversion, simulation, clusters, throughput)
    int snnTicks = 0;          ///< --ticks: ticks per inference of --snn (0: the profile's)
};

struct MapCommandOptions {
    std::filesystem::path model;
    std::string profile = app::kDefaultProfileId; ///< a profile id (profiles/<id>.yaml) or a file path
    std::string placer = "anneal";                ///< sequential, greedy or anneal
    uint64_t seed = 1;
    int64_t annealMoves = 0;                      ///< 0: automatic
    double timeLimitSeconds = 10.0;
    std::filesystem::path reportPath;             ///< optional JSON report
    std::vector<std::string> profileOverrides;    ///< --set section.key=value
};

struct SweepCommandOptions {
    std::filesystem::path spec;  ///< sweep spec (YAML); a shipped spec's name also works; empty: the shipped example
    std::filesystem::path out;   ///< CSV results (written atomically); empty: none
    int threads = 0;             ///< points evaluated at once (0: all cores)
    int64_t images = -1;         ///< test images per point; overrides the spec's when >= 0 (0: all)
    std::string data;            ///< test data set; overrides the spec's when set
    bool list = false;           ///< only print the grid's points (nothing is run)
};

struct AnalyzeOptions {
    std::filesystem::path graph; ///< SDF3 XML file (type="sdf")
    bool json = false;           ///< print the results as JSON on stdout
    bool simulate = false;       ///< also run the self-timed simulation (strongly connected graphs)
};

/// `nnbridge analyze`: consistency, repetition vector, deadlock and exact throughput of an SDF3 graph.
[[nodiscard]] Expected<void> runAnalyze(const AnalyzeOptions& options);

/// `nnbridge sweep`: evaluate every point of a parameter grid; table, Pareto front, CSV.
[[nodiscard]] Expected<void> runSweepCommand(const SweepCommandOptions& options);

/// `nnbridge map`: place a compiled network on the profile's core mesh; routing, costs, schedule.
[[nodiscard]] Expected<void> runMap(const MapCommandOptions& options);

/// `nnbridge compile`: transform a network for a profile; per-layer resources and totals.
[[nodiscard]] Expected<void> runCompile(const CompileCommandOptions& options);
/// `nnbridge passes`: list the registered passes and the default pipeline.
void runListPasses();
/// `nnbridge profiles`: list the shipped profiles.
[[nodiscard]] Expected<void> runListProfiles();

/// `nnbridge info`: layers, shapes, parameter counts and the op histogram.
[[nodiscard]] Expected<void> runInfo(const InfoOptions& options);
/// `nnbridge eval`: float top-1 accuracy and throughput on a labelled data set.
[[nodiscard]] Expected<void> runEval(const EvalOptions& options);
/// `nnbridge default`: the embedded default job (shipped network, data sample), headless.
[[nodiscard]] Expected<void> runDefault();

} // namespace nnb::cli
