// SPDX-License-Identifier: GPL-3.0-or-later
// `nnbridge sweep`: a parameter sweep from a spec file, progress on stderr, a table on stdout
// and the results as CSV (written atomically).

#include <algorithm>
#include <cstdio>
#include <mutex>

#include <fmt/format.h>

#include "commands.h"
#include "data_sets.h"
#include "nnb/sweep/sweep.h"
#include "report_json.h"
#include "report_table.h"
#include "resource_paths.h"

namespace nnb::cli {
namespace {

/// The spec a user named: a file, else a shipped spec by name (resources/sweeps/<name>[.yaml]).
std::filesystem::path locateSpec(const std::filesystem::path& given)
{
    std::error_code ec;
    if (given.empty())
        return app::resourceDir() / "sweeps" / "mlp_bits_crossbar.yaml";
    if (std::filesystem::is_regular_file(given, ec))
        return given;
    for (const auto& candidate : {app::resourceDir() / "sweeps" / given, app::resourceDir() / "sweeps" / (given.string() + ".yaml")})
        if (std::filesystem::is_regular_file(candidate, ec))
            return candidate;
    return given; // the reader reports it missing
}

std::string opt(const std::optional<double>& v, const char* format)
{
    return v ? fmt::format(fmt::runtime(format), *v) : std::string("-");
}

} // namespace

Expected<void> runSweepCommand(const SweepCommandOptions& options)
{
    const std::filesystem::path specPath = locateSpec(options.spec);
    NNB_TRY(sweep::SweepSpec spec, sweep::readSweepSpec(specPath, sweep::SpecReadOptions{app::profileDir()}));
    if (options.images >= 0)
        spec.testImages = options.images;
    if (!options.data.empty())
        spec.data = options.data;
    if (options.list) {
        NNB_TRY(const auto grid, sweep::expandGrid(spec));
        fmt::print("sweep {} ({}): {} on {}, {} points\n", spec.name, specPath.string(), spec.model.string(),
                   spec.profilePath.string(), grid.size());
        for (const sweep::GridPoint& g : grid)
            fmt::print("{:>4}  {}\n", g.index, g.label);
        return {};
    }

    NNB_TRY(data::Dataset test, loadDataSet(spec.data));
    std::string calibrationNote;
    NNB_TRY(data::Dataset calibration, loadCalibrationSet(spec.data, calibrationNote));
    const int64_t images = spec.testImages > 0 ? std::min(spec.testImages, test.count) : test.count;
    fmt::print(stderr, "sweep {}: {} on {} ({}), {} test images of {}, calibration on {} images of {}\n", spec.name,
               spec.model.filename().string(), spec.profile, specPath.string(), images, test.source,
               spec.calibrationImages, calibrationNote);

    RunContext prepareCtx;
    prepareCtx.onProgress = [](const Progress& p) { fmt::print(stderr, "  {}\n", p.stage); };
    NNB_TRY(const auto prepared, sweep::prepareSweep(spec, std::move(test), std::move(calibration), prepareCtx));
    const size_t n = prepared->grid.size();
    fmt::print(stderr, "{} points; float accuracy {:.2f} %\n", n, prepared->floatAccuracyPercent);

    std::mutex printMutex;
    size_t done = 0;
    const auto onPoint = [&](std::shared_ptr<const sweep::PointResult> r) {
        std::lock_guard lock(printMutex);
        ++done;
        fmt::print(stderr, "[{}/{}] {}: {} ({:.0f} ms)\n", done, n, r->point.label,
                   r->feasible ? fmt::format("top-1 {:.2f} %, {} crossbars", r->accuracyPercent.value_or(0), r->crossbars)
                               : "infeasible: " + r->reason(),
                   r->timings.totalMs);
    };
    sweep::SweepOptions sopts;
    sopts.threads = options.threads;
    NNB_TRY(const sweep::SweepResult result, sweep::runSweep(*prepared, sopts, onPoint));

    // The table, in grid order, with the Pareto front marked.
    const auto front = sweep::paretoFront(result.points, spec.paretoX, spec.paretoY);
    std::vector<bool> onFront(result.points.size(), false);
    for (size_t i : front)
        onFront[i] = true;
    std::vector<std::string> header{"#"};
    for (const sweep::Parameter& p : spec.parameters)
        header.push_back(p.name);
    for (const char* h : {"top-1 %", "drop", "crossbars", "tiles", "energy nJ", "latency us", "pareto", "ms", "note"})
        header.push_back(h);
    ReportTable table(header);
    table.setLeftAligned(header.size() - 1);
    for (const sweep::PointResult& r : result.points) {
        std::vector<std::string> row{std::to_string(r.point.index)};
        for (const std::string& v : r.point.values)
            row.push_back(v);
        row.push_back(opt(r.accuracyPercent, "{:.2f}"));
        row.push_back(opt(r.accuracyDropPoints, "{:+.2f}"));
        row.push_back(std::to_string(r.crossbars));
        row.push_back(std::to_string(r.tiles));
        row.push_back(opt(r.energyPj ? std::optional<double>(*r.energyPj / 1000.0) : std::nullopt, "{:.1f}"));
        row.push_back(opt(r.latencyNs ? std::optional<double>(*r.latencyNs / 1000.0) : std::nullopt, "{:.2f}"));
        row.push_back(onFront[static_cast<size_t>(r.point.index)] ? "*" : "");
        row.push_back(fmt::format("{:.0f}", r.timings.totalMs));
        row.push_back(r.feasible ? "" : "infeasible: " + r.reason());
        table.addRow(std::move(row));
    }
    fmt::print("{}", table.render());
    std::string frontText;
    for (size_t i : front)
        frontText += (frontText.empty() ? "" : "; ") + result.points[i].point.label;
    const size_t feasible = static_cast<size_t>(
        std::count_if(result.points.begin(), result.points.end(), [](const sweep::PointResult& r) { return r.feasible; }));
    fmt::print("float accuracy {:.2f} % on {} test images; {} of {} points feasible\n", result.floatAccuracyPercent,
               result.testImages, feasible, result.points.size());
    fmt::print("pareto front ({} vs {}): {}\n", sweep::toString(spec.paretoX), sweep::toString(spec.paretoY),
               frontText.empty() ? "(none)" : frontText);
    fmt::print("{} points in {:.2f} s on {} threads ({:.2f} points/s; preparation {:.2f} s)\n", result.points.size(),
               result.seconds, result.threads, result.seconds > 0 ? static_cast<double>(result.points.size()) / result.seconds : 0.0,
               prepared->prepareSeconds);

    if (!options.out.empty()) {
        NNB_RETURN_IF_ERROR(app::writeTextAtomically(options.out, sweep::toCsv(result, spec.parameters, spec.paretoX, spec.paretoY)));
        fmt::print("results {}\n", options.out.string());
    }
    return {};
}

} // namespace nnb::cli
