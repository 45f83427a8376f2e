// SPDX-License-Identifier: GPL-3.0-or-later
#include "nnb/widgets/problems_view.h"

#include <QHeaderView>
#include <QStyle>
#include <QTime>

namespace nnb::widgets {
namespace {
enum Column { MessageColumn, SourceColumn, TimeColumn };
} // namespace

ProblemsView::ProblemsView(QWidget* parent)
    : QTreeWidget(parent)
{
    setColumnCount(3);
    setHeaderLabels({tr("Problem"), tr("Source"), tr("Time")});
    setRootIsDecorated(false);
    setUniformRowHeights(true);
    setAlternatingRowColors(true);
    setWordWrap(false);
    setTextElideMode(Qt::ElideMiddle);
    header()->setStretchLastSection(false);
    header()->setSectionResizeMode(MessageColumn, QHeaderView::Stretch);
    header()->setSectionResizeMode(SourceColumn, QHeaderView::Interactive);
    header()->setSectionResizeMode(TimeColumn, QHeaderView::ResizeToContents);
    header()->resizeSection(SourceColumn, 180);
}

void ProblemsView::addProblem(Severity severity, const QString& message, const QString& source)
{
    auto* item = new QTreeWidgetItem;
    const QStyle::StandardPixmap icon = severity == Severity::Error     ? QStyle::SP_MessageBoxCritical
                                        : severity == Severity::Warning ? QStyle::SP_MessageBoxWarning
                                                                        : QStyle::SP_MessageBoxInformation;
    item->setIcon(MessageColumn, style()->standardIcon(icon));
    item->setText(MessageColumn, message);
    item->setToolTip(MessageColumn, message);
    item->setText(SourceColumn, source);
    item->setToolTip(SourceColumn, source);
    item->setText(TimeColumn, QTime::currentTime().toString(QStringLiteral("HH:mm:ss")));
    insertTopLevelItem(0, item);
    setCurrentItem(item);
    emit problemCountChanged(problemCount());
}

void ProblemsView::clearProblems()
{
    clear();
    emit problemCountChanged(0);
}

} // namespace nnb::widgets
