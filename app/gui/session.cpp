// SPDX-License-Identifier: GPL-3.0-or-later
#include "session.h"

#include <QCryptographicHash>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>

#include "nnb/hw/profile_io.h"
#include "nnb/strategy/strategy_io.h"

namespace nnb::app {
namespace {

std::string name(const QString& path)
{
    return QFileInfo(path).fileName().toStdString();
}

} // namespace

QString fileSha256(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    QCryptographicHash hash(QCryptographicHash::Sha256);
    if (!hash.addData(&file))
        return {};
    return QString::fromLatin1(hash.result().toHex());
}

Expected<void> writeFileAtomically(const QString& path, const QByteArray& bytes)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return makeError(Errc::Io, "cannot write '" + path.toStdString() + "': " + file.errorString().toStdString());
    file.write(bytes);
    if (!file.commit())
        return makeError(Errc::Io, "cannot write '" + path.toStdString() + "': " + file.errorString().toStdString());
    return {};
}

Expected<void> saveSession(const QString& path, const Session& session, const std::function<void()>& beforeCommit)
{
    QJsonObject model{{QStringLiteral("path"), session.modelPath}, {QStringLiteral("sha256"), session.modelSha256}};
    QJsonObject profile{{QStringLiteral("source"), session.profileSource},
                        {QStringLiteral("yaml"), QString::fromStdString(hw::profileToYaml(session.profile))}};
    QJsonObject strategy{{QStringLiteral("yaml"), QString::fromStdString(strategy::strategyToYaml(session.strategy))}};
    const QJsonObject root{{QStringLiteral("nnbridge_session"), kSessionVersion},
                           {QStringLiteral("model"), model},
                           {QStringLiteral("profile"), profile},
                           {QStringLiteral("strategy"), strategy},
                           {QStringLiteral("live_mode"), session.liveMode}};
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return makeError(Errc::Io, "cannot write '" + path.toStdString() + "': " + file.errorString().toStdString());
    file.write(QJsonDocument(root).toJson(QJsonDocument::Indented));
    if (beforeCommit)
        beforeCommit();
    if (!file.commit())
        return makeError(Errc::Io, "cannot write '" + path.toStdString() + "': " + file.errorString().toStdString());
    return {};
}

Expected<Session> loadSession(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return makeError(Errc::Io, "cannot read '" + path.toStdString() + "': " + file.errorString().toStdString());
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &parseError);
    if (doc.isNull() || !doc.isObject())
        return makeError(Errc::InvalidArgument, name(path) + ": not a session file (" + parseError.errorString().toStdString() + ")");
    const QJsonObject root = doc.object();
    if (root.value(QStringLiteral("nnbridge_session")).toInt() != kSessionVersion)
        return makeError(Errc::InvalidArgument, name(path) + ": not an nnbridge session of version " +
                                                    std::to_string(kSessionVersion));
    Session s;
    const QJsonObject model = root.value(QStringLiteral("model")).toObject();
    s.modelPath = model.value(QStringLiteral("path")).toString();
    s.modelSha256 = model.value(QStringLiteral("sha256")).toString();
    const QJsonObject profile = root.value(QStringLiteral("profile")).toObject();
    s.profileSource = profile.value(QStringLiteral("source")).toString();
    NNB_TRY(s.profile, hw::parseProfile(profile.value(QStringLiteral("yaml")).toString().toStdString(), name(path) + " (profile)"));
    NNB_TRY(s.strategy, strategy::parseStrategy(root.value(QStringLiteral("strategy")).toObject().value(QStringLiteral("yaml")).toString().toStdString(),
                                                name(path) + " (strategy)"));
    s.liveMode = root.value(QStringLiteral("live_mode")).toBool();
    return s;
}

} // namespace nnb::app
