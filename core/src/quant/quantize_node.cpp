// SPDX-License-Identifier: GPL-3.0-or-later
#include "nnb/quant/quantize_node.h"

#include <cmath>

namespace nnb::quant {

ir::Attributes quantizeAttributes(const SignalQuant& q, const std::string& layer)
{
    ir::Attributes attrs;
    attrs.set("scale", q.scale);
    attrs.set("zero_point", int64_t{q.zeroPoint});
    attrs.set("qmin", int64_t{q.qmin});
    attrs.set("qmax", int64_t{q.qmax});
    attrs.set("bits", int64_t{q.bits});
    attrs.set("signed", int64_t{q.isSigned ? 1 : 0});
    attrs.set("layer", layer);
    return attrs;
}

Expected<SignalQuant> signalQuantOf(const ir::Node& node)
{
    const ir::Attributes& a = node.attrs;
    for (const char* key : {"scale", "zero_point", "qmin", "qmax", "bits"})
        if (!a.has(key))
            return makeError(Errc::InvalidArgument, std::string("Quantize node lacks the attribute '") + key + "'");
    SignalQuant q;
    q.scale = a.getFloat("scale", 0.0f);
    q.zeroPoint = static_cast<int32_t>(a.getInt("zero_point", 0));
    q.qmin = static_cast<int32_t>(a.getInt("qmin", 0));
    q.qmax = static_cast<int32_t>(a.getInt("qmax", 0));
    q.bits = static_cast<int>(a.getInt("bits", 0));
    q.isSigned = a.getInt("signed", 0) != 0;
    if (!std::isfinite(q.scale) || q.scale <= 0.0f)
        return makeError(Errc::InvalidArgument, "Quantize scale must be finite and positive, got " + std::to_string(q.scale));
    if (q.bits < 1 || q.bits > 24)
        return makeError(Errc::InvalidArgument, "Quantize bits must be in 1..24, got " + std::to_string(q.bits));
    if (q.qmin > q.qmax || q.zeroPoint < q.qmin || q.zeroPoint > q.qmax)
        return makeError(Errc::InvalidArgument, "Quantize needs qmin <= zero_point <= qmax, got " + std::to_string(q.qmin)
                                                    + " <= " + std::to_string(q.zeroPoint) + " <= " + std::to_string(q.qmax));
    return q;
}

} // namespace nnb::quant
