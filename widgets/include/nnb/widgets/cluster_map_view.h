// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <memory>

#include <QColor>
#include <QString>
#include <QWidget>

#include "nnb/widgets/cluster_map_data.h"

namespace nnb::widgets {

struct MeshGrid; // widgets/src/mesh_grid.h

/// The spiking-cluster view: a spiking network's crossbar clusters (LCTES'20 partitioning) on
/// the mesh of their design-time placement, as a grid like CoreMapView. Each used tile is
/// coloured by the layer most of its neurons belong to (the core map's colours) and shaded by
/// its row utilisation (distinct inputs / crossbar rows); the heaviest spike links between
/// clusters are drawn as curves, wider and darker with more spikes per inference. A headline
/// gives the mesh, the cluster count against its lower bound, the validator's verdict and the
/// guaranteed throughput of the dataflow analysis; a legend names the layers; every tile has a
/// tooltip. Clicking a tile selects it and emits clusterActivated().
class ClusterMapView : public QWidget {
    Q_OBJECT
public:
    explicit ClusterMapView(QWidget* parent = nullptr);
    ~ClusterMapView() override;

    /// Shows \p data (its error when data->error is set); nullptr shows the empty state with
    /// \p emptyText.
    void setClusters(std::shared_ptr<const ClusterMapData> data, const QString& emptyText = {});
    const std::shared_ptr<const ClusterMapData>& clusters() const { return m_data; }

    /// \returns the headline under the title ("9 × 8 mesh: 72 clusters of 256×256 (lower bound
    /// 37), all valid; guaranteed 26,847 inferences/s"), the error or the empty text.
    QString titleText() const;
    /// \returns the number of tiles holding a cluster.
    int usedTiles() const;
    /// \returns the index into clusters()->tiles of the cluster on tile \p tile (y × width + x), or -1.
    int clusterOnTile(int tile) const;
    /// \returns the tooltip text of tile \p tile (empty for a tile outside the mesh).
    QString tileToolTip(int tile) const;
    /// \returns the rectangle tile \p tile is drawn in (widget coordinates; empty outside the mesh).
    QRect tileRect(int tile) const;
    /// \returns the fill colour of tile \p tile (layer colour shaded by row utilisation).
    QColor tileColor(int tile) const;
    /// \returns the selected tile, or -1.
    int selectedTile() const { return m_selected; }
    /// Selects \p tile (highlight only; emits nothing).
    void setSelectedTile(int tile);

    QSize minimumSizeHint() const override { return {360, 260}; }
    QSize sizeHint() const override { return {720, 520}; }

signals:
    /// The user clicked the tile holding cluster \p cluster.
    void clusterActivated(int cluster);

protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    bool event(QEvent* event) override;

private:
    MeshGrid geometry() const;
    int tileAt(const QPoint& pos) const;
    int tiles() const;
    void rebuildTileIndex();

    std::shared_ptr<const ClusterMapData> m_data;
    std::vector<int> m_clusterOnTile; ///< per mesh tile: index into m_data->tiles, or -1
    QString m_emptyText;
    int m_selected = -1;
};

} // namespace nnb::widgets
