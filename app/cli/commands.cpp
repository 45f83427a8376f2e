// SPDX-License-Identifier: GPL-3.0-or-later
#include "commands.h"

#include <cstdio>
#include <map>
#include <memory>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "nnb/data/dataset.h"
#include "nnb/eval/classification.h"
#include "nnb/exec/executor.h"
#include "nnb/ir/printer.h"
#include "nnb/onnx/import.h"
#include "data_sets.h"
#include "report_json.h"
#include "report_table.h"
#include "resource_paths.h"

namespace nnb::cli {
namespace {

std::string withThousands(int64_t value)
{
    std::string digits = std::to_string(value < 0 ? -value : value);
    for (int pos = static_cast<int>(digits.size()) - 3; pos > 0; pos -= 3)
        digits.insert(static_cast<size_t>(pos), ",");
    return (value < 0 ? "-" : "") + digits;
}

std::string joinShapes(const ir::Graph& graph, const std::vector<ir::ValueId>& ids, bool skipConstants)
{
    std::string out;
    for (ir::ValueId id : ids) {
        if (id < 0 || (skipConstants && graph.value(id).isConstant()))
            continue;
        out += (out.empty() ? "" : " ") + ir::shapeToString(graph.value(id).shape);
    }
    return out;
}

void printModelSummary(const onnx::ImportedModel& model)
{
    const ir::Graph& graph = model.graph;
    const auto stats = ir::computeStats(graph);
    fmt::print("model      {}\n", model.source);
    fmt::print("producer   {} {} (ONNX IR v{}, opset {})\n", model.producerName.empty() ? "unknown" : model.producerName,
               model.producerVersion, model.irVersion, model.opsetVersion);
    for (ir::ValueId in : graph.inputs())
        fmt::print("input      {} {}\n", graph.value(in).name, ir::shapeToString(graph.value(in).shape));
    for (ir::ValueId out : graph.outputs())
        fmt::print("output     {} {}\n", graph.value(out).name, ir::shapeToString(graph.value(out).shape));
    fmt::print("nodes      {}\nparameters {} ({:.1f} KiB as float32)\n\n", stats.nodes, withThousands(stats.parameters),
               static_cast<double>(stats.parameterBytes) / 1024.0);

    ReportTable layers({"#", "layer", "op", "input", "output", "params"});
    layers.setLeftAligned(1);
    layers.setLeftAligned(2);
    layers.setLeftAligned(3);
    layers.setLeftAligned(4);
    std::map<std::string, int> histogram;
    for (ir::NodeId n = 0; n < graph.numNodes(); ++n) {
        const ir::Node& node = graph.node(n);
        histogram[std::string(ir::opName(node.op))]++;
        layers.addRow({std::to_string(n), node.name, std::string(ir::opName(node.op)),
                       joinShapes(graph, node.inputs, /*skipConstants=*/true), joinShapes(graph, node.outputs, false),
                       withThousands(ir::nodeParameterCount(graph, n))});
    }
    fmt::print("{}\nop histogram:", layers.render());
    for (const auto& [op, count] : histogram)
        fmt::print(" {}={}", op, count);
    fmt::print("\n");
}

} // namespace

Expected<void> runInfo(const InfoOptions& options)
{
    NNB_TRY(const auto model, onnx::importModel(options.model));
    printModelSummary(model);
    if (options.printIr)
        fmt::print("\n{}", ir::printGraph(model.graph));
    return {};
}

Expected<void> runEval(const EvalOptions& options)
{
    NNB_TRY(auto model, onnx::importModel(options.model));
    NNB_TRY(const auto data, loadDataSet(options.data));
    const int threads = options.threads > 0 ? options.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    exec::Executor executor(std::make_shared<const ir::Graph>(std::move(model.graph)), exec::ExecutorOptions{threads});
    eval::ClassificationOptions evalOptions;
    evalOptions.limit = options.limit;
    evalOptions.batchSize = options.batch;
    NNB_TRY(const auto result, eval::evaluateClassifier(executor, data, evalOptions));
    fmt::print("model      {}\ndata       {} ({} images)\n", model.source, data.source, result.total);
    fmt::print("accuracy   {} / {} = {:.2f} %\n", result.correct, result.total, result.accuracyPercent());
    fmt::print("throughput {:.0f} images/s (batch {}, {} thread{}{})\n", result.imagesPerSecond(), options.batch, threads,
               threads == 1 ? "" : "s", executor.splitsBatch() ? "" : ", graph runs single-threaded");
    if (!options.reportPath.empty()) {
        nlohmann::json report{{"nnbridge_report", "eval"},
                              {"version", 1},
                              {"model", model.source},
                              {"data", data.source},
                              {"correct", result.correct},
                              {"total", result.total},
                              {"accuracy_percent", result.accuracyPercent()},
                              {"images_per_second", result.imagesPerSecond()},
                              {"batch_size", options.batch},
                              {"threads", threads}};
        NNB_RETURN_IF_ERROR(app::writeJsonAtomically(options.reportPath, report));
        fmt::print("report     {}\n", options.reportPath.string());
    }
    return {};
}

Expected<void> runDefault()
{
    fmt::print("nnbridge default job: the shipped LeNet-5, the shipped Fashion-MNIST sample, the {} profile\n\n",
               app::kDefaultProfileId);
    NNB_RETURN_IF_ERROR(runInfo({app::defaultModelPath(), false}));
    fmt::print("\n");
    EvalOptions eval;
    eval.model = app::defaultModelPath();
    eval.data = "sample";
    NNB_RETURN_IF_ERROR(runEval(eval));
    fmt::print("\n");
    CompileCommandOptions compile;
    compile.model = app::defaultModelPath();
    compile.profile = app::defaultProfilePath().string();
    compile.evalData = "sample"; // what quantisation and the crossbar ADCs cost, stage by stage
    return runCompile(compile);
}

} // namespace nnb::cli
