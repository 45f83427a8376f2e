// SPDX-License-Identifier: GPL-3.0-or-later
// Maximum cycle ratio by Howard's policy iteration (Cochet-Terrasson et al. 1998; Dasdan 2004),
// exact: cycle ratios are reduced fractions P/Q and node potentials are 128-bit integers scaled
// by the Q of their cycle, so every comparison is exact and the policy changes only on strict
// improvement.
#include <algorithm>
#include <cstdint>
#include <numeric>

#include "nnb/dataflow/analysis.h"

namespace nnb::dataflow {
namespace {

struct Ratio {
    int64_t p = 0; ///< numerator (sum of weights on the cycle)
    int64_t q = 1; ///< denominator (sum of transits), > 0
};

bool greater(const Ratio& a, const Ratio& b)
{
    return static_cast<Int128>(a.p) * b.q > static_cast<Int128>(b.p) * a.q;
}

bool equal(const Ratio& a, const Ratio& b)
{
    return static_cast<Int128>(a.p) * b.q == static_cast<Int128>(b.p) * a.q;
}

} // namespace

Expected<CycleRatio> maximumCycleRatioHoward(int nodes, const std::vector<RatioEdge>& edges)
{
    CycleRatio result;
    if (nodes <= 0)
        return result;
    const auto n = static_cast<size_t>(nodes);
    // Out-edges in compressed rows.
    std::vector<int64_t> start(n + 1, 0);
    for (const RatioEdge& e : edges) {
        if (e.from < 0 || e.to < 0 || e.from >= nodes || e.to >= nodes || e.transit < 0)
            return makeError(Errc::InvalidArgument, "maximumCycleRatioHoward: an edge is out of range or has a negative transit");
        ++start[static_cast<size_t>(e.from) + 1];
    }
    std::partial_sum(start.begin(), start.end(), start.begin());
    std::vector<int> order(edges.size());
    {
        std::vector<int64_t> fill(start.begin(), start.end() - 1);
        for (size_t i = 0; i < edges.size(); ++i)
            order[static_cast<size_t>(fill[static_cast<size_t>(edges[i].from)]++)] = static_cast<int>(i);
    }

    // Only nodes that reach a cycle matter: drop sinks repeatedly (nodes all of whose
    // successors were dropped).
    std::vector<int64_t> liveOut(n, 0);
    std::vector<std::vector<int>> preds(n);
    for (const RatioEdge& e : edges) {
        ++liveOut[static_cast<size_t>(e.from)];
        preds[static_cast<size_t>(e.to)].push_back(e.from);
    }
    std::vector<bool> alive(n, true);
    std::vector<int> queue;
    for (size_t v = 0; v < n; ++v)
        if (liveOut[v] == 0)
            queue.push_back(static_cast<int>(v));
    while (!queue.empty()) {
        const int v = queue.back();
        queue.pop_back();
        if (!alive[static_cast<size_t>(v)])
            continue;
        alive[static_cast<size_t>(v)] = false;
        for (int u : preds[static_cast<size_t>(v)])
            if (alive[static_cast<size_t>(u)] && --liveOut[static_cast<size_t>(u)] == 0)
                queue.push_back(u);
    }
    preds.clear();
    preds.shrink_to_fit();
    if (std::none_of(alive.begin(), alive.end(), [](bool a) { return a; }))
        return result; // acyclic

    // Initial policy: the heaviest live out-edge of each live node.
    std::vector<int> policy(n, -1);
    for (size_t v = 0; v < n; ++v) {
        if (!alive[v])
            continue;
        for (int64_t k = start[v]; k < start[v + 1]; ++k) {
            const RatioEdge& e = edges[static_cast<size_t>(order[static_cast<size_t>(k)])];
            if (alive[static_cast<size_t>(e.to)] &&
                (policy[v] < 0 || e.weight > edges[static_cast<size_t>(policy[v])].weight))
                policy[v] = order[static_cast<size_t>(k)];
        }
    }

    std::vector<Ratio> eta(n);
    std::vector<Int128> x(n, 0);        // potential × eta.q
    std::vector<int> state(n, 0);       // 0 unvisited, 1 on the current path, 2 evaluated
    std::vector<int> cycleHead(n, -1);  // a node of the policy cycle the node leads to
    std::vector<int> path;
    const int64_t maxIterations = 100000;
    for (int64_t iteration = 0; iteration < maxIterations; ++iteration) {
        // Value determination: each node follows its policy to a cycle.
        std::fill(state.begin(), state.end(), 0);
        for (size_t s = 0; s < n; ++s) {
            if (!alive[s] || state[s] != 0)
                continue;
            path.clear();
            int v = static_cast<int>(s);
            while (state[static_cast<size_t>(v)] == 0) {
                state[static_cast<size_t>(v)] = 1;
                path.push_back(v);
                v = edges[static_cast<size_t>(policy[static_cast<size_t>(v)])].to;
            }
            size_t firstTree = path.size(); // path[0 .. firstTree) lead into an evaluated node or a new cycle
            if (state[static_cast<size_t>(v)] == 1) {
                // A new cycle: v ... back to v, the tail of path.
                const auto at = static_cast<size_t>(std::find(path.begin(), path.end(), v) - path.begin());
                Ratio r{0, 0};
                for (size_t i = at; i < path.size(); ++i) {
                    const RatioEdge& e = edges[static_cast<size_t>(policy[static_cast<size_t>(path[i])])];
                    r.p += e.weight;
                    r.q += e.transit;
                }
                if (r.q <= 0)
                    return makeError(Errc::InvalidModel, "a cycle carries no tokens (the graph deadlocks)");
                const int64_t g = std::gcd(r.p < 0 ? -r.p : r.p, r.q);
                if (g > 1) {
                    r.p /= g;
                    r.q /= g;
                }
                // Potentials around the cycle, x(v) = 0 at its head.
                const int head = path[at];
                x[static_cast<size_t>(head)] = 0;
                for (size_t i = path.size() - 1; i > at; --i) {
                    const int u = path[i];
                    const RatioEdge& e = edges[static_cast<size_t>(policy[static_cast<size_t>(u)])];
                    const int next = e.to;
                    x[static_cast<size_t>(u)] = static_cast<Int128>(e.weight) * r.q - static_cast<Int128>(r.p) * e.transit +
                                                (next == head ? 0 : x[static_cast<size_t>(next)]);
                }
                for (size_t i = at; i < path.size(); ++i) {
                    eta[static_cast<size_t>(path[i])] = r;
                    cycleHead[static_cast<size_t>(path[i])] = head;
                    state[static_cast<size_t>(path[i])] = 2;
                }
                firstTree = at;
            }
            // The tree part, from the node next to the evaluated one back to s.
            for (size_t i = firstTree; i-- > 0;) {
                const int u = path[i];
                const RatioEdge& e = edges[static_cast<size_t>(policy[static_cast<size_t>(u)])];
                const Ratio r = eta[static_cast<size_t>(e.to)];
                eta[static_cast<size_t>(u)] = r;
                cycleHead[static_cast<size_t>(u)] = cycleHead[static_cast<size_t>(e.to)];
                x[static_cast<size_t>(u)] = static_cast<Int128>(e.weight) * r.q - static_cast<Int128>(r.p) * e.transit +
                                            x[static_cast<size_t>(e.to)];
                state[static_cast<size_t>(u)] = 2;
            }
        }

        // Policy improvement: a successor with a larger ratio first; with an equal ratio, a
        // strictly larger potential.
        bool changed = false;
        for (size_t v = 0; v < n; ++v) {
            if (!alive[v])
                continue;
            int best = policy[v];
            Ratio bestEta = eta[v];
            Int128 bestX = x[v];
            bool improvedEta = false;
            for (int64_t k = start[v]; k < start[v + 1]; ++k) {
                const int ei = order[static_cast<size_t>(k)];
                const RatioEdge& e = edges[static_cast<size_t>(ei)];
                if (!alive[static_cast<size_t>(e.to)])
                    continue;
                const Ratio& r = eta[static_cast<size_t>(e.to)];
                if (greater(r, bestEta)) {
                    best = ei;
                    bestEta = r;
                    improvedEta = true;
                    bestX = static_cast<Int128>(e.weight) * r.q - static_cast<Int128>(r.p) * e.transit + x[static_cast<size_t>(e.to)];
                } else if (!improvedEta && equal(r, eta[v])) {
                    const Int128 value =
                        static_cast<Int128>(e.weight) * r.q - static_cast<Int128>(r.p) * e.transit + x[static_cast<size_t>(e.to)];
                    if (value > bestX) {
                        best = ei;
                        bestX = value;
                    }
                }
            }
            if (best != policy[v]) {
                policy[v] = best;
                changed = true;
            }
        }
        if (!changed) {
            // The best cycle over all nodes.
            int bestNode = -1;
            for (size_t v = 0; v < n; ++v)
                if (alive[v] && (bestNode < 0 || greater(eta[v], eta[static_cast<size_t>(bestNode)])))
                    bestNode = static_cast<int>(v);
            const int head = cycleHead[static_cast<size_t>(bestNode)];
            result.hasCycle = true;
            result.ratio = Rational::make(eta[static_cast<size_t>(head)].p, eta[static_cast<size_t>(head)].q);
            int v = head;
            do {
                result.cycleEdges.push_back(policy[static_cast<size_t>(v)]);
                v = edges[static_cast<size_t>(policy[static_cast<size_t>(v)])].to;
            } while (v != head);
            return result;
        }
    }
    return makeError(Errc::Internal, "maximumCycleRatioHoward did not converge (a bug)");
}

} // namespace nnb::dataflow
