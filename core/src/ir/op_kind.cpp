// SPDX-License-Identifier: GPL-3.0-or-later
#include "nnb/ir/op_kind.h"

#include <array>

namespace nnb::ir {
namespace {

struct OpInfo {
    std::string_view name;
    int minInputs;
    int maxInputs;
    bool internal;
};

constexpr std::array kOps = {
#define NNB_OP(Enum, Name, MinIn, MaxIn) OpInfo{Name, MinIn, MaxIn, false},
#include "nnb/ir/ops.def"
#define NNB_INTERNAL_OP(Enum, Name, MinIn, MaxIn) OpInfo{Name, MinIn, MaxIn, true},
#include "nnb/ir/internal_ops.def"
};

const OpInfo& info(OpKind op) { return kOps[static_cast<size_t>(op)]; }

} // namespace

std::string_view opName(OpKind op) { return info(op).name; }
int minInputs(OpKind op) { return info(op).minInputs; }
int maxInputs(OpKind op) { return info(op).maxInputs; }
bool isInternalOp(OpKind op) { return info(op).internal; }

std::optional<OpKind> parseOpName(std::string_view name)
{
    for (size_t k = 0; k < kOps.size(); ++k)
        if (!kOps[k].internal && kOps[k].name == name)
            return static_cast<OpKind>(k);
    return std::nullopt;
}

} // namespace nnb::ir
