// SPDX-License-Identifier: GPL-3.0-or-later
#include "nnb/widgets/cluster_map_view.h"

#include <algorithm>
#include <cmath>

#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QToolTip>

#include "nnb/widgets/core_map_view.h"
#include "nnb/widgets/formatting.h"
#include "nnb/widgets/resource_summary.h"
#include "mesh_grid.h"

namespace nnb::widgets {
namespace {

constexpr int kMargin = MeshGrid::kMargin;
constexpr int kLegendWidth = 260;
constexpr int kHeaderLines = 3; // title, headline, details

/// Spikes per inference: whole numbers with grouping from 100 on, one decimal below.
QString spikesText(double spikes)
{
    if (spikes >= 100.0)
        return formatCount(std::llround(spikes));
    return QString::number(spikes, 'f', 1);
}

QColor shaded(const QColor& base, double share)
{
    return QColor::fromRgbF(float(1.0 - share * (1.0 - base.redF())), float(1.0 - share * (1.0 - base.greenF())),
                            float(1.0 - share * (1.0 - base.blueF())));
}

} // namespace

ClusterMapView::ClusterMapView(QWidget* parent)
    : QWidget(parent)
{
    setBackgroundRole(QPalette::Base);
    setAutoFillBackground(true);
}

ClusterMapView::~ClusterMapView() = default;

void ClusterMapView::setClusters(std::shared_ptr<const ClusterMapData> data, const QString& emptyText)
{
    m_data = std::move(data);
    m_emptyText = emptyText;
    m_selected = -1;
    rebuildTileIndex();
    update();
}

void ClusterMapView::rebuildTileIndex()
{
    m_clusterOnTile.assign(static_cast<size_t>(tiles()), -1);
    if (!m_data)
        return;
    for (size_t i = 0; i < m_data->tiles.size(); ++i) {
        const ClusterTile& t = m_data->tiles[i];
        if (t.x < 0 || t.y < 0 || t.x >= m_data->meshWidth || t.y >= m_data->meshHeight)
            continue; // outside the mesh: not drawn (the tests check this never happens)
        m_clusterOnTile[static_cast<size_t>(t.y * m_data->meshWidth + t.x)] = static_cast<int>(i);
    }
}

int ClusterMapView::tiles() const
{
    if (!m_data || !m_data->error.isEmpty() || m_data->meshWidth <= 0 || m_data->meshHeight <= 0)
        return 0;
    return m_data->meshWidth * m_data->meshHeight;
}

void ClusterMapView::setSelectedTile(int tile)
{
    m_selected = tile;
    update();
}

int ClusterMapView::usedTiles() const
{
    return static_cast<int>(std::count_if(m_clusterOnTile.begin(), m_clusterOnTile.end(), [](int c) { return c >= 0; }));
}

int ClusterMapView::clusterOnTile(int tile) const
{
    if (tile < 0 || tile >= static_cast<int>(m_clusterOnTile.size()))
        return -1;
    return m_clusterOnTile[static_cast<size_t>(tile)];
}

QString ClusterMapView::titleText() const
{
    if (!m_data)
        return m_emptyText.isEmpty() ? tr("Not compiled yet.") : m_emptyText;
    const ClusterMapData& d = *m_data;
    if (!d.error.isEmpty())
        return tr("Not clustered: %1").arg(d.error);
    QString text = tr("%1 × %2 mesh: %3 clusters of %4×%5 (lower bound %6), %7")
                       .arg(d.meshWidth)
                       .arg(d.meshHeight)
                       .arg(formatCount(static_cast<int64_t>(d.tiles.size())))
                       .arg(d.rows)
                       .arg(d.cols)
                       .arg(formatCount(d.lowerBound))
                       .arg(d.valid ? tr("all valid") : tr("VALIDATOR FOUND VIOLATIONS"));
    if (d.inferencesPerSecond > 0)
        text += tr("; guaranteed %1 inferences/s").arg(formatCount(std::llround(d.inferencesPerSecond)));
    else if (!d.throughputError.isEmpty())
        text += tr("; throughput not analysed");
    return text;
}

MeshGrid ClusterMapView::geometry() const
{
    const bool hasMesh = tiles() > 0;
    return MeshGrid::layout(rect(), (fontMetrics().height() + 2) * kHeaderLines + 8, kLegendWidth,
                            hasMesh ? m_data->meshWidth : 0, hasMesh ? m_data->meshHeight : 0);
}

QRect ClusterMapView::tileRect(int tile) const { return geometry().cellRect(tile); }

int ClusterMapView::tileAt(const QPoint& pos) const { return geometry().cellAt(pos); }

QColor ClusterMapView::tileColor(int tile) const
{
    if (tile < 0 || tile >= tiles())
        return {};
    const int c = clusterOnTile(tile);
    if (c < 0)
        return palette().color(QPalette::Window);
    const ClusterTile& t = m_data->tiles[static_cast<size_t>(c)];
    const int layer = t.layer >= 0 && t.layer < static_cast<int>(m_data->layers.size())
                          ? m_data->layers[static_cast<size_t>(t.layer)].colorIndex
                          : 0;
    // As the core map: the layer colour blended with white, from 25 % (no row used) to 100 %
    // (every row used). Rows, not cells: a cluster's rows are what limits packing more neurons.
    const double rows = m_data->rows > 0 ? double(t.inputs) / m_data->rows : 0.0;
    return shaded(CoreMapView::layerColor(layer), 0.25 + 0.75 * std::clamp(rows, 0.0, 1.0));
}

QString ClusterMapView::tileToolTip(int tile) const
{
    if (tile < 0 || tile >= tiles())
        return {};
    const ClusterMapData& d = *m_data;
    const int x = tile % d.meshWidth;
    const int y = tile / d.meshWidth;
    const int c = clusterOnTile(tile);
    QString text = tr("<b>Tile %1</b> (x %2, y %3)").arg(tile).arg(x).arg(y);
    if (c < 0)
        return text + tr("<br>idle: no cluster placed here");
    const ClusterTile& t = d.tiles[static_cast<size_t>(c)];
    text += tr("<br>cluster <b>%1</b>").arg(t.cluster);
    if (t.layer >= 0 && t.layer < static_cast<int>(d.layers.size())) {
        text += tr("<br>layer %1").arg(d.layers[static_cast<size_t>(t.layer)].name.toHtmlEscaped());
        if (t.layersMixed > 1)
            text += tr(" (most neurons; %1 layers share this crossbar)").arg(t.layersMixed);
    }
    text += tr("<br>crossbar: %1 of %2 rows (distinct inputs), %3 of %4 columns (neurons)")
                .arg(t.inputs)
                .arg(d.rows)
                .arg(t.neurons)
                .arg(d.cols);
    if (t.intermediates > 0)
        text += tr("<br>%1 of the neurons relay partial sums (fan-in unrolling)").arg(t.intermediates);
    text += tr("<br>spikes per inference: in %1, out %2").arg(spikesText(t.spikesIn), spikesText(t.spikesOut));
    if (t.spikesLocal > 0)
        text += tr(", fed back to its own rows %1").arg(spikesText(t.spikesLocal));
    text += tr("<br><i>%1</i>").arg(d.spikeSource.toHtmlEscaped());
    return text;
}

void ClusterMapView::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const QColor text = palette().color(QPalette::Text);
    const QColor muted = palette().color(QPalette::PlaceholderText);
    const QColor errorColor(0xc0, 0x39, 0x2b);
    const MeshGrid g = geometry();

