// SPDX-License-Identifier: GPL-3.0-or-later
#include "session.h"

#include <QCryptographicHash>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>

#include "nnb/hw/profile_io.h"
#include "nnb/strategy/strategy_io.h"
#include "sweep_job.h"

namespace nnb::app {
namespace {

std::string name(const QString& path)
{
    return QFileInfo(path).fileName().toStdString();
}

QString q(const std::string& s)
{
    return QString::fromStdString(s);
}

QJsonArray strings(const std::vector<std::string>& values)
{
    QJsonArray out;
    for (const std::string& v : values)
        out.append(q(v));
    return out;
}

std::vector<std::string> strings(const QJsonValue& value)
{
    std::vector<std::string> out;
    for (const QJsonValue& v : value.toArray())
        out.push_back(v.toString().toStdString());
    return out;
}

QJsonValue optional(const std::optional<double>& v)
{
    return v ? QJsonValue(*v) : QJsonValue();
}

std::optional<double> optional(const QJsonValue& v)
{
    return v.isDouble() ? std::optional<double>(v.toDouble()) : std::nullopt;
}

QJsonObject setupToJson(const widgets::SweepSetup& setup)
{
    QJsonArray axes;
    for (const widgets::SweepAxisSetup& a : setup.axes)
        axes.append(QJsonObject{{QStringLiteral("name"), a.name},
                                {QStringLiteral("keys"), QJsonArray::fromStringList(a.keys)},
                                {QStringLiteral("values"), a.values}});
    return {{QStringLiteral("parameters"), axes},
            {QStringLiteral("test_images"), setup.testImages},
            {QStringLiteral("x"), setup.x},
            {QStringLiteral("y"), setup.y}};
}

widgets::SweepSetup setupFromJson(const QJsonObject& o)
{
    widgets::SweepSetup s;
    for (const QJsonValue& v : o.value(QStringLiteral("parameters")).toArray()) {
        const QJsonObject a = v.toObject();
        QStringList keys;
        for (const QJsonValue& k : a.value(QStringLiteral("keys")).toArray())
            keys << k.toString();
        s.axes << widgets::SweepAxisSetup{a.value(QStringLiteral("name")).toString(), keys, a.value(QStringLiteral("values")).toString()};
    }
    s.testImages = o.value(QStringLiteral("test_images")).toInteger(s.testImages);
    s.x = o.value(QStringLiteral("x")).toString(s.x);
    s.y = o.value(QStringLiteral("y")).toString(s.y);
    return s;
}

QJsonObject pointToJson(const sweep::PointResult& p)
{
    QJsonArray valueIndex;
    for (int i : p.point.valueIndex)
        valueIndex.append(i);
    return {{QStringLiteral("index"), p.point.index},
            {QStringLiteral("value_index"), valueIndex},
            {QStringLiteral("values"), strings(p.point.values)},
            {QStringLiteral("label"), q(p.point.label)},
            {QStringLiteral("profile_overrides"), strings(p.point.profileOverrides)},
            {QStringLiteral("strategy_overrides"), strings(p.point.strategyOverrides)},
            {QStringLiteral("feasible"), p.feasible},
            {QStringLiteral("accuracy_percent"), optional(p.accuracyPercent)},
            {QStringLiteral("accuracy_drop_points"), optional(p.accuracyDropPoints)},
            {QStringLiteral("agreement_percent"), p.agreementPercent},
            {QStringLiteral("images"), qint64(p.images)},
            {QStringLiteral("crossbars"), qint64(p.crossbars)},
            {QStringLiteral("lower_bound_crossbars"), qint64(p.lowerBoundCrossbars)},
            {QStringLiteral("tiles"), qint64(p.tiles)},
            {QStringLiteral("utilization_percent"), p.utilizationPercent},
            {QStringLiteral("cores_available"), p.coresAvailable},
            {QStringLiteral("fits_chip"), p.fitsChip},
            {QStringLiteral("energy_pj"), optional(p.energyPj)},
            {QStringLiteral("latency_ns"), optional(p.latencyNs)},
            {QStringLiteral("pipelined_throughput_per_s"), optional(p.pipelinedThroughputPerS)},
            {QStringLiteral("adc_clipped_fraction"), p.adcClippedFraction},
            {QStringLiteral("reason"), q(p.reason())}};
}

sweep::PointResult pointFromJson(const QJsonObject& o)
{
    sweep::PointResult p;
    p.point.index = o.value(QStringLiteral("index")).toInt();
    for (const QJsonValue& v : o.value(QStringLiteral("value_index")).toArray())
        p.point.valueIndex.push_back(v.toInt());
    p.point.values = strings(o.value(QStringLiteral("values")));
    p.point.label = o.value(QStringLiteral("label")).toString().toStdString();
    p.point.profileOverrides = strings(o.value(QStringLiteral("profile_overrides")));
    p.point.strategyOverrides = strings(o.value(QStringLiteral("strategy_overrides")));
    p.feasible = o.value(QStringLiteral("feasible")).toBool();
    p.accuracyPercent = optional(o.value(QStringLiteral("accuracy_percent")));
    p.accuracyDropPoints = optional(o.value(QStringLiteral("accuracy_drop_points")));
    p.agreementPercent = o.value(QStringLiteral("agreement_percent")).toDouble();
    p.images = o.value(QStringLiteral("images")).toInteger();
    p.crossbars = o.value(QStringLiteral("crossbars")).toInteger();
    p.lowerBoundCrossbars = o.value(QStringLiteral("lower_bound_crossbars")).toInteger();
    p.tiles = o.value(QStringLiteral("tiles")).toInteger();
    p.utilizationPercent = o.value(QStringLiteral("utilization_percent")).toDouble();
    p.coresAvailable = o.value(QStringLiteral("cores_available")).toInt();
    p.fitsChip = o.value(QStringLiteral("fits_chip")).toBool();
    p.energyPj = optional(o.value(QStringLiteral("energy_pj")));
    p.latencyNs = optional(o.value(QStringLiteral("latency_ns")));
    p.pipelinedThroughputPerS = optional(o.value(QStringLiteral("pipelined_throughput_per_s")));
    p.adcClippedFraction = o.value(QStringLiteral("adc_clipped_fraction")).toDouble();
    const QString reason = o.value(QStringLiteral("reason")).toString();
    if (!reason.isEmpty())
        p.diagnostics.push_back({nnb::Severity::Error, "sweep", reason.toStdString()});
    return p;
}

QJsonObject sweepToJson(const SweepRecord& r)
{
    QJsonArray points;
    for (const auto& p : r.points)
        points.append(pointToJson(*p));
    return {{QStringLiteral("profile_yaml"), q(r.plan->profileYaml)},
            {QStringLiteral("strategy_yaml"), q(r.plan->strategyYaml)},
            {QStringLiteral("setup"), setupToJson(r.plan->setup)},
            {QStringLiteral("parameter_names"), QJsonArray::fromStringList(r.plan->parameterNames)},
            {QStringLiteral("grid_size"), static_cast<qint64>(r.plan->grid.size())},
            {QStringLiteral("model_name"), q(r.plan->modelName)},
            {QStringLiteral("profile_name"), q(r.plan->profileName)},
            {QStringLiteral("float_accuracy_percent"), r.floatAccuracyPercent},
            {QStringLiteral("test_images"), qint64(r.testImages)},
            {QStringLiteral("seconds"), r.seconds},
            {QStringLiteral("threads"), r.threads},
            {QStringLiteral("complete"), r.complete},
            {QStringLiteral("points"), points}};
}

std::shared_ptr<const SweepRecord> sweepFromJson(const QJsonObject& o)
{
    auto plan = std::make_shared<SweepPlan>();
    plan->profileYaml = o.value(QStringLiteral("profile_yaml")).toString().toStdString();
    plan->strategyYaml = o.value(QStringLiteral("strategy_yaml")).toString().toStdString();
    plan->setup = setupFromJson(o.value(QStringLiteral("setup")).toObject());
    for (const QJsonValue& v : o.value(QStringLiteral("parameter_names")).toArray())
        plan->parameterNames << v.toString();
    plan->modelName = o.value(QStringLiteral("model_name")).toString().toStdString();
    plan->profileName = o.value(QStringLiteral("profile_name")).toString().toStdString();
    auto record = std::make_shared<SweepRecord>();
    for (const QJsonValue& v : o.value(QStringLiteral("points")).toArray()) {
        auto point = std::make_shared<const sweep::PointResult>(pointFromJson(v.toObject()));
        plan->grid.push_back(point->point);
        record->points.push_back(std::move(point));
    }
    // Points not run (a cancelled sweep) are absent; the grid's size is kept for the caption.
    const auto gridSize = static_cast<size_t>(std::max<qint64>(0, o.value(QStringLiteral("grid_size")).toInteger()));
    while (plan->grid.size() < gridSize)
        plan->grid.push_back({});
    record->plan = std::move(plan);
    record->floatAccuracyPercent = o.value(QStringLiteral("float_accuracy_percent")).toDouble();
    record->testImages = o.value(QStringLiteral("test_images")).toInteger();
    record->seconds = o.value(QStringLiteral("seconds")).toDouble();
    record->threads = o.value(QStringLiteral("threads")).toInt();
    record->complete = o.value(QStringLiteral("complete")).toBool();
    return record;
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
    QJsonObject sweep{{QStringLiteral("setup"), setupToJson(session.sweepSetup)}};
    if (session.sweep && session.sweep->plan)
        sweep.insert(QStringLiteral("results"), sweepToJson(*session.sweep));
    const QJsonObject root{{QStringLiteral("nnbridge_session"), kSessionVersion},
                           {QStringLiteral("model"), model},
                           {QStringLiteral("profile"), profile},
                           {QStringLiteral("strategy"), strategy},
                           {QStringLiteral("live_mode"), session.liveMode},
                           {QStringLiteral("sweep"), sweep}};
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
    // Sessions written before sweeps existed have no "sweep" object: the form keeps its defaults.
    const QJsonObject sweep = root.value(QStringLiteral("sweep")).toObject();
    if (sweep.contains(QStringLiteral("setup")))
        s.sweepSetup = setupFromJson(sweep.value(QStringLiteral("setup")).toObject());
    if (sweep.contains(QStringLiteral("results"))) {
        s.sweep = sweepFromJson(sweep.value(QStringLiteral("results")).toObject());
        // The base a loaded point's overrides apply to must parse, or loading a point would fail later.
        if (auto base = hw::parseProfile(s.sweep->plan->profileYaml, name(path) + " (sweep profile)"); !base)
            return tl::unexpected<Error>(base.error());
    }
    return s;
}

} // namespace nnb::app
