// SPDX-License-Identifier: GPL-3.0-or-later
// Private helper for reading YAML configuration files (profiles, strategies) with yaml-cpp:
// typed, range-checked getters that remember which keys were read so unknown keys (typos) are
// rejected, and errors that carry the dotted key and its line. Only core/src includes this.
#pragma once

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <string_view>

#include <yaml-cpp/yaml.h>

#include "nnb/support/expected.h"
#include "nnb/support/yaml_overrides.h"

namespace nnb::detail {

/// Internal control flow only: thrown while parsing, converted to Error at the API boundary.
struct KeyError {
    std::string key;
    int line = -1; // 1-based, -1 when unknown
    std::string message;
};

[[noreturn]] inline void fail(const std::string& key, const YAML::Node& node, const std::string& message)
{
    const int line = node && node.Mark().line >= 0 ? node.Mark().line + 1 : -1;
    throw KeyError{key, line, message};
}

inline std::string join(const std::string& prefix, const std::string& key) { return prefix.empty() ? key : prefix + "." + key; }

/// A mapping node being read: remembers which keys were consumed, to reject unknown ones.
class Section {
public:
    Section(YAML::Node node, std::string path, const YAML::Node& parentForErrors)
        : m_node(std::move(node))
        , m_path(std::move(path))
    {
        if (!m_node || !m_node.IsMap())
            fail(m_path.empty() ? "(top level)" : m_path, m_node ? m_node : parentForErrors,
                 "must be a mapping of keys to values");
    }

    Section child(const std::string& key) const
    {
        return Section(require(key), join(m_path, key), m_node);
    }

    bool has(const std::string& key) const
    {
        m_seen.insert(key);
        return static_cast<bool>(m_node[key]);
    }

    YAML::Node require(const std::string& key) const
    {
        m_seen.insert(key);
        YAML::Node value = m_node[key];
        if (!value)
            fail(join(m_path, key), m_node, "is missing; add it (see profiles/README.md for the schema)");
        return value;
    }

    template <class T>
    T scalar(const std::string& key, const char* typeName) const
    {
        const YAML::Node value = require(key);
        if (!value.IsScalar())
            fail(join(m_path, key), value, std::string("must be ") + typeName);
        try {
            return value.as<T>();
        } catch (const YAML::Exception&) {
            fail(join(m_path, key), value, std::string("must be ") + typeName + ", got '" + value.Scalar() + "'");
        }
    }

    int integer(const std::string& key, int lo, int hi) const
    {
        const auto v = scalar<long long>(key, "an integer");
        if (v < lo || v > hi)
            fail(join(m_path, key), m_node[key],
                 "must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", got " + std::to_string(v));
        return static_cast<int>(v);
    }

    int integerOr(const std::string& key, int lo, int hi, int fallback) const
    {
        return has(key) ? integer(key, lo, hi) : fallback;
    }

    double number(const std::string& key, double lo, double hi) const
    {
        const auto v = scalar<double>(key, "a number");
        if (!std::isfinite(v) || v < lo || v > hi) {
            std::ostringstream msg;
            msg << "must be a number between " << lo << " and " << hi << ", got " << m_node[key].Scalar();
            fail(join(m_path, key), m_node[key], msg.str());
        }
        return v;
    }

    double numberOr(const std::string& key, double lo, double hi, double fallback) const
    {
        return has(key) ? number(key, lo, hi) : fallback;
    }

    bool boolean(const std::string& key) const { return scalar<bool>(key, "true or false"); }
    bool booleanOr(const std::string& key, bool fallback) const { return has(key) ? boolean(key) : fallback; }
    std::string string(const std::string& key) const { return scalar<std::string>(key, "a string"); }
    std::string stringOr(const std::string& key, const std::string& fallback) const
    {
        return has(key) ? string(key) : fallback;
    }

    template <class E>
    E choice(const std::string& key, const std::map<std::string, E>& options) const
    {
        const std::string value = string(key);
        const auto it = options.find(value);
        if (it == options.end()) {
            std::string names;
            for (const auto& [name, unused] : options)
                names += (names.empty() ? "" : ", ") + name;
            fail(join(m_path, key), m_node[key], "'" + value + "' is not one of: " + names);
        }
        return it->second;
    }

    /// Rejects keys that were never asked for: they are typos or belong to another schema.
    void rejectUnknownKeys() const
    {
        for (const auto& entry : m_node) {
            const auto key = entry.first.as<std::string>();
            if (!m_seen.count(key)) {
                std::string known;
                for (const auto& k : m_seen)
                    known += (known.empty() ? "" : ", ") + k;
                fail(join(m_path, key), entry.first, "is not a known key here (known: " + known + ")");
            }
        }
    }

    const YAML::Node& node() const { return m_node; }

private:
    YAML::Node m_node;
    std::string m_path;
    mutable std::set<std::string> m_seen;
};

/// Converts a KeyError into the public Error: "key crossbar.rows (line 9): ..." with the file as context.
inline Error keyErrorToError(const KeyError& e, std::string_view source, Errc code = Errc::InvalidProfile)
{
    std::string where = "key " + e.key;
    if (e.line > 0)
        where += " (line " + std::to_string(e.line) + ")";
    return Error{code, where + ": " + e.message, {std::string(source)}};
}

/// Parses \p yaml and runs \p read on its root, converting every yaml-cpp and KeyError failure
/// into an Error with \p sourceLabel ("profile tianji.yaml") as context.
template <class T, class Read>
Expected<T> parseYamlDocument(std::string_view yaml, const std::string& sourceLabel, Read read)
{
    try {
        const YAML::Node root = YAML::Load(std::string(yaml));
        if (!root || root.IsNull())
            return tl::unexpected<Error>(
                Error{Errc::InvalidProfile, "the file is empty; see the schema in the README for the keys", {sourceLabel}});
        return read(root);
    } catch (const KeyError& e) {
        return tl::unexpected<Error>(keyErrorToError(e, sourceLabel));
    } catch (const YAML::Exception& e) {
        const int line = e.mark.line >= 0 ? e.mark.line + 1 : -1;
        return tl::unexpected<Error>(Error{Errc::InvalidProfile,
                                           "not valid YAML" + (line > 0 ? " at line " + std::to_string(line) : std::string()) +
                                               ": " + e.msg,
                                           {sourceLabel}});
    }
}

/// Reads the YAML file at \p path, applies "section.key=value" \p overrides (applyYamlOverrides)
/// and hands the text to \p parse(text, fileName); \p what ("profile", "strategy") names the
/// kind of file in errors. Shared by the profile and strategy loaders.
template <class T, class Parse>
Expected<T> loadYamlFile(const std::filesystem::path& path, const std::vector<std::string>& overrides, const char* what,
                         Parse parse)
{
    std::ifstream in(path, std::ios::binary);
    std::error_code ec;
    if (!in || std::filesystem::is_directory(path, ec))
        return makeError(Errc::Io, std::string("cannot read ") + what + " '" + path.string() + "': no such file");
    std::ostringstream text;
    text << in.rdbuf();
    const std::string file = path.filename().string();
    if (overrides.empty())
        return parse(text.str(), file);
    NNB_TRY(const std::string edited, addContext(applyYamlOverrides(text.str(), overrides), file));
    std::string applied = "with the overrides";
    for (const std::string& o : overrides)
        applied += " " + o;
    return addContext(parse(edited, file), applied);
}

} // namespace nnb::detail
