// SPDX-License-Identifier: GPL-3.0-or-later
// Placement: baseline, greedy and annealing on the shipped LeNet and on synthetic tile graphs;
// capacity diagnostics; determinism, cancellation and progress.
#include <QtTest>

#include <atomic>

#include "nnb/compile.h"
#include "nnb/hw/profile_io.h"
#include "nnb/map/mapping.h"
#include "nnb/onnx/import.h"
#include "test_paths.h"

using namespace nnb;
using namespace nnb::mapping;

namespace {

hw::Profile loadShipped(const std::string& id, const std::vector<std::string>& overrides = {})
{
    auto p = hw::loadProfile(test::profileDir() / (id + ".yaml"), overrides);
    if (!p)
        qFatal("cannot load profile %s: %s", id.c_str(), p.error().toString().c_str());
    return *p;
}

/// LeNet compiled for \p profile.
CompileResult compileLeNet(const hw::Profile& profile)
{
    auto model = onnx::importModel(test::resourceDir() / "models" / "lenet.onnx");
    if (!model)
        qFatal("%s", model.error().toString().c_str());
    auto result = compile(model->graph, profile, strategy::Strategy{});
    if (!result)
        qFatal("%s", result.error().toString().c_str());
    return std::move(*result);
}

/// TianJi has 6 cores (3x2); LeNet needs 16 tiles, so the placement tests give it a 4x4 mesh.
hw::Profile tianjiWithRoomForLeNet()
{
    return loadShipped("tianji", {"chip.cores=16", "chip.mesh_width=4", "chip.mesh_height=4"});
}

MapOptions withPlacer(Placer placer, uint64_t seed = 1)
{
    MapOptions o;
    o.placement.placer = placer;
    o.placement.seed = seed;
    return o;
}

/// A chain of n tiles with equal traffic: on a mesh with n cores a snake path reaches n - 1 hops.
TileGraph chain(int n)
{
    TileGraph g;
    g.layers = {"chain"};
    g.tiles.resize(static_cast<size_t>(n));
    for (int t = 0; t + 1 < n; ++t)
        g.edges.push_back(g.makeEdge(t, t + 1, 1.0)); // 1 byte
    return g;
}

} // namespace

class TestMapPlacement : public QObject {
    Q_OBJECT

private slots:
    void annealingBeatsSequentialOnLeNet()
    {
        const CompileResult lenet = compileLeNet(tianjiWithRoomForLeNet());
        const auto sequential = mapNetwork(lenet, withPlacer(Placer::Sequential));
        const auto greedy = mapNetwork(lenet, withPlacer(Placer::Greedy));
        const auto annealed = mapNetwork(lenet, withPlacer(Placer::Anneal, 42));
        QVERIFY(sequential && greedy && annealed);
        QVERIFY(sequential->feasible && annealed->feasible);
        QCOMPARE(sequential->unit, TrafficUnit::Spikes);
        QCOMPARE(sequential->hopTraffic, sequential->sequentialHopTraffic);
        QVERIFY(annealed->hopTraffic < sequential->hopTraffic);
        QVERIFY(annealed->hopTraffic <= greedy->hopTraffic); // annealing starts from the greedy placement
        qInfo("LeNet on tianji (4x4 mesh): hop-spikes sequential %.0f, greedy %.0f, anneal %.0f (ratio %.3f)",
              sequential->hopTraffic, greedy->hopTraffic, annealed->hopTraffic, annealed->hopTraffic / sequential->hopTraffic);
        // Every tile on its own core, every core of the result consistent with the placement.
        std::vector<int> used(16, 0);
        for (int c : annealed->tileToCore)
            ++used[static_cast<size_t>(c)];
        QVERIFY(std::all_of(used.begin(), used.end(), [](int u) { return u <= 1; }));
        for (size_t t = 0; t < annealed->tileToCore.size(); ++t)
            QCOMPARE(annealed->cores[static_cast<size_t>(annealed->tileToCore[t])].tile, static_cast<int>(t));
        QVERIFY(annealed->schedule.speedup > 1.0);
        QVERIFY(annealed->schedule.pipelinedLatencyNs <= annealed->schedule.sequentialLatencyNs);
    }

    void annealingIsDeterministicForASeed()
    {
        const CompileResult lenet = compileLeNet(tianjiWithRoomForLeNet());
        const auto a = mapNetwork(lenet, withPlacer(Placer::Anneal, 7));
        const auto b = mapNetwork(lenet, withPlacer(Placer::Anneal, 7));
        QVERIFY(a && b);
        QCOMPARE(a->tileToCore, b->tileToCore);
        QCOMPARE(a->hopTraffic, b->hopTraffic);
        QCOMPARE(a->placement.movesAccepted, b->placement.movesAccepted);
    }

