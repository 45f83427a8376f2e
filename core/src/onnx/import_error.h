// SPDX-License-Identifier: GPL-3.0-or-later
// Small helpers that give every importer error the same vocabulary: one Errc per kind of
// problem and context entries that read the same whatever part of the importer failed.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "nnb/support/expected.h"

namespace nnb::onnx::detail {

/// \returns an error for a file that is corrupt, inconsistent or not ONNX.
inline tl::unexpected<Error> invalidModel(std::string message)
{
    return makeError(Errc::InvalidModel, std::move(message));
}

/// \returns an error for a well-formed model that uses something nnbridge cannot handle.
inline tl::unexpected<Error> unsupported(std::string message)
{
    return makeError(Errc::UnsupportedOp, std::move(message));
}

/// \returns \p name in single quotes, the way every message names values, nodes and attributes.
inline std::string inQuotes(std::string_view name)
{
    return "'" + std::string(name) + "'";
}

/// \returns the context entry of a node. The same form as the IR verifier uses, so an error
/// stack reads the same whether the importer or the IR found the problem.
inline std::string nodeContext(std::string_view name, std::string_view opType)
{
    return "node " + inQuotes(name) + " (" + std::string(opType) + ")";
}

/// \returns the context entry of the model file or buffer called \p source.
inline std::string fileContext(std::string_view source)
{
    return "file " + std::string(source);
}

/// Adds \p context to the error of \p result, if any; for Expected<void> and friends where
/// addContext() would need the value type spelled out.
template <class T> Expected<T> withContext(Expected<T> result, const std::string& context)
{
    return addContext(std::move(result), context);
}

} // namespace nnb::onnx::detail