    // Header: title, headline, then the period, the chip's size and where the spikes come from.
    QFont titleFont = font();
    titleFont.setBold(true);
    p.setFont(titleFont);
    p.setPen(text);
    const int lineHeight = fontMetrics().height() + 2;
    const QRect titleRect(kMargin, kMargin, width() - 2 * kMargin, lineHeight);
    p.drawText(titleRect, Qt::AlignLeft | Qt::AlignVCenter,
               m_data ? tr("Spiking clusters — %1").arg(m_data->profileId) : tr("Spiking clusters"));
    p.setFont(font());
    const bool bad = m_data && (!m_data->error.isEmpty() || !m_data->valid);
    p.setPen(bad ? errorColor : muted);
    const QRect headline = titleRect.translated(0, lineHeight);
    if (!m_data || !m_data->error.isEmpty()) {
        // The empty and error texts are sentences: let them wrap over the whole view.
        p.drawText(QRect(headline.topLeft(), QSize(headline.width(), height() - headline.top() - kMargin)),
                   Qt::AlignLeft | Qt::AlignTop | Qt::TextWordWrap, titleText());
        return;
    }
    p.drawText(headline, Qt::AlignLeft | Qt::AlignVCenter, fontMetrics().elidedText(titleText(), Qt::ElideRight, headline.width()));
    const ClusterMapData& d = *m_data;
    QStringList details;
    if (d.periodNs > 0)
        details << tr("period %1 per inference (%2 ticks)").arg(ResourceSummary::formatNs(d.periodNs)).arg(d.ticks);
    else if (!d.throughputError.isEmpty())
        details << tr("dataflow analysis failed: %1").arg(d.throughputError);
    if (d.profileCores > 0 && static_cast<int>(d.tiles.size()) > d.profileCores)
        details << tr("the profile's chip has %1 cores: the mesh grows to hold every cluster").arg(d.profileCores);
    p.setPen(muted);
    p.drawText(headline.translated(0, lineHeight), Qt::AlignLeft | Qt::AlignVCenter,
               fontMetrics().elidedText(details.join(QStringLiteral(" · ")), Qt::ElideRight, headline.width()));
    if (g.cell <= 0)
        return;

