// SPDX-License-Identifier: GPL-3.0-or-later
// `nnbridge analyze GRAPH.xml`: consistency, repetition vector, deadlock and the exact
// throughput of an SDF3 graph; optionally the self-timed simulation's period, and JSON.

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "nnb/dataflow/analysis.h"
#include "nnb/dataflow/sdf3_io.h"
#include "nnb/dataflow/self_timed.h"

namespace nnb::cli {
namespace {

nlohmann::json fraction(const dataflow::Rational& r)
{
    return {{"num", r.num}, {"den", r.den}, {"text", r.toString()}, {"value", r.toDouble()}};
}

} // namespace

Expected<void> runAnalyze(const AnalyzeOptions& options)
{
    const std::string file = options.graph.string();
    NNB_TRY(const dataflow::SdfGraph graph, dataflow::readSdf3(options.graph));
    NNB_TRY(const dataflow::ThroughputAnalysis t, addContext(dataflow::analyzeThroughput(graph), file));
    std::optional<dataflow::SelfTimedResult> sim;
    // The simulation needs a strongly connected graph (else tokens pile up without bound).
    const bool simulate = options.simulate && dataflow::isStronglyConnected(graph);
    if (simulate) {
        NNB_TRY(sim, addContext(dataflow::simulateSelfTimed(graph), file + ": self-timed simulation"));
    }
    std::vector<std::string> criticalNames;
    std::string critical;
    for (int c : t.criticalChannels) {
        const std::string& name = graph.channels()[static_cast<size_t>(c)].name;
        const std::string label = name.empty() ? graph.describeChannel(c) : name;
        if (std::find(criticalNames.begin(), criticalNames.end(), label) != criticalNames.end())
            continue;
        criticalNames.push_back(label);
        critical += (critical.empty() ? "" : ", ") + label;
    }

    if (options.json) {
        nlohmann::json j;
        j["file"] = file;
        j["graph"] = graph.name();
        j["consistent"] = true;
        j["deadlock_free"] = true;
        j["iteration_firings"] = t.iterationFirings;
        j["initial_tokens"] = t.initialTokens;
        j["unbounded"] = t.unbounded;
        j["period"] = t.unbounded ? nlohmann::json(nullptr) : fraction(t.period);
        j["throughput"] = t.unbounded ? nlohmann::json("infinite") : fraction(t.throughput());
        nlohmann::json actors = nlohmann::json::array();
        for (int a = 0; a < graph.actorCount(); ++a) {
            const dataflow::Actor& actor = graph.actors()[static_cast<size_t>(a)];
            actors.push_back({{"name", actor.name},
                              {"execution_time", actor.executionTime},
                              {"repetitions", t.repetitions[static_cast<size_t>(a)]},
                              {"throughput", t.unbounded ? nlohmann::json("infinite") : fraction(t.actorThroughput(a))}});
        }
        j["actors"] = actors;
        j["critical_channels"] = criticalNames;
        if (sim)
            j["self_timed"] = {{"period", fraction(sim->period)},
                               {"transient_time", sim->transientTime},
                               {"cycle_time", sim->cycleTime},
                               {"cycle_iterations", sim->cycleIterations},
                               {"steps", sim->steps}};
        fmt::print("{}\n", j.dump(2));
        return {};
    }

    fmt::print("graph {} ({}): {} actors, {} channels, {} initial tokens\n", graph.name(), file, graph.actorCount(),
               graph.channelCount(), t.initialTokens);
    fmt::print("consistent: yes\n");
    std::string q;
    for (int a = 0; a < graph.actorCount(); ++a)
        q += fmt::format("{}{}={}", a ? " " : "", graph.actors()[static_cast<size_t>(a)].name, t.repetitions[static_cast<size_t>(a)]);
    fmt::print("repetition vector: {} ({} firings per iteration)\n", q, t.iterationFirings);
    fmt::print("deadlock: none (one iteration completes)\n");
    if (t.unbounded) {
        fmt::print("iteration period: 0 (no cycle through initial tokens takes any time)\n");
        fmt::print("throughput: infinite (actors without self-loops may fire concurrently without bound)\n");
    } else {
        fmt::print("iteration period: {} time units ({:.6g})\n", t.period.toString(), t.period.toDouble());
        fmt::print("throughput: {} iterations per time unit ({:.6g})\n", t.throughput().toString(), t.throughput().toDouble());
        if (!critical.empty())
            fmt::print("critical cycle: its initial tokens lie on {}\n", critical);
        for (int a = 0; a < graph.actorCount(); ++a) {
            const dataflow::Rational r = t.actorThroughput(a);
            fmt::print("  {:<20} q={:<6} {} firings per time unit ({:.6g})\n", graph.actors()[static_cast<size_t>(a)].name,
                       t.repetitions[static_cast<size_t>(a)], r.toString(), r.toDouble());
        }
    }
    if (sim)
        fmt::print("self-timed simulation: period {} ({} iterations in {} time units from time {}, {} steps){}\n",
                   sim->period.toString(), sim->cycleIterations, sim->cycleTime, sim->transientTime, sim->steps,
                   sim->period == t.period ? ", equal to the maximum cycle mean" : "");
    else if (options.simulate)
        fmt::print("self-timed simulation: skipped (the graph is not strongly connected, so tokens may pile up "
                   "without bound)\n");
    return {};
}

} // namespace nnb::cli
