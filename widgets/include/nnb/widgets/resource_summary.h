// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <memory>

#include <QMap>
#include <QString>
#include <QWidget>

class QLabel;
class QTreeWidget;
class QTreeWidgetItem;

// Forward declarations only: moc must not parse the core's X-macro headers.
namespace nnb {
struct CompileResult;
struct Assessment;
} // namespace nnb
namespace nnb::mapping {
struct MappingResult;
} // namespace nnb::mapping

namespace nnb::widgets {

/// A spiking network's neurons packed onto crossbars (LCTES'20 clustering), for the summary.
struct SpikingClusters {
    qint64 neurons = 0;       ///< neurons of the original network (pooling windows included)
    qint64 intermediates = 0; ///< added by fan-in unrolling
    qint64 clusters = 0;      ///< crossbars used
    qint64 lowerBound = 0;
    int rows = 0, cols = 0;   ///< the crossbar
    bool valid = false;       ///< every cluster passed the independent validator
    double periodNs = 0.0;    ///< guaranteed period per inference on the design-time placement (0: not analysed)
    double inferencesPerSecond = 0.0;
    int meshWidth = 0, meshHeight = 0; ///< the mesh the clusters were placed on
    QString error;            ///< when the network could not be clustered
};

/// The resource and cost summary of one compile: crossbars and their utilisation, cores on the
/// mesh, energy and latency per inference, throughput, accuracy by stage and the time each step
/// took, every figure with its unit. Rows have stable keys (value()) for tests and exports.
class ResourceSummary : public QWidget {
    Q_OBJECT
public:
    explicit ResourceSummary(QWidget* parent = nullptr);
    ~ResourceSummary() override;

    /// Shows the figures of one compile. \p mapping and \p assessment may be null (not run or
    /// failed). \p accuracyCaption names the images ("first 1,000 images of the data sample").
    /// \p timings is "compile 12 ms · mapping 80 ms · assessment 1.4 s".
    void setResults(std::shared_ptr<const CompileResult> compiled, std::shared_ptr<const mapping::MappingResult> mapping,
                    std::shared_ptr<const Assessment> assessment, const QString& accuracyCaption, const QString& timings);
    /// Appends the spiking clustering of the same compile (spiking profiles only; call after
    /// setResults).
    void addSpikingClusters(const SpikingClusters& clusters);
    /// Drops the figures and shows \p text (pending, cancelled, failed).
    void showState(const QString& text);

    /// \returns the text of row \p key ("crossbars", "cores", "energy", "latency", "throughput",
    /// "accuracy.float", "accuracy.bit-accurate", ...), or an empty string.
    QString value(const QString& key) const { return m_values.value(key); }
    bool hasResult() const { return m_compiled != nullptr; }

    /// \returns a value in ns as "123.4 ns", "1.23 µs" or "4.56 ms".
    static QString formatNs(double ns);
    /// \returns a value in pJ as "12.3 pJ", "4.56 nJ" or "1.23 µJ".
    static QString formatPj(double pj);

private:
    QTreeWidgetItem* section(const QString& title);
    void addRow(QTreeWidgetItem* section, const QString& key, const QString& label, const QString& value,
                const QString& toolTip = {});

    std::shared_ptr<const CompileResult> m_compiled;
    std::shared_ptr<const mapping::MappingResult> m_mapping;
    std::shared_ptr<const Assessment> m_assessment;
    QMap<QString, QString> m_values;
    QLabel* m_state = nullptr;
    QTreeWidget* m_tree = nullptr;
};

} // namespace nnb::widgets
