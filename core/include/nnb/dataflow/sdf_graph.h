// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Synchronous dataflow (SDF) graphs as values, and a small builder API.
//
// An actor fires atomically: it consumes `consumption` tokens from each input channel when it
// starts and produces `production` tokens on each output channel when it ends, executionTime
// later. As in SDF3, an actor WITHOUT a self-loop may fire concurrently with itself (unbounded
// auto-concurrency); a self-loop channel with k tokens (selfLoop()) limits it to k concurrent
// firings. Hardware resources are modelled with extra actors and channels (domain.md §4):
//   SdfGraph g("net");
//   const int a = g.addActor("cluster0", 12), b = g.addActor("cluster1", 7);
//   const int c = g.addChannel(a, b, /*production=*/3, /*consumption=*/2);
//   NNB_TRY(const int space, g.addBuffer(c, /*capacity=*/8)); // reverse channel b -> a: the free space
//   g.selfLoop(a, 1);                          // no auto-concurrency on cluster0
//   g.addLink(b, a, 2, 3, /*timePerToken=*/2, "noc0", /*initialTokens=*/6); // link actor, one-token self-loop
//   NNB_RETURN_IF_ERROR(g.validate());
//   NNB_TRY(const ThroughputAnalysis t, analyzeThroughput(g));          // nnb/dataflow/analysis.h
// Indices returned by the add functions are positions in actors()/channels() and stay valid.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nnb/support/expected.h"

namespace nnb::dataflow {

/// One actor. Execution times are integers in the graph's time unit (SDF3 uses integers too).
struct Actor {
    std::string name;          ///< unique, non-empty
    int64_t executionTime = 0; ///< >= 0, time units
    std::string type;          ///< free text (SDF3's actor type); empty: the name
};

/// One channel (FIFO) from actor src to actor dst.
struct Channel {
    std::string name;          ///< unique when set; empty: "src->dst" in messages, "ch<i>" in SDF3 files
    int src = -1;              ///< producing actor index
    int dst = -1;              ///< consuming actor index
    int64_t production = 1;    ///< tokens produced per firing of src, >= 1
    int64_t consumption = 1;   ///< tokens consumed per firing of dst, >= 1
    int64_t initialTokens = 0; ///< >= 0
    std::string srcPort;       ///< SDF3 port names (kept for round trips; generated when empty)
    std::string dstPort;
};

/// A synchronous dataflow graph. A value type; cheap to copy for small graphs.
class SdfGraph {
public:
    SdfGraph() = default;
    explicit SdfGraph(std::string name) : m_name(std::move(name)) { }

    const std::string& name() const { return m_name; }
    void setName(std::string name) { m_name = std::move(name); }

    /// Adds an actor and \returns its index. Names are checked by validate(), not here.
    int addActor(std::string name, int64_t executionTime, std::string type = {});
    /// Adds a channel \p src -> \p dst and \returns its index.
    int addChannel(int src, int dst, int64_t production = 1, int64_t consumption = 1, int64_t initialTokens = 0,
                   std::string name = {});
    /// Adds a self-loop with \p tokens initial tokens (rates 1) on \p actor, limiting its
    /// auto-concurrency to \p tokens concurrent firings (1: firings are sequential).
    /// \returns the channel index.
    int selfLoop(int actor, int64_t tokens = 1, std::string name = {});
    /// Bounds channel \p channel to \p capacity tokens by adding the reverse channel dst -> src
    /// (production = the channel's consumption, consumption = its production) holding
    /// capacity − initialTokens tokens of free space. \returns the reverse channel's index, or
    /// InvalidArgument when the capacity is smaller than the channel's initial tokens or the
    /// index is out of range.
    [[nodiscard]] Expected<int> addBuffer(int channel, int64_t capacity, std::string name = {});
    /// Inserts a link actor between \p src and \p dst: channels src -> link (production,
    /// 1 per link firing, \p initialTokens) and link -> dst (1 per link firing, consumption); the
    /// link fires once per token, takes \p timePerToken, and has a one-token self-loop so tokens
    /// cross it one at a time. \returns the link actor's index.
    int addLink(int src, int dst, int64_t production, int64_t consumption, int64_t timePerToken,
                std::string name = {}, int64_t initialTokens = 0);

    const std::vector<Actor>& actors() const { return m_actors; }
    const std::vector<Channel>& channels() const { return m_channels; }
    std::vector<Actor>& actors() { return m_actors; }
    std::vector<Channel>& channels() { return m_channels; }
    int actorCount() const { return static_cast<int>(m_actors.size()); }
    int channelCount() const { return static_cast<int>(m_channels.size()); }

    /// \returns the index of the actor called \p name, or nullopt.
    std::optional<int> findActor(std::string_view name) const;
    /// \returns "channel 'c1' (a -> b)" or "channel a -> b" for messages.
    std::string describeChannel(int channel) const;

    /// Checks the structure: at least one actor; actor names unique and non-empty; execution
    /// times >= 0; channel ends in range; rates >= 1; initial tokens >= 0; channel names unique.
    /// \returns InvalidModel naming the offending actor or channel.
    [[nodiscard]] Expected<void> validate() const;

private:
    std::string m_name = "graph";
    std::vector<Actor> m_actors;
    std::vector<Channel> m_channels;
};

} // namespace nnb::dataflow
