// SPDX-License-Identifier: GPL-3.0-or-later
// Float reference executor throughput on the shipped networks (images/s), batch 1 and 256,
// 1 and 2 threads, over Fashion-MNIST test images.
#include <chrono>
#include <memory>

#include <fmt/format.h>

#include "bench_util.h"
#include "nnb/data/dataset.h"
#include "nnb/eval/classification.h"
#include "nnb/exec/executor.h"
#include "nnb/onnx/import.h"
#include "resource_paths.h"

using namespace nnb;

int main()
{
    fmt::print("# nnb_bench_executor: {}\n", bench::machineDescription());
    auto data = data::loadFashionMnistTest(data::kDebianFashionMnistDir);
    if (!data) {
        fmt::print("Debian's Fashion-MNIST is missing ({}); using the shipped sample\n", data.error().message);
        data = data::loadFashionMnistTest(app::defaultDataSampleDir());
        if (!data) {
            fmt::print(stderr, "no data: {}\n", data.error().message);
            return 1;
        }
    }
    fmt::print("| network | batch | threads | images | accuracy % | images/s |\n|---|---:|---:|---:|---:|---:|\n");
    for (const char* name : {"mlp", "lenet"}) {
        auto model = onnx::importModel(app::resourceDir() / "models" / (std::string(name) + ".onnx"));
        if (!model) {
            fmt::print(stderr, "{}\n", model.error().toString());
            return 1;
        }
        auto graph = std::make_shared<const ir::Graph>(std::move(model->graph));
        for (int threads : {1, 2}) {
            for (int64_t batch : {int64_t{1}, int64_t{256}}) {
                const exec::Executor executor(graph, exec::ExecutorOptions{threads});
                eval::ClassificationOptions options;
                options.batchSize = batch;
                // Batch 1 is slow per image; 2,000 images keep the run short but stable.
                options.limit = batch == 1 ? 2000 : 0;
                const auto result = eval::evaluateClassifier(executor, *data, options);
                if (!result) {
                    fmt::print(stderr, "{}\n", result.error().toString());
                    return 1;
                }
                fmt::print("| {} | {} | {} | {} | {:.2f} | {:.0f} |\n", name, batch, threads, result->total,
                           result->accuracyPercent(), result->imagesPerSecond());
            }
        }
    }
    return 0;
}
