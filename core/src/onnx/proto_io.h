// SPDX-License-Identifier: GPL-3.0-or-later
// Reading files and turning bytes into protobuf messages, with protobuf's failures and
// diagnostics converted into nnbridge errors.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include <google/protobuf/message.h>

#include "nnb/support/expected.h"

namespace nnb::onnx::detail {

/// \returns the whole content of the file at \p path. Io error when it is missing, not a
/// regular file or unreadable; UnsupportedOp when it exceeds the 2 GiB protobuf can parse.
[[nodiscard]] Expected<std::string> readFileBytes(const std::filesystem::path& path);

/// Parses the binary protobuf \p bytes into \p message. \p what names the expected content
/// ("an ONNX model") for messages. InvalidModel on empty input or a parse failure (truncated
/// file, not protobuf), UnsupportedOp over 2 GiB.
[[nodiscard]] Expected<void> parseBinary(
    std::string_view bytes, google::protobuf::Message& message, std::string_view what);

/// Parses protobuf text format \p text into \p message. InvalidModel with the line and column
/// of the first syntax error.
[[nodiscard]] Expected<void> parseText(std::string_view text, google::protobuf::Message& message);

} // namespace nnb::onnx::detail
