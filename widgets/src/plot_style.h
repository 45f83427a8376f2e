// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Shared look of the widgets' QCustomPlot charts (private to nnb_widgets).

#include <QPalette>
#include <QWidget>

#include <qcustomplot.h>

namespace nnb::widgets::detail {

/// Gives \p plot the widget palette's colours (text, grid, background) and a legible font.
inline void stylePlot(QCustomPlot* plot, const QWidget* owner)
{
    const QPalette& pal = owner->palette();
    plot->setBackground(pal.base());
    for (QCPAxis* axis : {plot->xAxis, plot->yAxis, plot->xAxis2, plot->yAxis2}) {
        axis->setTickLabelColor(pal.text().color());
        axis->setLabelColor(pal.text().color());
        axis->setBasePen(QPen(pal.mid().color()));
        axis->setTickPen(QPen(pal.mid().color()));
        axis->setSubTickPen(QPen(pal.mid().color()));
        axis->grid()->setPen(QPen(pal.mid().color(), 0, Qt::DotLine));
        axis->grid()->setSubGridPen(QPen(pal.midlight().color(), 0, Qt::DotLine));
        axis->setTickLabelFont(owner->font());
        axis->setLabelFont(owner->font());
    }
    plot->legend->setFont(owner->font());
    plot->legend->setBrush(QBrush(pal.base().color()));
    plot->legend->setBorderPen(QPen(pal.mid().color()));
    plot->legend->setTextColor(pal.text().color());
}

} // namespace nnb::widgets::detail
