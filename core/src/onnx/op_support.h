// SPDX-License-Identifier: GPL-3.0-or-later
// Per-op import rules: which ONNX ops nnbridge accepts, which attributes (with their types and
// opset ranges) each takes, and how older-opset forms are rewritten into the single form the IR
// uses (the op's semantics at the latest supported opset).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "nnb/ir/graph.h"
#include "nnb/support/expected.h"
#include "onnx_proto.h"

namespace nnb::onnx::detail {

/// What the op rules may ask about a node's surroundings. The graph builder implements it, so
/// the rules stay independent of how names are resolved.
class NodeEnvironment {
public:
    virtual ~NodeEnvironment() = default;
    /// \returns the constant called \p name (initializer, Constant node or bound input), or
    /// nullptr when \p name is computed at run time.
    virtual const ir::Tensor* constant(const std::string& name) const = 0;
    /// \returns true when some node or the graph's output list reads \p name.
    virtual bool isUsed(const std::string& name) const = 0;
    /// \returns where the value \p name comes from, for messages ("graph input 'x'").
    virtual std::string describe(const std::string& name) const = 0;
};

/// A constant operand created by a rule (Clip bounds that older opsets give as attributes).
struct NewConstant {
    std::string role; ///< suffix for the generated value name, e.g. "min"
    ir::Tensor tensor;
};

/// One input slot of a normalised node: absent (an omitted optional input), an existing value
/// by name, or a constant the rule created.
using NodeInput = std::variant<std::monostate, std::string, NewConstant>;

/// A node in the IR's form, still naming its values (the builder resolves them to ids).
struct NormalisedNode {
    ir::OpKind op = ir::OpKind::Identity;
    std::vector<NodeInput> inputs;
    std::vector<std::string> outputs; ///< the outputs the IR node keeps (unused extras dropped)
    ir::Attributes attrs;
};

/// \returns the ONNX op types nnbridge imports, sorted, comma-separated (Constant included).
std::string supportedOpList();

/// Checks \p node (domain, op type, arity, every attribute's name, type and opset range, the
/// op's semantic restrictions) and rewrites it into the IR form for opset \p opset of the
/// default domain. Errors: UnsupportedOp for valid ONNX that nnbridge cannot compile (other
/// domains, unknown ops with the list of supported ones, training-only features, run-time
/// shapes), InvalidModel for nodes that break the ONNX definition. The caller adds the node as
/// context. Constant nodes are not handled here (see decodeConstantNode).
[[nodiscard]] Expected<NormalisedNode> normaliseNode(
    const pb::NodeProto& node, int64_t opset, const NodeEnvironment& env);

/// Checks restrictions of \p node that depend on its inferred input shapes (one per input slot,
/// empty for an absent one): Conv and the pools accept 4-D NCHW tensors only. \returns
/// UnsupportedOp saying so otherwise.
[[nodiscard]] Expected<void> checkInputShapes(const ir::Node& node, const std::vector<ir::Shape>& inputShapes);

} // namespace nnb::onnx::detail