    void annealingFindsTheSnakeOfAChain()
    {
        // Row-major order pays 3 extra hops at each of the 3 row ends: 12 + 3 x 4 = 24 hops; a
        // snake path needs 15. Wrong incremental deltas would not find it.
        const TileGraph g = chain(16);
        const Mesh mesh{4, 4};
        PlacementOptions o;
        o.placer = Placer::Sequential;
        const auto seq = place(g, mesh, o);
        QVERIFY(seq);
        QCOMPARE(seq->hopTraffic, 24.0);
        o.placer = Placer::Anneal;
        for (uint64_t seed : {1u, 2u, 3u}) {
            o.seed = seed;
            const auto sa = place(g, mesh, o);
            QVERIFY(sa);
            QCOMPARE(sa->hopTraffic, 15.0);
            QCOMPARE(sa->hopTraffic, hopTraffic(g, mesh, sa->tileToCore));
        }
    }

    void annealingOnASparseMesh()
    {
        // 20 tiles on 64 cores: moves into free cores as well as swaps.
        const TileGraph g = chain(20);
        const Mesh mesh{8, 8};
        PlacementOptions o;
        o.placer = Placer::Anneal;
        const auto sa = place(g, mesh, o);
        QVERIFY(sa);
        QCOMPARE(sa->hopTraffic, 19.0);
        std::vector<int> cores = sa->tileToCore;
        std::sort(cores.begin(), cores.end());
        QVERIFY(std::adjacent_find(cores.begin(), cores.end()) == cores.end());
    }

    void tooLargeNetworkNamesTheShortfall()
    {
        // Shipped TianJi: 6 cores for LeNet's tiles.
        const hw::Profile tianji = loadShipped("tianji");
        const CompileResult lenet = compileLeNet(tianji);
        const auto r = mapNetwork(lenet, withPlacer(Placer::Anneal));
        QVERIFY2(r, r ? "" : r.error().toString().c_str());
        QVERIFY(!r->feasible);
        QCOMPARE(r->coresAvailable, 6);
        QVERIFY(r->tilesNeeded > 6);
        QVERIFY(r->tileToCore.empty());
        const auto error = std::find_if(r->diagnostics.begin(), r->diagnostics.end(),
                                        [](const Diagnostic& d) { return d.severity == Severity::Error; });
        QVERIFY(error != r->diagnostics.end());
        // The 7th tile (index 6) is the first without a core.
        const std::string layer = r->tiles.layers[static_cast<size_t>(r->tiles.tiles[6].layer)];
        QCOMPARE(error->where, layer);
        const QString message = QString::fromStdString(error->message);
        QVERIFY2(message.contains(QString("%1 cores short").arg(r->tilesNeeded - 6)), qPrintable(message));
        QVERIFY2(message.contains(QString::fromStdString(layer)), qPrintable(message));
        QVERIFY2(message.contains("crossbar") && message.contains("chip.cores"), qPrintable(message));
    }

    void cancellationAndProgress()
    {
        const TileGraph g = chain(64);
        const Mesh mesh{8, 8};
        PlacementOptions o;
        o.placer = Placer::Anneal;
        int reports = 0;
        RunContext progress;
        progress.onProgress = [&](const Progress&) { ++reports; };
        QVERIFY(place(g, mesh, o, progress));
        QVERIFY(reports >= 2);

        RunContext cancel;
        std::atomic<int> polls{0};
        cancel.isCancelled = [&] { return ++polls > 3; };
        const auto cancelled = place(g, mesh, o, cancel);
        QVERIFY(!cancelled);
        QCOMPARE(cancelled.error().code, Errc::Cancelled);
    }

    void timeLimitKeepsTheBestSoFar()
    {
        const TileGraph g = chain(64);
        PlacementOptions o;
        o.placer = Placer::Anneal;
        o.annealMoves = 1'000'000;
        o.timeLimitSeconds = 0.0;
        const auto r = place(g, Mesh{8, 8}, o);
        QVERIFY(r);
        QVERIFY(r->stoppedByTimeLimit);
        QVERIFY(r->movesTried < o.annealMoves);
    }

    void placerNames()
    {
        QCOMPARE(parsePlacer("greedy"), std::optional<Placer>(Placer::Greedy));
        QCOMPARE(parsePlacer("anneal"), std::optional<Placer>(Placer::Anneal));
        QVERIFY(!parsePlacer("random"));
    }
};

QTEST_APPLESS_MAIN(TestMapPlacement)
#include "tst_map_placement.moc"
