// SPDX-License-Identifier: GPL-3.0-or-later
#include "nnb/widgets/core_map_view.h"

#include <algorithm>
#include <cmath>

#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>

#include "nnb/map/mapping.h"
#include "nnb/widgets/formatting.h"
#include "mesh_grid.h"

namespace nnb::widgets {
namespace {

constexpr int kMargin = MeshGrid::kMargin;
constexpr int kLegendWidth = 230;

QString qstr(const std::string& s)
{
    return QString::fromStdString(s);
}

QString trafficText(double value, mapping::TrafficUnit unit)
{
    const QString u = unit == mapping::TrafficUnit::Spikes ? QObject::tr("spikes") : QObject::tr("bytes");
    return QStringLiteral("%1 %2").arg(QString::number(value, 'g', 4), u);
}

} // namespace

CoreMapView::CoreMapView(QWidget* parent)
    : QWidget(parent)
{
    setMouseTracking(false);
    setBackgroundRole(QPalette::Base);
    setAutoFillBackground(true);
    setAttribute(Qt::WA_OpaquePaintEvent, false);
}

CoreMapView::~CoreMapView() = default;

QColor CoreMapView::layerColor(int index)
{
    // Tableau 10: distinguishable, print-friendly, and none is close to the grey of idle cores.
    static const QColor colors[] = {QColor(0x4e, 0x79, 0xa7), QColor(0xf2, 0x8e, 0x2b), QColor(0xe1, 0x57, 0x59),
                                    QColor(0x76, 0xb7, 0xb2), QColor(0x59, 0xa1, 0x4f), QColor(0xed, 0xc9, 0x48),
                                    QColor(0xb0, 0x7a, 0xa1), QColor(0xff, 0x9d, 0xa7), QColor(0x9c, 0x75, 0x5f),
                                    QColor(0x2f, 0x4b, 0x7c)};
    return colors[static_cast<size_t>(std::max(0, index)) % std::size(colors)];
}

void CoreMapView::setMapping(std::shared_ptr<const mapping::MappingResult> mapping, const QString& emptyText)
{
    m_mapping = std::move(mapping);
    m_emptyText = emptyText;
    m_selected = -1;
    update();
}

void CoreMapView::setSelectedCore(int core)
{
    m_selected = core;
    update();
}

int CoreMapView::usedCores() const
{
    if (!m_mapping)
        return 0;
    return static_cast<int>(std::count_if(m_mapping->cores.begin(), m_mapping->cores.end(),
                                          [](const mapping::CoreMapping& c) { return c.tile >= 0; }));
}

QString CoreMapView::titleText() const
{
    if (!m_mapping)
        return m_emptyText.isEmpty() ? tr("Not compiled yet.") : m_emptyText;
    const mapping::MappingResult& r = *m_mapping;
    if (!r.feasible)
        return tr("%1 × %2 mesh: the network needs %3 cores, the chip has %4 (does not fit)")
            .arg(r.mesh.width)
            .arg(r.mesh.height)
            .arg(r.tilesNeeded)
            .arg(r.coresAvailable);
    return tr("%1 × %2 mesh: %3 of %4 cores used · placement %5 · %6 hop-%7s per inference")
        .arg(r.mesh.width)
        .arg(r.mesh.height)
        .arg(usedCores())
        .arg(r.coresAvailable)
        .arg(QString::fromLatin1(mapping::toString(r.placer)))
        .arg(QString::number(r.hopTraffic, 'g', 4))
        .arg(QString::fromLatin1(mapping::toString(r.unit)));
}

MeshGrid CoreMapView::geometry() const
{
    const bool hasMesh = m_mapping && m_mapping->mesh.width > 0 && m_mapping->mesh.height > 0;
    return MeshGrid::layout(rect(), fontMetrics().height() * 2 + 8, kLegendWidth, hasMesh ? m_mapping->mesh.width : 0,
                            hasMesh ? m_mapping->mesh.height : 0);
}

QRect CoreMapView::coreRect(int core) const { return geometry().cellRect(core); }

int CoreMapView::coreAt(const QPoint& pos) const { return geometry().cellAt(pos); }

QColor CoreMapView::coreColor(int core) const
{
    if (!m_mapping || core < 0 || core >= static_cast<int>(m_mapping->cores.size()))
        return {};
    const mapping::CoreMapping& c = m_mapping->cores[static_cast<size_t>(core)];
    if (c.tile < 0)
        return palette().color(QPalette::Window);
    const int layer = m_mapping->tiles.tiles[static_cast<size_t>(c.tile)].layer;
    // Shade: the layer colour blended with white, from 25 % (an empty crossbar) to 100 % (full).
    const double share = 0.25 + 0.75 * std::clamp(c.utilizationPercent / 100.0, 0.0, 1.0);
    const QColor base = layerColor(layer);
    return QColor::fromRgbF(float(1.0 - share * (1.0 - base.redF())), float(1.0 - share * (1.0 - base.greenF())),
                            float(1.0 - share * (1.0 - base.blueF())));
}

QString CoreMapView::coreToolTip(int core) const
{
    if (!m_mapping || core < 0 || core >= static_cast<int>(m_mapping->cores.size()))
        return {};
    const mapping::MappingResult& r = *m_mapping;
    const mapping::CoreMapping& c = r.cores[static_cast<size_t>(core)];
    QString text = tr("<b>Core %1</b> (x %2, y %3)").arg(c.core).arg(c.x).arg(c.y);
    if (c.tile < 0)
        return text + tr("<br>idle: no tile placed here");
    const mapping::Tile& tile = r.tiles.tiles[static_cast<size_t>(c.tile)];
    text += tr("<br>tile <b>%1</b> (%2%3)").arg(qstr(c.tileName).toHtmlEscaped(), qstr(tile.role),
                                                tile.conv ? tr(", convolution") : QString());
    text += tr("<br>layer %1").arg(qstr(c.layer).toHtmlEscaped());
    text += tr("<br>crossbar: %1 rows (inputs) × %2 columns (outputs) in use").arg(tile.rowsUsed).arg(tile.colsUsed);
    text += tr("<br>utilisation %1 % of the cells (%2 weights)")
                .arg(QString::number(c.utilizationPercent, 'f', 1), formatCount(tile.weights));
    text += tr("<br>%1 crossbar reads (MVMs) per inference").arg(formatCount(tile.mvmsPerInference));
    text += tr("<br>traffic in %1, out %2 per inference").arg(trafficText(c.trafficIn, r.unit), trafficText(c.trafficOut, r.unit));
    text += tr("<br>busy %1 ns per inference").arg(QString::number(c.busyNs, 'f', 1));
    text += tr("<br><i>Click to show this crossbar's weights.</i>");
    return text;
}

void CoreMapView::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const QColor text = palette().color(QPalette::Text);
    const QColor muted = palette().color(QPalette::PlaceholderText);
    const MeshGrid g = geometry();

