// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "nnb/assess.h"
#include "nnb/compile.h"
#include "nnb/eval/equivalence.h"
#include "nnb/map/mapping.h"
#include "nnb/support/expected.h"

namespace nnb::app {

/// Version of the compile report's JSON format (documented in README.md, "Compile report").
inline constexpr int kCompileReportVersion = 1;

/// \returns the compile report as JSON (format version kCompileReportVersion).
nlohmann::json compileReportToJson(const CompileResult& result, const std::string& modelPath,
                                   const std::optional<eval::Equivalence>& equivalence);

/// \returns the accuracy assessment (stages, per-layer error, Monte Carlo, quantisers) as the
/// report's "assessment" member.
nlohmann::json assessmentToJson(const Assessment& assessment);

/// \returns the layer-wise tuning figures as the report's "tuning" member.
nlohmann::json tuningToJson(const tune::TuneResult& tuning);

/// Version of the mapping report's JSON format (README.md, "Mapping onto the chip").
inline constexpr int kMappingReportVersion = 1;

/// \returns the mapping report (`nnbridge map --report`) as JSON: totals, schedule, per-layer
/// costs, per-core placement and per-link load (format version kMappingReportVersion).
nlohmann::json mappingToJson(const mapping::MappingResult& result, const std::string& modelPath);

/// Writes \p json to \p path atomically (a temporary sibling renamed over the target), so an
/// interrupted write never leaves a truncated report.
/// Writes \p text to \p path through a temporary sibling renamed over it, so an interrupted run
/// never leaves a truncated file. \returns Io naming the file and what to check.
[[nodiscard]] Expected<void> writeTextAtomically(const std::filesystem::path& path, const std::string& text);
[[nodiscard]] Expected<void> writeJsonAtomically(const std::filesystem::path& path, const nlohmann::json& json);

} // namespace nnb::app
