// SPDX-License-Identifier: GPL-3.0-or-later
// Maximum cycle mean: Howard's policy iteration in exact arithmetic, and Karp's algorithm.
#include <algorithm>
#include <numeric>

#include "nnb/dataflow/analysis.h"

namespace nnb::dataflow {
namespace {

struct Out {
    int to;
    int64_t w;
};

} // namespace

Expected<CycleMean> maximumCycleMeanHoward(int nodes, const std::vector<WeightedEdge>& edges)
{
    CycleMean result;
    if (nodes <= 0)
        return result;
    const auto n = static_cast<size_t>(nodes);
    if (n > (size_t(1) << 24))
        return makeError(Errc::InvalidArgument, "maximum cycle mean: more than 2^24 nodes");
    int64_t maxAbsWeight = 0;
    std::vector<std::vector<Out>> out(n);
    std::vector<std::vector<int>> in(n);
    for (const WeightedEdge& e : edges) {
        if (e.from < 0 || e.to < 0 || e.from >= nodes || e.to >= nodes)
            return makeError(Errc::InvalidArgument, "maximum cycle mean: edge end out of range");
        if (e.weight == kMinusInfinity)
            continue;
        out[static_cast<size_t>(e.from)].push_back(Out{e.to, e.weight});
        in[static_cast<size_t>(e.to)].push_back(e.from);
        maxAbsWeight = std::max(maxAbsWeight, e.weight < 0 ? -e.weight : e.weight);
    }
    // Potentials are bounded by ~3 n^3 max|w| (see below); keep that within 2^124.
    if (maxAbsWeight > (int64_t(1) << 50))
        return makeError(Errc::InvalidArgument, "maximum cycle mean: weights above 2^50 time units are not supported");

    // Prune nodes that cannot reach a cycle (out-degree 0 after removals): a policy needs a
    // successor at every node.
    std::vector<char> alive(n, 1);
    std::vector<size_t> degree(n);
    std::vector<int> dead;
    for (size_t v = 0; v < n; ++v) {
        degree[v] = out[v].size();
        if (degree[v] == 0)
            dead.push_back(static_cast<int>(v));
    }
    while (!dead.empty()) {
        const int v = dead.back();
        dead.pop_back();
        alive[static_cast<size_t>(v)] = 0;
        for (int u : in[static_cast<size_t>(v)])
            if (alive[static_cast<size_t>(u)] && --degree[static_cast<size_t>(u)] == 0)
                dead.push_back(u);
    }
    if (std::none_of(alive.begin(), alive.end(), [](char a) { return a != 0; }))
        return result; // acyclic
    for (size_t v = 0; v < n; ++v) {
        auto& o = out[v];
        o.erase(std::remove_if(o.begin(), o.end(), [&](const Out& e) { return !alive[static_cast<size_t>(e.to)]; }), o.end());
    }

    // Policy: one chosen out-edge per live node; initially the heaviest.
    std::vector<int> policy(n, -1);
    for (size_t v = 0; v < n; ++v) {
        if (!alive[v])
            continue;
        int best = 0;
        for (int k = 1; k < static_cast<int>(out[v].size()); ++k)
            if (out[v][static_cast<size_t>(k)].w > out[v][static_cast<size_t>(best)].w)
                best = k;
        policy[v] = best;
    }
    const auto succ = [&](size_t v) { return static_cast<size_t>(out[v][static_cast<size_t>(policy[v])].to); };
    const auto wOf = [&](size_t v) { return out[v][static_cast<size_t>(policy[v])].w; };

    // Value of a node under the policy: the mean cycW/cycL of the cycle it reaches, and a
    // potential x = X / cycL (X integer), with x(root of cycle) = 0 and
    // x(v) = w(v, succ v) - mean + x(succ v), i.e. X(v) = L w - W + X(succ v) (same L, W).
    std::vector<int64_t> cycW(n), cycL(n);
    std::vector<Int128> X(n);
    std::vector<int> cycleId(n);
    std::vector<std::vector<int>> cycles;
    std::vector<char> state(n);
    std::vector<size_t> path;

    const auto etaLess = [&](size_t a, size_t b) { // eta(a) < eta(b)
        return static_cast<Int128>(cycW[a]) * cycL[b] < static_cast<Int128>(cycW[b]) * cycL[a];
    };
    const auto etaEqual = [&](size_t a, size_t b) {
        return static_cast<Int128>(cycW[a]) * cycL[b] == static_cast<Int128>(cycW[b]) * cycL[a];
    };

    const int maxIterations = 1000 + 20 * nodes;
    for (int iteration = 0; iteration < maxIterations; ++iteration) {
        // 1. Value determination.
        std::fill(state.begin(), state.end(), 0);
        cycles.clear();
        for (size_t start = 0; start < n; ++start) {
            if (!alive[start] || state[start])
                continue;
            path.clear();
            size_t v = start;
            while (state[v] == 0) {
                state[v] = 1;
                path.push_back(v);
                v = succ(v);
            }
            size_t pending = path.size(); // path[0, pending) still needs values
            if (state[v] == 1) {
                // A new cycle: path from v's position to the end.
                const size_t pos = static_cast<size_t>(std::find(path.begin(), path.end(), v) - path.begin());
                int64_t W = 0;
                const int64_t L = static_cast<int64_t>(path.size() - pos);
                size_t root = v;
                for (size_t k = pos; k < path.size(); ++k) {
                    if (__builtin_add_overflow(W, wOf(path[k]), &W))
                        return makeError(Errc::InvalidArgument, "maximum cycle mean: a cycle's weight overflows 64 bits");
                    root = std::min(root, path[k]);
                }
                const int id = static_cast<int>(cycles.size());
                cycles.emplace_back();
                // Walk the cycle from root: root -> c1 -> ... -> c_{L-1} -> root.
                std::vector<size_t> cyc;
                cyc.reserve(static_cast<size_t>(L));
                for (size_t u = root, k = 0; k < static_cast<size_t>(L); ++k, u = succ(u))
                    cyc.push_back(u);
                for (size_t u : cyc) {
                    cycW[u] = W;
                    cycL[u] = L;
                    cycleId[u] = id;
                    cycles.back().push_back(static_cast<int>(u));
                }
                X[root] = 0;
                for (size_t k = cyc.size() - 1; k >= 1; --k) {
                    const size_t u = cyc[k], next = cyc[(k + 1) % cyc.size()];
                    X[u] = static_cast<Int128>(L) * wOf(u) - W + X[next];
                }
                for (size_t u : cyc)
                    state[u] = 2;
                pending = pos;
            }
            for (size_t k = pending; k-- > 0;) {
                const size_t u = path[k], next = succ(u);
                cycW[u] = cycW[next];
                cycL[u] = cycL[next];
                cycleId[u] = cycleId[next];
                X[u] = static_cast<Int128>(cycL[u]) * wOf(u) - cycW[u] + X[next];
                state[u] = 2;
            }
        }

        // 2. Improve the reached cycle mean: switch to a successor reaching a strictly larger mean.
        bool changed = false;
        for (size_t v = 0; v < n; ++v) {
            if (!alive[v])
                continue;
            int best = policy[v];
            size_t bestTo = succ(v);
            for (int k = 0; k < static_cast<int>(out[v].size()); ++k) {
                const size_t u = static_cast<size_t>(out[v][static_cast<size_t>(k)].to);
                if (etaLess(bestTo, u)) {
                    best = k;
                    bestTo = u;
                }
            }
            if (best != policy[v]) {
                policy[v] = best;
                changed = true;
            }
        }
        if (changed)
            continue;

        // 3. Same mean: improve the potential, w(v,u) + x(u) > w(v,succ v) + x(succ v), strictly.
        for (size_t v = 0; v < n; ++v) {
            if (!alive[v])
                continue;
            int best = policy[v];
            size_t bestTo = succ(v);
            int64_t bestW = wOf(v);
            for (int k = 0; k < static_cast<int>(out[v].size()); ++k) {
                const Out& e = out[v][static_cast<size_t>(k)];
                const auto u = static_cast<size_t>(e.to);
                if (!etaEqual(u, v))
                    continue;
                // (e.w + X[u]/L[u]) > (bestW + X[b]/L[b])  <=>  (e.w L[u] + X[u]) L[b] > (bestW L[b] + X[b]) L[u]
                const Int128 lhs = (static_cast<Int128>(e.w) * cycL[u] + X[u]) * cycL[bestTo];
                const Int128 rhs = (static_cast<Int128>(bestW) * cycL[bestTo] + X[bestTo]) * cycL[u];
                if (lhs > rhs) {
                    best = k;
                    bestTo = u;
                    bestW = e.w;
                }
            }
            if (best != policy[v]) {
                policy[v] = best;
                changed = true;
            }
        }
        if (changed)
            continue;

        // Optimal: the largest mean over the policy's cycles.
        int bestCycle = -1;
        for (int id = 0; id < static_cast<int>(cycles.size()); ++id) {
            const size_t u = static_cast<size_t>(cycles[static_cast<size_t>(id)][0]);
            if (bestCycle < 0 || etaLess(static_cast<size_t>(cycles[static_cast<size_t>(bestCycle)][0]), u))
                bestCycle = id;
        }
        const auto& cyc = cycles[static_cast<size_t>(bestCycle)];
        const size_t u = static_cast<size_t>(cyc[0]);
        result.hasCycle = true;
        result.mean = Rational::make(cycW[u], cycL[u]);
        result.cycle = cyc;
        return result;
    }
    return makeError(Errc::Internal, "Howard's policy iteration did not converge within " +
                                         std::to_string(maxIterations) + " iterations");
}

Expected<CycleMean> maximumCycleMeanKarp(int nodes, const std::vector<WeightedEdge>& edges)
{
    CycleMean result;
    if (nodes <= 0)
        return result;
    const auto n = static_cast<size_t>(nodes);
    std::vector<std::vector<Out>> out(n);
    for (const WeightedEdge& e : edges) {
        if (e.from < 0 || e.to < 0 || e.from >= nodes || e.to >= nodes)
            return makeError(Errc::InvalidArgument, "maximum cycle mean: edge end out of range");
        out[static_cast<size_t>(e.from)].push_back(Out{e.to, e.weight});
    }
    // Strongly connected components (iterative Tarjan).
    std::vector<int> index(n, -1), low(n, 0), comp(n, -1), stack;
    std::vector<char> onStack(n, 0);
    int counter = 0, comps = 0;
    for (size_t s = 0; s < n; ++s) {
        if (index[s] >= 0)
            continue;
        std::vector<std::pair<size_t, size_t>> call{{s, 0}};
        index[s] = low[s] = counter++;
        stack.push_back(static_cast<int>(s));
        onStack[s] = 1;
        while (!call.empty()) {
            auto& [v, k] = call.back();
            if (k < out[v].size()) {
                const auto u = static_cast<size_t>(out[v][k++].to);
                if (index[u] < 0) {
                    index[u] = low[u] = counter++;
                    stack.push_back(static_cast<int>(u));
                    onStack[u] = 1;
                    call.emplace_back(u, 0);
                } else if (onStack[u]) {
                    low[v] = std::min(low[v], index[u]);
                }
                continue;
            }
            if (low[v] == index[v]) {
                int u = -1;
                do {
                    u = stack.back();
                    stack.pop_back();
                    onStack[static_cast<size_t>(u)] = 0;
                    comp[static_cast<size_t>(u)] = comps;
                } while (static_cast<size_t>(u) != v);
                ++comps;
            }
            const size_t done = v;
            call.pop_back();
            if (!call.empty())
                low[call.back().first] = std::min(low[call.back().first], low[done]);
        }
    }
    std::vector<std::vector<int>> members(static_cast<size_t>(comps));
    for (size_t v = 0; v < n; ++v)
        members[static_cast<size_t>(comp[v])].push_back(static_cast<int>(v));
    std::vector<int> local(n, -1);
    for (const auto& mem : members) {
        const size_t k = mem.size();
        bool hasEdge = false;
        for (int v : mem)
            for (const Out& e : out[static_cast<size_t>(v)])
                hasEdge = hasEdge || comp[static_cast<size_t>(e.to)] == comp[static_cast<size_t>(v)];
        if (!hasEdge)
            continue;
        if (k > 8192)
            return makeError(Errc::InvalidArgument, "Karp's algorithm: a strongly connected component of more than "
                                                    "8192 nodes (use Howard's)");
        for (size_t i = 0; i < k; ++i)
            local[static_cast<size_t>(mem[i])] = static_cast<int>(i);
        // D[m][v]: the heaviest walk of exactly m edges from mem[0] to v.
        std::vector<int64_t> D((k + 1) * k, kMinusInfinity);
        D[0] = 0;
        for (size_t m = 1; m <= k; ++m)
            for (size_t i = 0; i < k; ++i) {
                const int64_t d = D[(m - 1) * k + i];
                if (d == kMinusInfinity)
                    continue;
                for (const Out& e : out[static_cast<size_t>(mem[i])]) {
                    if (comp[static_cast<size_t>(e.to)] != comp[static_cast<size_t>(mem[i])])
                        continue;
                    int64_t& t = D[m * k + static_cast<size_t>(local[static_cast<size_t>(e.to)])];
                    t = std::max(t, d + e.w);
                }
            }
        // Karp: lambda = max_v min_m (D[k][v] - D[m][v]) / (k - m).
        for (size_t v = 0; v < k; ++v) {
            const int64_t dk = D[k * k + v];
            if (dk == kMinusInfinity)
                continue;
            bool have = false;
            Rational worst;
            for (size_t m = 0; m < k; ++m) {
                const int64_t dm = D[m * k + v];
                if (dm == kMinusInfinity)
                    continue;
                const Rational r = Rational::make(dk - dm, static_cast<int64_t>(k - m));
                if (!have || r < worst) {
                    worst = r;
                    have = true;
                }
            }
            if (have && (!result.hasCycle || result.mean < worst)) {
                result.hasCycle = true;
                result.mean = worst;
            }
        }
    }
    return result;
}

} // namespace nnb::dataflow
