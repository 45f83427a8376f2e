// SPDX-License-Identifier: GPL-3.0-or-later
// SDF3 XML read/write with pugixml (the only file that includes it).
#include "nnb/dataflow/sdf3_io.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <system_error>

#include <pugixml.hpp>

namespace nnb::dataflow {
namespace {

class Reader {
public:
    Reader(std::string_view xml, std::string source) : m_xml(xml), m_source(std::move(source)) { }

    int lineOf(ptrdiff_t offset) const
    {
        if (offset < 0)
            return -1;
        const auto end = m_xml.begin() + std::min<ptrdiff_t>(offset, static_cast<ptrdiff_t>(m_xml.size()));
        return 1 + static_cast<int>(std::count(m_xml.begin(), end, '\n'));
    }

    /// "line 7: <channel name='c1'>: <what>" in the context of the source.
    tl::unexpected<Error> fail(const pugi::xml_node& node, const std::string& what) const
    {
        std::string where;
        const int line = lineOf(node.offset_debug());
        if (line > 0)
            where = "line " + std::to_string(line) + ": ";
        if (node) {
            where += "<" + std::string(node.name());
            if (const auto name = node.attribute("name"); !name.empty())
                where += " name='" + std::string(name.value()) + "'";
            else if (const auto actor = node.attribute("actor"); !actor.empty())
                where += " actor='" + std::string(actor.value()) + "'";
            where += ">: ";
        }
        return tl::unexpected<Error>(Error{Errc::InvalidModel, where + what, {m_source}});
    }

    /// A required attribute's text.
    Expected<std::string> required(const pugi::xml_node& node, const char* attribute, const char* example) const
    {
        const auto a = node.attribute(attribute);
        if (a.empty() || std::string_view(a.value()).empty())
            return fail(node, std::string("attribute ") + attribute + " is missing: write " + attribute + "=\"" + example + "\"");
        return std::string(a.value());
    }

    /// An integer attribute >= \p minimum; \p fallback when absent (nullopt: required).
    Expected<int64_t> integer(const pugi::xml_node& node, const char* attribute, int64_t minimum,
                              std::optional<int64_t> fallback, const char* example) const
    {
        const auto a = node.attribute(attribute);
        if (a.empty()) {
            if (fallback)
                return *fallback;
            return fail(node, std::string("attribute ") + attribute + " is missing: write " + attribute + "=\"" + example + "\"");
        }
        std::string_view text = a.value();
        while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
            text.remove_prefix(1);
        while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
            text.remove_suffix(1);
        if (text.find(',') != std::string_view::npos || text.find(';') != std::string_view::npos)
            return fail(node, std::string(attribute) + "=\"" + a.value() +
                                  "\" is a cyclo-static (CSDF) sequence: nnbridge analyses SDF graphs, one integer per "
                                  "port (e.g. " + attribute + "=\"" + example + "\")");
        int64_t value = 0;
        const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (text.empty() || ec != std::errc() || ptr != text.data() + text.size())
            return fail(node, std::string(attribute) + "=\"" + a.value() + "\" is not an integer: write e.g. " +
                                  attribute + "=\"" + example + "\"");
        if (value < minimum)
            return fail(node, std::string(attribute) + "=\"" + a.value() + "\" must be at least " + std::to_string(minimum));
        return value;
    }

