// SPDX-License-Identifier: GPL-3.0-or-later
#include "nnb/widgets/formatting.h"

#include <QLocale>
#include <QStringList>

namespace nnb::widgets {
namespace {

QLocale displayLocale()
{
    QLocale locale;
    if (locale.language() == QLocale::C)
        locale = QLocale(QLocale::English, QLocale::UnitedStates);
    return locale;
}

template <class T, class F>
QString listText(const std::vector<T>& values, F format)
{
    QStringList parts;
    parts.reserve(static_cast<qsizetype>(values.size()));
    for (const T& v : values)
        parts << format(v);
    return QLatin1Char('[') + parts.join(QLatin1Char(',')) + QLatin1Char(']');
}

} // namespace

QString formatCount(int64_t value)
{
    return displayLocale().toString(static_cast<qlonglong>(value));
}

QString formatBytes(int64_t bytes)
{
    return displayLocale().formattedDataSize(bytes, 1, QLocale::DataSizeIecFormat);
}

QString shapeText(const ir::Shape& shape)
{
    return QString::fromStdString(ir::shapeToString(shape));
}

QString attributeText(const ir::AttrValue& value)
{
    struct Visitor {
        QString operator()(int64_t v) const { return QString::number(v); }
        QString operator()(float v) const { return QString::number(static_cast<double>(v), 'g', 6); }
        QString operator()(const std::string& v) const { return QLatin1Char('"') + QString::fromStdString(v) + QLatin1Char('"'); }
        QString operator()(const std::vector<int64_t>& v) const
        {
            return listText(v, [](int64_t x) { return QString::number(x); });
        }
        QString operator()(const std::vector<float>& v) const
        {
            return listText(v, [](float x) { return QString::number(static_cast<double>(x), 'g', 6); });
        }
    };
    return std::visit(Visitor{}, value);
}

} // namespace nnb::widgets
