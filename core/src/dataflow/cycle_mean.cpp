// SPDX-License-Identifier: GPL-3.0-or-later
// Maximum cycle mean: Howard's policy iteration in exact arithmetic, and Karp's algorithm.
#include <algorithm>
#include <cstdint>
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
    std::vector<size_t> outDegree(n, 0);
    std::vector<std::vector<int>> in(n);
    for (const WeightedEdge& e : edges) {
        if (e.from < 0 || e.to < 0 || e.from >= nodes || e.to >= nodes)
            return makeError(Errc::InvalidArgument, "maximum cycle mean: edge end out of range");
        if (e.weight == kMinusInfinity)
            continue;
        ++outDegree[static_cast<size_t>(e.from)];
        in[static_cast<size_t>(e.to)].push_back(e.from);
        maxAbsWeight = std::max(maxAbsWeight, e.weight < 0 ? -e.weight : e.weight);
    }
    // Potentials are bounded by ~3 n^3 max|w| (n <= 2^24); keep products within 2^126.
    if (maxAbsWeight > (int64_t(1) << 50))
        return makeError(Errc::InvalidArgument, "maximum cycle mean: weights above 2^50 time units are not supported");

    // Prune nodes that cannot reach a cycle (out-degree 0 after removals): a policy needs a
    // successor at every node.
    std::vector<char> alive(n, 1);
    std::vector<int> dead;
    for (size_t v = 0; v < n; ++v)
        if (outDegree[v] == 0)
            dead.push_back(static_cast<int>(v));
    while (!dead.empty()) {
        const int v = dead.back();
        dead.pop_back();
        alive[static_cast<size_t>(v)] = 0;
        for (int u : in[static_cast<size_t>(v)])
            if (alive[static_cast<size_t>(u)] && --outDegree[static_cast<size_t>(u)] == 0)
                dead.push_back(u);
    }
    in = {};
    if (std::none_of(alive.begin(), alive.end(), [](char a) { return a != 0; }))
        return result; // acyclic

    // Live edges in compressed rows (cache-friendly: the loops below are memory bound).
    std::vector<size_t> first(n + 1, 0);
    for (const WeightedEdge& e : edges)
        if (e.weight != kMinusInfinity && alive[static_cast<size_t>(e.from)] && alive[static_cast<size_t>(e.to)])
            ++first[static_cast<size_t>(e.from) + 1];
    for (size_t v = 0; v < n; ++v)
        first[v + 1] += first[v];
    std::vector<Out> out(first[n]);
    {
        std::vector<size_t> fill(first.begin(), first.end() - 1);
        for (const WeightedEdge& e : edges)
            if (e.weight != kMinusInfinity && alive[static_cast<size_t>(e.from)] && alive[static_cast<size_t>(e.to)])
                out[fill[static_cast<size_t>(e.from)]++] = Out{e.to, e.weight};
    }

    // Per node: the policy's edge (successor and weight) and the value under the policy: the
    // mean W/L of the cycle it reaches, and a potential x = X / L (X integer), with x(root of the
    // cycle) = 0 and x(v) = w(v, succ v) - W/L + x(succ v), i.e. X(v) = L w - W + X(succ v).
    struct Value {
        Int128 X = 0;
        int64_t W = 0;
        int64_t L = 1;
        int64_t succW = 0;
        int succ = -1;
        int cycle = -1;
    };
    std::vector<Value> val(n);
    for (size_t v = 0; v < n; ++v) {
        if (!alive[v])
            continue;
        // Initial policy: the heaviest out-edge.
        size_t best = first[v];
        for (size_t k = first[v] + 1; k < first[v + 1]; ++k)
            if (out[k].w > out[best].w)
                best = k;
        val[v].succ = out[best].to;
        val[v].succW = out[best].w;
    }
    const auto etaLess = [](const Value& a, const Value& b) { return static_cast<Int128>(a.W) * b.L < static_cast<Int128>(b.W) * a.L; };
    const auto etaEqual = [](const Value& a, const Value& b) { return static_cast<Int128>(a.W) * b.L == static_cast<Int128>(b.W) * a.L; };

    std::vector<std::vector<int>> cycles;
    std::vector<int> state(n); // 0 new, 1 on the current walk (position + 1 stored in walkPos), 2 done
    std::vector<size_t> walkPos(n);
    std::vector<size_t> path;

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
                walkPos[v] = path.size();
                path.push_back(v);
                v = static_cast<size_t>(val[v].succ);
            }
            size_t pending = path.size(); // path[0, pending) still needs values
            if (state[v] == 1) {
                // A new cycle: path[pos, end).
                const size_t pos = walkPos[v];
                int64_t W = 0;
                const auto L = static_cast<int64_t>(path.size() - pos);
                size_t root = v;
                for (size_t k = pos; k < path.size(); ++k) {
                    if (__builtin_add_overflow(W, val[path[k]].succW, &W))
                        return makeError(Errc::InvalidArgument, "maximum cycle mean: a cycle's weight overflows 64 bits");
                    root = std::min(root, path[k]);
                }
                const int id = static_cast<int>(cycles.size());
                auto& cyc = cycles.emplace_back();
                cyc.reserve(static_cast<size_t>(L));
                // Walk the cycle from its smallest node (the same root while the cycle stays
                // the same, which Howard's termination argument needs).
                for (size_t u = root, k = 0; k < static_cast<size_t>(L); ++k, u = static_cast<size_t>(val[u].succ))
                    cyc.push_back(static_cast<int>(u));
                for (int u : cyc) {
                    Value& x = val[static_cast<size_t>(u)];
                    x.W = W;
                    x.L = L;
                    x.cycle = id;
                    state[static_cast<size_t>(u)] = 2;
                }
                val[root].X = 0;
                for (size_t k = cyc.size() - 1; k >= 1; --k) {
                    Value& x = val[static_cast<size_t>(cyc[k])];
                    x.X = static_cast<Int128>(L) * x.succW - W + val[static_cast<size_t>(x.succ)].X;
                }
                pending = pos;
            }
            for (size_t k = pending; k-- > 0;) {
                Value& x = val[path[k]];
                const Value& next = val[static_cast<size_t>(x.succ)];
                x.W = next.W;
                x.L = next.L;
                x.cycle = next.cycle;
                x.X = static_cast<Int128>(x.L) * x.succW - x.W + next.X;
                state[path[k]] = 2;
            }
        }

        // 2. Improve the reached cycle mean: switch to a successor reaching a strictly larger mean.
        bool changed = false;
        for (size_t v = 0; v < n; ++v) {
            if (!alive[v])
                continue;
            const Value* best = &val[static_cast<size_t>(val[v].succ)];
            size_t bestEdge = SIZE_MAX;
            for (size_t k = first[v]; k < first[v + 1]; ++k) {
                const Value& u = val[static_cast<size_t>(out[k].to)];
                if (etaLess(*best, u)) {
                    best = &u;
                    bestEdge = k;
                }
            }
            if (bestEdge != SIZE_MAX) {
                val[v].succ = out[bestEdge].to;
                val[v].succW = out[bestEdge].w;
                changed = true;
            }
        }
        if (changed)
            continue;

        // 3. Same mean: improve the potential, w(v,u) + x(u) > w(v,succ v) + x(succ v), strictly.
        for (size_t v = 0; v < n; ++v) {
            if (!alive[v])
                continue;
            const Value& self = val[v];
            const Value* best = &val[static_cast<size_t>(self.succ)];
            int64_t bestW = self.succW;
            size_t bestEdge = SIZE_MAX;
            for (size_t k = first[v]; k < first[v + 1]; ++k) {
                const Value& u = val[static_cast<size_t>(out[k].to)];
                if (!etaEqual(u, self))
                    continue;
                // (w + X[u]/L[u]) > (bestW + X[b]/L[b])  <=>  (w L[u] + X[u]) L[b] > (bestW L[b] + X[b]) L[u]
                const Int128 lhs = (static_cast<Int128>(out[k].w) * u.L + u.X) * best->L;
                const Int128 rhs = (static_cast<Int128>(bestW) * best->L + best->X) * u.L;
                if (lhs > rhs) {
                    best = &u;
                    bestW = out[k].w;
                    bestEdge = k;
                }
            }
            if (bestEdge != SIZE_MAX) {
                val[v].succ = out[bestEdge].to;
                val[v].succW = out[bestEdge].w;
                changed = true;
            }
        }
        if (changed)
            continue;

        // Optimal: the largest mean over the policy's cycles.
        int bestCycle = 0;
        for (int id = 1; id < static_cast<int>(cycles.size()); ++id)
            if (etaLess(val[static_cast<size_t>(cycles[static_cast<size_t>(bestCycle)][0])],
                        val[static_cast<size_t>(cycles[static_cast<size_t>(id)][0])]))
                bestCycle = id;
        const auto& cyc = cycles[static_cast<size_t>(bestCycle)];
        const Value& u = val[static_cast<size_t>(cyc[0])];
        result.hasCycle = true;
        result.mean = Rational::make(u.W, u.L);
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
