// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <memory>

#include <QColor>
#include <QString>
#include <QWidget>

// Forward declaration only: moc must not parse the core's X-macro headers.
namespace nnb::mapping {
struct MappingResult;
} // namespace nnb::mapping

namespace nnb::widgets {

struct MeshGrid; // widgets/src/mesh_grid.h

/// The core-mapping view: the chip's mesh of cores as a grid, each used core coloured by the
/// layer its tile belongs to and shaded by its crossbar's utilisation (light: few cells hold a
/// weight; saturated: full), loaded mesh links drawn between cores, a legend of layers, and a
/// tooltip per core. Clicking a core selects it and emits coreActivated().
class CoreMapView : public QWidget {
    Q_OBJECT
public:
    explicit CoreMapView(QWidget* parent = nullptr);
    ~CoreMapView() override;

    /// Shows \p mapping; nullptr shows the empty state with \p emptyText.
    void setMapping(std::shared_ptr<const mapping::MappingResult> mapping, const QString& emptyText = {});
    const std::shared_ptr<const mapping::MappingResult>& mapping() const { return m_mapping; }

    /// \returns the headline above the mesh ("8 × 8 mesh: 12 of 64 cores used, ...").
    QString titleText() const;
    /// \returns the number of cores holding a tile.
    int usedCores() const;
    /// \returns the tooltip text of core \p core (empty for an invalid core).
    QString coreToolTip(int core) const;
    /// \returns the rectangle core \p core is drawn in (widget coordinates).
    QRect coreRect(int core) const;
    /// \returns the fill colour of core \p core (layer colour shaded by utilisation).
    QColor coreColor(int core) const;
    /// \returns the selected core, or -1.
    int selectedCore() const { return m_selected; }
    /// Selects \p core (highlight only; emits nothing).
    void setSelectedCore(int core);

    /// \returns the colour of layer \p index in the legend (also used by other views).
    static QColor layerColor(int index);

    QSize minimumSizeHint() const override { return {360, 260}; }
    QSize sizeHint() const override { return {720, 520}; }

signals:
    /// The user clicked core \p core (an index into MappingResult::cores).
    void coreActivated(int core);

protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    bool event(QEvent* event) override;

private:
    MeshGrid geometry() const;
    int coreAt(const QPoint& pos) const;

    std::shared_ptr<const mapping::MappingResult> m_mapping;
    QString m_emptyText;
    int m_selected = -1;
};

} // namespace nnb::widgets
