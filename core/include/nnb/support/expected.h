// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <tl/expected.hpp>

namespace nnb {

/// Error categories of the core library. The app maps them to presentation (dialog, banner,
/// neutral status for Cancelled); the CLI maps them to exit codes.
enum class Errc {
    InvalidModel,     ///< the model file is corrupt, inconsistent or not ONNX
    UnsupportedOp,    ///< the model is well-formed but uses something nnbridge cannot handle
    InvalidProfile,   ///< a hardware profile or strategy file is invalid
    InvalidArgument,  ///< a caller passed an unusable argument (wrong input shape, bad option)
    Io,               ///< a file could not be read or written
    Cancelled,        ///< the user cancelled; not a failure
    Internal,         ///< a bug in nnbridge
};

/// \returns a short lower-case name of \p code ("invalid model", ...).
const char* errcName(Errc code);

/// A user-presentable error: one sentence plus a context stack (innermost first), such as
/// "node conv_3", "file lenet.onnx". Every fallible public core function returns one through
/// Expected; no exception crosses the core boundary.
struct Error {
    Errc code = Errc::Internal;
    std::string message;
    std::vector<std::string> context;

    /// \returns the message with the context appended outermost first:
    /// "file a.onnx: node conv_3: <message>".
    std::string toString() const;
};

template <class T>
using Expected = tl::expected<T, Error>;

/// \returns an unexpected value carrying a new Error, for `return makeError(...)`.
inline tl::unexpected<Error> makeError(Errc code, std::string message)
{
    return tl::unexpected<Error>(Error{code, std::move(message), {}});
}

/// Adds one context entry (outer to what is already there) to the error of \p e, if any.
template <class T>
Expected<T> addContext(Expected<T>&& e, const std::string& context)
{
    if (!e)
        e.error().context.push_back(context);
    return std::move(e);
}

} // namespace nnb

#define NNB_CONCAT_IMPL(a, b) a##b
#define NNB_CONCAT(a, b) NNB_CONCAT_IMPL(a, b)

/// Evaluates \p expr (an Expected); on error returns the error from the enclosing function,
/// otherwise declares \p var holding the value. Usage: NNB_TRY(auto graph, importModel(path));
#define NNB_TRY(var, expr)                                                                         \
    auto NNB_CONCAT(nnbTry_, __LINE__) = (expr);                                                   \
    if (!NNB_CONCAT(nnbTry_, __LINE__))                                                            \
        return tl::unexpected<::nnb::Error>(std::move(NNB_CONCAT(nnbTry_, __LINE__)).error());     \
    var = std::move(*NNB_CONCAT(nnbTry_, __LINE__))

/// Evaluates \p expr (an Expected<void> or any Expected) and returns its error if it failed.
#define NNB_RETURN_IF_ERROR(expr)                                                                  \
    do {                                                                                           \
        auto nnbResult_ = (expr);                                                                  \
        if (!nnbResult_)                                                                           \
            return tl::unexpected<::nnb::Error>(std::move(nnbResult_).error());                    \
    } while (false)
