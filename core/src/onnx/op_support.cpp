// SPDX-License-Identifier: GPL-3.0-or-later
#include "op_support.h"

#include <algorithm>
#include <array>
#include <climits>
#include <limits>
#include <set>
#include <span>

#include "attribute_proto.h"
#include "import_error.h"

namespace nnb::onnx::detail {
namespace {

// --- rule tables ------------------------------------------------------------------------------

/// One attribute an op accepts: its kind and the opsets that define it (ONNX added or removed
/// some attributes over time, e.g. MaxPool's ceil_mode appeared in opset 10, BatchNormalization's
/// spatial disappeared in opset 9).
struct AttrRule {
    std::string_view name;
    AttrKind kind;
    int64_t firstOpset = 1;
    int64_t lastOpset = std::numeric_limits<int64_t>::max();
    bool required = false;
};

struct OpState;
/// An op-specific rewrite into the IR form; runs after the generic arity and attribute checks.
using Rewrite = Expected<void> (*)(OpState&);

/// How one op is imported.
struct OpRule {
    int minInputs = 1;
    int maxInputs = 1; ///< ONNX arity over opsets 7..17, optional inputs included
    int maxOutputs = 1;
    std::span<const AttrRule> attrs;
    Rewrite rewrite = nullptr;
    /// Bit k set: input slot k is a shape-like operand and may be an int64 constant. Every other
    /// slot carries float32 data.
    unsigned int64Slots = 0;
    /// False for the compiler-internal ops, which no model may contain.
    bool importable = true;
};

/// The node being normalised.
struct OpState {
    const pb::NodeProto& proto;
    int64_t opset;
    const NodeEnvironment& env;
    NormalisedNode& out;
};

constexpr int64_t kLast = std::numeric_limits<int64_t>::max();

constexpr std::array kConvAttrs = {
    AttrRule { "auto_pad", AttrKind::String },
    AttrRule { "dilations", AttrKind::Ints },
    AttrRule { "group", AttrKind::Int },
    AttrRule { "kernel_shape", AttrKind::Ints },
    AttrRule { "pads", AttrKind::Ints },
    AttrRule { "strides", AttrKind::Ints },
};
constexpr std::array kMaxPoolAttrs = {
    AttrRule { "auto_pad", AttrKind::String },
    AttrRule { "ceil_mode", AttrKind::Int, 10 },
    AttrRule { "dilations", AttrKind::Ints, 10 },
    AttrRule { "kernel_shape", AttrKind::Ints, 1, kLast, /*required=*/true },
    AttrRule { "pads", AttrKind::Ints },
    AttrRule { "storage_order", AttrKind::Int, 8 },
    AttrRule { "strides", AttrKind::Ints },
};
constexpr std::array kAveragePoolAttrs = {
    AttrRule { "auto_pad", AttrKind::String },
    AttrRule { "ceil_mode", AttrKind::Int, 10 },
    AttrRule { "count_include_pad", AttrKind::Int },
    AttrRule { "kernel_shape", AttrKind::Ints, 1, kLast, /*required=*/true },
    AttrRule { "pads", AttrKind::Ints },
    AttrRule { "strides", AttrKind::Ints },
};
constexpr std::array kGemmAttrs = {
    AttrRule { "alpha", AttrKind::Float },
    AttrRule { "beta", AttrKind::Float },
    AttrRule { "transA", AttrKind::Int },
    AttrRule { "transB", AttrKind::Int },
};
constexpr std::array kLeakyReluAttrs = { AttrRule { "alpha", AttrKind::Float } };
// Clip-6 takes its bounds as attributes; Clip-11 turned them into optional inputs.
constexpr std::array kClipAttrs = {
    AttrRule { "min", AttrKind::Float, 1, 10 },
    AttrRule { "max", AttrKind::Float, 1, 10 },
};
constexpr std::array kAxisAttrs = { AttrRule { "axis", AttrKind::Int } };
constexpr std::array kConcatAttrs = { AttrRule { "axis", AttrKind::Int, 1, kLast, /*required=*/true } };
constexpr std::array kBatchNormAttrs = {
    AttrRule { "epsilon", AttrKind::Float },
    AttrRule { "momentum", AttrKind::Float },
    AttrRule { "spatial", AttrKind::Int, 1, 8 },
    AttrRule { "training_mode", AttrKind::Int, 14 },
};
constexpr std::array kReshapeAttrs = { AttrRule { "allowzero", AttrKind::Int, 14 } };
constexpr std::array kTransposeAttrs = { AttrRule { "perm", AttrKind::Ints } };
// Dropout-7 has a ratio attribute; Dropout-12 moved ratio and training_mode to inputs and
// added seed.
constexpr std::array kDropoutAttrs = {
    AttrRule { "ratio", AttrKind::Float, 1, 11 },
    AttrRule { "seed", AttrKind::Int, 12 },
};

// --- rewrites ---------------------------------------------------------------------------------

bool isPresent(const NodeInput& input)
{
    return !std::holds_alternative<std::monostate>(input);
}

const std::string* inputName(const OpState& s, size_t slot)
{
    if (slot >= s.out.inputs.size())
        return nullptr;
    return std::get_if<std::string>(&s.out.inputs[slot]);
}

/// The name of optional output \p index of the ONNX node if it is read by anything, else null.
const std::string* usedOutput(const OpState& s, int index)
{
    if (index >= s.proto.output_size() || s.proto.output(index).empty() || !s.env.isUsed(s.proto.output(index)))
        return nullptr;
    return &s.proto.output(index);
}

/// Checks the window attributes shared by Conv, MaxPool and AveragePool.
Expected<void> checkWindowAttributes(OpState& s)
{
    ir::Attributes& attrs = s.out.attrs;
    const std::string autoPad = attrs.getString("auto_pad", "NOTSET");
    if (autoPad != "NOTSET" && autoPad != "SAME_UPPER" && autoPad != "SAME_LOWER" && autoPad != "VALID")
        return invalidModel("auto_pad " + inQuotes(autoPad) + " is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID");
    const auto pads = attrs.getInts("pads");
    if (autoPad != "NOTSET") {
        // Some exporters write explicit zero pads next to auto_pad; those say nothing.
        if (std::any_of(pads.begin(), pads.end(), [](int64_t p) { return p != 0; }))
            return invalidModel("both pads and auto_pad=" + autoPad + " are set; ONNX allows only one of them");
        attrs.erase("pads");
    }

    // The number of spatial dimensions, from whichever attribute states it. Only 2-D windows
    // over NCHW tensors exist on the target hardware's mapping path.
    size_t spatial = 0;
    std::string evidence;
    if (attrs.has("kernel_shape")) {
        spatial = attrs.getInts("kernel_shape").size();
        evidence = "kernel_shape";
    } else if (attrs.has("strides")) {
        spatial = attrs.getInts("strides").size();
        evidence = "strides";
    } else if (attrs.has("dilations")) {
        spatial = attrs.getInts("dilations").size();
        evidence = "dilations";
    } else if (attrs.has("pads")) {
        spatial = pads.size() / 2;
        evidence = "pads";
    }
    if (!evidence.empty() && spatial != 2)
        return unsupported("only 2-D windows over 4-D NCHW tensors are supported, but " + evidence + " describes "
            + std::to_string(spatial) + " spatial dimension(s)");
    return {};
}

Expected<void> rewriteConv(OpState& s)
{
    return checkWindowAttributes(s);
}
Expected<void> rewriteAveragePool(OpState& s)
{
    return checkWindowAttributes(s);
}

Expected<void> rewriteMaxPool(OpState& s)
{
    NNB_RETURN_IF_ERROR(checkWindowAttributes(s));
    if (const std::string* indices = usedOutput(s, 1)) {
        std::string message
            = "the Indices output " + inQuotes(*indices) + " is used, but nnbridge supports MaxPool's values only";
        if (s.out.attrs.getInt("storage_order", 0) != 0)
            message += "; its storage_order=1 (column-major indices) is not supported either";
        return unsupported(std::move(message));
    }
    // storage_order only describes the Indices output, which is dropped.
    s.out.attrs.erase("storage_order");
    return {};
}

/// A scalar float constant for a Clip bound.
NewConstant clipBound(std::string role, float value)
{
    return NewConstant { std::move(role), ir::Tensor::fromData({}, { value }) };
}

Expected<void> rewriteClip(OpState& s)
{
    ir::Attributes& attrs = s.out.attrs;
    if (s.opset < 11) {
        // Clip-6: bounds are attributes (absent = unbounded); the IR takes them as the optional
        // inputs of Clip-11+.
        if (s.out.inputs.size() > 1)
            return invalidModel("Clip before opset 11 takes its bounds as attributes, but this node has "
                + std::to_string(s.out.inputs.size()) + " inputs");
        const bool hasMin = attrs.has("min");
        const bool hasMax = attrs.has("max");
        if (hasMin || hasMax)
            s.out.inputs.push_back(hasMin ? NodeInput { clipBound("min", attrs.getFloat("min", 0.0f)) } : NodeInput {});
        if (hasMax)
            s.out.inputs.push_back(clipBound("max", attrs.getFloat("max", 0.0f)));
        attrs.erase("min");
        attrs.erase("max");
        return {};
    }
    // Clip-11+: integer bounds (allowed by Clip-12 for integer inputs, and written by some
    // exporters) become float scalars, because all data is float32 here.
    for (size_t slot = 1; slot < s.out.inputs.size(); ++slot) {
        const std::string* name = inputName(s, slot);
        const ir::Tensor* bound = name ? s.env.constant(*name) : nullptr;
        if (!bound || bound->dtype != ir::DataType::Int64)
            continue;
        std::vector<float> values(bound->i.begin(), bound->i.end());
        s.out.inputs[slot]
            = NewConstant { slot == 1 ? "min" : "max", ir::Tensor::fromData(bound->shape, std::move(values)) };
    }
    return {};
}

Expected<void> rewriteSoftmax(OpState& s)
{
    // Softmax-1..11 flattens the input to 2-D at `axis` (default 1) and normalises each row;
    // Softmax-13 normalises along `axis` alone (default -1). The IR keeps the axis and marks
    // the old behaviour with coerce_2d=1.
    if (s.opset < 13) {
        s.out.attrs.set("axis", s.out.attrs.getInt("axis", 1));
        s.out.attrs.set("coerce_2d", int64_t { 1 });
    }
    return {};
}

Expected<void> rewriteDropout(OpState& s)
{
    if (s.opset < 12 && s.out.inputs.size() > 1)
        return invalidModel("Dropout before opset 12 takes ratio as an attribute, but this node has "
            + std::to_string(s.out.inputs.size()) + " inputs");
    if (const std::string* mode = inputName(s, 2)) {
        const ir::Tensor* flag = s.env.constant(*mode);
        if (!flag)
            return unsupported("training_mode comes from " + s.env.describe(*mode)
                + ", which is only known at run time; nnbridge compiles inference only: export the "
                  "model in eval mode, or bind the input to false with ImportOptions::bindInputs");
        const bool training = std::any_of(flag->i.begin(), flag->i.end(), [](int64_t v) { return v != 0; })
            || std::any_of(flag->f.begin(), flag->f.end(), [](float v) { return v != 0.0f; });
        if (training)
            return unsupported("training_mode is true; nnbridge compiles inference only (export the model after "
                               "model.eval())");
    }
    if (const std::string* mask = usedOutput(s, 1))
        return unsupported("the mask output " + inQuotes(*mask)
            + " is used; nnbridge imports Dropout for inference, where it is the identity and has "
              "no mask (export the model after model.eval())");
    // Inference Dropout ignores ratio and seed; only the data input matters.
    s.out.inputs.resize(1);
    s.out.attrs.erase("ratio");
    s.out.attrs.erase("seed");
    return {};
}

Expected<void> rewriteBatchNorm(OpState& s)
{
    ir::Attributes& attrs = s.out.attrs;
    if (attrs.getInt("spatial", 1) == 0)
        return unsupported("spatial=0 (statistics per element rather than per channel) is not supported");
    if (attrs.getInt("training_mode", 0) != 0)
        return unsupported("training_mode=1 is not supported; nnbridge compiles inference only (export the model "
                           "after model.eval())");
    for (int k = 1; k < s.proto.output_size(); ++k)
        if (const std::string* extra = usedOutput(s, k))
            return unsupported("output " + std::to_string(k) + " " + inQuotes(*extra)
                + " (a training statistic) is used; nnbridge supports BatchNormalization's Y output "
                  "only (export the model after model.eval())");
    // Only epsilon affects inference.
    attrs.erase("spatial");
    attrs.erase("training_mode");
    attrs.erase("momentum");
    return {};
}

Expected<void> rewriteReshape(OpState& s)
{
    const std::string* shapeName = inputName(s, 1);
    if (!shapeName)
        return invalidModel("Reshape needs its shape input");
    const ir::Tensor* shape = s.env.constant(*shapeName);
    if (!shape)
        return unsupported("the target shape comes from " + s.env.describe(*shapeName)
            + ", which is only known at run time; nnbridge needs a constant shape. Re-export the "
              "model with torch.onnx.export(..., do_constant_folding=True), or bind the input "
              "with ImportOptions::bindInputs");
    if (shape->dtype != ir::DataType::Int64)
        return invalidModel("the target shape " + inQuotes(*shapeName) + " must be an int64 tensor");
    return {};
}

// --- the op table -----------------------------------------------------------------------------

/// The import rule of every IR op. A switch without default, so adding an op to ops.def (or
/// internal_ops.def) warns here (-Wswitch) until it has a rule.
OpRule ruleFor(ir::OpKind op)
{
    using K = ir::OpKind;
    switch (op) {
    case K::Gemm:
        return { 2, 3, 1, kGemmAttrs };
    case K::MatMul:
        return { 2, 2, 1, {} };
    case K::Conv:
        return { 2, 3, 1, kConvAttrs, rewriteConv };
    case K::Add:
    case K::Sub:
    case K::Mul:
    case K::Div:
        return { 2, 2, 1, {} };
    case K::Relu:
    case K::Sigmoid:
    case K::Tanh:
    case K::Identity:
    case K::GlobalAveragePool:
        return { 1, 1, 1, {} };
    case K::LeakyRelu:
        return { 1, 1, 1, kLeakyReluAttrs };
    case K::Clip:
        return { 1, 3, 1, kClipAttrs, rewriteClip };
    case K::Softmax:
        return { 1, 1, 1, kAxisAttrs, rewriteSoftmax };
    case K::MaxPool:
        return { 1, 1, 2, kMaxPoolAttrs, rewriteMaxPool };
    case K::AveragePool:
        return { 1, 1, 1, kAveragePoolAttrs, rewriteAveragePool };
    case K::BatchNormalization:
        return { 5, 5, 5, kBatchNormAttrs, rewriteBatchNorm };
    case K::Flatten:
        return { 1, 1, 1, kAxisAttrs };
    case K::Reshape:
        return { 2, 2, 1, kReshapeAttrs, rewriteReshape, /*int64Slots=*/0b10 };
    case K::Transpose:
        return { 1, 1, 1, kTransposeAttrs };
    case K::Concat:
        return { 1, INT_MAX, 1, kConcatAttrs };
    // Ratio (slot 1) may be a double and training_mode (slot 2) a bool; the rewrite drops both.
    case K::Dropout:
        return { 1, 3, 2, kDropoutAttrs, rewriteDropout, /*int64Slots=*/0b110 };
        // The compiler's own ops (reform/split passes). parseOpName never returns them; refusing
        // them here as well keeps that guarantee local.
#define NNB_INTERNAL_OP(Enum, Name, MinIn, MaxIn) case K::Enum:
#include "nnb/ir/internal_ops.def"
        return OpRule { .importable = false };
    }
    return OpRule { .importable = false };
}

/// Ops that typically appear when an exporter leaves a shape computation in the graph.
bool isShapeComputationOp(std::string_view opType)
{
    constexpr std::array kOps = { "Shape", "Gather", "Unsqueeze", "Squeeze", "Cast", "ConstantOfShape", "Range",
        "Expand", "Slice", "Size", "Equal", "Where" };
    return std::find(kOps.begin(), kOps.end(), opType) != kOps.end();
}

std::string unsupportedOpMessage(std::string_view opType, int64_t opset)
{
    std::string message = "op " + inQuotes(opType) + " (opset " + std::to_string(opset) + ") is not supported. ";
    if (isShapeComputationOp(opType))
        message += "It usually belongs to a shape computation that constant folding removes: re-export the model "
                   "with torch.onnx.export(..., do_constant_folding=True). ";
    else if (opType == "LSTM" || opType == "GRU" || opType == "RNN" || opType == "Loop" || opType == "Scan"
        || opType == "If")
        message += "Recurrent layers and control flow cannot be compiled to a feed-forward crossbar network. ";
    message += "Supported ops are: " + supportedOpList();
    return message;
}

// --- generic checks ---------------------------------------------------------------------------

std::string arityText(int lo, int hi)
{
    if (lo == hi)
        return std::to_string(lo);
    if (hi == INT_MAX)
        return "at least " + std::to_string(lo);
    return std::to_string(lo) + " to " + std::to_string(hi);
}

/// Reads the inputs, dropping trailing omitted optional inputs (ONNX writes them as "").
Expected<void> readInputs(const pb::NodeProto& proto, const OpRule& rule, NormalisedNode& out)
{
    int count = proto.input_size();
    while (count > 0 && proto.input(count - 1).empty())
        --count;
    if (count < rule.minInputs || count > rule.maxInputs)
        return invalidModel(proto.op_type() + " takes " + arityText(rule.minInputs, rule.maxInputs)
            + " inputs, but this node has " + std::to_string(count));
    for (int k = 0; k < count; ++k) {
        if (proto.input(k).empty())
            out.inputs.emplace_back(std::monostate {});
        else
            out.inputs.emplace_back(proto.input(k));
    }
    return {};
}

Expected<void> readOutputs(const pb::NodeProto& proto, const OpRule& rule, NormalisedNode& out)
{
    int count = proto.output_size();
    while (count > 0 && proto.output(count - 1).empty())
        --count;
    if (count < 1 || proto.output(0).empty())
        return invalidModel(proto.op_type() + " must name its first output");
    if (count > rule.maxOutputs)
        return invalidModel(proto.op_type() + " has at most " + std::to_string(rule.maxOutputs)
            + " output(s), but this node lists " + std::to_string(count));
    // Every supported op has one output the IR keeps; the extra ONNX outputs (MaxPool indices,
    // Dropout mask, BatchNormalization training statistics) are checked unused by the rewrite.
    out.outputs.push_back(proto.output(0));
    return {};
}

Expected<void> readAttributes(const pb::NodeProto& proto, int64_t opset, const OpRule& rule, NormalisedNode& out)
{
    std::set<std::string> seen;
    for (const auto& attr : proto.attribute()) {
        if (!seen.insert(attr.name()).second)
            return invalidModel("attribute " + inQuotes(attr.name()) + " is given twice");
        const auto it = std::find_if(
            rule.attrs.begin(), rule.attrs.end(), [&](const AttrRule& r) { return r.name == attr.name(); });
        if (it == rule.attrs.end())
            return invalidModel("attribute " + inQuotes(attr.name()) + " is not defined for " + proto.op_type()
                + "; nnbridge refuses attributes it does not know, since they may change the "
                  "op's meaning");
        if (opset < it->firstOpset)
            return invalidModel("attribute " + inQuotes(attr.name()) + " of " + proto.op_type() + " exists since opset "
                + std::to_string(it->firstOpset) + ", but the model uses opset " + std::to_string(opset));
        if (opset > it->lastOpset)
            return invalidModel("attribute " + inQuotes(attr.name()) + " of " + proto.op_type()
                + " was removed after opset " + std::to_string(it->lastOpset) + ", but the model uses opset "
                + std::to_string(opset));
        NNB_TRY(ir::AttrValue value, readAttribute(attr, it->kind));
        out.attrs.set(attr.name(), std::move(value));
    }
    for (const AttrRule& r : rule.attrs)
        if (r.required && opset >= r.firstOpset && opset <= r.lastOpset && !out.attrs.has(std::string(r.name)))
            return invalidModel(proto.op_type() + " requires the attribute " + inQuotes(r.name));
    return {};
}

/// Every operand is float32 except the shape-like slots the rule names: an int64 constant
/// elsewhere (e.g. integer weights) does not fit the float-only IR.
Expected<void> checkOperandTypes(
    const pb::NodeProto& proto, const OpRule& rule, const NodeEnvironment& env, const NormalisedNode& out)
{
    for (size_t slot = 0; slot < out.inputs.size(); ++slot) {
        const auto* name = std::get_if<std::string>(&out.inputs[slot]);
        const ir::Tensor* value = name ? env.constant(*name) : nullptr;
        if (value && value->dtype == ir::DataType::Int64 && !(rule.int64Slots & (1u << slot)))
            return invalidModel("input " + std::to_string(slot) + " " + inQuotes(*name) + " is an integer tensor, but "
                + proto.op_type() + " computes on float32 values there");
    }
    return {};
}

} // namespace

std::string supportedOpList()
{
    std::vector<std::string_view> names = { "Constant" };
#define NNB_OP(Enum, Name, MinIn, MaxIn) names.push_back(Name);
#include "nnb/ir/ops.def"
    std::sort(names.begin(), names.end());
    std::string list;
    for (std::string_view name : names) {
        if (!list.empty())
            list += ", ";
        list += name;
    }
    return list;
}

Expected<NormalisedNode> normaliseNode(const pb::NodeProto& proto, int64_t opset, const NodeEnvironment& env)
{
    if (!isDefaultDomain(proto.domain()))
        return unsupported("op " + inQuotes(proto.op_type()) + " belongs to domain " + inQuotes(proto.domain())
            + "; nnbridge supports the default ONNX domain (ai.onnx) only, so export the model "
              "without custom or contrib ops");
    const auto op = ir::parseOpName(proto.op_type());
    if (!op)
        return unsupported(unsupportedOpMessage(proto.op_type(), opset));

    const OpRule rule = ruleFor(*op);
    if (!rule.importable)
        return unsupported(unsupportedOpMessage(proto.op_type(), opset));
    NormalisedNode out;
    out.op = *op;
    NNB_RETURN_IF_ERROR(readInputs(proto, rule, out));
    NNB_RETURN_IF_ERROR(readOutputs(proto, rule, out));
    NNB_RETURN_IF_ERROR(readAttributes(proto, opset, rule, out));
    if (rule.rewrite) {
        OpState state { proto, opset, env, out };
        NNB_RETURN_IF_ERROR(rule.rewrite(state));
    }
    NNB_RETURN_IF_ERROR(checkOperandTypes(proto, rule, env, out));

    // Safety net behind the rewrites: an output the IR node drops must be unused.
    for (int k = static_cast<int>(out.outputs.size()); k < proto.output_size(); ++k)
        if (!proto.output(k).empty() && env.isUsed(proto.output(k)))
            return unsupported("output " + std::to_string(k) + " " + inQuotes(proto.output(k)) + " of "
                + proto.op_type() + " is used, but nnbridge supports its first output only");

    while (!out.inputs.empty() && !isPresent(out.inputs.back()))
        out.inputs.pop_back();
    const int irMax = ir::maxInputs(out.op);
    if (static_cast<int>(out.inputs.size()) > irMax)
        return unsupported(proto.op_type() + " with " + std::to_string(out.inputs.size())
            + " inputs is not supported; nnbridge handles at most " + std::to_string(irMax));
    return out;
}

Expected<void> checkInputShapes(const ir::Node& node, const std::vector<ir::Shape>& inputShapes)
{
    switch (node.op) {
    case ir::OpKind::Conv:
    case ir::OpKind::MaxPool:
    case ir::OpKind::AveragePool:
    case ir::OpKind::GlobalAveragePool:
        if (!inputShapes.empty() && inputShapes[0].size() != 4)
            return unsupported("only 4-D NCHW inputs are supported for " + std::string(ir::opName(node.op))
                + " (2-D windows), but the input has shape " + ir::shapeToString(inputShapes[0]) + " ("
                + std::to_string(static_cast<int>(inputShapes[0].size()) - 2) + " spatial dimension(s))");
        return {};
    default:
        return {};
    }
}

} // namespace nnb::onnx::detail
