// SPDX-License-Identifier: GPL-3.0-or-later
// Metrics of a point, the Pareto front of two of them and the CSV export.
#include <algorithm>
#include <cstdio>

#include "nnb/sweep/sweep.h"

namespace nnb::sweep {
namespace {

constexpr Metric kMetrics[] = {Metric::ErrorPercent, Metric::AccuracyDrop, Metric::Crossbars,
                               Metric::Tiles,        Metric::EnergyPj,     Metric::LatencyNs};

/// A CSV field: quoted when it holds a comma, quote or line break (RFC 4180).
std::string csvField(const std::string& s)
{
    if (s.find_first_of(",\"\n\r") == std::string::npos)
        return s;
    std::string out = "\"";
    for (char c : s) {
        if (c == '"')
            out += '"';
        out += c;
    }
    return out + "\"";
}

std::string num(double v, const char* format = "%.6g")
{
    char buf[48];
    std::snprintf(buf, sizeof buf, format, v);
    return buf;
}

std::string opt(const std::optional<double>& v, const char* format = "%.6g") { return v ? num(*v, format) : std::string(); }

} // namespace

const char* toString(Metric metric)
{
    switch (metric) {
    case Metric::ErrorPercent: return "error_percent";
    case Metric::AccuracyDrop: return "accuracy_drop";
    case Metric::Crossbars: return "crossbars";
    case Metric::Tiles: return "tiles";
    case Metric::EnergyPj: return "energy_pj";
    case Metric::LatencyNs: return "latency_ns";
    }
    return "?";
}

std::optional<Metric> parseMetric(std::string_view name)
{
    for (Metric m : kMetrics)
        if (name == toString(m))
            return m;
    return std::nullopt;
}

std::optional<double> PointResult::metric(Metric m) const
{
    switch (m) {
    case Metric::ErrorPercent:
        return accuracyPercent ? std::optional<double>(100.0 - *accuracyPercent) : std::nullopt;
    case Metric::AccuracyDrop: return accuracyDropPoints;
    case Metric::Crossbars: return static_cast<double>(crossbars);
    case Metric::Tiles: return static_cast<double>(tiles);
    case Metric::EnergyPj: return energyPj;
    case Metric::LatencyNs: return latencyNs;
    }
    return std::nullopt;
}

std::string PointResult::reason() const
{
    for (const Diagnostic& d : diagnostics)
        if (d.severity == Severity::Error)
            return d.where + ": " + d.message;
    return {};
}

std::vector<size_t> paretoFront(const std::vector<PointResult>& points, Metric x, Metric y)
{
    struct Candidate {
        double x, y;
        size_t index;
    };
    std::vector<Candidate> c;
    for (size_t i = 0; i < points.size(); ++i) {
        if (!points[i].feasible)
            continue;
        const auto vx = points[i].metric(x);
        const auto vy = points[i].metric(y);
        if (vx && vy)
            c.push_back({*vx, *vy, i});
    }
    // Sweep by x ascending (ties by y): a point is on the front when its y is below the best y of
    // every point with a smaller x, or equal to the best of its own x group with nothing better
    // before it. Equal (x, y) points are kept together (none dominates the other).
    std::sort(c.begin(), c.end(), [](const Candidate& a, const Candidate& b) {
        return a.x != b.x ? a.x < b.x : a.y != b.y ? a.y < b.y : a.index < b.index;
    });
    std::vector<size_t> front;
    bool haveBest = false;
    double bestY = 0; // smallest y among points of strictly smaller x
    for (size_t i = 0; i < c.size();) {
        size_t j = i;
        while (j < c.size() && c[j].x == c[i].x)
            ++j;
        // Within the group [i, j) of equal x, only the smallest y survives (sorted first), with its duplicates.
        const double groupY = c[i].y;
        if (!haveBest || groupY < bestY) {
            for (size_t k = i; k < j && c[k].y == groupY; ++k)
                front.push_back(c[k].index);
            bestY = groupY;
            haveBest = true;
        }
        i = j;
    }
    return front;
}

std::string toCsv(const SweepResult& result, const std::vector<Parameter>& parameters, Metric x, Metric y)
{
    const std::vector<size_t> front = paretoFront(result.points, x, y);
    std::vector<bool> onFront(result.points.size(), false);
    for (size_t i : front)
        onFront[i] = true;
    std::string out = "index,label";
    for (const Parameter& p : parameters)
        out += "," + csvField(p.name);
    out += ",feasible,accuracy_percent,accuracy_drop_points,agreement_percent,images,crossbars,lower_bound_crossbars,tiles,"
           "utilization_percent,cores_available,fits_chip,energy_pj,latency_ns,pipelined_throughput_per_s,"
           "adc_clipped_fraction,pareto,compile_ms,tune_ms,quantize_ms,simulate_ms,map_ms,total_ms,diagnostic\n";
    for (size_t i = 0; i < result.points.size(); ++i) {
        const PointResult& r = result.points[i];
        std::string row = std::to_string(r.point.index) + "," + csvField(r.point.label);
        for (const std::string& v : r.point.values)
            row += "," + csvField(v);
        // The first Error, else the first Warning: what a reader of the table wants to know.
        std::string diagnostic = r.reason();
        if (diagnostic.empty())
            for (const Diagnostic& d : r.diagnostics)
                if (d.severity == Severity::Warning) {
                    diagnostic = d.where + ": " + d.message;
                    break;
                }
        row += std::string(",") + (r.feasible ? "1" : "0") + "," + opt(r.accuracyPercent, "%.4f") + "," +
               opt(r.accuracyDropPoints, "%.4f") + "," + (r.accuracyPercent ? num(r.agreementPercent, "%.4f") : "") + "," +
               std::to_string(r.images) + "," + std::to_string(r.crossbars) + "," + std::to_string(r.lowerBoundCrossbars) + "," +
               std::to_string(r.tiles) + "," + num(r.utilizationPercent, "%.3f") + "," + std::to_string(r.coresAvailable) + "," +
               (r.fitsChip ? "1" : "0") + "," + opt(r.energyPj, "%.1f") + "," + opt(r.latencyNs, "%.1f") + "," +
               opt(r.pipelinedThroughputPerS, "%.2f") + "," + num(r.adcClippedFraction) + "," + (onFront[i] ? "1" : "0") + "," +
               num(r.timings.compileMs, "%.2f") + "," + num(r.timings.tuneMs, "%.2f") + "," + num(r.timings.quantizeMs, "%.2f") +
               "," + num(r.timings.simulateMs, "%.2f") + "," + num(r.timings.mapMs, "%.2f") + "," +
               num(r.timings.totalMs, "%.2f") + "," + csvField(diagnostic) + "\n";
        out += row;
    }
    return out;
}

} // namespace nnb::sweep