    QFont titleFont = font();
    titleFont.setBold(true);
    p.setFont(titleFont);
    p.setPen(text);
    const QRect titleRect(kMargin, kMargin, width() - 2 * kMargin, fontMetrics().height() + 4);
    p.drawText(titleRect, Qt::AlignLeft | Qt::AlignVCenter,
               m_mapping ? tr("Core map — %1").arg(qstr(m_mapping->profileId)) : tr("Core map"));
    p.setFont(font());
    p.setPen(m_mapping && !m_mapping->feasible ? QColor(0xc0, 0x39, 0x2b) : muted);
    p.drawText(titleRect.translated(0, fontMetrics().height() + 2), Qt::AlignLeft | Qt::AlignVCenter,
               fontMetrics().elidedText(titleText(), Qt::ElideRight, titleRect.width()));
    if (!m_mapping || g.cell <= 0)
        return;
    const mapping::MappingResult& r = *m_mapping;

    // Cores.
    const bool labels = g.cell >= 46;
    QFont small = font();
    small.setPointSizeF(std::max(6.5, font().pointSizeF() * 0.8));
    const double gap = g.cell >= 12 ? 2.0 : 0.5;
    for (int core = 0; core < r.mesh.cores() && core < static_cast<int>(r.cores.size()); ++core) {
        const mapping::CoreMapping& c = r.cores[static_cast<size_t>(core)];
        const QRectF box = QRectF(coreRect(core)).adjusted(gap, gap, -gap, -gap);
        p.setPen(QPen(palette().color(QPalette::Mid), 1));
        p.setBrush(coreColor(core));
        p.drawRoundedRect(box, 3, 3);
        if (!labels)
            continue;
        p.setFont(small);
        p.setPen(c.tile >= 0 ? text : muted);
        const QRectF inner = box.adjusted(4, 2, -4, -2);
        p.drawText(inner, Qt::AlignLeft | Qt::AlignTop, QString::number(core));
        if (c.tile >= 0) {
            QFontMetrics fm(small);
            const QString layer = fm.elidedText(qstr(c.layer), Qt::ElideMiddle, int(inner.width()));
            p.drawText(inner, Qt::AlignHCenter | Qt::AlignVCenter, layer);
            p.drawText(inner, Qt::AlignRight | Qt::AlignBottom, QStringLiteral("%1 %").arg(c.utilizationPercent, 0, 'f', 1));
        }
    }

