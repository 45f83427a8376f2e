// SPDX-License-Identifier: GPL-3.0-or-later
// ClusterMapView on hand-made cluster data (no compile): tiles drawn where the placement puts
// them, colours by layer and row use, tooltips, the headline, clicks, and the empty and error
// states.
#include <memory>
#include <set>

#include <QImage>
#include <QSignalSpy>
#include <QtTest>

#include "nnb/widgets/cluster_map_view.h"
#include "nnb/widgets/core_map_view.h"

using nnb::widgets::ClusterMapData;
using nnb::widgets::ClusterMapView;

namespace {

/// A 3 × 2 mesh holding four clusters of two layers: 0 at (0,0), 1 at (1,0), 2 at (2,0), 3 at
/// (2,1); tile 3 (0,1) and tile 4 (1,1) are idle.
std::shared_ptr<ClusterMapData> sample()
{
    auto d = std::make_shared<ClusterMapData>();
    d->profileId = QStringLiteral("tiny");
    d->meshWidth = 3;
    d->meshHeight = 2;
    d->profileCores = 6;
    d->rows = d->cols = 256;
    d->neurons = 700;
    d->lowerBound = 3;
    d->valid = true;
    d->layers = {{QStringLiteral("conv1"), 0, 3}, {QStringLiteral("fc"), 1, 1}};
    // cluster, x, y, layer, layersMixed, neurons, intermediates, inputs, in, out, local
    d->tiles = {{0, 0, 0, 0, 1, 256, 0, 25, 40.0, 12.5, 0.0},
                {1, 1, 0, 0, 1, 256, 0, 50, 40.0, 20.0, 0.0},
                {2, 2, 0, 0, 2, 150, 6, 200, 30.0, 8.0, 1.5},
                {3, 2, 1, 1, 1, 10, 0, 256, 40.5, 0.0, 0.0}};
    d->links = {{2, 5, 20.0}, {0, 5, 12.5}, {1, 5, 8.0}};
    d->linksTotal = 3;
    d->interClusterSpikes = 40.5;
    d->hostSpikes = 110;
    d->spikeSource = QStringLiteral("estimated by hand");
    d->ticks = 64;
    d->periodNs = 37248;
    d->inferencesPerSecond = 26847.0;
    d->critical = QStringLiteral("cluster 0 → link 0→3 → cluster 3");
    return d;
}

/// How far \p c is from white: more saturated shades are further.
int distanceFromWhite(const QColor& c)
{
    return (255 - c.red()) + (255 - c.green()) + (255 - c.blue());
}

} // namespace

class TestClusterMapView : public QObject {
    Q_OBJECT
private slots:
    void init();
    void cleanup();
    void emptyStateShowsText();
    void errorStateShowsError();
    void headlineSummarisesClusters();
    void invalidPartitionIsFlagged();
    void tilesAreDrawnWherePlaced();
    void colourFollowsLayerAndRows();
    void toolTipDescribesCluster();
    void clickSelectsCluster();

private:
    std::unique_ptr<ClusterMapView> m_view;
};

void TestClusterMapView::init()
{
    m_view = std::make_unique<ClusterMapView>();
    m_view->resize(900, 560);
    m_view->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_view.get()));
}

void TestClusterMapView::cleanup()
{
    m_view.reset();
}

void TestClusterMapView::emptyStateShowsText()
{
    QCOMPARE(m_view->titleText(), QStringLiteral("Not compiled yet."));
    const QString text = QStringLiteral("Spiking clusters are shown for spiking profiles (e.g. tianji); this profile uses ReLU neurons.");
    m_view->setClusters(sample());
    m_view->setClusters(nullptr, text);
    QCOMPARE(m_view->titleText(), text);
    QCOMPARE(m_view->usedTiles(), 0);
    QVERIFY(m_view->tileRect(0).isEmpty());
    QVERIFY(m_view->tileToolTip(0).isEmpty());
    QVERIFY(!m_view->grab().isNull()); // paints the empty state
}

void TestClusterMapView::errorStateShowsError()
{
    auto d = std::make_shared<ClusterMapData>();
    d->profileId = QStringLiteral("tiny");
    d->meshWidth = 3; // ignored: an error draws no mesh
    d->meshHeight = 2;
    d->error = QStringLiteral("unsupported op Transpose at node t1");
    m_view->setClusters(d);
    QCOMPARE(m_view->titleText(), QStringLiteral("Not clustered: unsupported op Transpose at node t1"));
    QCOMPARE(m_view->usedTiles(), 0);
    QVERIFY(m_view->tileRect(0).isEmpty());
    QVERIFY(!m_view->grab().isNull());
}

void TestClusterMapView::headlineSummarisesClusters()
{
    m_view->setClusters(sample());
    const QString title = m_view->titleText();
    QVERIFY2(title.startsWith(QStringLiteral("3 × 2 mesh: 4 clusters of 256×256 (lower bound 3), all valid; guaranteed 26")),
             qPrintable(title));
    QVERIFY2(title.endsWith(QStringLiteral("847 inferences/s")), qPrintable(title));

    auto unanalysed = sample();
    unanalysed->inferencesPerSecond = 0;
    unanalysed->periodNs = 0;
    unanalysed->throughputError = QStringLiteral("deadlock");
    m_view->setClusters(unanalysed);
    QVERIFY2(m_view->titleText().endsWith(QStringLiteral("all valid; throughput not analysed")), qPrintable(m_view->titleText()));
}

void TestClusterMapView::invalidPartitionIsFlagged()
{
    auto d = sample();
    d->valid = false;
    m_view->setClusters(d);
    QVERIFY2(m_view->titleText().contains(QStringLiteral("VALIDATOR FOUND VIOLATIONS")), qPrintable(m_view->titleText()));
}

