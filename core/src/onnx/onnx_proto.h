// SPDX-License-Identifier: GPL-3.0-or-later
// The one include of the ONNX protobuf classes for the importer. Inside namespace nnb::onnx the
// name `onnx` means nnbridge's own namespace, so the protobuf classes are reached through the
// alias `pb` (pb::ModelProto) rather than a fragile `::onnx::` spelled at every use.
#pragma once

#include <string_view>

#include <onnx/onnx_pb.h>

namespace nnb::onnx::detail {

namespace pb = ::onnx;

/// \returns true for the default ONNX operator domain, which models spell "" or "ai.onnx".
inline bool isDefaultDomain(std::string_view domain)
{
    return domain.empty() || domain == "ai.onnx";
}

} // namespace nnb::onnx::detail
