// SPDX-License-Identifier: GPL-3.0-or-later
// Placement of crossbar tiles on the core mesh: sequential baseline, greedy by traffic and
// simulated annealing of sum(traffic x hops) with incremental move costs.
#include "nnb/map/placement.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <queue>
#include <random>

namespace nnb::mapping {
namespace {

using Clock = std::chrono::steady_clock;

/// Undirected, merged adjacency of the tiles in CSR form: hops are symmetric, so an edge's
/// traffic counts once whichever end moves.
struct Adjacency {
    std::vector<int> offset;
    std::vector<int> neighbour;
    std::vector<double> weight;
};

Adjacency buildAdjacency(const TileGraph& g)
{
    const int n = g.numTiles();
    std::vector<std::vector<std::pair<int, double>>> lists(static_cast<size_t>(n));
    for (const TrafficEdge& e : g.edges) {
        if (e.from == e.to || e.traffic <= 0)
            continue;
        lists[static_cast<size_t>(e.from)].emplace_back(e.to, e.traffic);
        lists[static_cast<size_t>(e.to)].emplace_back(e.from, e.traffic);
    }
    Adjacency a;
    a.offset.assign(static_cast<size_t>(n) + 1, 0);
    for (int t = 0; t < n; ++t) {
        auto& l = lists[static_cast<size_t>(t)];
        std::sort(l.begin(), l.end());
        for (size_t i = 0; i < l.size(); ++i) {
            if (i > 0 && l[i].first == l[i - 1].first) {
                a.weight.back() += l[i].second;
                continue;
            }
            a.neighbour.push_back(l[i].first);
            a.weight.push_back(l[i].second);
        }
        a.offset[static_cast<size_t>(t) + 1] = static_cast<int>(a.neighbour.size());
    }
    return a;
}

// Portable draws from the engine's raw output, so a seed gives the same placement with any
// standard library (the std distributions are implementation-defined).
uint64_t below(std::mt19937_64& rng, uint64_t n) { return rng() % n; }
double unitInterval(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

/// Calls ctx.report at most every 50 ms.
class ProgressThrottle {
public:
    explicit ProgressThrottle(const RunContext& ctx) : m_ctx(ctx) {}
    void report(int permille, const char* stage)
    {
        const auto now = Clock::now();
        if (m_first || now - m_last >= std::chrono::milliseconds(50)) {
            m_ctx.report(permille, stage);
            m_last = now;
            m_first = false;
        }
    }

private:
    const RunContext& m_ctx;
    Clock::time_point m_last;
    bool m_first = true;
};

double seconds(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }

int centreCore(const Mesh& mesh) { return (mesh.height / 2) * mesh.width + mesh.width / 2; }

Expected<std::vector<int>> placeGreedy(const TileGraph& g, const Adjacency& adj, const Mesh& mesh, const RunContext& ctx,
                                       ProgressThrottle& progress)
{
    const int n = g.numTiles();
    const int centre = centreCore(mesh);
    std::vector<int> core(static_cast<size_t>(n), -1);
    std::vector<double> connection(static_cast<size_t>(n), 0.0);
    std::vector<int> freeCores(static_cast<size_t>(mesh.cores()));
    for (int c = 0; c < mesh.cores(); ++c)
        freeCores[static_cast<size_t>(c)] = c;

    // Max-heap of (connection to placed tiles, -tile): ties go to the earlier tile. Entries whose
    // weight no longer matches are stale and skipped.
    std::priority_queue<std::pair<double, int>> heap;
    int nextInOrder = 0;
    // Start from the tile with the most traffic.
    int first = 0;
    double firstWeight = -1;
    for (int t = 0; t < n; ++t) {
        double w = 0;
        for (int i = adj.offset[static_cast<size_t>(t)]; i < adj.offset[static_cast<size_t>(t) + 1]; ++i)
            w += adj.weight[static_cast<size_t>(i)];
        if (w > firstWeight) {
            firstWeight = w;
            first = t;
        }
    }
    heap.emplace(0.0, -first);

    for (int placed = 0; placed < n; ++placed) {
        if ((placed & 63) == 0) {
            if (ctx.cancelled())
                return makeError(Errc::Cancelled, "placement cancelled");
            progress.report(placed * 1000 / std::max(1, n), "greedy placement");
        }
        int t = -1;
        while (!heap.empty()) {
            const auto [w, negTile] = heap.top();
            heap.pop();
            if (core[static_cast<size_t>(-negTile)] < 0 && w == connection[static_cast<size_t>(-negTile)]) {
                t = -negTile;
                break;
            }
        }
        if (t < 0) { // no placed partner: next unplaced tile in topological order
            while (core[static_cast<size_t>(nextInOrder)] >= 0)
                ++nextInOrder;
            t = nextInOrder;
        }
        // The free core minimising traffic x hops to the placed partners; ties: nearer the centre,
        // then the lower core number.
        size_t bestSlot = 0;
        double bestCost = 0;
        int bestCentre = 0;
        for (size_t s = 0; s < freeCores.size(); ++s) {
            const int c = freeCores[s];
            double cost = 0;
            for (int i = adj.offset[static_cast<size_t>(t)]; i < adj.offset[static_cast<size_t>(t) + 1]; ++i) {
                const int other = core[static_cast<size_t>(adj.neighbour[static_cast<size_t>(i)])];
                if (other >= 0)
                    cost += adj.weight[static_cast<size_t>(i)] * mesh.hops(c, other);
            }
            const int toCentre = mesh.hops(c, centre);
            if (s == 0 || cost < bestCost || (cost == bestCost && (toCentre < bestCentre || (toCentre == bestCentre && c < freeCores[bestSlot])))) {
                bestSlot = s;
                bestCost = cost;
                bestCentre = toCentre;
            }
        }
        core[static_cast<size_t>(t)] = freeCores[bestSlot];
        freeCores[bestSlot] = freeCores.back();
        freeCores.pop_back();
        for (int i = adj.offset[static_cast<size_t>(t)]; i < adj.offset[static_cast<size_t>(t) + 1]; ++i) {
            const int other = adj.neighbour[static_cast<size_t>(i)];
            if (core[static_cast<size_t>(other)] >= 0)
                continue;
            connection[static_cast<size_t>(other)] += adj.weight[static_cast<size_t>(i)];
            heap.emplace(connection[static_cast<size_t>(other)], -other);
        }
    }
    return core;
}

/// Simulated annealing from \p core (modified in place into the best placement found).
Expected<void> anneal(const TileGraph& g, const Adjacency& adj, const Mesh& mesh, const PlacementOptions& options,
                      const RunContext& ctx, ProgressThrottle& progress, Clock::time_point start, std::vector<int>& core,
                      Placement& stats)
{
    const int n = g.numTiles();
    if (n < 1 || mesh.cores() < 2)
        return {};
    std::vector<int> coreToTile(static_cast<size_t>(mesh.cores()), -1);
    for (int t = 0; t < n; ++t)
        coreToTile[static_cast<size_t>(core[static_cast<size_t>(t)])] = t;

    // Cost change of moving tile t from core oldCore to newCore; the tile it swaps with (if any)
    // is skipped, since their mutual distance does not change. Only t's edges are visited.
    auto moveDelta = [&](int t, int oldCore, int newCore, int swapped) {
        double d = 0;
        for (int i = adj.offset[static_cast<size_t>(t)]; i < adj.offset[static_cast<size_t>(t) + 1]; ++i) {
            const int other = adj.neighbour[static_cast<size_t>(i)];
            if (other == swapped)
                continue;
            const int oc = core[static_cast<size_t>(other)];
            d += adj.weight[static_cast<size_t>(i)] * (mesh.hops(newCore, oc) - mesh.hops(oldCore, oc));
        }
        return d;
    };
    auto delta = [&](int a, int ca, int cb, int b) {
        return moveDelta(a, ca, cb, b) + (b >= 0 ? moveDelta(b, cb, ca, a) : 0.0);
    };

    std::mt19937_64 rng(options.seed);
    // Moves stay within a window around the tile: a quarter of the mesh at first (the greedy
    // start is already good; refine it rather than scatter it), shrinking to neighbours.
    const int startRadius = std::max(2, std::max(mesh.width, mesh.height) / 4);
    auto proposal = [&](int radius, int& a, int& cb) {
        a = static_cast<int>(below(rng, static_cast<uint64_t>(n)));
        const int ca = core[static_cast<size_t>(a)];
        const int span = 2 * radius + 1;
        const int x = std::clamp(mesh.x(ca) + static_cast<int>(below(rng, static_cast<uint64_t>(span))) - radius, 0, mesh.width - 1);
        const int y = std::clamp(mesh.y(ca) + static_cast<int>(below(rng, static_cast<uint64_t>(span))) - radius, 0, mesh.height - 1);
        cb = y * mesh.width + x;
    };

    // Initial temperature: half the mean cost increase of window moves, so a typical uphill move
    // is first accepted with probability e^-2; cooled geometrically to 1/1000 of it.
    double upSum = 0;
    int upCount = 0;
    for (int i = 0; i < 256; ++i) {
        int a = 0;
        int cb = 0;
        proposal(startRadius, a, cb);
        const int ca = core[static_cast<size_t>(a)];
        if (ca == cb)
            continue;
        const double d = delta(a, ca, cb, coreToTile[static_cast<size_t>(cb)]);
        if (d > 0) {
            upSum += d;
            ++upCount;
        }
    }
    const double t0 = upCount > 0 ? 0.5 * upSum / upCount : 1.0;
    const double tEnd = t0 * 1e-3;
    const int64_t moves = options.annealMoves > 0 ? options.annealMoves : std::max<int64_t>(100000, int64_t{1000} * n);
    const double cooling = std::pow(tEnd / t0, 1.0 / static_cast<double>(moves));

    double cost = hopTraffic(g, mesh, core);
    double bestCost = cost;
    std::vector<int> best = core;
    double temperature = t0;
    for (int64_t m = 0; m < moves; ++m, temperature *= cooling) {
        if ((m & 4095) == 0) {
            if (ctx.cancelled())
                return makeError(Errc::Cancelled, "placement cancelled");
            if (m > 0 && seconds(start) > options.timeLimitSeconds) {
                stats.stoppedByTimeLimit = true;
                break;
            }
            progress.report(static_cast<int>(1000 * m / moves), "annealing placement");
        }
        if ((m & 1023) == 0 && cost < bestCost) {
            bestCost = cost;
            best = core;
        }
        // The move window shrinks with the temperature: far jumps early, local swaps late.
        const int radius = std::max(1, static_cast<int>(std::ceil(startRadius * temperature / t0)));
        int a = 0;
        int cb = 0;
        proposal(radius, a, cb);
        ++stats.movesTried;
        const int ca = core[static_cast<size_t>(a)];
        if (ca == cb)
            continue;
        const int b = coreToTile[static_cast<size_t>(cb)];
        const double d = delta(a, ca, cb, b);
        if (d > 0 && unitInterval(rng) >= std::exp(-d / temperature))
            continue;
        ++stats.movesAccepted;
        core[static_cast<size_t>(a)] = cb;
        coreToTile[static_cast<size_t>(cb)] = a;
        coreToTile[static_cast<size_t>(ca)] = b;
        if (b >= 0)
            core[static_cast<size_t>(b)] = ca;
        cost += d;
    }
    // The running cost accumulates rounding; compare exact figures.
    if (hopTraffic(g, mesh, core) > hopTraffic(g, mesh, best))
        core = std::move(best);
    return {};
}

} // namespace

const char* toString(Placer placer)
{
    switch (placer) {
    case Placer::Sequential: return "sequential";
    case Placer::Greedy: return "greedy";
    case Placer::Anneal: return "anneal";
    }
    return "?";
}

std::optional<Placer> parsePlacer(std::string_view name)
{
    for (Placer p : {Placer::Sequential, Placer::Greedy, Placer::Anneal})
        if (name == toString(p))
            return p;
    return std::nullopt;
}

double hopTraffic(const TileGraph& graph, const Mesh& mesh, const std::vector<int>& tileToCore)
{
    double sum = 0;
    for (const TrafficEdge& e : graph.edges)
        sum += e.traffic * mesh.hops(tileToCore[static_cast<size_t>(e.from)], tileToCore[static_cast<size_t>(e.to)]);
    return sum;
}

std::optional<Diagnostic> checkCapacity(const TileGraph& graph, const Mesh& mesh, const hw::Profile& profile)
{
    const int tiles = graph.numTiles();
    const int cores = mesh.cores();
    if (tiles <= cores)
        return std::nullopt;
    const Tile& firstMissing = graph.tiles[static_cast<size_t>(cores)];
    const std::string& layer = graph.layers[static_cast<size_t>(firstMissing.layer)];
    // A mesh at least as wide as the current one that holds every tile.
    const int width = std::max(mesh.width, static_cast<int>(std::ceil(std::sqrt(static_cast<double>(tiles)))));
    const int height = (tiles + width - 1) / width;
    Diagnostic d;
    d.severity = Severity::Error;
    d.where = layer;
    d.message = "the network needs " + std::to_string(tiles) + " cores (one crossbar tile per core) but profile '" + profile.id +
                "' has " + std::to_string(cores) + " (" + std::to_string(mesh.width) + "x" + std::to_string(mesh.height) +
                " mesh): the cores run out at layer " + layer + ", " + std::to_string(tiles - cores) +
                " cores short; use bigger crossbars (crossbar.rows/cols, now " + std::to_string(profile.crossbar.rows) + "x" +
                std::to_string(profile.crossbar.cols) + ") so layers need fewer tiles, or a larger chip profile, e.g. " +
                "--set chip.mesh_width=" + std::to_string(width) + " --set chip.mesh_height=" + std::to_string(height) +
                " --set chip.cores=" + std::to_string(width * height);
    return d;
}

Expected<Placement> place(const TileGraph& graph, const Mesh& mesh, const PlacementOptions& options, const RunContext& ctx)
{
    const auto start = Clock::now();
    const int n = graph.numTiles();
    if (n > mesh.cores())
        return makeError(Errc::InvalidArgument, std::to_string(n) + " tiles do not fit " + std::to_string(mesh.cores()) + " cores");
    for (const TrafficEdge& e : graph.edges)
        if (e.from < 0 || e.from >= n || e.to < 0 || e.to >= n)
            return makeError(Errc::InvalidArgument, "a traffic edge names a tile that does not exist");
    Placement result;
    ProgressThrottle progress(ctx);
    if (options.placer == Placer::Sequential) {
        result.tileToCore.resize(static_cast<size_t>(n));
        for (int t = 0; t < n; ++t)
            result.tileToCore[static_cast<size_t>(t)] = t;
    } else {
        const Adjacency adj = buildAdjacency(graph);
        NNB_TRY(result.tileToCore, placeGreedy(graph, adj, mesh, ctx, progress));
        if (options.placer == Placer::Anneal)
            NNB_RETURN_IF_ERROR(anneal(graph, adj, mesh, options, ctx, progress, start, result.tileToCore, result));
    }
    result.hopTraffic = hopTraffic(graph, mesh, result.tileToCore);
    result.seconds = seconds(start);
    ctx.report(1000, "placement done");
    return result;
}

} // namespace nnb::mapping
