// SPDX-License-Identifier: GPL-3.0-or-later
#include "graph_builder.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "constant_node.h"
#include "declared_type.h"
#include "import_error.h"
#include "nnb/ir/verifier.h"
#include "nnb/support/assert.h"
#include "op_support.h"
#include "shape_propagation.h"
#include "tensor_proto.h"

namespace nnb::onnx::detail {
namespace {

/// Where a value name of the ONNX graph is defined. ONNX graphs are in SSA form: each name has
/// exactly one definition.
enum class Origin {
    RuntimeInput, ///< a graph input fed at run time
    Initializer, ///< an initializer (listed as a graph input or not: either way a constant)
    BoundInput, ///< a graph input frozen through ImportOptions::bindInputs
    ConstantNode, ///< the output of a Constant node
    NodeOutput, ///< an output of any other node
};

struct Definition {
    Origin origin;
    int index; ///< into graph.input, graph.initializer or graph.node, by origin
};

/// A normalised node with its unique name, waiting for the graph to be assembled.
struct PendingNode {
    std::string name;
    NormalisedNode node;
};

/// One import run. Steps run in an order chosen so that each error is reported where it is
/// best explained: definitions before uses, node rules before the types of runtime inputs (a
/// Reshape fed by an int64 graph input gets Reshape's advice, not a type complaint).
class GraphBuilder final : public NodeEnvironment {
public:
    GraphBuilder(const pb::ModelProto& model, const ImportOptions& options)
        : m_model(model)
        , m_graph(model.graph())
        , m_options(options)
    { }

    Expected<ImportedModel> build()
    {
        NNB_RETURN_IF_ERROR(checkModel());
        NNB_RETURN_IF_ERROR(checkBindings());
        NNB_RETURN_IF_ERROR(defineInitializers());
        NNB_RETURN_IF_ERROR(defineInputs());
        nameNodes();
        NNB_RETURN_IF_ERROR(defineNodeOutputs());
        collectUses();
        NNB_RETURN_IF_ERROR(decodeConstants());
        NNB_RETURN_IF_ERROR(normaliseNodes());
        NNB_RETURN_IF_ERROR(checkGraphOutputs());
        NNB_RETURN_IF_ERROR(checkRuntimeInputs());
        NNB_TRY(DeclaredShapes declared, collectDeclaredShapes());

        ImportedModel result;
        NNB_TRY(result.graph, assembleGraph());
        NNB_RETURN_IF_ERROR(result.graph.sortTopologically());
        NNB_RETURN_IF_ERROR(propagateShapes(result.graph, declared, m_options.maxTensorElements));
        NNB_RETURN_IF_ERROR(ir::verify(result.graph));
        result.opsetVersion = m_opset;
        result.irVersion = m_model.ir_version();
        result.producerName = m_model.producer_name();
        result.producerVersion = m_model.producer_version();
        return result;
    }

    // NodeEnvironment
    const ir::Tensor* constant(const std::string& name) const override
    {
        const auto it = m_constants.find(name);
        return it == m_constants.end() ? nullptr : &it->second;
    }

    bool isUsed(const std::string& name) const override { return m_used.count(name) != 0; }