    // Tiles.
    const bool labels = g.cell >= 46;
    QFont small = font();
    small.setPointSizeF(std::max(6.5, font().pointSizeF() * 0.8));
    const QFontMetrics smallMetrics(small);
    const double gap = g.cell >= 12 ? 2.0 : 0.5;
    for (int tile = 0; tile < tiles(); ++tile) {
        const QRectF box = QRectF(tileRect(tile)).adjusted(gap, gap, -gap, -gap);
        const int c = clusterOnTile(tile);
        p.setPen(QPen(palette().color(QPalette::Mid), 1));
        p.setBrush(tileColor(tile));
        p.drawRoundedRect(box, 3, 3);
        if (!labels || c < 0)
            continue;
        const ClusterTile& t = d.tiles[static_cast<size_t>(c)];
        p.setFont(small);
        p.setPen(text);
        const QRectF inner = box.adjusted(4, 2, -4, -2);
        p.drawText(inner, Qt::AlignLeft | Qt::AlignTop, QStringLiteral("#%1").arg(t.cluster));
        if (t.layer >= 0 && t.layer < static_cast<int>(d.layers.size()))
            p.drawText(inner, Qt::AlignHCenter | Qt::AlignVCenter,
                       smallMetrics.elidedText(d.layers[static_cast<size_t>(t.layer)].name, Qt::ElideMiddle, int(inner.width())));
        p.drawText(inner, Qt::AlignRight | Qt::AlignBottom, tr("%1 rows").arg(t.inputs));
    }

    // Links: curves between tile centres, bowing to the right of their direction so the two
    // directions of a pair and links passing over a row stay apart; wider and darker with more
    // spikes. A selected cluster's links are highlighted, the others faded.
    double maxSpikes = 0;
    for (const ClusterLink& l : d.links)
        maxSpikes = std::max(maxSpikes, l.spikes);
    const int selectedCluster = clusterOnTile(m_selected);
    const int selectedTile = selectedCluster >= 0 ? m_selected : -1;
    p.setBrush(Qt::NoBrush);
    for (auto it = d.links.rbegin(); maxSpikes > 0 && it != d.links.rend(); ++it) { // heaviest drawn last, on top
        const ClusterLink& l = *it;
        if (l.spikes <= 0 || l.fromTile == l.toTile)
            continue;
        const double share = l.spikes / maxSpikes;
        const QPointF a = QRectF(tileRect(l.fromTile)).center();
        const QPointF b = QRectF(tileRect(l.toTile)).center();
        const QPointF along = b - a;
        const double length = std::hypot(along.x(), along.y());
        if (length <= 0)
            continue;
        const QPointF normal(-along.y() / length, along.x() / length);
        // A bow of a fraction of the length, capped so long links do not sweep over the mesh.
        const QPointF control = (a + b) / 2 + normal * std::clamp(length * 0.15, g.cell * 0.15, g.cell * 0.5);
        QPainterPath path(a);
        path.quadTo(control, b);
        const bool touches = selectedTile >= 0 && (l.fromTile == selectedTile || l.toTile == selectedTile);
        QColor color = touches ? palette().color(QPalette::Highlight) : QColor(0x26, 0x26, 0x26);
        double alpha = 0.12 + 0.5 * share;
        if (selectedTile >= 0 && !touches)
            alpha *= 0.25;
        color.setAlphaF(float(touches ? std::max(alpha, 0.7) : alpha));
        p.setPen(QPen(color, 0.8 + 3.5 * share, Qt::SolidLine, Qt::RoundCap));
        p.drawPath(path);
        // A dot on the receiving end gives the direction.
        p.setPen(Qt::NoPen);
        p.setBrush(color);
        const double dot = 1.5 + 2.5 * share;
        const QPointF end = b - (b - control) / std::max(1.0, std::hypot((b - control).x(), (b - control).y())) * (g.cell * 0.22);
        p.drawEllipse(end, dot, dot);
        p.setBrush(Qt::NoBrush);
    }