void TestClusterMapView::tilesAreDrawnWherePlaced()
{
    m_view->setClusters(sample());
    QCOMPARE(m_view->usedTiles(), 4);
    // Tile index = y × width + x.
    QCOMPARE(m_view->clusterOnTile(0), 0);
    QCOMPARE(m_view->clusterOnTile(1), 1);
    QCOMPARE(m_view->clusterOnTile(2), 2);
    QCOMPARE(m_view->clusterOnTile(5), 3);
    QCOMPARE(m_view->clusterOnTile(3), -1);
    QCOMPARE(m_view->clusterOnTile(4), -1);
    QCOMPARE(m_view->clusterOnTile(6), -1); // outside the mesh
    QVERIFY(m_view->tileRect(6).isEmpty());

    const QRect r0 = m_view->tileRect(0), r1 = m_view->tileRect(1), r2 = m_view->tileRect(2), r5 = m_view->tileRect(5);
    for (const QRect& r : {r0, r1, r2, r5}) {
        QVERIFY(!r.isEmpty());
        QVERIFY2(m_view->rect().contains(r), "a tile lies outside the widget");
        QVERIFY2(r.width() >= 46, "cells too small for labels at this size");
    }
    // A row left to right, then the second row under the third column; the legend stays right of the mesh.
    QCOMPARE(r1.top(), r0.top());
    QVERIFY(r1.left() >= r0.right());
    QVERIFY(r2.left() >= r1.right());
    QCOMPARE(r5.left(), r2.left());
    QVERIFY(r5.top() >= r2.bottom());
    std::set<std::pair<int, int>> corners;
    for (int t = 0; t < 6; ++t)
        corners.insert({m_view->tileRect(t).left(), m_view->tileRect(t).top()});
    QCOMPARE(corners.size(), size_t(6));
    QVERIFY2(r2.right() < m_view->width() - 200, "the mesh leaves no room for the legend");

    // The painted pixels: a used tile shows its colour, an idle tile the window colour (sampled
    // away from the labels and the links).
    const QImage image = m_view->grab().toImage();
    auto sampleAt = [&](const QRect& r) { return image.pixelColor(r.left() + r.width() / 8, r.top() + r.height() * 7 / 10); };
    QCOMPARE(sampleAt(r0).rgb(), m_view->tileColor(0).rgb());
    QCOMPARE(sampleAt(m_view->tileRect(3)).rgb(), m_view->tileColor(3).rgb());
    QCOMPARE(m_view->tileColor(3), m_view->palette().color(QPalette::Window));
}

void TestClusterMapView::colourFollowsLayerAndRows()
{
    m_view->setClusters(sample());
    // Same layer: more rows in use is further from white.
    QVERIFY(distanceFromWhite(m_view->tileColor(1)) > distanceFromWhite(m_view->tileColor(0)));
    QVERIFY(distanceFromWhite(m_view->tileColor(2)) > distanceFromWhite(m_view->tileColor(1)));
    // All rows in use: exactly the layer's colour, the one the core map gives that layer.
    QCOMPARE(m_view->tileColor(5).rgb(), nnb::widgets::CoreMapView::layerColor(1).rgb());
}

void TestClusterMapView::toolTipDescribesCluster()
{
    m_view->setClusters(sample());
    const QString tip = m_view->tileToolTip(2);
    QVERIFY2(tip.contains(QStringLiteral("<b>Tile 2</b> (x 2, y 0)")), qPrintable(tip));
    QVERIFY2(tip.contains(QStringLiteral("cluster <b>2</b>")), qPrintable(tip));
    QVERIFY2(tip.contains(QStringLiteral("layer conv1 (most neurons; 2 layers share this crossbar)")), qPrintable(tip));
    QVERIFY2(tip.contains(QStringLiteral("200 of 256 rows (distinct inputs), 150 of 256 columns (neurons)")), qPrintable(tip));
    QVERIFY2(tip.contains(QStringLiteral("6 of the neurons relay partial sums")), qPrintable(tip));
    QVERIFY2(tip.contains(QStringLiteral("spikes per inference: in 30.0, out 8.0, fed back to its own rows 1.5")), qPrintable(tip));
    QVERIFY2(tip.contains(QStringLiteral("estimated by hand")), qPrintable(tip));
    const QString fc = m_view->tileToolTip(5);
    QVERIFY2(fc.contains(QStringLiteral("layer fc<br>")), qPrintable(fc));
    QVERIFY2(!fc.contains(QStringLiteral("relay")), qPrintable(fc));
    QVERIFY2(m_view->tileToolTip(4).contains(QStringLiteral("idle")), qPrintable(m_view->tileToolTip(4)));
    QVERIFY(m_view->tileToolTip(-1).isEmpty());
}

void TestClusterMapView::clickSelectsCluster()
{
    m_view->setClusters(sample());
    QSignalSpy activated(m_view.get(), &ClusterMapView::clusterActivated);
    QTest::mouseClick(m_view.get(), Qt::LeftButton, {}, m_view->tileRect(5).center());
    QCOMPARE(activated.count(), 1);
    QCOMPARE(activated.first().first().toInt(), 3);
    QCOMPARE(m_view->selectedTile(), 5);
    // An idle tile selects nothing.
    QTest::mouseClick(m_view.get(), Qt::LeftButton, {}, m_view->tileRect(3).center());
    QCOMPARE(activated.count(), 1);
    QCOMPARE(m_view->selectedTile(), 5);
    // New data drops the selection.
    m_view->setClusters(sample());
    QCOMPARE(m_view->selectedTile(), -1);
}

QTEST_MAIN(TestClusterMapView)
#include "tst_cluster_map_view.moc"
