// SPDX-License-Identifier: GPL-3.0-or-later
#include "nnb/dataflow/sdf_graph.h"

#include <numeric>
#include <unordered_map>

#include "nnb/dataflow/rational.h"

namespace nnb::dataflow {

Rational Rational::make(int64_t num, int64_t den)
{
    if (den < 0) {
        num = -num;
        den = -den;
    }
    const int64_t g = std::gcd(num, den);
    if (g > 1) {
        num /= g;
        den /= g;
    }
    return Rational{num, den};
}

Rational Rational::inverse() const
{
    return make(den, num);
}

std::string Rational::toString() const
{
    return den == 1 ? std::to_string(num) : std::to_string(num) + "/" + std::to_string(den);
}

int SdfGraph::addActor(std::string name, int64_t executionTime, std::string type)
{
    m_actors.push_back(Actor{std::move(name), executionTime, std::move(type)});
    return actorCount() - 1;
}

int SdfGraph::addChannel(int src, int dst, int64_t production, int64_t consumption, int64_t initialTokens,
                         std::string name)
{
    Channel c;
    c.name = std::move(name);
    c.src = src;
    c.dst = dst;
    c.production = production;
    c.consumption = consumption;
    c.initialTokens = initialTokens;
    m_channels.push_back(std::move(c));
    return channelCount() - 1;
}

int SdfGraph::selfLoop(int actor, int64_t tokens, std::string name)
{
    if (name.empty() && actor >= 0 && actor < actorCount())
        name = m_actors[static_cast<size_t>(actor)].name + "_self";
    return addChannel(actor, actor, 1, 1, tokens, std::move(name));
}

Expected<int> SdfGraph::addBuffer(int channel, int64_t capacity, std::string name)
{
    if (channel < 0 || channel >= channelCount())
        return makeError(Errc::InvalidArgument, "addBuffer: channel index " + std::to_string(channel) + " is out of range");
    const Channel c = m_channels[static_cast<size_t>(channel)];
    if (capacity < c.initialTokens)
        return makeError(Errc::InvalidArgument, "buffer of " + describeChannel(channel) + ": capacity " +
                                                    std::to_string(capacity) + " is smaller than its " +
                                                    std::to_string(c.initialTokens) + " initial tokens");
    if (name.empty() && !c.name.empty())
        name = c.name + "_space";
    return addChannel(c.dst, c.src, c.consumption, c.production, capacity - c.initialTokens, std::move(name));
}

int SdfGraph::addLink(int src, int dst, int64_t production, int64_t consumption, int64_t timePerToken, std::string name,
                      int64_t initialTokens)
{
    if (name.empty())
        name = "link" + std::to_string(actorCount());
    const int link = addActor(name, timePerToken, "link");
    addChannel(src, link, production, 1, initialTokens, name + "_in");
    addChannel(link, dst, 1, consumption, 0, name + "_out");
    selfLoop(link, 1, name + "_self");
    return link;
}

std::optional<int> SdfGraph::findActor(std::string_view name) const
{
    for (int i = 0; i < actorCount(); ++i)
        if (m_actors[static_cast<size_t>(i)].name == name)
            return i;
    return std::nullopt;
}

std::string SdfGraph::describeChannel(int channel) const
{
    if (channel < 0 || channel >= channelCount())
        return "channel #" + std::to_string(channel);
    const Channel& c = m_channels[static_cast<size_t>(channel)];
    const auto actorName = [&](int a) {
        return a >= 0 && a < actorCount() ? m_actors[static_cast<size_t>(a)].name : "#" + std::to_string(a);
    };
    const std::string ends = actorName(c.src) + " -> " + actorName(c.dst);
    return c.name.empty() ? "channel " + ends : "channel '" + c.name + "' (" + ends + ")";
}

Expected<void> SdfGraph::validate() const
{
    if (m_actors.empty())
        return makeError(Errc::InvalidModel, "the graph has no actors");
    std::unordered_map<std::string, int> names;
    for (int i = 0; i < actorCount(); ++i) {
        const Actor& a = m_actors[static_cast<size_t>(i)];
        if (a.name.empty())
            return makeError(Errc::InvalidModel, "actor #" + std::to_string(i) + " has no name");
        if (!names.emplace(a.name, i).second)
            return makeError(Errc::InvalidModel, "two actors are called '" + a.name + "': actor names must be unique");
        if (a.executionTime < 0)
            return makeError(Errc::InvalidModel, "actor '" + a.name + "' has a negative execution time (" +
                                                     std::to_string(a.executionTime) + ")");
    }
    std::unordered_map<std::string, int> channelNames;
    for (int i = 0; i < channelCount(); ++i) {
        const Channel& c = m_channels[static_cast<size_t>(i)];
        if (c.src < 0 || c.src >= actorCount() || c.dst < 0 || c.dst >= actorCount())
            return makeError(Errc::InvalidModel, describeChannel(i) + " connects an actor index out of range (" +
                                                     std::to_string(c.src) + " -> " + std::to_string(c.dst) + ")");
        if (c.production < 1 || c.consumption < 1)
            return makeError(Errc::InvalidModel, describeChannel(i) + " has rate " + std::to_string(c.production) + ":" +
                                                     std::to_string(c.consumption) +
                                                     ": production and consumption rates must be at least 1");
        if (c.initialTokens < 0)
            return makeError(Errc::InvalidModel, describeChannel(i) + " has a negative number of initial tokens (" +
                                                     std::to_string(c.initialTokens) + ")");
        if (!c.name.empty() && !channelNames.emplace(c.name, i).second)
            return makeError(Errc::InvalidModel, "two channels are called '" + c.name + "': channel names must be unique");
    }
    return {};
}

} // namespace nnb::dataflow
