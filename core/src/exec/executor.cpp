// SPDX-License-Identifier: GPL-3.0-or-later
// The executor's scheduler: input validation, per-node shape inference and kernel dispatch,
// liveness-based freeing of intermediates, batch splitting across threads, progress and
// cancellation. The arithmetic lives in the kernels_*.cpp files.
#include "nnb/exec/executor.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <new>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <utility>

#include "exec/batch_split.h"
#include "exec/kernels.h"
#include "nnb/ir/shape_inference.h"

namespace nnb::exec {
namespace {

using detail::SampleRange;

tl::unexpected<Error> cancelledError() { return makeError(Errc::Cancelled, "execution cancelled"); }

std::string nodeContext(const ir::Node& node)
{
    return "node '" + node.name + "' (" + std::string(ir::opName(node.op)) + ")";
}

int resolveThreads(int requested)
{
    if (requested > 0)
        return requested;
    const unsigned hw = std::thread::hardware_concurrency();
    return hw == 0 ? 1 : static_cast<int>(hw);
}

/// \returns whether the element vector of \p t matches its shape and type (a malformed tensor
/// would make kernels read out of bounds).
bool consistent(const ir::Tensor& t)
{
    for (int64_t d : t.shape)
        if (d < 0)
            return false;
    const size_t n = static_cast<size_t>(detail::dimProduct(t.shape, 0, t.shape.size()));
    return t.dtype == ir::DataType::Float32 ? t.f.size() == n && t.i.empty()
                                            : t.i.size() == n && t.f.empty();
}

/// \returns whether every value id the graph's nodes, inputs and outputs mention exists (the
/// graph is verified by contract, but a bad id must not become an out-of-bounds read).
bool idsInRange(const ir::Graph& graph)
{
    const auto valid = [&](ir::ValueId v) { return v >= 0 && v < graph.numValues(); };
    for (const ir::Node& node : graph.nodes()) {
        for (ir::ValueId v : node.inputs)
            if (v != ir::kNoValue && !valid(v))
                return false;
        for (ir::ValueId v : node.outputs)
            if (v != ir::kNoValue && !valid(v))
                return false;
    }
    return std::all_of(graph.inputs().begin(), graph.inputs().end(), valid)
        && std::all_of(graph.outputs().begin(), graph.outputs().end(), valid);
}

/// Checks the caller's inputs against the graph: count, rank, every static dimension, and that
/// each tensor's data matches its shape. Dynamic dimensions are free.
Expected<void> validateInputs(const ir::Graph& graph, const std::vector<ir::Tensor>& inputs)
{
    const auto& ids = graph.inputs();
    if (inputs.size() != ids.size())
        return makeError(Errc::InvalidArgument,
            "the graph has " + std::to_string(ids.size()) + " inputs but "
                + std::to_string(inputs.size()) + " tensors were given");
    for (size_t k = 0; k < ids.size(); ++k) {
        const ir::Value& value = graph.value(ids[k]);
        const ir::Tensor& t = inputs[k];
        bool match = t.shape.size() == value.shape.size();
        for (size_t d = 0; match && d < t.shape.size(); ++d)
            match = value.shape[d] == ir::kDynamicDim || value.shape[d] == t.shape[d];
        if (!match)
            return makeError(Errc::InvalidArgument,
                "input '" + value.name + "' has shape " + ir::shapeToString(t.shape)
                    + " but the graph expects " + ir::shapeToString(value.shape));
        // Like the importer, the executor has no empty tensors (shape inference rejects them).
        if (std::any_of(t.shape.begin(), t.shape.end(), [](int64_t d) { return d < 1; }))
            return makeError(Errc::InvalidArgument,
                "input '" + value.name + "' has shape " + ir::shapeToString(t.shape)
                    + "; every dimension must be at least 1");
        if (!consistent(t))
            return makeError(Errc::InvalidArgument,
                "input '" + value.name + "' of shape " + ir::shapeToString(t.shape) + " holds "
                    + std::to_string(t.dtype == ir::DataType::Float32 ? t.f.size() : t.i.size())
                    + " elements");
    }
    return {};
}

/// Reports progress at most every 50 ms across all worker threads (RunContext's contract).
class ProgressReporter {
public:
    ProgressReporter(const RunContext& ctx, int64_t totalSteps)
        : m_ctx(ctx)
        , m_total(std::max<int64_t>(totalSteps, 1))
        , m_start(std::chrono::steady_clock::now())
    {
    }

