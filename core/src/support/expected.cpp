// SPDX-License-Identifier: GPL-3.0-or-later
#include "nnb/support/expected.h"

namespace nnb {

const char* errcName(Errc code)
{
    switch (code) {
    case Errc::InvalidModel: return "invalid model";
    case Errc::UnsupportedOp: return "unsupported";
    case Errc::InvalidProfile: return "invalid profile";
    case Errc::InvalidArgument: return "invalid argument";
    case Errc::Io: return "i/o error";
    case Errc::Cancelled: return "cancelled";
    case Errc::Internal: return "internal error";
    }
    return "error";
}

std::string Error::toString() const
{
    std::string out;
    for (auto it = context.rbegin(); it != context.rend(); ++it) {
        out += *it;
        out += ": ";
    }
    out += message;
    return out;
}

} // namespace nnb
