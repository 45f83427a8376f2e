// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// SDF3 XML interop (the file format of the SDF3 toolkit, TU Eindhoven) for SDF graphs:
//   <sdf3 type="sdf" version="1.0">
//     <applicationGraph name="app">
//       <sdf name="app" type="App">
//         <actor name="a" type="A"><port type="out" name="p0" rate="2"/>...</actor>
//         <channel name="c0" srcActor="a" srcPort="p0" dstActor="b" dstPort="q0" initialTokens="1"/>
//       </sdf>
//       <sdfProperties>
//         <actorProperties actor="a">
//           <processor type="p" default="true"><executionTime time="3"/></processor>
//         </actorProperties>
//       </sdfProperties>
//     </applicationGraph>
//   </sdf3>
// The execution time is the default processor's (default="true"), else the first processor's.
// Every actor needs one. Channel and port properties other than rates and initial tokens
// (token sizes, buffer sizes, memory) are ignored; cyclo-static (csdf) graphs are refused.

#include <filesystem>
#include <string>
#include <string_view>

#include "nnb/dataflow/sdf_graph.h"
#include "nnb/support/expected.h"

namespace nnb::dataflow {

/// Reads an SDF3 file. Errors name the file and the line, and the element or attribute, and
/// say what to write instead: "g.xml: line 7: <channel name='c1'>: srcActor 'x' is not an
/// actor of the graph". Io when the file cannot be read; InvalidModel otherwise.
[[nodiscard]] Expected<SdfGraph> readSdf3(const std::filesystem::path& path);
/// As readSdf3, from text; \p source names it in messages.
[[nodiscard]] Expected<SdfGraph> parseSdf3(std::string_view xml, const std::string& source = "<sdf3>");

/// \returns \p graph as SDF3 XML (unnamed channels become "ch<i>", missing port names are
/// generated, execution times go to a default processor "proc"). The graph must be valid.
std::string toSdf3(const SdfGraph& graph);
/// Writes toSdf3(graph) to \p path. Io on failure.
[[nodiscard]] Expected<void> writeSdf3(const SdfGraph& graph, const std::filesystem::path& path);

} // namespace nnb::dataflow