    std::string describe(const std::string& name) const override
    {
        const auto it = m_defs.find(name);
        if (it == m_defs.end())
            return "the undefined value " + inQuotes(name);
        const int index = it->second.index;
        switch (it->second.origin) {
        case Origin::RuntimeInput:
            return "graph input " + inQuotes(name);
        case Origin::Initializer:
            return "initializer " + inQuotes(name);
        case Origin::BoundInput:
            return "bound graph input " + inQuotes(name);
        case Origin::ConstantNode:
        case Origin::NodeOutput:
            return "output " + inQuotes(name) + " of "
                + nodeContext(m_nodeNames[static_cast<size_t>(index)], m_graph.node(index).op_type());
        }
        return inQuotes(name);
    }

private:
    Expected<void> checkModel()
    {
        // Protobuf parses almost any byte string into *some* message; a missing graph is the
        // usual sign that the file was not an ONNX model at all.
        if (!m_model.has_graph())
            return invalidModel("the model has no graph; the file is not an ONNX model, or it is truncated");
        if (m_model.ir_version() <= 0)
            return invalidModel("the model declares no ONNX IR version; the file is not an ONNX model, or it is "
                                "damaged");
        bool found = false;
        for (const auto& entry : m_model.opset_import()) {
            if (!isDefaultDomain(entry.domain()))
                continue; // other domains are fine as long as no node uses them
            if (found && entry.version() != m_opset)
                return invalidModel("the model imports the default ONNX domain twice, as opsets "
                    + std::to_string(m_opset) + " and " + std::to_string(entry.version()));
            found = true;
            m_opset = entry.version();
        }
        if (!found) {
            // A model made only of ops from other domains (training, ML, vendor ops) is valid
            // ONNX, just not something nnbridge can compile.
            const auto& nodes = m_graph.node();
            const bool usesDefault = std::any_of(
                nodes.begin(), nodes.end(), [](const pb::NodeProto& n) { return isDefaultDomain(n.domain()); });
            if (!usesDefault && !nodes.empty())
                return unsupported("the model uses only ops of domain " + inQuotes(nodes.Get(0).domain())
                    + "; nnbridge supports the default ONNX domain (ai.onnx) only");
            return invalidModel("the model does not declare an opset for the default ONNX domain (ai.onnx)");
        }
        if (m_opset < kMinOpset || m_opset > kMaxOpset)
            return unsupported("the model uses opset " + std::to_string(m_opset)
                + " of the default ONNX domain, but nnbridge supports opsets " + std::to_string(kMinOpset) + " to "
                + std::to_string(kMaxOpset)
                + "; convert the model with onnx.version_converter.convert_version(model, 13), or "
                  "re-export it with torch.onnx.export(..., opset_version=13)");
        if (m_graph.node_size() == 0)
            return invalidModel("the graph has no nodes");
        if (m_graph.output_size() == 0)
            return invalidModel("the graph declares no outputs");
        if (m_graph.sparse_initializer_size() > 0)
            return unsupported("the graph has sparse initializers, which nnbridge does not support");
        return {};
    }

    /// Every binding must name a graph input; a typo would otherwise be ignored silently.
    Expected<void> checkBindings()
    {
        for (const auto& [name, tensor] : m_options.bindInputs) {
            const bool isInput = std::any_of(m_graph.input().begin(), m_graph.input().end(),
                [&](const pb::ValueInfoProto& in) { return in.name() == name; });
            if (!isInput)
                return makeError(Errc::InvalidArgument,
                    "ImportOptions::bindInputs names " + inQuotes(name) + ", which is not an input of the graph");
        }
        return {};
    }

    /// Records a definition of \p name, refusing a second one (SSA form).
    Expected<void> define(const std::string& name, Definition def)
    {
        const auto [it, inserted] = m_defs.emplace(name, def);
        if (!inserted)
            return invalidModel("value " + inQuotes(name) + " is defined twice: as " + describe(name) + " and again as "
                + describeDefinition(name, def));
        return {};
    }

    std::string describeDefinition(const std::string& name, Definition def) const
    {
        switch (def.origin) {
        case Origin::Initializer:
            return "an initializer";
        case Origin::RuntimeInput:
        case Origin::BoundInput:
            return "a graph input";
        default:
            return "output " + inQuotes(name) + " of "
                + nodeContext(m_nodeNames[static_cast<size_t>(def.index)], m_graph.node(def.index).op_type());
        }
    }

    Expected<void> defineInitializers()
    {
        for (int k = 0; k < m_graph.initializer_size(); ++k) {
            const std::string& name = m_graph.initializer(k).name();
            if (name.empty())
                return invalidModel("initializer " + std::to_string(k) + " has no name");
            NNB_RETURN_IF_ERROR(define(name, { Origin::Initializer, k }));
        }
        return {};
    }

    Expected<void> defineInputs()
    {
        std::unordered_set<std::string> seen;
        for (int k = 0; k < m_graph.input_size(); ++k) {
            const std::string& name = m_graph.input(k).name();
            if (name.empty())
                return invalidModel("graph input " + std::to_string(k) + " has no name");
            if (!seen.insert(name).second)
                return invalidModel("graph input " + inQuotes(name) + " is listed twice");
            const auto it = m_defs.find(name);
            if (m_options.bindInputs.count(name)) {
                // A binding overrides an initializer: that is what freezing an input means.
                if (it != m_defs.end())
                    it->second = { Origin::BoundInput, k };
                else
                    m_defs.emplace(name, Definition { Origin::BoundInput, k });
            } else if (it == m_defs.end()) {
                m_defs.emplace(name, Definition { Origin::RuntimeInput, k });
            }
            // Otherwise an initializer of the same name makes the input a constant: older
            // exporters (IR < 4) list every weight among the inputs.
        }
        return {};
    }