    // Selection.
    if (m_selected >= 0 && m_selected < tiles()) {
        p.setPen(QPen(palette().color(QPalette::Highlight), 3));
        p.drawRoundedRect(QRectF(tileRect(m_selected)).adjusted(1, 1, -1, -1), 3, 3);
    }

    // Legend: one swatch per layer with its cluster count, then how to read the view.
    const int line = fontMetrics().height() + 4;
    int y = g.legend.top();
    p.setPen(text);
    p.setFont(titleFont);
    p.drawText(QRect(g.legend.left(), y, g.legend.width(), line), Qt::AlignLeft | Qt::AlignVCenter, tr("Layers (clusters)"));
    p.setFont(font());
    y += line;
    for (size_t i = 0; i < d.layers.size() && y + line < g.legend.bottom() - 8 * line; ++i) {
        const ClusterLayer& layer = d.layers[i];
        p.setPen(Qt::NoPen);
        p.setBrush(CoreMapView::layerColor(layer.colorIndex));
        p.drawRoundedRect(QRectF(g.legend.left(), y + 3, line - 6, line - 6), 2, 2);
        p.setPen(layer.clusters > 0 ? text : muted);
        const QString label = QStringLiteral("%1 (%2)").arg(layer.name).arg(layer.clusters);
        p.drawText(QRect(g.legend.left() + line, y, g.legend.width() - line, line), Qt::AlignLeft | Qt::AlignVCenter,
                   fontMetrics().elidedText(label, Qt::ElideMiddle, g.legend.width() - line));
        y += line;
    }
    y += line / 2;
    QString notes = tr("Shade: rows in use (distinct inputs) of the %1-row crossbar, pale 0 %, full colour 100 %.")
                        .arg(d.rows);
    notes += QLatin1Char('\n') + tr("Curves: spikes per inference between clusters, thicker = more (max %1); "
                                    "the dot marks the receiver.")
                                     .arg(spikesText(maxSpikes));
    if (d.linksTotal > static_cast<int>(d.links.size()))
        notes += QLatin1Char(' ') + tr("The heaviest %1 of %2 links are drawn.").arg(d.links.size()).arg(d.linksTotal);
    notes += QLatin1Char('\n') + tr("Spikes per inference %1: %2 from the host, %3 between clusters.")
                                     .arg(d.spikeSource, spikesText(d.hostSpikes), spikesText(d.interClusterSpikes));
    if (!d.critical.isEmpty())
        notes += QLatin1Char('\n') + tr("Critical cycle: %1").arg(d.critical);
    notes += QLatin1Char('\n') + tr("Computed in %1 ms during the compile.").arg(d.milliseconds, 0, 'f', 0);
    p.setPen(muted);
    p.drawText(QRect(g.legend.left(), y, g.legend.width(), g.legend.bottom() - y), Qt::AlignLeft | Qt::AlignTop | Qt::TextWordWrap,
               notes);
}

void ClusterMapView::mousePressEvent(QMouseEvent* event)
{
    const int tile = tileAt(event->position().toPoint());
    const int cluster = clusterOnTile(tile);
    if (cluster < 0)
        return QWidget::mousePressEvent(event);
    m_selected = tile;
    update();
    emit clusterActivated(m_data->tiles[static_cast<size_t>(cluster)].cluster);
}

bool ClusterMapView::event(QEvent* event)
{
    if (event->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(event);
        const int tile = tileAt(help->pos());
        if (tile >= 0)
            QToolTip::showText(help->globalPos(), tileToolTip(tile), this, tileRect(tile));
        else
            QToolTip::hideText();
        return true;
    }
    return QWidget::event(event);
}

} // namespace nnb::widgets
