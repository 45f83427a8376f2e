// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace nnb::ir {

/// One attribute value: the ONNX attribute kinds the supported ops use.
using AttrValue = std::variant<int64_t, float, std::string, std::vector<int64_t>, std::vector<float>>;

/// The attributes of a node, by name, with typed getters that fall back to a default when the
/// attribute is absent. Attribute semantics follow the ONNX operator of the same name at the
/// latest supported opset; the importer rewrites older-opset forms into that form.
class Attributes {
public:
    bool has(const std::string& name) const { return m_values.count(name) != 0; }
    void set(const std::string& name, AttrValue value) { m_values[name] = std::move(value); }
    void erase(const std::string& name) { m_values.erase(name); }

    int64_t getInt(const std::string& name, int64_t fallback) const;
    float getFloat(const std::string& name, float fallback) const;
    std::string getString(const std::string& name, const std::string& fallback) const;
    std::vector<int64_t> getInts(const std::string& name, const std::vector<int64_t>& fallback = {}) const;
    std::vector<float> getFloats(const std::string& name, const std::vector<float>& fallback = {}) const;

    const std::map<std::string, AttrValue>& all() const { return m_values; }

private:
    std::map<std::string, AttrValue> m_values;
};

} // namespace nnb::ir