    /// Gives every node a unique name for messages and reports: an empty name becomes
    /// "<OpType>_<index>", a repeated one gets "_<index>" appended.
    void nameNodes()
    {
        std::unordered_set<std::string> explicitNames;
        for (const auto& node : m_graph.node())
            if (!node.name().empty())
                explicitNames.insert(node.name());
        std::unordered_set<std::string> taken;
        for (int k = 0; k < m_graph.node_size(); ++k) {
            const auto& node = m_graph.node(k);
            std::string name = node.name();
            if (name.empty() || taken.count(name)) {
                const std::string base = (name.empty() ? node.op_type() : name) + "_" + std::to_string(k);
                name = base;
                for (int suffix = 1; taken.count(name) || explicitNames.count(name); ++suffix)
                    name = base + "_" + std::to_string(suffix);
            }
            taken.insert(name);
            m_nodeNames.push_back(std::move(name));
        }
    }

    std::string contextOf(int nodeIndex) const
    {
        return nodeContext(m_nodeNames[static_cast<size_t>(nodeIndex)], m_graph.node(nodeIndex).op_type());
    }

    static bool isConstantNode(const pb::NodeProto& node)
    {
        return node.op_type() == "Constant" && isDefaultDomain(node.domain());
    }

    Expected<void> defineNodeOutputs()
    {
        for (int k = 0; k < m_graph.node_size(); ++k) {
            const auto& node = m_graph.node(k);
            if (isConstantNode(node)) {
                auto tensor = addContext(decodeConstantNode(node, m_opset, m_options.maxTensorElements), contextOf(k));
                if (!tensor)
                    return tl::unexpected<Error>(std::move(tensor).error());
                NNB_RETURN_IF_ERROR(withContext(define(node.output(0), { Origin::ConstantNode, k }), contextOf(k)));
                m_constants.emplace(node.output(0), std::move(*tensor));
                continue;
            }
            for (const std::string& output : node.output())
                if (!output.empty())
                    NNB_RETURN_IF_ERROR(withContext(define(output, { Origin::NodeOutput, k }), contextOf(k)));
        }
        return {};
    }

    void collectUses()
    {
        for (const auto& node : m_graph.node())
            for (const std::string& input : node.input())
                if (!input.empty())
                    m_used.insert(input);
        for (const auto& output : m_graph.output())
            m_used.insert(output.name());
    }

    /// Decodes the initializers and bound inputs that something reads (an unused initializer
    /// costs nothing, whatever it holds).
    Expected<void> decodeConstants()
    {
        // File order, so that the first bad tensor of a model is always the one reported.
        for (int k = 0; k < m_graph.initializer_size(); ++k) {
            const std::string& name = m_graph.initializer(k).name();
            const Definition& def = m_defs.at(name);
            if (def.origin == Origin::Initializer && def.index == k && m_used.count(name))
                NNB_RETURN_IF_ERROR(
                    withContext(decodeInitializer(name, m_graph.initializer(k)), "initializer " + inQuotes(name)));
        }
        for (int k = 0; k < m_graph.input_size(); ++k) {
            const std::string& name = m_graph.input(k).name();
            if (m_defs.at(name).origin != Origin::BoundInput || !m_used.count(name))
                continue;
            NNB_RETURN_IF_ERROR(withContext(checkBinding(m_graph.input(k)), "bound input " + inQuotes(name)));
            m_constants.emplace(name, m_options.bindInputs.at(name));
        }
        return {};
    }

    /// The graph input of the same name, for initializers that older exporters list as inputs.
    const pb::ValueInfoProto* findGraphInput(const std::string& name) const
    {
        for (const auto& input : m_graph.input())
            if (input.name() == name)
                return &input;
        return nullptr;
    }

    Expected<void> decodeInitializer(const std::string& name, const pb::TensorProto& proto)
    {
        NNB_TRY(ir::Tensor tensor, decodeTensor(proto, m_options.maxTensorElements));
        if (const pb::ValueInfoProto* input = findGraphInput(name)) {
            NNB_TRY(const DeclaredType declared, readDeclaredType(*input));
            if (declared.shape && !shapesAgree(*declared.shape, tensor.shape))
                return invalidModel("it has shape " + ir::shapeToString(tensor.shape) + ", but graph input "
                    + inQuotes(name) + " declares " + ir::shapeToString(*declared.shape));
        }
        m_constants.emplace(name, std::move(tensor));
        return {};
    }

