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

    app.add_subcommand("default", "Run the embedded default job headless (shipped network and data sample)");

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
    if (*infoCmd)
        return report(nnb::cli::runInfo(info));
    if (*evalCmd)
        return report(nnb::cli::runEval(eval));
    return report(nnb::cli::runDefault());
}
