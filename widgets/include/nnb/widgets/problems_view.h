// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QTreeWidget>

#include "nnb/widgets/severity.h"

namespace nnb::widgets {

/// The "Problems" list: one row per error or warning the user should act on (a model that does
/// not import, a data set that does not fit), with where it came from and when. Newest first.
class ProblemsView : public QTreeWidget {
    Q_OBJECT
public:
    explicit ProblemsView(QWidget* parent = nullptr);

    /// Adds a problem: \p message (one sentence) about \p source (a file or stage name).
    void addProblem(Severity severity, const QString& message, const QString& source);
    /// Removes every problem.
    void clearProblems();
    /// \returns the number of problems listed.
    int problemCount() const { return topLevelItemCount(); }

signals:
    /// The number of problems changed to \p count.
    void problemCountChanged(int count);
};

} // namespace nnb::widgets