    /// A bound tensor must be well-formed and fit what the model declares for the input.
    Expected<void> checkBinding(const pb::ValueInfoProto& input) const
    {
        const ir::Tensor& tensor = m_options.bindInputs.at(input.name());
        const auto fail = [](std::string message) { return makeError(Errc::InvalidArgument, std::move(message)); };
        if (!ir::isStatic(tensor.shape))
            return fail("the bound tensor has the dynamic shape " + ir::shapeToString(tensor.shape));
        const size_t held = tensor.dtype == ir::DataType::Float32 ? tensor.f.size() : tensor.i.size();
        if (static_cast<int64_t>(held) != ir::numElements(tensor.shape))
            return fail("the bound tensor holds " + std::to_string(held) + " values for shape "
                + ir::shapeToString(tensor.shape));
        NNB_TRY(const DeclaredType declared, readDeclaredType(input));
        if (declared.isTensor && declared.elemType != 0) {
            const bool wantsFloat
                = declared.elemType == pb::TensorProto::FLOAT || declared.elemType == pb::TensorProto::DOUBLE;
            if (wantsFloat != (tensor.dtype == ir::DataType::Float32))
                return fail("the input has element type " + elementTypeName(declared.elemType)
                    + ", but the bound tensor is " + (wantsFloat ? "int64" : "float32"));
        }
        if (declared.shape && !shapesAgree(*declared.shape, tensor.shape))
            return fail("the input declares shape " + ir::shapeToString(*declared.shape)
                + ", but the bound tensor has shape " + ir::shapeToString(tensor.shape));
        return {};
    }

    Expected<void> normaliseNodes()
    {
        for (int k = 0; k < m_graph.node_size(); ++k) {
            const auto& proto = m_graph.node(k);
            if (isConstantNode(proto))
                continue;
            auto node = addContext(normaliseOne(proto), contextOf(k));
            if (!node)
                return tl::unexpected<Error>(std::move(node).error());
            m_pending.push_back({ m_nodeNames[static_cast<size_t>(k)], std::move(*node) });
        }
        return {};
    }

    Expected<NormalisedNode> normaliseOne(const pb::NodeProto& proto) const
    {
        // Undefined names first: a missing initializer is the likeliest cause of other errors.
        // Ops of other domains are refused before that, since their inputs may be defined in
        // ways nnbridge does not understand.
        if (isDefaultDomain(proto.domain()))
            for (int k = 0; k < proto.input_size(); ++k) {
                const std::string& name = proto.input(k);
                if (!name.empty() && !m_defs.count(name))
                    return invalidModel("input " + std::to_string(k) + " " + inQuotes(name)
                        + " is neither a graph input, an initializer nor the output of a node "
                          "(a missing initializer?)");
            }
        return normaliseNode(proto, m_opset, *this);
    }

    Expected<void> checkGraphOutputs() const
    {
        std::unordered_set<std::string> seen;
        for (const auto& output : m_graph.output()) {
            const std::string what = "graph output " + inQuotes(output.name());
            if (!seen.insert(output.name()).second)
                return invalidModel(what + " is listed twice");
            if (!m_defs.count(output.name()))
                return invalidModel(what + " is neither produced by a node nor a graph input or initializer");
            NNB_TRY(const DeclaredType declared, readDeclaredType(output));
            if (!declared.isTensor && output.has_type())
                return unsupported(what + " is " + declared.kindName + "; nnbridge produces tensors only");
            if (declared.elemType != 0 && declared.elemType != pb::TensorProto::FLOAT)
                return unsupported(what + " has element type " + elementTypeName(declared.elemType)
                    + "; nnbridge computes float32 outputs only");
        }
        return {};
    }

    Expected<void> checkRuntimeInputs()
    {
        for (int k = 0; k < m_graph.input_size(); ++k) {
            const auto& input = m_graph.input(k);
            if (m_defs.at(input.name()).origin != Origin::RuntimeInput)
                continue;
            NNB_TRY(ir::Shape shape, runtimeInputShape(input, m_options.maxTensorElements));
            m_runtimeInputs.emplace_back(input.name(), std::move(shape));
        }
        return {};
    }

