// SPDX-License-Identifier: GPL-3.0-or-later
#include "nnb/ir/attributes.h"

namespace nnb::ir {
namespace {

template <class T>
const T* find(const std::map<std::string, AttrValue>& values, const std::string& name)
{
    auto it = values.find(name);
    return it == values.end() ? nullptr : std::get_if<T>(&it->second);
}

} // namespace

int64_t Attributes::getInt(const std::string& name, int64_t fallback) const
{
    const auto* v = find<int64_t>(m_values, name);
    return v ? *v : fallback;
}

float Attributes::getFloat(const std::string& name, float fallback) const
{
    if (const auto* v = find<float>(m_values, name))
        return *v;
    if (const auto* v = find<int64_t>(m_values, name))
        return static_cast<float>(*v);
    return fallback;
}

std::string Attributes::getString(const std::string& name, const std::string& fallback) const
{
    const auto* v = find<std::string>(m_values, name);
    return v ? *v : fallback;
}

std::vector<int64_t> Attributes::getInts(const std::string& name, const std::vector<int64_t>& fallback) const
{
    const auto* v = find<std::vector<int64_t>>(m_values, name);
    return v ? *v : fallback;
}

std::vector<float> Attributes::getFloats(const std::string& name, const std::vector<float>& fallback) const
{
    const auto* v = find<std::vector<float>>(m_values, name);
    return v ? *v : fallback;
}

} // namespace nnb::ir
