// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <functional>
#include <memory>

#include <QString>

#include "nnb/hw/profile.h"
#include "nnb/strategy/strategy.h"
#include "nnb/support/expected.h"
#include "nnb/widgets/sweep_setup.h"

namespace nnb::app {

struct SweepRecord;

/// What a project (session) file holds: the model by path and content hash, the edited hardware
/// profile and the strategy (both in their YAML file formats, so they round-trip exactly), the
/// sweep form and the last sweep's results (with its base profile and strategy, so a point can
/// be loaded again).
struct Session {
    QString modelPath;
    QString modelSha256; ///< hex SHA-256 of the model file when saved
    QString profileSource; ///< where the profile came from (shipped id or file), informative
    hw::Profile profile;
    strategy::Strategy strategy;
    bool liveMode = false;
    widgets::SweepSetup sweepSetup;
    std::shared_ptr<const SweepRecord> sweep; ///< null: no sweep results
};

/// The session file's format version ("nnbridge_session": 1 in the JSON).
inline constexpr int kSessionVersion = 1;

/// \returns the hex SHA-256 of the file at \p path, or an empty string when it cannot be read.
QString fileSha256(const QString& path);

/// Writes \p session to \p path as JSON through QSaveFile: the data goes to a temporary file
/// that replaces \p path only when complete, so a crash or kill mid-save leaves the previous
/// file intact. \p beforeCommit, if set, runs after everything is written and before the commit
/// (a test hook: a test kills the process there).
[[nodiscard]] Expected<void> saveSession(const QString& path, const Session& session,
                                         const std::function<void()>& beforeCommit = {});

/// Reads a session file. Errors name the file and what is wrong (InvalidArgument, Io).
[[nodiscard]] Expected<Session> loadSession(const QString& path);

/// Writes \p bytes to \p path atomically with QSaveFile.
[[nodiscard]] Expected<void> writeFileAtomically(const QString& path, const QByteArray& bytes);

} // namespace nnb::app
