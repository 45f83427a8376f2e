// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <memory>

#include <QWidget>

namespace nnb::hw {
struct Profile;
} // namespace nnb::hw

namespace nnb::widgets {

namespace detail {
template <class T>
class FieldForm;
} // namespace detail

/// The constraint editor of a hardware profile: every field of the profile with its unit, a
/// tooltip that explains the constraint in plain words, and inline validation (a field that
/// breaks a rule is outlined and the rule is stated). Values that are not published figures
/// (the profile's `illustrative` keys) are shown in italics.
///
/// It edits a copy: profileEdited() says that profile() changed and is valid; the app decides
/// what to do with it (recompile, save).
class ProfileEditor : public QWidget {
    Q_OBJECT
public:
    explicit ProfileEditor(QWidget* parent = nullptr);
    ~ProfileEditor() override;

    /// Shows \p profile (no profileEdited()).
    void setProfile(const hw::Profile& profile);
    /// \returns the profile as edited.
    const hw::Profile& profile() const;
    /// \returns the validation message, empty when the edited profile is valid.
    QString validationMessage() const;
    /// \returns the editor of the dotted file key \p key ("crossbar.rows"), or nullptr.
    QWidget* editor(const QString& key) const;

signals:
    /// The user changed a field and the profile is valid.
    void profileEdited();

private:
    std::unique_ptr<detail::FieldForm<hw::Profile>> m_form;
};

} // namespace nnb::widgets
