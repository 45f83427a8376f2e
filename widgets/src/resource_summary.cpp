// SPDX-License-Identifier: GPL-3.0-or-later
#include "nnb/widgets/resource_summary.h"

#include <cmath>

#include <QHeaderView>
#include <QLabel>
#include <QTreeWidget>
#include <QVBoxLayout>

#include "nnb/assess.h"
#include "nnb/compile.h"
#include "nnb/map/mapping.h"
#include "nnb/widgets/formatting.h"

namespace nnb::widgets {

ResourceSummary::ResourceSummary(QWidget* parent)
    : QWidget(parent)
{
    m_state = new QLabel(this);
    m_state->setObjectName(QStringLiteral("summaryState"));
    m_state->setWordWrap(true);
    m_state->setAlignment(Qt::AlignCenter);
    m_state->setForegroundRole(QPalette::PlaceholderText);

    m_tree = new QTreeWidget(this);
    m_tree->setObjectName(QStringLiteral("summaryTree"));
    m_tree->setColumnCount(2);
    m_tree->setHeaderLabels({tr("Quantity"), tr("Value")});
    m_tree->setRootIsDecorated(false);
    m_tree->setAlternatingRowColors(true);
    m_tree->setSelectionMode(QAbstractItemView::NoSelection);
    m_tree->setFocusPolicy(Qt::NoFocus);
    m_tree->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    m_tree->header()->setStretchLastSection(true);
    m_tree->setWordWrap(true);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(m_tree, 1);
    layout->addWidget(m_state, 1);
    showState(tr("Not compiled yet: Run ▸ Compile maps the network onto the chip and measures its cost."));
}

ResourceSummary::~ResourceSummary() = default;

QString ResourceSummary::formatNs(double ns)
{
    if (ns >= 1e6)
        return QStringLiteral("%1 ms").arg(ns / 1e6, 0, 'f', 2);
    if (ns >= 1e3)
        return QStringLiteral("%1 µs").arg(ns / 1e3, 0, 'f', 2);
    return QStringLiteral("%1 ns").arg(ns, 0, 'f', 1);
}

QString ResourceSummary::formatPj(double pj)
{
    if (pj >= 1e6)
        return QStringLiteral("%1 µJ").arg(pj / 1e6, 0, 'f', 2);
    if (pj >= 1e3)
        return QStringLiteral("%1 nJ").arg(pj / 1e3, 0, 'f', 2);
    return QStringLiteral("%1 pJ").arg(pj, 0, 'f', 1);
}

void ResourceSummary::showState(const QString& text)
{
    m_compiled.reset();
    m_mapping.reset();
    m_assessment.reset();
    m_values.clear();
    m_tree->clear();
    m_tree->hide();
    m_state->setText(text);
    m_state->show();
}

void ResourceSummary::addSpikingClusters(const SpikingClusters& c)
{
    QTreeWidgetItem* top = section(tr("Spiking clusters (neuron level, LCTES'20)"));
    if (!c.error.isEmpty()) {
        addRow(top, QStringLiteral("snn.error"), tr("Not clustered"), c.error);
        return;
    }
    addRow(top, QStringLiteral("snn.clusters"), tr("Crossbars"),
           tr("%1 of %2×%3 (lower bound %4)").arg(formatCount(c.clusters)).arg(c.rows).arg(c.cols).arg(formatCount(c.lowerBound)),
           tr("Neurons packed greedily (fullest crossbar first) so that each crossbar has at most %1 distinct inputs "
              "and %2 neurons; an input shared by neurons of one crossbar uses one row.")
               .arg(c.rows)
               .arg(c.cols));
    addRow(top, QStringLiteral("snn.neurons"), tr("Neurons"),
           tr("%1 + %2 from fan-in unrolling").arg(formatCount(c.neurons)).arg(formatCount(c.intermediates)),
           tr("A neuron with more inputs than the crossbar has rows is split into a tree of neurons that add partial sums."));
    addRow(top, QStringLiteral("snn.valid"), tr("Validator"),
           c.valid ? tr("every crossbar within its limits") : tr("VIOLATIONS: see Problems"),
           tr("An independent check: every neuron in one crossbar, rows and columns within limits, every synapse realised."));
    if (c.periodNs > 0.0)
        addRow(top, QStringLiteral("snn.throughput"), tr("Throughput (guaranteed)"),
               tr("%1 inferences/s (%2)").arg(formatCount(std::llround(c.inferencesPerSecond))).arg(formatNs(c.periodNs)),
               tr("A lower bound on throughput: %1 per inference from the maximum cycle mean of the clusters' "
                  "synchronous dataflow graph (cores, links and buffers) placed on a %2 × %3 mesh, with spikes "
                  "estimated by the rate model; see the Spiking clusters tab.")
                   .arg(formatNs(c.periodNs))
                   .arg(c.meshWidth)
                   .arg(c.meshHeight));
}

QTreeWidgetItem* ResourceSummary::section(const QString& title)
{
    auto* item = new QTreeWidgetItem(m_tree, {title});
    QFont bold = m_tree->font();
    bold.setBold(true);
    item->setFont(0, bold);
    item->setFirstColumnSpanned(true);
    return item;
}

void ResourceSummary::addRow(QTreeWidgetItem* parent, const QString& key, const QString& label, const QString& value,
                             const QString& toolTip)
{
    Q_UNUSED(parent);
    auto* item = new QTreeWidgetItem(m_tree, {QStringLiteral("   ") + label, value});
    item->setData(0, Qt::UserRole, key);
    if (!toolTip.isEmpty()) {
        item->setToolTip(0, toolTip);
        item->setToolTip(1, toolTip);
    }
    m_values.insert(key, value);
}

void ResourceSummary::setResults(std::shared_ptr<const CompileResult> compiled,
                                 std::shared_ptr<const mapping::MappingResult> mappingResult,
                                 std::shared_ptr<const Assessment> assessment, const QString& accuracyCaption,
                                 const QString& timings)
{
    if (!compiled) {
        showState(tr("No result."));
        return;
    }
    m_compiled = std::move(compiled);
    m_mapping = std::move(mappingResult);
    m_assessment = std::move(assessment);
    m_values.clear();
    m_tree->clear();

    const report::ResourceReport& r = m_compiled->resources;
    const hw::Profile& profile = m_compiled->profile;
    QTreeWidgetItem* s = section(tr("Crossbars — %1").arg(QString::fromStdString(profile.name)));
    addRow(s, QStringLiteral("crossbar"), tr("Crossbar size"),
           tr("%1 rows × %2 columns, %3 array(s) per weight block")
               .arg(profile.crossbar.rows)
               .arg(profile.crossbar.cols)
               .arg(profile.arraysPerWeightBlock()),
           tr("Arrays per weight block: weight bit slices × 2 for differential pairs"));
    addRow(s, QStringLiteral("crossbars"), tr("Crossbars used"),
           tr("%1 arrays (lower bound %2)").arg(formatCount(r.crossbars), formatCount(r.lowerBound)),
           tr("Physical arrays: tiles × weight slices × differential pairs. The lower bound packs the weights "
              "densely: ceil(weights / (rows × columns)) × arrays per weight block."));
    addRow(s, QStringLiteral("coreops"), tr("Core-ops"), formatCount(r.coreOps),
           tr("Hardware primitives y = f(W·x + b), each fitting one crossbar"));
    addRow(s, QStringLiteral("weights"), tr("Weight cells"), formatCount(r.weights));
    addRow(s, QStringLiteral("utilization"), tr("Utilisation"), QStringLiteral("%1 %").arg(r.utilizationPercent, 0, 'f', 1),
           tr("Share of the used arrays' cells that hold a weight"));
    addRow(s, QStringLiteral("offchip"), tr("Off-chip ops"), formatCount(r.offChipOps),
           tr("Operations run on the host (a final Softmax, routing)"));

    s = section(tr("On the chip (per inference)"));
    if (!m_mapping) {
        addRow(s, QStringLiteral("cores"), tr("Cores"), tr("not mapped"));
    } else if (!m_mapping->feasible) {
        addRow(s, QStringLiteral("cores"), tr("Cores"),
               tr("does not fit: needs %1, the chip has %2").arg(m_mapping->tilesNeeded).arg(m_mapping->coresAvailable));
    } else {
        const mapping::MappingResult& m = *m_mapping;
        int used = 0;
        for (const auto& c : m.cores)
            used += c.tile >= 0 ? 1 : 0;
        addRow(s, QStringLiteral("cores"), tr("Cores"),
               tr("%1 of %2 (%3 × %4 mesh)").arg(used).arg(m.coresAvailable).arg(m.mesh.width).arg(m.mesh.height));
        const mapping::CostBreakdown& e = m.energyPj;
        addRow(s, QStringLiteral("energy"), tr("Energy"), formatPj(e.total()),
               tr("crossbar %1, ADC/DAC %2, digital %3, NoC %4, spikes %5")
                   .arg(formatPj(e.crossbar), formatPj(e.adcDac), formatPj(e.digital), formatPj(e.noc), formatPj(e.spikes)));
        addRow(s, QStringLiteral("energy.split"), tr("  of which"),
               tr("crossbar %1 · ADC/DAC %2 · digital %3 · NoC %4")
                   .arg(formatPj(e.crossbar), formatPj(e.adcDac), formatPj(e.digital), formatPj(e.noc)));
        addRow(s, QStringLiteral("latency"), tr("Latency"), formatNs(m.latencyNs.total()),
               tr("The critical path of one inference, not pipelined"));
        addRow(s, QStringLiteral("throughput"), tr("Throughput"),
               tr("%1 inferences/s pipelined (%2× the sequential %3/s)")
                   .arg(QString::number(m.schedule.pipelinedThroughput, 'g', 4))
                   .arg(m.schedule.speedup, 0, 'f', 2)
                   .arg(QString::number(m.schedule.sequentialThroughput, 'g', 4)),
               tr("Bottleneck: %1").arg(QString::fromStdString(m.schedule.bottleneck)));
        addRow(s, QStringLiteral("traffic"), tr("NoC traffic"),
               tr("%1 %2s, max link %3 %2s")
                   .arg(QString::number(m.totalTraffic, 'g', 4), QString::fromLatin1(mapping::toString(m.unit)),
                        QString::number(m.maxLinkTraffic, 'g', 4)));
    }

    s = section(accuracyCaption.isEmpty() ? tr("Accuracy") : tr("Accuracy (%1)").arg(accuracyCaption));
    if (!m_assessment) {
        addRow(s, QStringLiteral("accuracy"), tr("Top-1"), tr("not measured"));
    } else {
        const StageReport* reference = m_assessment->stage("float");
        for (const StageReport& st : m_assessment->stages) {
            QString text = QStringLiteral("%1 % (%2 / %3)").arg(st.accuracyPercent, 0, 'f', 2).arg(st.correct).arg(st.total);
            if (reference && &st != reference)
                text += tr(", %1 points").arg(st.accuracyPercent - reference->accuracyPercent, 0, 'f', 2);
            addRow(s, QStringLiteral("accuracy.") + QString::fromStdString(st.stage), QString::fromStdString(st.stage), text,
                   QString::fromStdString(st.description));
        }
        if (m_assessment->adc.conversions > 0)
            addRow(s, QStringLiteral("adc"), tr("ADC clipping"),
                   tr("%1 % of %2 conversions (%3)")
                       .arg(100.0 * m_assessment->adc.clippedFraction(), 0, 'f', 3)
                       .arg(formatCount(m_assessment->adc.conversions))
                       .arg(QString::fromStdString(m_assessment->adcMode)));
    }
    if (!timings.isEmpty()) {
        s = section(tr("Time"));
        addRow(s, QStringLiteral("time"), tr("This compile"), timings);
    }
    m_tree->resizeColumnToContents(0);
    m_state->hide();
    m_tree->show();
}

} // namespace nnb::widgets
