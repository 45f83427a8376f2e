// SPDX-License-Identifier: GPL-3.0-or-later
#include "nnb/widgets/log_view.h"

#include <QScrollBar>
#include <QTime>

namespace nnb::widgets {

LogView::LogView(QWidget* parent)
    : QPlainTextEdit(parent)
{
    setReadOnly(true);
    setMaximumBlockCount(5000);
    setLineWrapMode(QPlainTextEdit::WidgetWidth);
    setPlaceholderText(tr("Messages appear here."));
}

void LogView::appendMessage(Severity severity, const QString& text)
{
    QString prefix;
    QString colour;
    switch (severity) {
    case Severity::Info: break;
    case Severity::Warning:
        prefix = tr("warning: ");
        colour = QStringLiteral("#9a6700");
        break;
    case Severity::Error:
        prefix = tr("error: ");
        colour = QStringLiteral("#c62828");
        break;
    }
    const QString time = QTime::currentTime().toString(QStringLiteral("HH:mm:ss"));
    QString line = QStringLiteral("<span style=\"color:gray\">[%1]</span> ").arg(time);
    const QString body = (prefix + text).toHtmlEscaped().replace(QLatin1Char('\n'), QStringLiteral("<br>"));
    line += colour.isEmpty() ? body : QStringLiteral("<span style=\"color:%1\">%2</span>").arg(colour, body);
    appendHtml(line);
    verticalScrollBar()->setValue(verticalScrollBar()->maximum());
}

} // namespace nnb::widgets