    /// Counts one executed node (of any chunk) and maybe reports.
    void step(const ir::Node& node)
    {
        const int64_t done = ++m_done;
        if (!m_ctx.onProgress)
            return;
        const int64_t now = elapsedMs();
        int64_t due = m_nextReportMs.load();
        // Only the thread that moves the deadline reports, so reports never overlap.
        if (now < due || !m_nextReportMs.compare_exchange_strong(due, now + kIntervalMs))
            return;
        m_ctx.report(static_cast<int>(done * 1000 / m_total),
            "executing " + std::string(ir::opName(node.op)) + " '" + node.name + "'");
    }

private:
    static constexpr int64_t kIntervalMs = 50;

    int64_t elapsedMs() const
    {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - m_start)
            .count();
    }

    const RunContext& m_ctx;
    int64_t m_total;
    std::chrono::steady_clock::time_point m_start;
    std::atomic<int64_t> m_done{0};
    std::atomic<int64_t> m_nextReportMs{kIntervalMs};
};

/// What every chunk of one run shares (read-only but for the atomics).
struct RunPlan {
    const ir::Graph& graph;
    std::vector<ir::NodeId> order;
    /// Per value: the position in order of the last node reading it, -1 if none.
    std::vector<int64_t> lastUse;
    /// Per value: listed among the graph outputs.
    std::vector<bool> isOutput;
    /// Keep every value (runAll) rather than only the outputs (run).
    bool keepAll = false;
    /// Replacement kernels by NodeId (ExecutorOptions::kernels).
    const std::vector<NodeKernel>* kernels = nullptr;
};

RunPlan makePlan(const ir::Graph& graph, std::vector<ir::NodeId> order, bool keepAll)
{
    RunPlan plan{graph, std::move(order), {}, {}, keepAll};
    const size_t values = static_cast<size_t>(graph.numValues());
    plan.lastUse.assign(values, -1);
    plan.isOutput.assign(values, false);
    for (size_t pos = 0; pos < plan.order.size(); ++pos)
        for (ir::ValueId v : graph.node(plan.order[pos]).inputs)
            if (v != ir::kNoValue)
                plan.lastUse[static_cast<size_t>(v)] = static_cast<int64_t>(pos);
    for (ir::ValueId v : graph.outputs())
        plan.isOutput[static_cast<size_t>(v)] = true;
    return plan;
}

/// Runs the whole node list on one set of inputs (the batch, or one chunk of it).
/// \returns the tensors indexed by ValueId: every value when plan.keepAll, else only the graph
/// outputs (the rest empty). \p abort is raised by a failing sibling chunk.
Expected<std::vector<ir::Tensor>> runNodes(const RunPlan& plan,
    const std::vector<const ir::Tensor*>& inputs, const RunContext& ctx, ProgressReporter& progress,
    std::atomic<bool>& abort)
{
    const ir::Graph& graph = plan.graph;
    const size_t numValues = static_cast<size_t>(graph.numValues());
    // env points at every live value: the caller's inputs, the graph's constants, or a node
    // output held in owned (sized once, so the pointers stay valid).
    std::vector<const ir::Tensor*> env(numValues, nullptr);
    std::vector<ir::Tensor> owned(numValues);
    for (size_t v = 0; v < numValues; ++v)
        if (graph.values()[v].isConstant())
            env[v] = graph.values()[v].constant.get();
    for (size_t k = 0; k < inputs.size(); ++k)
        env[static_cast<size_t>(graph.inputs()[k])] = inputs[k];

    const std::function<bool()> stop = [&] { return abort.load() || ctx.cancelled(); };
    std::vector<const ir::Tensor*> args;
    std::vector<ir::Shape> argShapes;
    for (size_t pos = 0; pos < plan.order.size(); ++pos) {
        if (stop())
            return cancelledError();
        const ir::Node& node = graph.node(plan.order[pos]);

        args.assign(node.inputs.size(), nullptr);
        argShapes.assign(node.inputs.size(), {});
        for (size_t slot = 0; slot < node.inputs.size(); ++slot) {
            const ir::ValueId v = node.inputs[slot];
            if (v == ir::kNoValue)
                continue;
            if (v < 0 || v >= graph.numValues() || env[static_cast<size_t>(v)] == nullptr)
                return addContext<std::vector<ir::Tensor>>(
                    makeError(Errc::Internal,
                        "input " + std::to_string(slot) + " is read before it is computed"),
                    nodeContext(node));
            args[slot] = env[static_cast<size_t>(v)];
            argShapes[slot] = args[slot]->shape;
        }

        // Output shapes from the concrete input shapes. Every input is known now, so all are
        // offered as constants (a Reshape target computed at run time resolves too). The graph
        // was verified with its symbolic shapes, so an inconsistency now is due to the inputs
        // (for example two batch inputs of different sizes).
        auto shapes = ir::inferNodeShapes(node, argShapes, args);
        if (!shapes) {
            Error error = std::move(shapes).error();
            if (error.code == Errc::InvalidModel)
                error.code = Errc::InvalidArgument;
            error.context.push_back(nodeContext(node));
            return tl::unexpected<Error>(std::move(error));
        }
        if (shapes->size() != node.outputs.size())
            return addContext<std::vector<ir::Tensor>>(
                makeError(Errc::Internal,
                    "shape inference returned " + std::to_string(shapes->size()) + " shapes for "
                        + std::to_string(node.outputs.size()) + " outputs"),
                nodeContext(node));
        std::vector<ir::Tensor> results(node.outputs.size());
        for (size_t k = 0; k < results.size(); ++k) {
            if (!ir::isStatic((*shapes)[k]))
                return addContext<std::vector<ir::Tensor>>(
                    makeError(Errc::Internal,
                        "output " + std::to_string(k) + " has no concrete shape at run time: "
                            + ir::shapeToString((*shapes)[k])),
                    nodeContext(node));
            results[k].shape = std::move((*shapes)[k]);
        }

        Expected<void> ran;
        try {
            const auto id = static_cast<size_t>(plan.order[pos]);
            if (plan.kernels != nullptr && id < plan.kernels->size() && (*plan.kernels)[id])
                ran = (*plan.kernels)[id](node, args, results);
            else
                ran = detail::runKernel(detail::KernelCall{node, args, results, &stop});
        } catch (const std::bad_alloc&) {
            ran = makeError(Errc::InvalidArgument, "out of memory");
        } catch (const std::exception& e) {
            ran = makeError(Errc::Internal, std::string("unexpected exception: ") + e.what());
        }
        if (!ran)
            return addContext<std::vector<ir::Tensor>>(
                tl::unexpected<Error>(std::move(ran).error()), nodeContext(node));

        for (size_t k = 0; k < results.size(); ++k) {
            const ir::ValueId v = node.outputs[k];
            if (v == ir::kNoValue)
                continue;
            if (!consistent(results[k]))
                return addContext<std::vector<ir::Tensor>>(
                    makeError(Errc::Internal,
                        "the kernel left output " + std::to_string(k)
                            + " inconsistent with its shape"),
                    nodeContext(node));
            const size_t vi = static_cast<size_t>(v);
            owned[vi] = std::move(results[k]);
            env[vi] = &owned[vi];
            if (!plan.keepAll && plan.lastUse[vi] < 0 && !plan.isOutput[vi])
                owned[vi] = ir::Tensor{}; // never read: drop it at once
        }
        if (!plan.keepAll) {
            // Free intermediates after their last reader: whole-test-set batches are large.
            for (ir::ValueId v : node.inputs) {
                if (v == ir::kNoValue)
                    continue;
                const size_t vi = static_cast<size_t>(v);
                if (plan.lastUse[vi] == static_cast<int64_t>(pos) && !plan.isOutput[vi]
                    && graph.values()[vi].producer != ir::kNoNode) {
                    owned[vi] = ir::Tensor{};
                    env[vi] = nullptr;
                }
            }
        }
        progress.step(node);
    }

    // Hand back what the caller asked for; inputs and constants are copied, node outputs moved.
    for (size_t v = 0; v < numValues; ++v) {
        const bool wanted = plan.keepAll || plan.isOutput[v];
        if (!wanted || env[v] == nullptr || env[v] == &owned[v])
            continue;
        owned[v] = *env[v];
    }
    if (!plan.keepAll)
        for (size_t v = 0; v < numValues; ++v)
            if (!plan.isOutput[v])
                owned[v] = ir::Tensor{};
    return owned;
}

/// Copies samples [range.begin, range.end) of \p t (dimension 0).
ir::Tensor sliceSamples(const ir::Tensor& t, SampleRange range)
{
    ir::Tensor out;
    out.dtype = t.dtype;
    out.shape = t.shape;
    out.shape[0] = range.end - range.begin;
    const int64_t sample = detail::dimProduct(t.shape, 1, t.shape.size());
    const auto first = static_cast<std::ptrdiff_t>(range.begin * sample);
    const auto last = static_cast<std::ptrdiff_t>(range.end * sample);
    if (t.dtype == ir::DataType::Float32)
        out.f.assign(t.f.begin() + first, t.f.begin() + last);
    else
        out.i.assign(t.i.begin() + first, t.i.begin() + last);
    return out;
}

/// Concatenates the chunks' tensors of one value along dimension 0.
ir::Tensor joinSamples(const std::vector<std::vector<ir::Tensor>>& chunks, size_t value)
{
    ir::Tensor out = chunks.front()[value];
    for (size_t c = 1; c < chunks.size(); ++c) {
        const ir::Tensor& part = chunks[c][value];
        out.shape[0] += part.shape[0];
        out.f.insert(out.f.end(), part.f.begin(), part.f.end());
        out.i.insert(out.i.end(), part.i.begin(), part.i.end());
    }
    return out;
}

/// Runs the graph on \p inputs, splitting the batch across threads when \p split is true and
/// the batch is large enough. \returns values indexed by ValueId, as runNodes does.
Expected<std::vector<ir::Tensor>> execute(const ir::Graph& graph, bool split, int threads,
    const std::vector<NodeKernel>& kernels, const std::vector<ir::Tensor>& inputs, const RunContext& ctx, bool keepAll)
{
    if (!idsInRange(graph))
        return makeError(Errc::InvalidModel, "the graph refers to values that do not exist");
    NNB_RETURN_IF_ERROR(validateInputs(graph, inputs));
    for (const ir::Value& value : graph.values())
        if (value.isConstant() && !consistent(*value.constant))
            return makeError(Errc::InvalidModel,
                "constant '" + value.name + "' of shape " + ir::shapeToString(value.constant->shape)
                    + " does not hold matching data");
    auto order = graph.topologicalOrder();
    if (!order)
        return tl::unexpected<Error>(std::move(order).error());
    if (ctx.cancelled())
        return cancelledError();

    // Chunks only when every input agrees on the batch size (else the graph would fail anyway,
    // and one run reports the inconsistency properly).
    std::vector<SampleRange> ranges;
    if (split && !inputs.empty()) {
        const int64_t batch = inputs.front().shape.front();
        const bool sameBatch = std::all_of(inputs.begin(), inputs.end(),
            [&](const ir::Tensor& t) { return t.shape.front() == batch; });
        if (sameBatch)
            ranges = detail::splitBatch(batch, threads);
    }

    RunPlan plan = makePlan(graph, std::move(*order), keepAll);
    plan.kernels = &kernels;
    std::atomic<bool> abort{false};
    ctx.report(0, "executing " + std::to_string(plan.order.size()) + " nodes");

    if (ranges.size() <= 1) {
        ProgressReporter progress(ctx, static_cast<int64_t>(plan.order.size()));
        std::vector<const ir::Tensor*> pointers;
        for (const ir::Tensor& t : inputs)
            pointers.push_back(&t);
        auto values = runNodes(plan, pointers, ctx, progress, abort);
        if (values)
            ctx.report(1000, "executed");
        return values;
    }

    // One chunk per thread: chunk 0 runs on the calling thread. Every chunk runs the full node
    // list on its samples; canSplitBatch() guaranteed that no node mixes samples.
    const size_t chunks = ranges.size();
    std::vector<std::vector<ir::Tensor>> chunkInputs(chunks);
    for (size_t c = 0; c < chunks; ++c)
        for (const ir::Tensor& t : inputs)
            chunkInputs[c].push_back(sliceSamples(t, ranges[c]));
    ProgressReporter progress(ctx, static_cast<int64_t>(plan.order.size() * chunks));
    std::vector<std::optional<Expected<std::vector<ir::Tensor>>>> results(chunks);
    const auto runChunk = [&](size_t c) {
        std::vector<const ir::Tensor*> pointers;
        for (const ir::Tensor& t : chunkInputs[c])
            pointers.push_back(&t);
        try {
            results[c] = runNodes(plan, pointers, ctx, progress, abort);
        } catch (const std::bad_alloc&) { // no exception may escape a thread
            results[c] = makeError(Errc::InvalidArgument, "out of memory");
        } catch (const std::exception& e) {
            results[c]
                = makeError(Errc::Internal, std::string("unexpected exception: ") + e.what());
        }
        if (!*results[c])
            abort = true; // siblings stop at their next node
    };
    {
        std::vector<std::jthread> workers;
        workers.reserve(chunks - 1);
        for (size_t c = 1; c < chunks; ++c) {
            try {
                workers.emplace_back(runChunk, c);
            } catch (const std::system_error&) {
                runChunk(c); // no thread to be had: run the chunk here instead
            }
        }
        runChunk(0);
    } // joins

    // A real error beats the Cancelled that the abort flag caused in the other chunks.
    std::optional<Error> cancelled;
    std::vector<std::vector<ir::Tensor>> parts;
    parts.reserve(chunks);
    for (auto& result : results) {
        if (!*result) {
            if (result->error().code != Errc::Cancelled)
                return tl::unexpected<Error>(std::move(*result).error());
            cancelled = result->error();
            continue;
        }
        parts.push_back(std::move(**result));
    }
    if (cancelled)
        return tl::unexpected<Error>(std::move(*cancelled));

    // Batched values are concatenated; the rest (constants and what depends on them only) are
    // identical in every chunk.
    const std::vector<bool> batched = detail::batchedValues(graph, plan.order);
    std::vector<ir::Tensor> values(static_cast<size_t>(graph.numValues()));
    for (size_t v = 0; v < values.size(); ++v) {
        if (!keepAll && !plan.isOutput[v])
            continue;
        values[v] = batched[v] ? joinSamples(parts, v) : std::move(parts.front()[v]);
    }
    ctx.report(1000, "executed");
    return values;
}

/// execute() behind the core boundary: no exception escapes (allocations of huge batches may
/// throw std::bad_alloc outside the kernels' own guards).
Expected<std::vector<ir::Tensor>> executeGuarded(const ir::Graph* graph, bool split, int threads,
    const std::vector<NodeKernel>& kernels, const std::vector<ir::Tensor>& inputs, const RunContext& ctx, bool keepAll)
{
    if (graph == nullptr)
        return makeError(Errc::InvalidArgument, "the executor has no graph");
    try {
        return execute(*graph, split, threads, kernels, inputs, ctx, keepAll);
    } catch (const std::bad_alloc&) {
        return makeError(Errc::InvalidArgument, "out of memory");
    } catch (const std::exception& e) {
        return makeError(Errc::Internal, std::string("unexpected exception: ") + e.what());
    }
}

} // namespace

