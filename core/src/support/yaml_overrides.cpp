// SPDX-License-Identifier: GPL-3.0-or-later
#include "nnb/support/yaml_overrides.h"

#include <yaml-cpp/yaml.h>

namespace nnb {

Expected<std::string> applyYamlOverrides(std::string_view yaml, const std::vector<std::string>& assignments)
{
    YAML::Node root;
    try {
        root = YAML::Load(std::string(yaml));
    } catch (const YAML::Exception& e) {
        return makeError(Errc::InvalidArgument, std::string("cannot apply overrides to malformed YAML: ") + e.what());
    }
    if (!root || root.IsNull())
        root = YAML::Node(YAML::NodeType::Map);
    for (const std::string& assignment : assignments) {
        const size_t eq = assignment.find('=');
        const std::string key = assignment.substr(0, eq);
        if (eq == std::string::npos || key.empty() || key.front() == '.' || key.back() == '.'
            || key.find("..") != std::string::npos)
            return makeError(Errc::InvalidArgument,
                             "override '" + assignment + "' must look like section.key=value (e.g. signals.input_bits=8)");
        YAML::Node value;
        try {
            value = YAML::Load(assignment.substr(eq + 1));
        } catch (const YAML::Exception& e) {
            return makeError(Errc::InvalidArgument, "override '" + assignment + "': the value is not valid YAML");
        }
        YAML::Node node(root); // reset() rebinds; assignment would copy into the node
        size_t begin = 0;
        while (true) {
            const size_t dot = key.find('.', begin);
            const std::string part = key.substr(begin, dot == std::string::npos ? std::string::npos : dot - begin);
            if (!node.IsMap() && !node.IsNull())
                return makeError(Errc::InvalidArgument, "override '" + assignment + "': '" + key.substr(0, begin > 0 ? begin - 1 : 0)
                                                            + "' is not a section");
            if (dot == std::string::npos) {
                node[part] = value;
                break;
            }
            YAML::Node child = node[part];
            if (!child || child.IsNull())
                node[part] = YAML::Node(YAML::NodeType::Map);
            node.reset(node[part]);
            begin = dot + 1;
        }
    }
    YAML::Emitter out;
    out << root;
    return std::string(out.c_str()) + "\n";
}

} // namespace nnb