    Expected<SdfGraph> read()
    {
        pugi::xml_document doc;
        const pugi::xml_parse_result parsed = doc.load_buffer(m_xml.data(), m_xml.size(), pugi::parse_default);
        if (!parsed) {
            const int line = lineOf(parsed.offset);
            return tl::unexpected<Error>(Error{Errc::InvalidModel,
                                               "line " + std::to_string(line) + ": not well-formed XML: " +
                                                   parsed.description() + "; fix the XML syntax there",
                                               {m_source}});
        }
        const pugi::xml_node root = doc.child("sdf3");
        if (!root)
            return fail(doc.first_child(), "the root element is not <sdf3>: this is not an SDF3 file (expected "
                                           "<sdf3 type=\"sdf\" version=\"1.0\"><applicationGraph>...)");
        if (const auto type = root.attribute("type"); !type.empty() && std::string_view(type.value()) != "sdf")
            return fail(root, std::string("type=\"") + type.value() +
                                  "\" is not supported: nnbridge reads SDF3 graphs of type=\"sdf\" only");
        const pugi::xml_node app = root.child("applicationGraph");
        if (!app)
            return fail(root, "no <applicationGraph> element: SDF3 files hold <applicationGraph><sdf>...</sdf></applicationGraph>");
        const pugi::xml_node sdf = app.child("sdf");
        if (!sdf)
            return fail(app, "no <sdf> element: the graph's actors and channels go in <sdf name=\"...\" type=\"...\">");

        SdfGraph graph;
        const std::string appName = app.attribute("name").value(), sdfName = sdf.attribute("name").value();
        graph.setName(!sdfName.empty() ? sdfName : !appName.empty() ? appName : "graph");

        struct Port {
            bool out = false;
            int64_t rate = 1;
            pugi::xml_node node;
            bool used = false;
        };
        std::vector<std::map<std::string, Port>> ports;
        std::map<std::string, int> actorIndex;
        std::vector<pugi::xml_node> actorNodes;
        for (const pugi::xml_node actor : sdf.children("actor")) {
            NNB_TRY(const std::string name, required(actor, "name", "a"));
            if (actorIndex.count(name))
                return fail(actor, "a second actor called '" + name + "': actor names must be unique");
            const int index = graph.addActor(name, 0, actor.attribute("type").value());
            actorIndex.emplace(name, index);
            actorNodes.push_back(actor);
            auto& actorPorts = ports.emplace_back();
            for (const pugi::xml_node port : actor.children("port")) {
                NNB_TRY(const std::string portName, required(port, "name", "p0"));
                NNB_TRY(const std::string type, required(port, "type", "in"));
                if (type != "in" && type != "out")
                    return fail(port, "type=\"" + type + "\" must be \"in\" or \"out\"");
                NNB_TRY(const int64_t rate, integer(port, "rate", 1, std::nullopt, "1"));
                if (!actorPorts.emplace(portName, Port{type == "out", rate, port, false}).second)
                    return fail(port, "actor '" + name + "' has two ports called '" + portName + "'");
            }
        }
        if (graph.actorCount() == 0)
            return fail(sdf, "the graph has no <actor> elements");

        std::set<std::string> channelNames;
        for (const pugi::xml_node channel : sdf.children("channel")) {
            const std::string name = channel.attribute("name").value();
            if (!name.empty() && !channelNames.insert(name).second)
                return fail(channel, "a second channel called '" + name + "': channel names must be unique");
            int ends[2] = {-1, -1};
            int64_t rates[2] = {1, 1};
            std::string portNames[2];
            for (int side = 0; side < 2; ++side) {
                const char* actorAttr = side == 0 ? "srcActor" : "dstActor";
                const char* portAttr = side == 0 ? "srcPort" : "dstPort";
                NNB_TRY(const std::string actorName, required(channel, actorAttr, "a"));
                NNB_TRY(const std::string portName, required(channel, portAttr, side == 0 ? "out0" : "in0"));
                const auto it = actorIndex.find(actorName);
                if (it == actorIndex.end())
                    return fail(channel, std::string(actorAttr) + " '" + actorName +
                                             "' is not an actor of the graph: declare <actor name=\"" + actorName +
                                             "\"> or fix the name");
                auto& actorPorts = ports[static_cast<size_t>(it->second)];
                const auto port = actorPorts.find(portName);
                if (port == actorPorts.end())
                    return fail(channel, std::string(portAttr) + " '" + portName + "' is not a port of actor '" + actorName +
                                             "': add <port type=\"" + (side == 0 ? "out" : "in") + "\" name=\"" + portName +
                                             "\" rate=\"1\"/> to it");
                if (port->second.out != (side == 0))
                    return fail(channel, std::string(portAttr) + " '" + portName + "' of actor '" + actorName + "' is an " +
                                             (port->second.out ? "output" : "input") + " port; a channel's " +
                                             (side == 0 ? "source needs an output" : "destination needs an input") + " port");
                if (port->second.used)
                    return fail(channel, std::string(portAttr) + " '" + portName + "' of actor '" + actorName +
                                             "' is already connected to another channel: each port connects one channel");
                port->second.used = true;
                ends[side] = it->second;
                rates[side] = port->second.rate;
                portNames[side] = portName;
            }
            NNB_TRY(const int64_t initial, integer(channel, "initialTokens", 0, int64_t(0), "0"));
            const int c = graph.addChannel(ends[0], ends[1], rates[0], rates[1], initial, name);
            graph.channels()[static_cast<size_t>(c)].srcPort = portNames[0];
            graph.channels()[static_cast<size_t>(c)].dstPort = portNames[1];
        }

        // Execution times: the default processor's, else the first's.
        std::vector<char> timed(static_cast<size_t>(graph.actorCount()), 0);
        const pugi::xml_node properties = app.child("sdfProperties");
        for (const pugi::xml_node props : properties.children("actorProperties")) {
            NNB_TRY(const std::string actorName, required(props, "actor", "a"));
            const auto it = actorIndex.find(actorName);
            if (it == actorIndex.end())
                return fail(props, "actor '" + actorName + "' is not an actor of the graph");
            pugi::xml_node chosen;
            for (const pugi::xml_node proc : props.children("processor")) {
                if (!chosen)
                    chosen = proc;
                if (proc.attribute("default").as_bool()) {
                    chosen = proc;
                    break;
                }
            }
            if (!chosen)
                return fail(props, "no <processor> element: write <processor type=\"p\" default=\"true\"><executionTime "
                                   "time=\"1\"/></processor>");
            const pugi::xml_node exec = chosen.child("executionTime");
            if (!exec)
                return fail(chosen, "no <executionTime time=\"...\"/> element");
            NNB_TRY(const int64_t time, integer(exec, "time", 0, std::nullopt, "1"));
            graph.actors()[static_cast<size_t>(it->second)].executionTime = time;
            timed[static_cast<size_t>(it->second)] = 1;
        }
        for (int a = 0; a < graph.actorCount(); ++a)
            if (!timed[static_cast<size_t>(a)]) {
                const std::string& name = graph.actors()[static_cast<size_t>(a)].name;
                return fail(actorNodes[static_cast<size_t>(a)],
                            "actor '" + name + "' has no execution time: add <actorProperties actor=\"" + name +
                                "\"><processor type=\"p\" default=\"true\"><executionTime time=\"1\"/></processor>"
                                "</actorProperties> to <sdfProperties>");
            }
        if (auto valid = graph.validate(); !valid)
            return tl::unexpected<Error>(Error{valid.error().code, valid.error().message, {m_source}});
        return graph;
    }

private:
    std::string_view m_xml;
    std::string m_source;
};

} // namespace

Expected<SdfGraph> parseSdf3(std::string_view xml, const std::string& source)
{
    return Reader(xml, source).read();
}

Expected<SdfGraph> readSdf3(const std::filesystem::path& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return tl::unexpected<Error>(Error{Errc::Io, "cannot open the file (does it exist and is it readable?)", {path.string()}});
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad())
        return tl::unexpected<Error>(Error{Errc::Io, "cannot read the file", {path.string()}});
    return parseSdf3(text.str(), path.string());
}

