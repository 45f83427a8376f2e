// SPDX-License-Identifier: GPL-3.0-or-later
// Compile time of the shipped networks for every shipped profile (no tuning): the median of
// repeated compiles, and the resources each compile reports.
#include <algorithm>
#include <chrono>
#include <vector>

#include <fmt/format.h>

#include "bench_util.h"
#include "nnb/compile.h"
#include "nnb/hw/profile_io.h"
#include "nnb/onnx/import.h"
#include "resource_paths.h"

using namespace nnb;

int main()
{
    fmt::print("# nnb_bench_compile: {}\n", bench::machineDescription());
    fmt::print("| network | profile | core-ops | crossbars | lower bound | utilisation % | compile ms (median of 20) |\n"
               "|---|---|---:|---:|---:|---:|---:|\n");
    for (const char* name : {"mlp", "lenet"}) {
        auto model = onnx::importModel(app::resourceDir() / "models" / (std::string(name) + ".onnx"));
        if (!model) {
            fmt::print(stderr, "{}\n", model.error().toString());
            return 1;
        }
        for (const char* id : {"tianji", "prime", "truenorth", "isaac-like", "generic"}) {
            auto profile = hw::loadProfile(app::profileDir() / (std::string(id) + ".yaml"));
            if (!profile) {
                fmt::print(stderr, "{}\n", profile.error().toString());
                return 1;
            }
            std::vector<double> ms;
            std::optional<CompileResult> last;
            for (int rep = 0; rep < 20; ++rep) {
                const auto start = std::chrono::steady_clock::now();
                auto result = compile(model->graph, *profile, strategy::Strategy{});
                ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
                if (!result) {
                    fmt::print(stderr, "{}\n", result.error().toString());
                    return 1;
                }
                last = std::move(*result);
            }
            std::sort(ms.begin(), ms.end());
            const auto& r = last->resources;
            fmt::print("| {} | {} | {} | {} | {} | {:.1f} | {:.2f} |\n", name, id, r.coreOps, r.crossbars, r.lowerBound,
                       r.utilizationPercent, ms[ms.size() / 2]);
        }
    }
    return 0;
}
