// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// A form of typed fields over a value type T (a hardware profile, a strategy), private to
// nnb_widgets: one editor per field with its unit as a suffix and a plain-words tooltip, grouped
// by the key's section, with inline validation (the offending field is outlined in red and the
// message shown under the form). Not a QObject: the editor widgets that own it are.

#include <functional>
#include <memory>
#include <vector>

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QMap>
#include <QSpinBox>
#include <QVBoxLayout>
#include <QVariant>

namespace nnb::widgets::detail {

/// One editable field of T.
template <class T>
struct Field {
    enum class Kind { Int, Double, Bool, Choice };
    QString key;   ///< dotted file key ("crossbar.rows"); the part before the dot is the section
    QString label; ///< "Rows"
    QString unit;  ///< shown as the editor's suffix ("ns", "bits"); may be empty
    QString help;  ///< plain-words explanation for the tooltip
    Kind kind = Kind::Int;
    double min = 0;
    double max = 1e9;
    int decimals = 0;
    double step = 1;
    QStringList choices; ///< Choice: the values as the file spells them
    std::function<QVariant(const T&)> get;
    std::function<void(T&, const QVariant&)> set;
};

template <class T>
class FieldForm {
public:
    using Validator = std::function<QString(const T&, QString& key)>; ///< message, or empty when valid

    /// Builds the editors into \p container (which gets a QVBoxLayout) for \p fields.
    /// \p sectionTitles maps a key's section to its group title. \p onChange is called after
    /// every edit the validator accepts.
    FieldForm(QWidget* container, std::vector<Field<T>> fields, QMap<QString, QString> sectionTitles, Validator validator,
              std::function<void()> onChange)
        : m_fields(std::move(fields))
        , m_validator(std::move(validator))
        , m_onChange(std::move(onChange))
    {
        auto* layout = new QVBoxLayout(container);
        layout->setContentsMargins(6, 6, 6, 6);
        layout->setSpacing(6);
        m_message = new QLabel(container);
        m_message->setObjectName(QStringLiteral("validationMessage"));
        m_message->setWordWrap(true);
        m_message->setStyleSheet(QStringLiteral("QLabel { color: #b3261e; font-weight: bold; }"));
        m_message->hide();
        layout->addWidget(m_message);
        QMap<QString, QFormLayout*> forms;
        for (size_t i = 0; i < m_fields.size(); ++i) {
            const Field<T>& f = m_fields[i];
            const QString section = f.key.section(QLatin1Char('.'), 0, 0);
            QFormLayout* form = forms.value(section);
            if (!form) {
                auto* box = new QGroupBox(sectionTitles.value(section, section), container);
                form = new QFormLayout(box);
                form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
                form->setLabelAlignment(Qt::AlignRight);
                forms.insert(section, form);
                layout->addWidget(box);
            }
            QWidget* editor = makeEditor(f, container, i);
            editor->setObjectName(f.key);
            const QString tip = QStringLiteral("<b>%1</b>%2<br>%3<br><span style='color:gray'>key: %4</span>")
                                    .arg(f.label.toHtmlEscaped(),
                                         f.unit.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(f.unit.toHtmlEscaped()),
                                         f.help.toHtmlEscaped(), f.key);
            editor->setToolTip(tip);
            auto* label = new QLabel(f.label + QLatin1Char(':'), container);
            label->setToolTip(tip);
            label->setBuddy(editor);
            form->addRow(label, editor);
            m_editors.push_back(editor);
        }
        layout->addStretch(1);
    }

    /// Shows \p value in the editors (no change notification).
    void setValue(const T& value)
    {
        m_value = value;
        m_loading = true;
        for (size_t i = 0; i < m_fields.size(); ++i) {
            const QVariant v = m_fields[i].get(value);
            QWidget* e = m_editors[i];
            switch (m_fields[i].kind) {
            case Field<T>::Kind::Int: static_cast<QSpinBox*>(e)->setValue(v.toInt()); break;
            case Field<T>::Kind::Double: static_cast<QDoubleSpinBox*>(e)->setValue(v.toDouble()); break;
            case Field<T>::Kind::Bool: static_cast<QCheckBox*>(e)->setChecked(v.toBool()); break;
            case Field<T>::Kind::Choice: {
                auto* box = static_cast<QComboBox*>(e);
                box->setCurrentIndex(std::max(0, static_cast<int>(box->findData(v.toString()))));
                break;
            }
            }
        }
        m_loading = false;
        validate();
    }

