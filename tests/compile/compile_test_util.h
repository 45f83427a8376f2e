// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QtTest>

#include "nnb/compile.h"
#include "nnb/eval/equivalence.h"
#include "nnb/hw/profile_io.h"
#include "test_paths.h"

namespace nnb::test {

inline hw::Profile shippedProfile(const std::string& id)
{
    auto p = hw::loadProfile(profileDir() / (id + ".yaml"));
    if (!p)
        qFatal("cannot load profile %s: %s", id.c_str(), p.error().toString().c_str());
    return *p;
}

/// Checks the invariant split-merge promises, independently of how it split: every core-op's
/// crossbar footprint (rows per group x groups, outputs) fits the profile's crossbar.
inline QString checkCoreOpsFit(const ir::Graph& g, const hw::Profile& p)
{
    for (const ir::Node& node : g.nodes()) {
        if (node.op != ir::OpKind::CoreOp)
            continue;
        const ir::Tensor& w = *g.value(node.inputs[1]).constant;
        const int64_t group = node.attrs.getInt("group", 1);
        const bool conv = node.attrs.getString("kind", "dense") == "conv";
        const int64_t rows = conv ? w.shape[1] * w.shape[2] * w.shape[3] * group : w.shape[0] * group;
        const int64_t cols = conv ? w.shape[0] : w.shape[1];
        if (rows > p.crossbar.rows || cols > p.crossbar.cols)
            return QString("%1 needs %2x%3 cells on a %4x%5 crossbar")
                .arg(QString::fromStdString(node.name))
                .arg(rows)
                .arg(cols)
                .arg(p.crossbar.rows)
                .arg(p.crossbar.cols);
    }
    return {};
}

} // namespace nnb::test
