// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <memory>

#include <QWidget>

namespace nnb::strategy {
struct Strategy;
} // namespace nnb::strategy

namespace nnb::widgets {

namespace detail {
template <class T>
class FieldForm;
} // namespace detail

/// The strategy editor: how a network is transformed for the hardware (function approximators,
/// pooling, the split policy, calibration, the weight quantiser and its granularity, signal and
/// ADC ranges, output re-encoding, the seed), each with a plain-words tooltip.
class StrategyEditor : public QWidget {
    Q_OBJECT
public:
    explicit StrategyEditor(QWidget* parent = nullptr);
    ~StrategyEditor() override;

    /// Shows \p strategy (no strategyEdited()).
    void setStrategy(const strategy::Strategy& strategy);
    const strategy::Strategy& strategy() const;
    QWidget* editor(const QString& key) const;

signals:
    /// The user changed a field.
    void strategyEdited();

private:
    std::unique_ptr<detail::FieldForm<strategy::Strategy>> m_form;
};

} // namespace nnb::widgets
