// SPDX-License-Identifier: GPL-3.0-or-later
// Self-timed execution with state-recurrence detection of the periodic regime.
#include "nnb/dataflow/self_timed.h"

#include <deque>
#include <unordered_map>

#include "nnb/dataflow/analysis.h"

namespace nnb::dataflow {
namespace {

struct StateHash {
    size_t operator()(const std::vector<int64_t>& v) const
    {
        uint64_t h = 1469598103934665603ull;
        for (int64_t x : v) {
            h ^= static_cast<uint64_t>(x) + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
            h *= 1099511628211ull;
        }
        return static_cast<size_t>(h);
    }
};

struct Seen {
    int64_t time;
    int64_t started; ///< firings of actor 0 started so far
};

} // namespace

Expected<SelfTimedResult> simulateSelfTimed(const SdfGraph& graph, const SelfTimedOptions& options, const RunContext& ctx)
{
    NNB_TRY(const std::vector<int64_t> q, repetitionVector(graph));
    const int nActors = graph.actorCount();
    if (!isStronglyConnected(graph)) {
        // Name a pair of actors that are not mutually reachable.
        std::vector<std::vector<int>> outs(static_cast<size_t>(nActors)), ins(static_cast<size_t>(nActors));
        for (const Channel& ch : graph.channels()) {
            outs[static_cast<size_t>(ch.src)].push_back(ch.dst);
            ins[static_cast<size_t>(ch.dst)].push_back(ch.src);
        }
        for (const bool forward : {true, false}) {
            std::vector<char> seen(static_cast<size_t>(nActors), 0);
            std::vector<int> stack{0};
            seen[0] = 1;
            while (!stack.empty()) {
                const int a = stack.back();
                stack.pop_back();
                for (int b : forward ? outs[static_cast<size_t>(a)] : ins[static_cast<size_t>(a)])
                    if (!seen[static_cast<size_t>(b)]) {
                        seen[static_cast<size_t>(b)] = 1;
                        stack.push_back(b);
                    }
            }
            for (int a = 0; a < nActors; ++a)
                if (!seen[static_cast<size_t>(a)]) {
                    const std::string& first = graph.actors()[0].name;
                    const std::string& other = graph.actors()[static_cast<size_t>(a)].name;
                    return makeError(Errc::InvalidModel,
                                     "self-timed simulation needs a strongly connected graph (else tokens pile up "
                                     "without bound): actor '" +
                                         (forward ? first : other) + "' has no path to actor '" +
                                         (forward ? other : first) +
                                         "'; bound the channels between them with buffers (reverse channels)");
                }
        }
    }
    NNB_RETURN_IF_ERROR(iterationSchedule(graph, q, AnalysisLimits{}, ctx));
    if (graph.channels().empty())
        return makeError(Errc::InvalidModel, "actor '" + graph.actors()[0].name +
                                                 "' has no input channel: its self-timed execution is unbounded "
                                                 "(infinite throughput); give it a self-loop to bound it");

    std::vector<std::vector<int>> in(static_cast<size_t>(nActors)), out(static_cast<size_t>(nActors));
    for (int c = 0; c < graph.channelCount(); ++c) {
        out[static_cast<size_t>(graph.channels()[static_cast<size_t>(c)].src)].push_back(c);
        in[static_cast<size_t>(graph.channels()[static_cast<size_t>(c)].dst)].push_back(c);
    }
    std::vector<int64_t> tokens(static_cast<size_t>(graph.channelCount()));
    for (int c = 0; c < graph.channelCount(); ++c)
        tokens[static_cast<size_t>(c)] = graph.channels()[static_cast<size_t>(c)].initialTokens;
    // Running firings per actor: (remaining time, count), ascending remaining time. New firings
    // take the full execution time, which is never less than any remaining time, so they go last.
    std::vector<std::deque<std::pair<int64_t, int64_t>>> active(static_cast<size_t>(nActors));

    std::unordered_map<std::vector<int64_t>, Seen, StateHash> seen;
    int64_t stored = 0;
    int64_t time = 0;
    int64_t started = 0;
    std::vector<int64_t> key;
    for (int64_t step = 0;; ++step) {
        if (step > options.maxSteps)
            return makeError(Errc::InvalidArgument, "self-timed simulation found no periodic regime within " +
                                                        std::to_string(options.maxSteps) +
                                                        " steps (SelfTimedOptions::maxSteps): the transient is too long");
        if ((step & 0x3ff) == 0 && ctx.cancelled())
            return makeError(Errc::Cancelled, "cancelled");
        // Start every enabled firing (as soon as possible; starting only consumes tokens, so it
        // cannot enable another actor).
        for (int a = 0; a < nActors; ++a) {
            const auto ai = static_cast<size_t>(a);
            int64_t k = INT64_MAX;
            for (int c : in[ai])
                k = std::min(k, tokens[static_cast<size_t>(c)] / graph.channels()[static_cast<size_t>(c)].consumption);
            if (k <= 0 || in[ai].empty())
                continue;
            for (int c : in[ai])
                tokens[static_cast<size_t>(c)] -= k * graph.channels()[static_cast<size_t>(c)].consumption;
            const int64_t exec = graph.actors()[ai].executionTime;
            if (!active[ai].empty() && active[ai].back().first == exec)
                active[ai].back().second += k;
            else
                active[ai].emplace_back(exec, k);
            if (a == 0)
                started += k;
        }
        // The state relative to now.
        key.assign(tokens.begin(), tokens.end());
        for (const auto& act : active) {
            key.push_back(static_cast<int64_t>(act.size()));
            for (const auto& [remaining, count] : act) {
                key.push_back(remaining);
                key.push_back(count);
            }
        }
        const auto [it, inserted] = seen.try_emplace(key, Seen{time, started});
        if (!inserted) {
            const int64_t firings = started - it->second.started;
            if (firings <= 0 || firings % q[0] != 0)
                return makeError(Errc::Internal, "self-timed simulation: a recurring state after " + std::to_string(firings) +
                                                     " firings of '" + graph.actors()[0].name +
                                                     "', not a whole number of iterations");
            SelfTimedResult r;
            r.cycleIterations = firings / q[0];
            r.cycleTime = time - it->second.time;
            r.transientTime = it->second.time;
            r.period = Rational::make(r.cycleTime, r.cycleIterations);
            r.steps = step;
            return r;
        }
        stored += static_cast<int64_t>(key.size()) + 4;
        if (stored > options.maxStoredValues)
            return makeError(Errc::InvalidArgument, "self-timed simulation found no periodic regime within its memory "
                                                    "bound (SelfTimedOptions::maxStoredValues, " +
                                                        std::to_string(options.maxStoredValues) +
                                                        " values): the transient or the period is too long");
        // Advance to the next completion.
        int64_t dt = INT64_MAX;
        for (const auto& act : active)
            if (!act.empty())
                dt = std::min(dt, act.front().first);
        if (dt == INT64_MAX)
            return makeError(Errc::InvalidModel, "self-timed execution deadlocks at time " + std::to_string(time));
        if (__builtin_add_overflow(time, dt, &time))
            return makeError(Errc::InvalidArgument, "self-timed simulation: time overflows 64-bit integers");
        for (int a = 0; a < nActors; ++a) {
            auto& act = active[static_cast<size_t>(a)];
            for (auto& entry : act)
                entry.first -= dt;
            while (!act.empty() && act.front().first == 0) {
                const int64_t k = act.front().second;
                act.pop_front();
                for (int c : out[static_cast<size_t>(a)])
                    tokens[static_cast<size_t>(c)] += k * graph.channels()[static_cast<size_t>(c)].production;
            }
        }
    }
}

} // namespace nnb::dataflow
