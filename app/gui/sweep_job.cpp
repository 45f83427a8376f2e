// SPDX-License-Identifier: GPL-3.0-or-later
#include "sweep_job.h"

#include <chrono>

#ifdef __linux__
#include <sys/resource.h>
#include <unistd.h>
#endif

#include "nnb/hw/profile_io.h"
#include "nnb/strategy/strategy_io.h"

namespace nnb::app {
namespace {

/// The values of one axis: a range ("2..8", "64..256 x2") or a comma-separated list.
Expected<std::vector<std::string>> axisValues(const QString& text)
{
    const std::string s = text.trimmed().toStdString();
    if (s.find("..") != std::string::npos)
        return sweep::expandRange(s);
    std::vector<std::string> values;
    for (const QString& part : text.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const QString v = part.trimmed();
        if (!v.isEmpty())
            values.push_back(v.toStdString());
    }
    if (values.empty())
        return makeError(Errc::InvalidArgument, "no values: write a range like 2..8, 2..8 step 2 or 64..256 x2, "
                                                "or a list like 4, 6, 8");
    return values;
}

} // namespace

Expected<std::shared_ptr<const SweepPlan>> planSweep(const SweepRequest& request)
{
    auto plan = std::make_shared<SweepPlan>();
    plan->setup = request.setup;
    if (request.modelPath.empty())
        return makeError(Errc::InvalidArgument, "no model is loaded: open a model before sweeping");
    if (request.setup.axes.isEmpty())
        return makeError(Errc::InvalidArgument, "no parameter to sweep: pick one in the Sweep form");

    sweep::SweepSpec& spec = plan->spec;
    spec.name = "desktop sweep";
    spec.source = "sweep form";
    spec.model = request.modelPath;
    spec.profile = request.profile.id;
    spec.profileValue = request.profile;
    strategy::Strategy base = request.strategy;
    base.tuning.enabled = false;
    spec.strategyValue = base;
    spec.calibrationImages = base.calibrationImages;
    spec.seed = base.seed;
    spec.tune = false;
    spec.testImages = request.setup.testImages;
    if (auto x = sweep::parseMetric(request.setup.x.toStdString()))
        spec.paretoX = *x;
    if (auto y = sweep::parseMetric(request.setup.y.toStdString()))
        spec.paretoY = *y;

    for (int i = 0; i < request.setup.axes.size(); ++i) {
        const widgets::SweepAxisSetup& axis = request.setup.axes[i];
        const std::string where = "Parameter " + std::to_string(i + 1) + " (" + axis.name.toStdString() + ")";
        sweep::Parameter p;
        p.name = axis.name.toStdString();
        for (const QString& key : axis.keys) {
            const std::string k = key.trimmed().toStdString();
            if (!sweep::targetOf(k))
                return makeError(Errc::InvalidArgument,
                                 where + ": '" + k + "' is neither a profile key (crossbar.rows, weights.bits, signals.adc_bits, ...) "
                                         "nor a strategy key (quantization.weights, calibration_images, ...)");
            p.keys.push_back(k);
        }
        if (p.keys.empty())
            return makeError(Errc::InvalidArgument, where + ": no key: pick a parameter or type a dotted key such as weights.bits");
        auto values = axisValues(axis.values);
        if (!values)
            return makeError(Errc::InvalidArgument, where + ": " + values.error().message);
        p.values = std::move(*values);
        plan->parameterNames << axis.name;
        spec.parameters.push_back(std::move(p));
    }
    auto grid = sweep::expandGrid(spec);
    if (!grid)
        return makeError(Errc::InvalidArgument, grid.error().message);
    plan->grid = std::move(*grid);
    plan->profileYaml = hw::profileToYaml(request.profile);
    plan->strategyYaml = strategy::strategyToYaml(base);
    plan->modelName = request.modelPath.filename().string();
    plan->profileName = request.profile.id;
    return std::shared_ptr<const SweepPlan>(std::move(plan));
}

sweep::SweepResult SweepRecord::result() const
{
    sweep::SweepResult r;
    for (const auto& p : points)
        r.points.push_back(*p);
    r.floatAccuracyPercent = floatAccuracyPercent;
    r.testImages = testImages;
    r.threads = threads;
    r.seconds = seconds;
    return r;
}

std::vector<sweep::Parameter> SweepRecord::parameters() const
{
    std::vector<sweep::Parameter> out;
    if (!plan)
        return out;
    for (const widgets::SweepAxisSetup& axis : plan->setup.axes) {
        sweep::Parameter p;
        p.name = axis.name.toStdString();
        for (const QString& k : axis.keys)
            p.keys.push_back(k.toStdString());
        out.push_back(std::move(p));
    }
    return out;
}

Expected<std::shared_ptr<const SweepRecord>> runSweepJob(std::shared_ptr<const SweepPlan> plan, const SweepRequest& request,
                                                         const SweepPointSink& sink, const RunContext& ctx)
{
#ifdef __linux__
    // A sweep keeps every core busy for seconds to minutes: run it (and the point threads it
    // starts, which inherit the value) at a lower priority so the GUI thread is scheduled first
    // and the window stays responsive. Linux nice values are per thread.
    if (getpriority(PRIO_PROCESS, static_cast<id_t>(gettid())) < 10)
        setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 10);
#endif
    NNB_TRY(const CompileData data, loadImages(request.data, request.testDirectory, subContext(ctx, 0, 20, "Loading images")));
    NNB_TRY(const auto prepared,
            sweep::prepareSweep(plan->spec, data.test, data.calibration, subContext(ctx, 20, 50, "Preparing")));
    sweep::SweepOptions options;
    options.threads = request.threads;
    NNB_TRY(sweep::SweepResult result,
            sweep::runSweep(*prepared, options, sink, subContext(ctx, 50, 1000, "Sweep")));
    auto record = std::make_shared<SweepRecord>();
    record->plan = std::move(plan);
    for (sweep::PointResult& p : result.points)
        record->points.push_back(std::make_shared<const sweep::PointResult>(std::move(p)));
    record->floatAccuracyPercent = result.floatAccuracyPercent;
    record->testImages = result.testImages;
    record->seconds = result.seconds + prepared->prepareSeconds;
    record->threads = result.threads;
    record->complete = true;
    record->data = data;
    return std::shared_ptr<const SweepRecord>(std::move(record));
}

} // namespace nnb::app
