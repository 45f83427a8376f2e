// SPDX-License-Identifier: GPL-3.0-or-later
// nnbridge: headless driver of the compiler. Exit codes: 0 success, 1 a reported error (one
// line on stderr), 2 a usage error.
#include <cstdio>

#include <CLI/CLI.hpp>

#include "commands.h"
#include "resource_paths.h"

namespace {

int report(const nnb::Expected<void>& result)
{
    if (result)
        return 0;
    std::fprintf(stderr, "nnbridge: error: %s\n", result.error().toString().c_str());
    return 1;
}

} // namespace

int main(int argc, char** argv)
{
    CLI::App app{"nnbridge: compile trained neural networks onto neuromorphic and crossbar hardware"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "nnbridge 0.1.0");

    nnb::cli::InfoOptions info;
    auto* infoCmd = app.add_subcommand("info", "Show a model's layers, shapes, parameter counts and op histogram");
    infoCmd->add_option("model", info.model, "ONNX model file (default: the shipped LeNet)");
    infoCmd->add_flag("--ir", info.printIr, "Also print the imported IR graph");

    nnb::cli::EvalOptions eval;
    auto* evalCmd = app.add_subcommand("eval", "Float top-1 accuracy and throughput of a classifier");
    evalCmd->add_option("model", eval.model, "ONNX model file (default: the shipped LeNet)");
    evalCmd->add_option("--data", eval.data, "fashion-mnist (Debian package), sample (shipped 1,000 images) or a directory")
        ->capture_default_str();
    evalCmd->add_option("--limit", eval.limit, "Evaluate the first N images only")->check(CLI::NonNegativeNumber);
    evalCmd->add_option("--batch", eval.batch, "Batch size")->check(CLI::PositiveNumber)->capture_default_str();
    evalCmd->add_option("--threads", eval.threads, "Worker threads (0: all cores)")->check(CLI::NonNegativeNumber);
    evalCmd->add_option("--report", eval.reportPath, "Write a JSON report to this file");

    nnb::cli::CompileCommandOptions compileOptions;
    auto* compileCmd = app.add_subcommand("compile", "Transform a network for a hardware profile and report its resources");
    compileCmd->add_option("model", compileOptions.model, "ONNX model file (default: the shipped LeNet)");
    compileCmd->add_option("--profile,-p", compileOptions.profile, "Profile id (see `nnbridge profiles`) or YAML file")
        ->capture_default_str();
    compileCmd->add_option("--strategy,-s", compileOptions.strategy, "Strategy YAML file (default: built-in defaults)");
    compileCmd->add_option("--report", compileOptions.reportPath, "Write the JSON compile report to this file");
    compileCmd->add_option("--data", compileOptions.data, "Calibration and equivalence images: fashion-mnist, sample or a directory")
        ->capture_default_str();
    compileCmd->add_option("--calib", compileOptions.calibrationImages, "Calibration images (overrides the strategy)")
        ->check(CLI::NonNegativeNumber);
    compileCmd->add_option("--check-equivalence", compileOptions.equivalenceImages,
                           "Images for the float equivalence check of the core-op graph (0 skips it)")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    compileCmd->add_option("--dump-after", compileOptions.dumpAfter, "Print the IR after this pass (repeatable)");
    compileCmd->add_option("--stop-after", compileOptions.stopAfter, "Stop the pipeline after this pass");
    compileCmd->add_flag("--verify-each", compileOptions.verifyEach, "Run the IR verifier after every pass");
    compileCmd->add_flag("--ir", compileOptions.printIr, "Print the compiled IR");
    compileCmd->add_option("--set", compileOptions.profileOverrides,
                           "Override a profile key, e.g. --set signals.input_bits=8 (repeatable)");
    compileCmd->add_option("--strategy-set", compileOptions.strategyOverrides,
                           "Override a strategy key, e.g. --strategy-set quantization.weight_bits=4 (repeatable)");
    compileCmd->add_option("--eval", compileOptions.evalData,
                           "Measure accuracy stage by stage (float, reform, quantised, bit-accurate) on fashion-mnist, "
                           "sample or a directory; calibration uses the training split");
    compileCmd->add_option("--images", compileOptions.evalImages, "Test images for --eval (0: all)")
        ->check(CLI::NonNegativeNumber);
    compileCmd->add_option("--mc", compileOptions.monteCarloRuns,
                           "Monte Carlo runs of the bit-accurate simulation with the profile's device variation")
        ->check(CLI::NonNegativeNumber);
    compileCmd->add_flag("--tune", compileOptions.tune,
                         "Fine-tune the network layer by layer (and end-to-end) for the profile's quantisation first");
    compileCmd->add_option("--threads", compileOptions.threads, "Worker threads (0: all cores)")->check(CLI::NonNegativeNumber);
    compileCmd->add_flag("--snn", compileOptions.snn,
                         "Spiking profiles: convert to an SNN, simulate it (accuracy against ticks; on --eval's data, "
                         "else the sample), cluster its neurons onto crossbars, and report the dataflow throughput "
                         "guarantee and a run-time admission");
    compileCmd->add_option("--ticks", compileOptions.snnTicks, "Ticks per inference of --snn (0: the profile's)")
        ->check(CLI::NonNegativeNumber);

    nnb::cli::MapCommandOptions mapOptions;
    auto* mapCmd = app.add_subcommand("map", "Place a compiled network on the profile's core mesh: routing, latency, "
                                             "energy and pipelined throughput");
    mapCmd->add_option("model", mapOptions.model, "ONNX model file (default: the shipped LeNet)");
    mapCmd->add_option("--profile,-p", mapOptions.profile, "Profile id (see `nnbridge profiles`) or YAML file")
        ->capture_default_str();
    mapCmd->add_option("--placer", mapOptions.placer, "Placement: sequential, greedy or anneal")
        ->check(CLI::IsMember({"sequential", "greedy", "anneal"}))
        ->capture_default_str();
    mapCmd->add_option("--seed", mapOptions.seed, "Seed of the annealer")->capture_default_str();
    mapCmd->add_option("--moves", mapOptions.annealMoves, "Annealing moves (0: 1,000 per tile, at least 100,000)")
        ->check(CLI::NonNegativeNumber);
    mapCmd->add_option("--time-limit", mapOptions.timeLimitSeconds, "Annealing time limit in seconds")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    mapCmd->add_option("--report", mapOptions.reportPath, "Write the JSON mapping report to this file");
    mapCmd->add_option("--set", mapOptions.profileOverrides,
                       "Override a profile key, e.g. --set chip.mesh_width=4 (repeatable)");

    nnb::cli::SweepCommandOptions sweepOptions;
    auto* sweepCmd = app.add_subcommand("sweep", "Sweep profile or strategy parameters over a grid: accuracy, crossbars, "
                                                 "energy and latency per point, the Pareto front, CSV");
    sweepCmd->add_option("spec", sweepOptions.spec,
                         "Sweep spec YAML file or a shipped spec's name (default: resources/sweeps/mlp_bits_crossbar.yaml)");
    sweepCmd->add_option("--out,-o", sweepOptions.out, "Write the results as CSV to this file");
    sweepCmd->add_option("--threads", sweepOptions.threads, "Points evaluated at once (0: all cores)")
        ->check(CLI::NonNegativeNumber);
    sweepCmd->add_option("--images", sweepOptions.images, "Test images per point (overrides the spec; 0: all)")
        ->check(CLI::NonNegativeNumber);
    sweepCmd->add_option("--data", sweepOptions.data, "Test data (overrides the spec): fashion-mnist, sample or a directory");
    sweepCmd->add_flag("--list", sweepOptions.list, "Only list the grid's points (nothing is run)");

    nnb::cli::AnalyzeOptions analyzeOptions;
    auto* analyzeCmd = app.add_subcommand("analyze", "Analyse a synchronous dataflow graph (SDF3 XML): consistency, "
                                                     "repetition vector, deadlock, exact throughput (1 / maximum cycle mean)");
    analyzeCmd->add_option("graph", analyzeOptions.graph, "SDF3 XML file (type=\"sdf\")")->required();
    analyzeCmd->add_flag("--json", analyzeOptions.json, "Print the results as JSON");
    analyzeCmd->add_flag("--simulate", analyzeOptions.simulate,
                         "Also run the self-timed execution until it is periodic and print its period");

    auto* passesCmd = app.add_subcommand("passes", "List the compiler passes and the default pipeline");
    auto* profilesCmd = app.add_subcommand("profiles", "List the shipped hardware profiles");
    app.add_subcommand("default", "Run the embedded default job headless (shipped network, data sample, profile)");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int code = app.exit(e);
        return code == 0 ? 0 : 2;
    }

    if (info.model.empty())
        info.model = nnb::app::defaultModelPath();
    if (eval.model.empty())
        eval.model = nnb::app::defaultModelPath();
    if (compileOptions.model.empty())
        compileOptions.model = nnb::app::defaultModelPath();
    if (*infoCmd)
        return report(nnb::cli::runInfo(info));
    if (*evalCmd)
        return report(nnb::cli::runEval(eval));
    if (*compileCmd)
        return report(nnb::cli::runCompile(compileOptions));
    if (*mapCmd) {
        if (mapOptions.model.empty())
            mapOptions.model = nnb::app::defaultModelPath();
        return report(nnb::cli::runMap(mapOptions));
    }
    if (*sweepCmd)
        return report(nnb::cli::runSweepCommand(sweepOptions));
    if (*analyzeCmd)
        return report(nnb::cli::runAnalyze(analyzeOptions));
    if (*passesCmd) {
        nnb::cli::runListPasses();
        return 0;
    }
    if (*profilesCmd)
        return report(nnb::cli::runListProfiles());
    return report(nnb::cli::runDefault());
}
