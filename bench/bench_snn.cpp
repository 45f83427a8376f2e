// SPDX-License-Identifier: GPL-3.0-or-later
// ANN→SNN conversion (issue #7): the shipped MLP and LeNet converted for tianji, simulated as
// spiking networks on the Fashion-MNIST test images; accuracy against ticks next to the float
// accuracy, spike activity, rate-model agreement and time.
//   nnb_bench_snn [threads=2] [test images=10000] [calibration images=512] [normalisation=percentile|max|none]
#include <chrono>
#include <cstdlib>
#include <string>

#include <fmt/format.h>

#include "bench_util.h"
#include "nnb/compile.h"
#include "nnb/data/dataset.h"
#include "nnb/eval/classification.h"
#include "nnb/exec/executor.h"
#include "nnb/hw/profile_io.h"
#include "nnb/onnx/import.h"
#include "nnb/snn/convert.h"
#include "nnb/snn/spiking_sim.h"
#include "resource_paths.h"

using namespace nnb;

namespace {

int fail(const Error& e)
{
    fmt::print(stderr, "error: {}\n", e.toString());
    return 1;
}

int benchModel(const std::string& model, const hw::Profile& profile, const data::Dataset& train, const data::Dataset& test,
               int threads, int64_t images, int64_t calibrationImages, snn::NormalizationMethod method)
{
    auto imported = onnx::importModel(app::resourceDir() / "models" / model);
    if (!imported)
        return fail(imported.error());
    const ir::Tensor calibration = train.batch(0, calibrationImages);
    CompileOptions co;
    co.calibrationInputs = {calibration};
    auto compiled = compile(imported->graph, profile, {}, co);
    if (!compiled)
        return fail(compiled.error());

    exec::ExecutorOptions eo;
    eo.threads = threads;
    const exec::Executor floatNet(std::make_shared<const ir::Graph>(imported->graph), eo);
    eval::ClassificationOptions fo;
    fo.limit = images;
    auto reference = eval::evaluateClassifier(floatNet, test, fo);
    if (!reference)
        return fail(reference.error());

    snn::ConvertOptions options;
    options.normalization = method;
    options.threads = threads;
    const auto t0 = std::chrono::steady_clock::now();
    auto net = snn::convert(*compiled, calibration, options);
    if (!net)
        return fail(net.error());
    const double convertSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    int64_t neurons = 0;
    for (const snn::SpikingLayer& l : net->layers)
        neurons += l.neurons;

    snn::SpikingSimOptions so;
    so.ticks = 256;
    so.checkpoints = {8, 16, 32, 64, 128, 256};
    so.threads = threads;
    so.images = images;
    auto run = snn::simulate(*net, test, so);
    if (!run)
        return fail(run.error());
    // The same with every potential preset to half its threshold (rounding instead of
    // truncating the integrated input), up to 128 ticks.
    snn::SpikingSimOptions half = so;
    half.ticks = 128;
    half.initialPotential = 0.5;
    half.rateAgreement = false;
    auto preset = snn::simulate(*net, test, half);
    if (!preset)
        return fail(preset.error());

    fmt::print("\n## {} on {} ({} normalisation{}, {} readout, reset {}, {} coding)\n\n", model, profile.id,
               snn::toString(net->normalization),
               net->normalization == snn::NormalizationMethod::Percentile ? fmt::format(" {}", net->percentile) : "",
               snn::toString(net->readout), hw::toString(net->reset), snn::toString(so.coding));
    fmt::print("{} spiking layers, {} neurons, {} synapses; conversion {:.2f} s (calibration on {} training images)\n",
               net->layers.size(), neurons, net->synapses(), convertSeconds, calibrationImages);
    for (const Diagnostic& d : net->diagnostics)
        fmt::print("  {}: {}: {}\n", toString(d.severity), d.where, d.message);
    fmt::print("\n| ticks | accuracy % (V starts at 0) | vs float (points) | accuracy % (V starts at T/2) | vs float |\n"
               "|---:|---:|---:|---:|---:|\n");
    for (const snn::TickAccuracy& a : run->accuracy) {
        std::string other = "| – | –";
        for (const snn::TickAccuracy& b : preset->accuracy)
            if (b.ticks == a.ticks)
                other = fmt::format("| {:.2f} | {:+.2f}", b.accuracyPercent, b.accuracyPercent - reference->accuracyPercent());
        fmt::print("| {} | {:.2f} | {:+.2f} {} |\n", a.ticks, a.accuracyPercent, a.accuracyPercent - reference->accuracyPercent(),
                   other);
    }
    fmt::print("| float | {:.2f} | | | |\n\n", reference->accuracyPercent());
    fmt::print("(preset run: {} images x {} ticks in {:.1f} s)\n", preset->images, preset->ticks, preset->seconds);
    fmt::print("{} test images x {} ticks in {:.1f} s on {} threads ({:.2f} ms per image); {:.0f} synaptic events per "
               "inference\n\n",
               run->images, run->ticks, run->seconds, threads, 1000.0 * run->seconds / static_cast<double>(run->images),
               static_cast<double>(run->synapticEvents) / static_cast<double>(run->images));
    fmt::print("| layer | neurons | spikes per inference | mean rate | rate-model error (end to end) | (local) |\n"
               "|---|---:|---:|---:|---:|---:|\n");
    for (size_t l = 0; l < run->layers.size(); ++l) {
        const snn::LayerActivity& a = run->layers[l];
        fmt::print("| {}{} | {} | {:.1f} | {:.4f} | {:.4f} | {:.4f} |\n", a.name, net->layers[l].spiking ? "" : " (readout)",
                   net->layers[l].neurons, static_cast<double>(a.totalSpikes) / static_cast<double>(run->images), a.meanRate,
                   a.rateErrorMeanAbs, a.localRateErrorMeanAbs);
    }
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    const int threads = argc > 1 ? std::atoi(argv[1]) : 2;
    const int64_t images = argc > 2 ? std::atoll(argv[2]) : 10000;
    const int64_t calibration = argc > 3 ? std::atoll(argv[3]) : 512;
    auto method = snn::parseNormalizationMethod(argc > 4 ? argv[4] : "percentile");
    if (!method)
        return fail(method.error());
    fmt::print("# nnb_bench_snn: {}\n", bench::machineDescription());
    auto train = data::loadFashionMnistTrain(data::kDebianFashionMnistDir);
    auto test = data::loadFashionMnistTest(data::kDebianFashionMnistDir);
    if (!train)
        return fail(train.error());
    if (!test)
        return fail(test.error());
    auto profile = hw::loadProfile(app::profileDir() / "tianji.yaml");
    if (!profile)
        return fail(profile.error());
    for (const char* model : {"mlp.onnx", "lenet.onnx"})
        if (int rc = benchModel(model, *profile, *train, *test, threads, images, calibration, *method); rc != 0)
            return rc;
    return 0;
}