    // Loaded links: a line between neighbouring cores, thicker and darker with more traffic.
    double maxLoad = 0;
    for (const mapping::LinkLoad& l : r.links)
        maxLoad = std::max(maxLoad, l.traffic);
    if (maxLoad > 0) {
        for (const mapping::LinkLoad& l : r.links) {
            if (l.traffic <= 0)
                continue;
            const double share = l.traffic / maxLoad;
            const QPointF a = QRectF(coreRect(l.from)).center();
            const QPointF b = QRectF(coreRect(l.to)).center();
            // The two directions of one link are drawn side by side.
            const QPointF normal = QPointF(-(b - a).y(), (b - a).x()) / std::max(1.0, std::hypot((b - a).x(), (b - a).y()));
            const QPointF offset = normal * std::max(1.5, g.cell * 0.06);
            QColor color(0x33, 0x33, 0x33);
            color.setAlphaF(float(0.25 + 0.6 * share));
            p.setPen(QPen(color, 1.0 + 4.0 * share, Qt::SolidLine, Qt::RoundCap));
            p.drawLine(a + offset + (b - a) * 0.3, b + offset - (b - a) * 0.3);
        }
    }

    // Selection.
    if (m_selected >= 0 && m_selected < r.mesh.cores()) {
        p.setBrush(Qt::NoBrush);
        p.setPen(QPen(palette().color(QPalette::Highlight), 3));
        p.drawRoundedRect(QRectF(coreRect(m_selected)).adjusted(1, 1, -1, -1), 3, 3);
    }

    // Legend: one swatch per layer, then how to read the shading and the links.
    p.setFont(font());
    const int line = fontMetrics().height() + 4;
    int y = g.legend.top();
    p.setPen(text);
    p.setFont(titleFont);
    p.drawText(QRect(g.legend.left(), y, g.legend.width(), line), Qt::AlignLeft | Qt::AlignVCenter, tr("Layers (cores)"));
    p.setFont(font());
    y += line;
    for (size_t i = 0; i < r.tiles.layers.size() && y + line < g.legend.bottom() - 4 * line; ++i) {
        int cores = 0;
        for (const mapping::LayerMapping& lm : r.layers)
            if (lm.layer == r.tiles.layers[i])
                cores = lm.cores;
        p.setPen(Qt::NoPen);
        p.setBrush(layerColor(static_cast<int>(i)));
        p.drawRoundedRect(QRectF(g.legend.left(), y + 3, line - 6, line - 6), 2, 2);
        p.setPen(text);
        const QString label = QStringLiteral("%1 (%2)").arg(qstr(r.tiles.layers[i])).arg(cores);
        p.drawText(QRect(g.legend.left() + line, y, g.legend.width() - line, line), Qt::AlignLeft | Qt::AlignVCenter,
                   fontMetrics().elidedText(label, Qt::ElideMiddle, g.legend.width() - line));
        y += line;
    }
    y += line / 2;
    p.setPen(muted);
    const QRect notes(g.legend.left(), y, g.legend.width(), g.legend.bottom() - y);
    p.drawText(notes, Qt::AlignLeft | Qt::AlignTop | Qt::TextWordWrap,
               tr("Shade: share of the crossbar's cells holding a weight (pale 0 %, full colour 100 %); the number "
                  "in a core is that utilisation.\nLines: mesh links, thicker = more traffic (max %1).\nGrey: idle core.")
                   .arg(trafficText(maxLoad, r.unit)));
}

void CoreMapView::mousePressEvent(QMouseEvent* event)
{
    const int core = coreAt(event->position().toPoint());
    if (core < 0)
        return QWidget::mousePressEvent(event);
    m_selected = core;
    update();
    emit coreActivated(core);
}

bool CoreMapView::event(QEvent* event)
{
    if (event->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(event);
        const int core = coreAt(help->pos());
        if (core >= 0)
            QToolTip::showText(help->globalPos(), coreToolTip(core), this, coreRect(core));
        else
            QToolTip::hideText();
        return true;
    }
    return QWidget::event(event);
}

} // namespace nnb::widgets
