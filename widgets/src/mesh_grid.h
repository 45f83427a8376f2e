// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <algorithm>

#include <QPoint>
#include <QRect>
#include <QRectF>

namespace nnb::widgets {

/// The layout the two mesh views share (CoreMapView, ClusterMapView): a title band on top, the
/// chip's mesh as square cells on the left and a legend column on the right. Cell i is at
/// (i mod columns, i div columns), as nnb::mapping::Mesh numbers cores.
struct MeshGrid {
    static constexpr int kMargin = 12;

    QRect mesh;   ///< the area of the cells (empty without a mesh)
    double cell = 0;
    QRect legend; ///< the legend's area
    int titleHeight = 0;
    int columns = 0;
    int rows = 0;

    /// Lays out a widget of \p bounds for a mesh of \p columns × \p rows (0 × 0: no mesh): the
    /// legend takes \p legendWidth (at most a third of the width), the title \p titleHeight.
    static MeshGrid layout(const QRect& bounds, int titleHeight, int legendWidth, int columns, int rows)
    {
        MeshGrid g;
        g.titleHeight = titleHeight;
        const QRect area = bounds.adjusted(kMargin, kMargin + titleHeight, -kMargin, -kMargin);
        legendWidth = std::min(legendWidth, area.width() / 3);
        const QRect meshArea = area.adjusted(0, 0, -legendWidth - kMargin, 0);
        g.legend = QRect(meshArea.right() + kMargin, area.top(), legendWidth, area.height());
        if (columns <= 0 || rows <= 0)
            return g;
        g.columns = columns;
        g.rows = rows;
        g.cell = std::max(2.0, std::min(double(meshArea.width()) / columns, double(meshArea.height()) / rows));
        g.mesh = QRect(meshArea.left(), meshArea.top(), int(g.cell * columns), int(g.cell * rows));
        return g;
    }

    /// \returns the rectangle of cell \p index, or an empty one outside the mesh.
    QRect cellRect(int index) const
    {
        if (index < 0 || index >= columns * rows)
            return {};
        const int x = index % columns;
        const int y = index / columns;
        return QRectF(mesh.left() + x * cell, mesh.top() + y * cell, cell, cell).toAlignedRect();
    }

    /// \returns the cell under \p pos, or -1.
    int cellAt(const QPoint& pos) const
    {
        if (columns <= 0 || !mesh.contains(pos) || cell <= 0)
            return -1;
        const int x = std::min(columns - 1, int((pos.x() - mesh.left()) / cell));
        const int y = std::min(rows - 1, int((pos.y() - mesh.top()) / cell));
        return y * columns + x;
    }
};

} // namespace nnb::widgets