    Expected<DeclaredShapes> collectDeclaredShapes() const
    {
        DeclaredShapes declared;
        auto add = [&](const pb::ValueInfoProto& info) -> Expected<void> {
            NNB_TRY(const DeclaredType type, readDeclaredType(info));
            if (type.isTensor && type.shape)
                declared.emplace(info.name(), *type.shape);
            return {};
        };
        for (const auto& info : m_graph.value_info())
            NNB_RETURN_IF_ERROR(withContext(add(info), "value_info " + inQuotes(info.name())));
        for (const auto& info : m_graph.output())
            NNB_RETURN_IF_ERROR(withContext(add(info), "graph output " + inQuotes(info.name())));
        return declared;
    }

    /// A value name no definition and no earlier generated name uses.
    std::string uniqueValueName(const std::string& base)
    {
        std::string name = base;
        for (int suffix = 1; m_defs.count(name) || m_generatedNames.count(name); ++suffix)
            name = base + "_" + std::to_string(suffix);
        m_generatedNames.insert(name);
        return name;
    }

    /// \returns the id of the value \p name, adding a constant on its first use. Constants move
    /// out of m_constants: the node rules, the only other readers, have finished.
    Expected<ir::ValueId> valueId(ir::Graph& graph, const std::string& name)
    {
        if (const auto it = m_ids.find(name); it != m_ids.end())
            return it->second;
        const auto c = m_constants.find(name);
        // The earlier steps resolved every name a node or the output list reads; reaching this
        // is a bug in them, not in the model.
        NNB_ASSERT(c != m_constants.end());
        if (c == m_constants.end())
            return makeError(Errc::Internal, "the importer lost track of value " + inQuotes(name));
        const ir::ValueId id = graph.addConstant(name, std::move(c->second));
        m_constants.erase(c);
        m_ids.emplace(name, id);
        return id;
    }

    Expected<ir::Graph> assembleGraph()
    {
        ir::Graph graph;
        graph.name = m_graph.name();
        for (auto& [name, shape] : m_runtimeInputs)
            m_ids.emplace(name, graph.addInput(name, std::move(shape)));
        // Node outputs get ids before any node is added, so inputs can refer to values whose
        // producer comes later in the file (the graph is sorted afterwards).
        for (const PendingNode& pending : m_pending)
            for (const std::string& output : pending.node.outputs)
                m_ids.emplace(output, graph.addValue(output));
        for (PendingNode& pending : m_pending) {
            std::vector<ir::ValueId> inputs;
            for (NodeInput& input : pending.node.inputs) {
                if (auto* name = std::get_if<std::string>(&input)) {
                    NNB_TRY(const ir::ValueId id, valueId(graph, *name));
                    inputs.push_back(id);
                } else if (auto* created = std::get_if<NewConstant>(&input)) {
                    inputs.push_back(graph.addConstant(
                        uniqueValueName(pending.name + "." + created->role), std::move(created->tensor)));
                } else {
                    inputs.push_back(ir::kNoValue);
                }
            }
            std::vector<ir::ValueId> outputs;
            for (const std::string& output : pending.node.outputs)
                outputs.push_back(m_ids.at(output));
            graph.addNode(
                pending.name, pending.node.op, std::move(inputs), std::move(outputs), std::move(pending.node.attrs));
        }
        for (const auto& output : m_graph.output()) {
            NNB_TRY(const ir::ValueId id, valueId(graph, output.name()));
            graph.addOutput(id);
        }
        return graph;
    }

    const pb::ModelProto& m_model;
    const pb::GraphProto& m_graph;
    const ImportOptions& m_options;
    int64_t m_opset = 0;

    std::unordered_map<std::string, Definition> m_defs;
    std::unordered_set<std::string> m_used;
    std::vector<std::string> m_nodeNames; ///< unique name per node of m_graph, by index
    std::unordered_map<std::string, ir::Tensor> m_constants;
    std::vector<PendingNode> m_pending;
    std::vector<std::pair<std::string, ir::Shape>> m_runtimeInputs;
    std::unordered_map<std::string, ir::ValueId> m_ids;
    std::unordered_set<std::string> m_generatedNames;
};

} // namespace

Expected<ImportedModel> buildImportedModel(const pb::ModelProto& model, const ImportOptions& options)
{
    return GraphBuilder(model, options).build();
}

} // namespace nnb::onnx::detail
