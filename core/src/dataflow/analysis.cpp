// SPDX-License-Identifier: GPL-3.0-or-later
// Repetition vector, deadlock check (symbolic execution of one iteration with token counts),
// the max-plus matrix of one iteration and the throughput analysis built on them.
#include "nnb/dataflow/analysis.h"

#include <algorithm>
#include <deque>
#include <memory>
#include <numeric>

namespace nnb::dataflow {
namespace {

bool mulOverflows(int64_t a, int64_t b, int64_t& out) { return __builtin_mul_overflow(a, b, &out); }
bool addOverflows(int64_t a, int64_t b, int64_t& out) { return __builtin_add_overflow(a, b, &out); }

std::string num(int64_t v) { return std::to_string(v); }

/// Incoming and outgoing channel indices per actor.
struct Adjacency {
    std::vector<std::vector<int>> in;
    std::vector<std::vector<int>> out;
    explicit Adjacency(const SdfGraph& g) : in(static_cast<size_t>(g.actorCount())), out(static_cast<size_t>(g.actorCount()))
    {
        for (int c = 0; c < g.channelCount(); ++c) {
            const Channel& ch = g.channels()[static_cast<size_t>(c)];
            out[static_cast<size_t>(ch.src)].push_back(c);
            in[static_cast<size_t>(ch.dst)].push_back(c);
        }
    }
};

tl::unexpected<Error> tooLarge(const std::string& what, int64_t value, int64_t limit, const std::string& field)
{
    return makeError(Errc::InvalidArgument, what + " (" + num(value) + ") exceeds the analysis limit of " + num(limit) +
                                                " (AnalysisLimits::" + field +
                                                "): reduce the rates or initial tokens, or raise the limit");
}

/// Reachability from actor 0 along channels (forward or backward).
std::vector<char> reach(const SdfGraph& g, const Adjacency& adj, bool forward)
{
    std::vector<char> seen(static_cast<size_t>(g.actorCount()), 0);
    std::vector<int> stack{0};
    seen[0] = 1;
    while (!stack.empty()) {
        const int a = stack.back();
        stack.pop_back();
        for (int c : forward ? adj.out[static_cast<size_t>(a)] : adj.in[static_cast<size_t>(a)]) {
            const Channel& ch = g.channels()[static_cast<size_t>(c)];
            const int next = forward ? ch.dst : ch.src;
            if (!seen[static_cast<size_t>(next)]) {
                seen[static_cast<size_t>(next)] = 1;
                stack.push_back(next);
            }
        }
    }
    return seen;
}

} // namespace

int64_t MaxPlusMatrix::at(int row, int col) const
{
    const auto& r = rows[static_cast<size_t>(row)];
    const auto it = std::lower_bound(r.begin(), r.end(), std::make_pair(col, kMinusInfinity));
    return it != r.end() && it->first == col ? it->second : kMinusInfinity;
}

Expected<std::vector<int64_t>> repetitionVector(const SdfGraph& graph)
{
    NNB_RETURN_IF_ERROR(graph.validate());
    const int n = graph.actorCount();
    const Adjacency adj(graph);
    // Firing ratios as reduced fractions num/den relative to actor 0, by a search over the
    // undirected graph; every channel not on the search tree closes a cycle and is checked.
    std::vector<int64_t> qn(static_cast<size_t>(n), 0), qd(static_cast<size_t>(n), 0);
    std::vector<int> parentChannel(static_cast<size_t>(n), -1);
    qn[0] = 1;
    qd[0] = 1;
    std::vector<int> stack{0};
    const auto overflow = [&](int c) {
        return makeError(Errc::InvalidArgument, "the repetition vector overflows 64-bit integers at " +
                                                    graph.describeChannel(c) + ": the rates are too large");
    };
    while (!stack.empty()) {
        const int a = stack.back();
        stack.pop_back();
        for (const bool outgoing : {true, false}) {
            for (int c : outgoing ? adj.out[static_cast<size_t>(a)] : adj.in[static_cast<size_t>(a)]) {
                const Channel& ch = graph.channels()[static_cast<size_t>(c)];
                const int b = outgoing ? ch.dst : ch.src;
                if (qd[static_cast<size_t>(b)] != 0)
                    continue;
                // q(dst) = q(src) * production / consumption.
                const int64_t mulNum = outgoing ? ch.production : ch.consumption;
                const int64_t mulDen = outgoing ? ch.consumption : ch.production;
                int64_t nn = 0, dd = 0;
                if (mulOverflows(qn[static_cast<size_t>(a)], mulNum, nn) || mulOverflows(qd[static_cast<size_t>(a)], mulDen, dd))
                    return overflow(c);
                const int64_t g = std::gcd(nn, dd);
                qn[static_cast<size_t>(b)] = nn / g;
                qd[static_cast<size_t>(b)] = dd / g;
                parentChannel[static_cast<size_t>(b)] = c;
                stack.push_back(b);
            }
        }
    }
    for (int a = 0; a < n; ++a)
        if (qd[static_cast<size_t>(a)] == 0)
            return makeError(Errc::InvalidModel,
                             "the graph is disconnected: actor '" + graph.actors()[static_cast<size_t>(a)].name +
                                 "' is not connected to actor '" + graph.actors()[0].name +
                                 "' by any chain of channels; analyse each connected part as its own graph, or "
                                 "connect them");
    for (int c = 0; c < graph.channelCount(); ++c) {
        const Channel& ch = graph.channels()[static_cast<size_t>(c)];
        const auto s = static_cast<size_t>(ch.src), d = static_cast<size_t>(ch.dst);
        // The ratio this channel implies for dst, (qn[s] * production) / (qd[s] * consumption),
        // reduced (cross gcds first to stay in range), must equal dst's reduced ratio.
        const int64_t g1 = std::gcd(qn[s], ch.consumption), g2 = std::gcd(ch.production, qd[s]);
        int64_t wantNum = 0, wantDen = 0;
        if (mulOverflows(qn[s] / g1, ch.production / g2, wantNum) || mulOverflows(qd[s] / g2, ch.consumption / g1, wantDen))
            return overflow(c);
        const int64_t g3 = std::gcd(wantNum, wantDen);
        if (wantNum / g3 != qn[d] || wantDen / g3 != qd[d]) {
            // The rest of the graph fixes the firing ratio src:dst; this channel demands another.
            const Int128 fa = static_cast<Int128>(qn[s]) * qd[d], fb = static_cast<Int128>(qn[d]) * qd[s];
            std::string implied;
            if (fa < (Int128(1) << 62) && fb < (Int128(1) << 62)) {
                const int64_t x = static_cast<int64_t>(fa), y = static_cast<int64_t>(fb), g = std::gcd(x, y);
                implied = "the rest of the graph makes '" + graph.actors()[s].name + "' fire " + num(x / g) +
                          " times for every " + num(y / g) + " firings of '" + graph.actors()[d].name + "', ";
            }
            return makeError(Errc::InvalidModel,
                             "the graph is inconsistent (no repetition vector): " + graph.describeChannel(c) +
                                 " closes a cycle whose rates disagree: " + implied + "but its rates " +
                                 num(ch.production) + ":" + num(ch.consumption) +
                                 " need production x q(src) == consumption x q(dst); fix the rates on that cycle");
        }
    }
    // Scale by the lcm of the denominators, then remove the common factor.
    int64_t l = 1;
    for (int a = 0; a < n; ++a) {
        const int64_t d = qd[static_cast<size_t>(a)];
        int64_t next = 0;
        if (mulOverflows(l / std::gcd(l, d), d, next))
            return makeError(Errc::InvalidArgument, "the repetition vector overflows 64-bit integers (at actor '" +
                                                        graph.actors()[static_cast<size_t>(a)].name + "')");
        l = next;
    }
    std::vector<int64_t> q(static_cast<size_t>(n));
    int64_t g = 0;
    for (int a = 0; a < n; ++a) {
        if (mulOverflows(qn[static_cast<size_t>(a)], l / qd[static_cast<size_t>(a)], q[static_cast<size_t>(a)]))
            return makeError(Errc::InvalidArgument, "the repetition vector overflows 64-bit integers (at actor '" +
                                                        graph.actors()[static_cast<size_t>(a)].name + "')");
        g = std::gcd(g, q[static_cast<size_t>(a)]);
    }
    for (int64_t& v : q)
        v /= g;
    return q;
}

Expected<std::vector<FiringBatch>> iterationSchedule(const SdfGraph& graph, const std::vector<int64_t>& q,
                                                     const AnalysisLimits& limits, const RunContext& ctx)
{
    const int n = graph.actorCount();
    if (static_cast<int>(q.size()) != n)
        return makeError(Errc::InvalidArgument, "iterationSchedule: the repetition vector has the wrong size");
    int64_t total = 0;
    for (int64_t v : q)
        if (addOverflows(total, v, total))
            return makeError(Errc::InvalidArgument, "one iteration has more than 2^63 firings");
    if (total > limits.maxIterationFirings)
        return tooLarge("one iteration's firings (sum of the repetition vector)", total, limits.maxIterationFirings,
                        "maxIterationFirings");
    const Adjacency adj(graph);
    std::vector<int64_t> tokens(static_cast<size_t>(graph.channelCount()));
    for (int c = 0; c < graph.channelCount(); ++c)
        tokens[static_cast<size_t>(c)] = graph.channels()[static_cast<size_t>(c)].initialTokens;
    std::vector<int64_t> remaining = q;
    std::vector<FiringBatch> schedule;
    // Worklist of actors that may be enabled; an actor is re-queued when one of its inputs gains
    // tokens. Each actor fires as many times at once as its tokens allow (a valid sequential
    // order: all those firings are enabled by tokens present before the first one starts).
    std::deque<int> work;
    std::vector<char> queued(static_cast<size_t>(n), 1);
    for (int a = 0; a < n; ++a)
        work.push_back(a);
    int64_t batches = 0;
    while (!work.empty()) {
        const int a = work.front();
        work.pop_front();
        queued[static_cast<size_t>(a)] = 0;
        int64_t k = remaining[static_cast<size_t>(a)];
        for (int c : adj.in[static_cast<size_t>(a)])
            k = std::min(k, tokens[static_cast<size_t>(c)] / graph.channels()[static_cast<size_t>(c)].consumption);
        if (k <= 0)
            continue;
        if ((++batches & 0xfff) == 0 && ctx.cancelled())
            return makeError(Errc::Cancelled, "cancelled");
        for (int c : adj.in[static_cast<size_t>(a)])
            tokens[static_cast<size_t>(c)] -= k * graph.channels()[static_cast<size_t>(c)].consumption;
        for (int c : adj.out[static_cast<size_t>(a)]) {
            const Channel& ch = graph.channels()[static_cast<size_t>(c)];
            int64_t produced = 0;
            if (mulOverflows(k, ch.production, produced) ||
                addOverflows(tokens[static_cast<size_t>(c)], produced, tokens[static_cast<size_t>(c)]))
                return makeError(Errc::InvalidArgument, "token count overflows 64-bit integers on " + graph.describeChannel(c));
            if (!queued[static_cast<size_t>(ch.dst)]) {
                queued[static_cast<size_t>(ch.dst)] = 1;
                work.push_back(ch.dst);
            }
        }
        remaining[static_cast<size_t>(a)] -= k;
        if (!schedule.empty() && schedule.back().actor == a)
            schedule.back().count += k;
        else
            schedule.push_back(FiringBatch{a, k});
        if (remaining[static_cast<size_t>(a)] > 0 && !queued[static_cast<size_t>(a)]) {
            queued[static_cast<size_t>(a)] = 1;
            work.push_back(a);
        }
    }
    for (int a = 0; a < n; ++a) {
        if (remaining[static_cast<size_t>(a)] == 0)
            continue;
        // Name the channel that starves this actor.
        for (int c : adj.in[static_cast<size_t>(a)]) {
            const Channel& ch = graph.channels()[static_cast<size_t>(c)];
            if (tokens[static_cast<size_t>(c)] < ch.consumption)
                return makeError(Errc::InvalidModel,
                                 "the graph deadlocks: actor '" + graph.actors()[static_cast<size_t>(a)].name +
                                     "' completes only " + num(q[static_cast<size_t>(a)] - remaining[static_cast<size_t>(a)]) +
                                     " of its " + num(q[static_cast<size_t>(a)]) + " firings per iteration, waiting on " +
                                     graph.describeChannel(c) + " (" + num(tokens[static_cast<size_t>(c)]) +
                                     " tokens, needs " + num(ch.consumption) +
                                     "); add initial tokens on the cycle through that channel");
        }
    }
    return schedule;
}

Expected<MaxPlusMatrix> iterationMatrix(const SdfGraph& graph, const std::vector<FiringBatch>& schedule,
                                        const AnalysisLimits& limits, const RunContext& ctx)
{
    using Entries = std::vector<std::pair<int, int64_t>>;
    // A token's timestamp: a sparse max-plus vector over the initial tokens. Firings share one
    // vector among the tokens they produce; `live` counts entries held, for the memory bound.
    struct Stamp {
        Entries e;
        int64_t* live;
        Stamp(Entries entries, int64_t* counter) : e(std::move(entries)), live(counter) { *live += static_cast<int64_t>(e.size()) + 1; }
        ~Stamp() { *live -= static_cast<int64_t>(e.size()) + 1; }
        Stamp(const Stamp&) = delete;
        Stamp& operator=(const Stamp&) = delete;
    };
    int64_t totalTokens = 0;
    for (const Channel& ch : graph.channels())
        if (addOverflows(totalTokens, ch.initialTokens, totalTokens))
            return makeError(Errc::InvalidArgument, "the graph has more than 2^63 initial tokens");
    if (totalTokens > limits.maxInitialTokens)
        return tooLarge("the number of initial tokens", totalTokens, limits.maxInitialTokens, "maxInitialTokens");
    const int n = static_cast<int>(totalTokens);
    int64_t live = 0;
    std::vector<std::deque<std::shared_ptr<const Stamp>>> fifo(static_cast<size_t>(graph.channelCount()));
    MaxPlusMatrix m;
    m.size = n;
    m.tokenChannel.reserve(static_cast<size_t>(n));
    {
        int token = 0;
        for (int c = 0; c < graph.channelCount(); ++c)
            for (int64_t t = 0; t < graph.channels()[static_cast<size_t>(c)].initialTokens; ++t) {
                fifo[static_cast<size_t>(c)].push_back(std::make_shared<const Stamp>(Entries{{token, 0}}, &live));
                m.tokenChannel.push_back(c);
                ++token;
            }
    }
    const Adjacency adj(graph);
    int64_t work = 0;
    int64_t firings = 0;
    Entries acc, merged;
    for (const FiringBatch& batch : schedule) {
        const Actor& actor = graph.actors()[static_cast<size_t>(batch.actor)];
        for (int64_t f = 0; f < batch.count; ++f) {
            if ((++firings & 0x3ff) == 0 && ctx.cancelled())
                return makeError(Errc::Cancelled, "cancelled");
            // Start = max over the consumed tokens' stamps (FIFO front first).
            acc.clear();
            for (int c : adj.in[static_cast<size_t>(batch.actor)]) {
                auto& q = fifo[static_cast<size_t>(c)];
                const int64_t cons = graph.channels()[static_cast<size_t>(c)].consumption;
                for (int64_t k = 0; k < cons; ++k) {
                    if (q.empty())
                        return makeError(Errc::Internal, "max-plus execution: the schedule is not valid at " +
                                                             graph.describeChannel(c));
                    const Entries& t = q.front()->e;
                    work += static_cast<int64_t>(acc.size() + t.size());
                    merged.clear();
                    size_t i = 0, j = 0;
                    while (i < acc.size() || j < t.size()) {
                        if (j == t.size() || (i < acc.size() && acc[i].first < t[j].first))
                            merged.push_back(acc[i++]);
                        else if (i == acc.size() || t[j].first < acc[i].first)
                            merged.push_back(t[j++]);
                        else {
                            merged.emplace_back(acc[i].first, std::max(acc[i].second, t[j].second));
                            ++i;
                            ++j;
                        }
                    }
                    acc.swap(merged);
                    q.pop_front();
                }
            }
            if (work > limits.maxMaxPlusWork)
                return tooLarge("the max-plus symbolic execution's work", work, limits.maxMaxPlusWork, "maxMaxPlusWork");
            // End = start + execution time.
            for (auto& [token, t] : acc)
                if (addOverflows(t, actor.executionTime, t))
                    return makeError(Errc::InvalidArgument, "time overflows 64-bit integers at actor '" + actor.name + "'");
            auto stamp = std::make_shared<const Stamp>(acc, &live);
            if (live > limits.maxMaxPlusEntries)
                return tooLarge("the max-plus entries held at once", live, limits.maxMaxPlusEntries, "maxMaxPlusEntries");
            for (int c : adj.out[static_cast<size_t>(batch.actor)])
                for (int64_t k = 0; k < graph.channels()[static_cast<size_t>(c)].production; ++k)
                    fifo[static_cast<size_t>(c)].push_back(stamp);
        }
    }
    m.rows.reserve(static_cast<size_t>(n));
    for (int c = 0; c < graph.channelCount(); ++c) {
        if (static_cast<int64_t>(fifo[static_cast<size_t>(c)].size()) != graph.channels()[static_cast<size_t>(c)].initialTokens)
            return makeError(Errc::Internal, "max-plus execution: " + graph.describeChannel(c) +
                                                 " does not return to its initial tokens after one iteration");
        for (const auto& s : fifo[static_cast<size_t>(c)])
            m.rows.push_back(s->e);
    }
    return m;
}

std::vector<WeightedEdge> precedenceEdges(const MaxPlusMatrix& m)
{
    std::vector<WeightedEdge> edges;
    for (int j = 0; j < m.size; ++j)
        for (const auto& [i, w] : m.rows[static_cast<size_t>(j)])
            edges.push_back(WeightedEdge{i, j, w});
    return edges;
}

Rational ThroughputAnalysis::actorThroughput(int actor) const
{
    // q(a) / (num/den) = q(a)*den / num, reduced; 128-bit safe via Rational::make after a gcd.
    const int64_t qa = repetitions[static_cast<size_t>(actor)];
    const int64_t g1 = std::gcd(qa, period.num);
    return Rational::make((qa / g1) * period.den, period.num / g1);
}

bool isStronglyConnected(const SdfGraph& graph)
{
    if (graph.actorCount() == 0)
        return false;
    const Adjacency adj(graph);
    const auto fwd = reach(graph, adj, true), bwd = reach(graph, adj, false);
    return std::all_of(fwd.begin(), fwd.end(), [](char c) { return c != 0; }) &&
           std::all_of(bwd.begin(), bwd.end(), [](char c) { return c != 0; });
}

Expected<ThroughputAnalysis> analyzeThroughput(const SdfGraph& graph, const AnalysisLimits& limits, const RunContext& ctx)
{
    const bool forceMaxPlusMatrix = limits.forceMaxPlusMatrix;
    ThroughputAnalysis r;
    ctx.report(0, "repetition vector");
    NNB_TRY(r.repetitions, repetitionVector(graph));
    for (int64_t v : r.repetitions)
        r.iterationFirings += v; // no overflow: iterationSchedule checks it first
    ctx.report(100, "deadlock check");
    NNB_TRY(const std::vector<FiringBatch> schedule, iterationSchedule(graph, r.repetitions, limits, ctx));
    const bool homogeneous = std::all_of(graph.channels().begin(), graph.channels().end(),
                                         [](const Channel& c) { return c.production == 1 && c.consumption == 1; });
    if (homogeneous && !forceMaxPlusMatrix) {
        // HSDF: the period is the maximum cycle ratio of the actor graph, each channel weighing
        // its source's execution time over its initial tokens.
        ctx.report(500, "maximum cycle ratio");
        std::vector<RatioEdge> edges;
        edges.reserve(graph.channels().size());
        for (const Channel& c : graph.channels()) {
            edges.push_back({c.src, c.dst, graph.actors()[static_cast<size_t>(c.src)].executionTime, c.initialTokens});
            r.initialTokens += c.initialTokens;
        }
        NNB_TRY(const CycleRatio mcr, maximumCycleRatioHoward(graph.actorCount(), edges));
        if (!mcr.hasCycle || mcr.ratio.num == 0) {
            r.unbounded = true;
            r.period = Rational{0, 1};
        } else {
            r.period = mcr.ratio;
        }
        for (int e : mcr.cycleEdges)
            if (edges[static_cast<size_t>(e)].transit > 0)
                r.criticalChannels.push_back(e);
        ctx.report(1000, "done");
        return r;
    }
    ctx.report(300, "max-plus matrix");
    NNB_TRY(const MaxPlusMatrix m, iterationMatrix(graph, schedule, limits, ctx));
    r.initialTokens = m.size;
    ctx.report(700, "maximum cycle mean");
    NNB_TRY(const CycleMean mcm, maximumCycleMeanHoward(m.size, precedenceEdges(m)));
    if (!mcm.hasCycle || mcm.mean.num == 0) {
        r.unbounded = true;
        r.period = Rational{0, 1};
    } else {
        r.period = mcm.mean;
    }
    for (int token : mcm.cycle)
        r.criticalChannels.push_back(m.tokenChannel[static_cast<size_t>(token)]);
    ctx.report(1000, "done");
    return r;
}

} // namespace nnb::dataflow
