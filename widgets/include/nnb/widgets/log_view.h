// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QPlainTextEdit>

#include "nnb/widgets/severity.h"

namespace nnb::widgets {

/// A read-only, timestamped log of what the application did ("[14:02:11] Opened lenet.onnx").
/// Errors and warnings are prefixed and coloured; old lines are dropped beyond a fixed limit.
class LogView : public QPlainTextEdit {
    Q_OBJECT
public:
    explicit LogView(QWidget* parent = nullptr);

    /// Appends \p text with the current time and \p severity, and scrolls to it.
    void appendMessage(Severity severity, const QString& text);
};

} // namespace nnb::widgets
