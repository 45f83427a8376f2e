// SPDX-License-Identifier: GPL-3.0-or-later
#include "sim/network_layout.h"

#include <string>

namespace nnb::sim::detail {

Expected<CoreOpLayout> layoutOf(const ir::Node& node, const ir::Tensor& w)
{
    CoreOpLayout l;
    l.conv = node.attrs.getString("kind", "dense") == "conv";
    l.group = node.attrs.getInt("group", 1);
    if (l.group < 1)
        return makeError(Errc::InvalidArgument, "CoreOp '" + node.name + "' has group " + std::to_string(l.group));
    if (l.conv) {
        if (w.rank() != 4 || w.shape[0] % l.group != 0)
            return makeError(Errc::InvalidArgument, "conv CoreOp '" + node.name + "' has weights " + ir::shapeToString(w.shape));
        l.kh = w.shape[2];
        l.kw = w.shape[3];
        l.inChannels = w.shape[1] * l.group;
        l.rowsPerGroup = w.shape[1] * l.kh * l.kw;
        l.outputs = w.shape[0];
    } else {
        if (w.rank() != 2 || w.shape[1] % l.group != 0)
            return makeError(Errc::InvalidArgument, "dense CoreOp '" + node.name + "' has weights " + ir::shapeToString(w.shape));
        l.rowsPerGroup = w.shape[0];
        l.outputs = w.shape[1];
    }
    l.colsPerGroup = l.outputs / l.group;
    return l;
}

Expected<Im2Col> gatherRows(const ir::Node& node, const CoreOpLayout& l, std::span<const int32_t> x,
                            const ir::Shape& shape, int64_t g, int32_t padCode)
{
    Im2Col out;
    if (!l.conv) {
        if (shape.size() != 2 || shape[1] != l.rowsPerGroup * l.group)
            return makeError(Errc::InvalidArgument, "dense CoreOp '" + node.name + "' got input " + ir::shapeToString(shape));
        const int64_t n = shape[0], in = shape[1];
        out.rows = n;
        out.codes.resize(static_cast<size_t>(n * l.rowsPerGroup));
        for (int64_t s = 0; s < n; ++s)
            for (int64_t r = 0; r < l.rowsPerGroup; ++r)
                out.codes[static_cast<size_t>(s * l.rowsPerGroup + r)] = x[static_cast<size_t>(s * in + g * l.rowsPerGroup + r)];
        return out;
    }
    if (shape.size() != 4 || shape[1] != l.inChannels)
        return makeError(Errc::InvalidArgument, "conv CoreOp '" + node.name + "' got input " + ir::shapeToString(shape));
    NNB_TRY(out.geometry, ir::computeWindowGeometry(node, shape[2], shape[3], l.kh, l.kw));
    const ir::WindowGeometry& geo = out.geometry;
    const int64_t n = shape[0], inH = shape[2], inW = shape[3];
    const int64_t cPerGroup = l.inChannels / l.group;
    out.positions = geo.outH * geo.outW;
    out.rows = n * out.positions;
    out.codes.assign(static_cast<size_t>(out.rows * l.rowsPerGroup), padCode);
    for (int64_t s = 0; s < n; ++s)
        for (int64_t oy = 0; oy < geo.outH; ++oy)
            for (int64_t ox = 0; ox < geo.outW; ++ox) {
                int32_t* row = out.codes.data() + ((s * geo.outH + oy) * geo.outW + ox) * l.rowsPerGroup;
                for (int64_t c = 0; c < cPerGroup; ++c) {
                    const int32_t* plane = x.data() + ((s * l.inChannels) + g * cPerGroup + c) * inH * inW;
                    for (int64_t ky = 0; ky < l.kh; ++ky) {
                        const int64_t iy = oy * geo.strideH - geo.padTop + ky * geo.dilationH;
                        if (iy < 0 || iy >= inH)
                            continue;
                        for (int64_t kx = 0; kx < l.kw; ++kx) {
                            const int64_t ix = ox * geo.strideW - geo.padLeft + kx * geo.dilationW;
                            if (ix >= 0 && ix < inW)
                                row[(c * l.kh + ky) * l.kw + kx] = plane[iy * inW + ix];
                        }
                    }
                }
            }
    return out;
}

} // namespace nnb::sim::detail