std::string toSdf3(const SdfGraph& graph)
{
    pugi::xml_document doc;
    auto decl = doc.append_child(pugi::node_declaration);
    decl.append_attribute("version") = "1.0";
    decl.append_attribute("encoding") = "UTF-8";
    auto root = doc.append_child("sdf3");
    root.append_attribute("type") = "sdf";
    root.append_attribute("version") = "1.0";
    auto app = root.append_child("applicationGraph");
    app.append_attribute("name") = graph.name().c_str();
    auto sdf = app.append_child("sdf");
    sdf.append_attribute("name") = graph.name().c_str();
    sdf.append_attribute("type") = graph.name().c_str();

    // Channel and port names: unique, generated where missing.
    std::set<std::string> used;
    for (const Channel& c : graph.channels())
        if (!c.name.empty())
            used.insert(c.name);
    std::vector<std::string> names(static_cast<size_t>(graph.channelCount()));
    for (int c = 0; c < graph.channelCount(); ++c) {
        std::string name = graph.channels()[static_cast<size_t>(c)].name;
        if (name.empty()) {
            name = "ch" + std::to_string(c);
            while (used.count(name))
                name += "_";
            used.insert(name);
        }
        names[static_cast<size_t>(c)] = name;
    }
    std::vector<std::string> srcPorts(names.size()), dstPorts(names.size());
    std::vector<std::set<std::string>> actorPorts(static_cast<size_t>(graph.actorCount()));
    const auto portName = [&](int actor, const std::string& given, const std::string& fallback) {
        auto& taken = actorPorts[static_cast<size_t>(actor)];
        std::string name = given.empty() ? fallback : given;
        while (taken.count(name))
            name += "_";
        taken.insert(name);
        return name;
    };
    for (int c = 0; c < graph.channelCount(); ++c) {
        const Channel& ch = graph.channels()[static_cast<size_t>(c)];
        srcPorts[static_cast<size_t>(c)] = portName(ch.src, ch.srcPort, "out_" + names[static_cast<size_t>(c)]);
        dstPorts[static_cast<size_t>(c)] = portName(ch.dst, ch.dstPort, "in_" + names[static_cast<size_t>(c)]);
    }
    for (int a = 0; a < graph.actorCount(); ++a) {
        const Actor& actor = graph.actors()[static_cast<size_t>(a)];
        auto node = sdf.append_child("actor");
        node.append_attribute("name") = actor.name.c_str();
        node.append_attribute("type") = (actor.type.empty() ? actor.name : actor.type).c_str();
        for (int c = 0; c < graph.channelCount(); ++c) {
            const Channel& ch = graph.channels()[static_cast<size_t>(c)];
            if (ch.dst == a) {
                auto port = node.append_child("port");
                port.append_attribute("type") = "in";
                port.append_attribute("name") = dstPorts[static_cast<size_t>(c)].c_str();
                port.append_attribute("rate") = std::to_string(ch.consumption).c_str();
            }
            if (ch.src == a) {
                auto port = node.append_child("port");
                port.append_attribute("type") = "out";
                port.append_attribute("name") = srcPorts[static_cast<size_t>(c)].c_str();
                port.append_attribute("rate") = std::to_string(ch.production).c_str();
            }
        }
    }
    for (int c = 0; c < graph.channelCount(); ++c) {
        const Channel& ch = graph.channels()[static_cast<size_t>(c)];
        auto node = sdf.append_child("channel");
        node.append_attribute("name") = names[static_cast<size_t>(c)].c_str();
        node.append_attribute("srcActor") = graph.actors()[static_cast<size_t>(ch.src)].name.c_str();
        node.append_attribute("srcPort") = srcPorts[static_cast<size_t>(c)].c_str();
        node.append_attribute("dstActor") = graph.actors()[static_cast<size_t>(ch.dst)].name.c_str();
        node.append_attribute("dstPort") = dstPorts[static_cast<size_t>(c)].c_str();
        if (ch.initialTokens > 0)
            node.append_attribute("initialTokens") = std::to_string(ch.initialTokens).c_str();
    }
    auto props = app.append_child("sdfProperties");
    for (const Actor& actor : graph.actors()) {
        auto ap = props.append_child("actorProperties");
        ap.append_attribute("actor") = actor.name.c_str();
        auto proc = ap.append_child("processor");
        proc.append_attribute("type") = "proc";
        proc.append_attribute("default") = "true";
        proc.append_child("executionTime").append_attribute("time") = std::to_string(actor.executionTime).c_str();
    }
    std::ostringstream out;
    doc.save(out, "  ", pugi::format_default, pugi::encoding_utf8);
    return out.str();
}

Expected<void> writeSdf3(const SdfGraph& graph, const std::filesystem::path& path)
{
    const std::string text = toSdf3(graph);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out || !out.write(text.data(), static_cast<std::streamsize>(text.size())))
        return tl::unexpected<Error>(Error{Errc::Io, "cannot write the file", {path.string()}});
    return {};
}

} // namespace nnb::dataflow
