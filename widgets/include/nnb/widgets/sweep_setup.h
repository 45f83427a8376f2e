// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QList>
#include <QString>
#include <QStringList>

namespace nnb::widgets {

/// One swept parameter as the user set it up: the profile or strategy keys it sets (all to the
/// same value, e.g. crossbar.rows and crossbar.cols) and its values as typed: a range
/// ("2..8", "2..8 step 2", "64..256 x2") or a comma-separated list ("uniform, ternary").
struct SweepAxisSetup {
    QString name;     ///< shown in the table and legend ("weight bits")
    QStringList keys; ///< dotted keys ("weights.bits")
    QString values;   ///< range or list text

    bool operator==(const SweepAxisSetup&) const = default;
};

/// What the sweep panel's form holds: one or two parameters, the images per point and the two
/// metrics drawn (names as nnb::sweep::toString(Metric): "crossbars", "error_percent", ...).
/// A plain value (no core types), so sessions can store it and moc can read the header.
struct SweepSetup {
    QList<SweepAxisSetup> axes;
    qint64 testImages = 300;
    QString x = QStringLiteral("crossbars");
    QString y = QStringLiteral("error_percent");

    bool operator==(const SweepSetup&) const = default;
};

} // namespace nnb::widgets