    /// The value as edited (valid or not).
    const T& value() const { return m_value; }
    /// \returns the validation message, empty when the value is valid.
    QString message() const { return m_lastMessage; }
    /// \returns the editor of \p key, or nullptr.
    QWidget* editor(const QString& key) const
    {
        for (size_t i = 0; i < m_fields.size(); ++i)
            if (m_fields[i].key == key)
                return m_editors[i];
        return nullptr;
    }
    /// Marks the fields whose key is listed in \p keys (or starts with one, for sections) as
    /// "illustrative": the label gets a dagger and the tooltip says so.
    void markIllustrative(const std::vector<std::string>& keys)
    {
        for (size_t i = 0; i < m_fields.size(); ++i) {
            bool marked = false;
            for (const std::string& k : keys) {
                const QString prefix = QString::fromStdString(k);
                if (m_fields[i].key == prefix || m_fields[i].key.startsWith(prefix + QLatin1Char('.')))
                    marked = true;
            }
            m_editors[i]->setProperty("illustrative", marked);
        }
        validate();
    }

private:
    QWidget* makeEditor(const Field<T>& f, QWidget* parent, size_t index)
    {
        const QString suffix = f.unit.isEmpty() ? QString() : QStringLiteral(" ") + f.unit;
        switch (f.kind) {
        case Field<T>::Kind::Int: {
            auto* box = new QSpinBox(parent);
            box->setRange(int(f.min), int(std::min(f.max, 2e9)));
            box->setSuffix(suffix);
            box->setKeyboardTracking(false);
            box->setSingleStep(int(f.step));
            QObject::connect(box, &QSpinBox::valueChanged, box, [this, index](int v) { edited(index, v); });
            return box;
        }
        case Field<T>::Kind::Double: {
            auto* box = new QDoubleSpinBox(parent);
            box->setDecimals(f.decimals);
            box->setRange(f.min, f.max);
            box->setSingleStep(f.step);
            box->setSuffix(suffix);
            box->setKeyboardTracking(false);
            QObject::connect(box, &QDoubleSpinBox::valueChanged, box, [this, index](double v) { edited(index, v); });
            return box;
        }
        case Field<T>::Kind::Bool: {
            auto* box = new QCheckBox(parent);
            QObject::connect(box, &QCheckBox::toggled, box, [this, index](bool v) { edited(index, v); });
            return box;
        }
        case Field<T>::Kind::Choice: {
            auto* box = new QComboBox(parent);
            for (const QString& c : f.choices)
                box->addItem(c, c);
            QObject::connect(box, &QComboBox::currentIndexChanged, box,
                             [this, index, box](int) { edited(index, box->currentData()); });
            return box;
        }
        }
        return nullptr;
    }

    void edited(size_t index, const QVariant& v)
    {
        if (m_loading)
            return;
        m_fields[index].set(m_value, v);
        if (validate() && m_onChange)
            m_onChange();
    }

    bool validate()
    {
        QString key;
        m_lastMessage = m_validator ? m_validator(m_value, key) : QString();
        for (size_t i = 0; i < m_fields.size(); ++i) {
            const bool bad = !m_lastMessage.isEmpty() && m_fields[i].key == key;
            m_editors[i]->setProperty("invalid", bad);
            QString style = m_editors[i]->property("illustrative").toBool() ? QStringLiteral("font-style: italic;") : QString();
            if (bad)
                style += QStringLiteral("border: 2px solid #b3261e; border-radius: 3px;");
            m_editors[i]->setStyleSheet(style.isEmpty() ? QString() : QStringLiteral("QWidget { %1 }").arg(style));
        }
        m_message->setText(m_lastMessage);
        m_message->setVisible(!m_lastMessage.isEmpty());
        return m_lastMessage.isEmpty();
    }

    std::vector<Field<T>> m_fields;
    std::vector<QWidget*> m_editors;
    Validator m_validator;
    std::function<void()> m_onChange;
    QLabel* m_message = nullptr;
    QString m_lastMessage;
    T m_value{};
    bool m_loading = false;
};

} // namespace nnb::widgets::detail