Executor::Executor(std::shared_ptr<const ir::Graph> graph, ExecutorOptions options)
    : m_graph(std::move(graph))
    , m_options(std::move(options))
{
    m_splitBatch = m_graph != nullptr && resolveThreads(m_options.threads) > 1
        && idsInRange(*m_graph) && detail::canSplitBatch(*m_graph);
}

Expected<std::vector<ir::Tensor>> Executor::run(
    const std::vector<ir::Tensor>& inputs, const RunContext& ctx) const
{
    NNB_TRY(std::vector<ir::Tensor> values,
        executeGuarded(m_graph.get(), m_splitBatch, resolveThreads(m_options.threads), m_options.kernels, inputs, ctx,
            /*keepAll=*/false));
    std::vector<ir::Tensor> outputs;
    outputs.reserve(m_graph->outputs().size());
    const auto& ids = m_graph->outputs();
    for (size_t k = 0; k < ids.size(); ++k) {
        const size_t v = static_cast<size_t>(ids[k]);
        // Move unless the same value is listed again later.
        const bool listedAgain
            = std::find(ids.begin() + static_cast<std::ptrdiff_t>(k) + 1, ids.end(), ids[k])
            != ids.end();
        outputs.push_back(listedAgain ? values[v] : std::move(values[v]));
    }
    return outputs;
}

Expected<std::vector<ir::Tensor>> Executor::runAll(
    const std::vector<ir::Tensor>& inputs, const RunContext& ctx) const
{
    return executeGuarded(m_graph.get(), m_splitBatch, resolveThreads(m_options.threads), m_options.kernels, inputs,
        ctx, /*keepAll=*/true);
}

} // namespace nnb::exec
