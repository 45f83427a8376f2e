// SPDX-License-Identifier: GPL-3.0-or-later
#include "compile_job.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <set>

#include <QThread>

#include "nnb/quant/weight_quantizer.h"
#include "nnb/snn/convert.h"
#include "nnb/snn/neuron_graph.h"
#include "nnb/snn/neuron_spikes.h"
#include "nnb/snn/partition.h"
#include "nnb/snn/partition_validation.h"
#include "nnb/snn/snn_dataflow.h"
#include "nnb/snn/spiking_network.h"

namespace nnb::app {
namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start)
{
    return std::chrono::duration<double>(Clock::now() - start).count();
}

QString qstr(const std::string& s)
{
    return QString::fromStdString(s);
}

/// The weight tensor of an original Gemm/MatMul/Conv node and the axis of its output channels.
struct LayerWeight {
    const ir::Tensor* tensor = nullptr;
    int outputAxis = 0;
};

std::optional<LayerWeight> layerWeight(const ir::Graph& graph, const ir::Node& node)
{
    if (node.op != ir::OpKind::Gemm && node.op != ir::OpKind::MatMul && node.op != ir::OpKind::Conv)
        return std::nullopt;
    if (node.inputs.size() < 2 || node.inputs[1] < 0 || !graph.value(node.inputs[1]).isConstant())
        return std::nullopt;
    const ir::Tensor& w = *graph.value(node.inputs[1]).constant;
    if (w.dtype != ir::DataType::Float32 || w.f.empty())
        return std::nullopt;
    int axis = 1; // MatMul and Gemm without transB: W [in, out]
    if (node.op == ir::OpKind::Conv)
        axis = 0; // W [M, C/g, kh, kw]
    else if (node.op == ir::OpKind::Gemm && node.attrs.getInt("transB", 0) != 0)
        axis = 0; // W^T stored as [out, in]
    if (axis >= w.rank())
        return std::nullopt;
    return LayerWeight{&w, axis};
}

/// The weight options the bit-accurate simulation uses for \p profile and \p strategy.
quant::WeightQuantOptions histogramOptions(const hw::Profile& profile, const strategy::Strategy& strategy)
{
    quant::WeightQuantOptions o = quantizeOptionsFor(strategy).weights;
    if (o.bits == 0)
        o.bits = profile.weights.bits;
    if (profile.weights.encoding == hw::WeightEncoding::ValueSet) {
        o.scheme = quant::WeightScheme::ValueSet;
        o.axonTypes = std::max(1, profile.weights.axonTypes);
    }
    // The quantiser accepts 2..16 bit uniform codes; wider profiles are shown at 16 bits.
    o.bits = std::clamp(o.bits, 2, 16);
    return o;
}

std::vector<std::shared_ptr<const widgets::WeightHistogramData>>
weightHistograms(const ir::Graph& original, const hw::Profile& profile, const strategy::Strategy& strategy,
                 const RunContext& ctx)
{
    std::vector<std::shared_ptr<const widgets::WeightHistogramData>> out;
    const quant::WeightQuantOptions options = histogramOptions(profile, strategy);
    for (const ir::Node& node : original.nodes()) {
        if (ctx.cancelled())
            break;
        const auto w = layerWeight(original, node);
        if (!w)
            continue;
        auto q = quant::quantizeWeights(*w->tensor, w->outputAxis, options);
        if (!q)
            continue; // an option the layer cannot take: no histogram, the assessment says why
        auto data = std::make_shared<widgets::WeightHistogramData>();
        data->layer = qstr(node.name);
        data->scheme = QStringLiteral("%1, %2 bits, %3")
                           .arg(QString::fromLatin1(quant::toString(q->scheme)))
                           .arg(q->bits)
                           .arg(QString::fromLatin1(quant::toString(q->granularity)));
        data->floatWeights = w->tensor->f;
        const ir::Tensor deq = q->dequantized();
        data->quantizedWeights = deq.f;
        std::set<float> levels(deq.f.begin(), deq.f.end());
        data->levels.assign(levels.begin(), levels.end());
        data->mse = q->mse;
        out.push_back(std::move(data));
    }
    return out;
}

/// The crossbar weight matrix of every tile of \p mapping, from the compiled graph's core-ops.
std::vector<std::shared_ptr<const widgets::WeightMatrix>> tileMatrices(const ir::Graph& compiled,
                                                                      const mapping::MappingResult& mapping,
                                                                      const hw::Profile& profile)
{
    std::map<std::string, ir::NodeId> byName;
    for (ir::NodeId n = 0; n < compiled.numNodes(); ++n)
        if (compiled.node(n).op == ir::OpKind::CoreOp)
            byName.emplace(compiled.node(n).name, n);
    std::vector<std::shared_ptr<const widgets::WeightMatrix>> out;
    out.reserve(mapping.tiles.tiles.size());
    for (const mapping::Tile& tile : mapping.tiles.tiles) {
        auto m = std::make_shared<widgets::WeightMatrix>();
        m->tile = qstr(tile.name);
        m->layer = tile.layer >= 0 && tile.layer < static_cast<int>(mapping.tiles.layers.size())
                       ? qstr(mapping.tiles.layers[static_cast<size_t>(tile.layer)])
                       : QString();
        m->role = qstr(tile.role);
        m->crossbarRows = profile.crossbar.rows;
        m->crossbarCols = profile.crossbar.cols;
        const auto it = byName.find(tile.name);
        if (it != byName.end()) {
            const ir::Node& node = compiled.node(it->second);
            if (node.inputs.size() >= 2 && node.inputs[1] >= 0 && compiled.value(node.inputs[1]).isConstant()) {
                const ir::Tensor& w = *compiled.value(node.inputs[1]).constant;
                if (w.rank() == 2) { // dense: W [in, out]
                    m->rows = static_cast<int>(w.shape[0]);
                    m->cols = static_cast<int>(w.shape[1]);
                    m->values = w.f;
                } else if (w.rank() == 4) { // conv: W [M, C/g, kh, kw]; one column per output channel
                    m->cols = static_cast<int>(w.shape[0]);
                    m->rows = static_cast<int>(w.shape[1] * w.shape[2] * w.shape[3]);
                    m->values.resize(static_cast<size_t>(m->rows) * static_cast<size_t>(m->cols));
                    for (int c = 0; c < m->cols; ++c)
                        for (int r = 0; r < m->rows; ++r)
                            m->values[static_cast<size_t>(r) * static_cast<size_t>(m->cols) + static_cast<size_t>(c)] =
                                w.f[static_cast<size_t>(c) * static_cast<size_t>(m->rows) + static_cast<size_t>(r)];
                }
            }
        }
        out.push_back(std::move(m));
    }
    return out;
}

/// Images the spike estimate runs the rate model on: enough for a stable mean, few enough to
/// keep the estimate in the tens of milliseconds.
constexpr int64_t kSpikeEstimateImages = 32;
/// Links drawn by the cluster view: the heaviest ones (a large network has thousands).
constexpr size_t kMaxDrawnLinks = 80;

/// Sets the spikes per inference of \p graph's nodes from the rate model of the converted
/// network on \p images (rate × ticks): the limit the spiking simulation converges to, without
/// its seconds of ticking. \returns the number of images used.
Expected<int64_t> setEstimatedSpikes(snn::NeuronGraph& graph, const CompileResult& compiled, const ir::Tensor& images,
                                     const strategy::Strategy& strategy, const RunContext& ctx)
{
    NNB_TRY(const snn::SpikingNetwork net, snn::convert(compiled, images, snn::convertOptionsFor(strategy), ctx));
    NNB_TRY(const snn::RateModelOutput rates, snn::rateModel(net, images));
    snn::setNeuronSpikes(graph, net, snn::rateModelSpikes(net, rates));
    return rates.batch;
}

/// What the cluster view draws of \p partition: every cluster on its design-time tile, its
/// dominant layer (coloured as the core map colours it: \p mappedLayers' order first), rows,
/// columns and spikes, and the heaviest inter-cluster links.
std::shared_ptr<widgets::ClusterMapData> clusterMapData(const snn::SnnPartition& partition, const snn::TilePlacement& placement,
                                                        const std::vector<std::string>& mappedLayers)
{
    auto data = std::make_shared<widgets::ClusterMapData>();
    data->meshWidth = placement.width;
    data->meshHeight = placement.height;
    const snn::NeuronGraph& graph = partition.unrolled.graph;
    const auto& clusters = partition.partition.clusters;
    const snn::ClusterTraffic& traffic = partition.traffic;

    // Layers with neurons, coloured by their index among the mapping's layers when it has them.
    std::map<int32_t, int> viewLayerOf; // graph layer -> index into data->layers
    int nextColor = static_cast<int>(mappedLayers.size());
    for (size_t l = 0; l < graph.layers().size(); ++l) {
        const snn::NeuronLayer& layer = graph.layers()[l];
        if (layer.count > 0 && graph.isInput(layer.first))
            continue;
        const auto mapped = std::find(mappedLayers.begin(), mappedLayers.end(), layer.name);
        const int color = mapped != mappedLayers.end() ? static_cast<int>(mapped - mappedLayers.begin()) : nextColor++;
        viewLayerOf.emplace(static_cast<int32_t>(l), static_cast<int>(data->layers.size()));
        data->layers.push_back({qstr(layer.name), color, 0});
    }

    data->tiles.resize(clusters.size());
    for (size_t c = 0; c < clusters.size(); ++c) {
        widgets::ClusterTile& tile = data->tiles[c];
        tile.cluster = static_cast<int>(c);
        const int32_t at = c < placement.tileOf.size() ? placement.tileOf[c] : -1;
        tile.x = at >= 0 ? at % placement.width : -1;
        tile.y = at >= 0 ? at / placement.width : -1;
        tile.neurons = static_cast<int>(clusters[c].neurons.size());
        tile.inputs = static_cast<int>(clusters[c].inputs.size());
        std::map<int32_t, int> perLayer;
        for (snn::NeuronId n : clusters[c].neurons) {
            ++perLayer[graph.layerOf(n)];
            if (graph.kind(n) == snn::NeuronKind::Intermediate)
                ++tile.intermediates;
        }
        const auto dominant = std::max_element(perLayer.begin(), perLayer.end(),
                                               [](const auto& a, const auto& b) { return a.second < b.second; });
        if (dominant != perLayer.end()) {
            const auto v = viewLayerOf.find(dominant->first);
            tile.layer = v != viewLayerOf.end() ? v->second : -1;
        }
        if (tile.layer >= 0)
            ++data->layers[static_cast<size_t>(tile.layer)].clusters;
        tile.layersMixed = static_cast<int>(perLayer.size());
        tile.spikesIn = c < traffic.hostSpikes.size() ? traffic.hostSpikes[c] : 0.0;
        tile.spikesLocal = c < traffic.localSpikes.size() ? traffic.localSpikes[c] : 0.0;
    }

    // Links between tiles; every cluster has its own tile, so a directed cluster pair is a tile pair.
    std::map<std::pair<int, int>, double> byTiles;
    for (const snn::ClusterEdge& e : traffic.edges) {
        data->tiles[static_cast<size_t>(e.dst)].spikesIn += e.spikes;
        data->tiles[static_cast<size_t>(e.src)].spikesOut += e.spikes;
        const auto tileOf = [&](int32_t c) { return static_cast<int>(placement.tileOf[static_cast<size_t>(c)]); };
        byTiles[{tileOf(e.src), tileOf(e.dst)}] += e.spikes;
    }
    for (const auto& [pair, spikes] : byTiles)
        data->links.push_back({pair.first, pair.second, spikes});
    std::stable_sort(data->links.begin(), data->links.end(),
                     [](const widgets::ClusterLink& a, const widgets::ClusterLink& b) { return a.spikes > b.spikes; });
    data->linksTotal = static_cast<int>(data->links.size());
    if (data->links.size() > kMaxDrawnLinks)
        data->links.resize(kMaxDrawnLinks);
    data->interClusterSpikes = traffic.interClusterSpikes;
    data->hostSpikes = traffic.hostInputSpikes;
    return data;
}

/// The spiking figures of one compile: the summary's counts and the cluster view's data.
struct SpikingOutcome {
    widgets::SpikingClusters summary;
    std::shared_ptr<const widgets::ClusterMapData> map;
};

/// Spiking profiles: the network's neurons packed onto crossbars as the LCTES'20 compiler does
/// (reduction-tree unrolling, fullest crossbar first), checked by the independent validator,
/// placed on the mesh at design time and analysed as a synchronous dataflow graph for its
/// guaranteed throughput (the reference flow is app/cli/snn_report.cpp). Spikes per inference
/// are estimated with the converted network's rate model on a few calibration images: the
/// spiking simulation would take seconds. Failures are recorded in the outcome; only a cancel
/// is returned as an error.
Expected<SpikingOutcome> spikingClusters(const ir::Graph& original, const CompileResult& compiled,
                                         const data::Dataset& calibration, const strategy::Strategy& strategy,
                                         const mapping::MappingResult* mapping, const RunContext& ctx)
{
    const auto start = Clock::now();
    const hw::Profile& profile = compiled.profile;
    SpikingOutcome out;
    widgets::SpikingClusters& summary = out.summary;
    summary.rows = profile.crossbar.rows;
    summary.cols = profile.crossbar.cols;
    auto failed = [&](const Error& error) -> Expected<SpikingOutcome> {
        if (error.code == Errc::Cancelled)
            return tl::unexpected(error);
        summary.error = qstr(error.toString());
        auto map = std::make_shared<widgets::ClusterMapData>();
        map->profileId = qstr(profile.id);
        map->error = summary.error;
        out.map = std::move(map);
        return out;
    };
    auto graph = snn::buildNeuronGraph(original);
    if (!graph)
        return failed(graph.error());

    QString spikeSource;
    const ir::Tensor images = calibration.batch(0, std::min(calibration.count, kSpikeEstimateImages));
    if (auto estimated = setEstimatedSpikes(*graph, compiled, images, strategy, ctx)) {
        spikeSource = QObject::tr("estimated with the converted network's rate model on %1 calibration images "
                                  "(the spiking simulation runs in nnbridge compile --snn)")
                          .arg(*estimated);
    } else if (estimated.error().code == Errc::Cancelled) {
        return tl::unexpected(estimated.error());
    } else {
        spikeSource = QObject::tr("not measured, 1 per neuron (the conversion failed: %1)")
                          .arg(qstr(estimated.error().message));
    }

    snn::PartitionOptions options;
    options.rows = profile.crossbar.rows;
    options.cols = profile.crossbar.cols;
    options.unroll = snn::UnrollShape::Tree;
    auto partition = snn::partitionNeurons(*graph, options, ctx);
    if (!partition)
        return failed(partition.error());
    summary.neurons = graph->numNeurons();
    summary.intermediates = partition->unrolled.intermediates;
    summary.clusters = static_cast<qint64>(partition->partition.clusters.size());
    summary.lowerBound = partition->lowerBound.bound;
    summary.valid = snn::validateUnrolling(*graph, partition->unrolled).ok() &&
                    snn::validatePartition(partition->unrolled.graph, partition->partition, options.rows, options.cols).ok();

    const snn::TilePlacement placement = snn::designTimePlacement(*partition, profile);
    auto map = clusterMapData(*partition, placement, mapping ? mapping->tiles.layers : std::vector<std::string>{});
    map->profileId = qstr(profile.id);
    map->profileCores = profile.chip.cores;
    map->rows = summary.rows;
    map->cols = summary.cols;
    map->neurons = summary.neurons;
    map->intermediates = summary.intermediates;
    map->lowerBound = summary.lowerBound;
    map->valid = summary.valid;
    map->spikeSource = spikeSource;
    map->ticks = profile.neuron.ticksPerInference; // the dataflow model's default (DataflowModelOptions::ticks = 0)
    if (auto throughput = snn::clusterThroughput(*partition, placement, profile, {}, ctx)) {
        map->periodNs = summary.periodNs = throughput->periodNs.toDouble();
        map->inferencesPerSecond = summary.inferencesPerSecond = throughput->inferencesPerSecond;
        summary.meshWidth = placement.width;
        summary.meshHeight = placement.height;
        map->critical = qstr(throughput->critical);
    } else if (throughput.error().code == Errc::Cancelled) {
        return tl::unexpected(throughput.error());
    } else {
        map->throughputError = qstr(throughput.error().message);
    }
    map->milliseconds = secondsSince(start) * 1000.0;
    out.map = std::move(map);
    return out;
}

} // namespace

Expected<CompileData> loadImages(const CompileData& cached, const std::filesystem::path& testDirectory, const RunContext& ctx)
{
    CompileData data = cached;
    if (!data.test) {
        ctx.report(0, "loading test images");
        NNB_TRY(auto test, data::loadFashionMnistTest(testDirectory));
        data.test = std::make_shared<const data::Dataset>(std::move(test));
    }
    if (!data.calibration) {
        ctx.report(500, "loading calibration images");
        // Calibrate on the training split when Debian's package is installed, so the accuracy
        // is never measured on the images that set the quantisers (as the CLI does).
        if (auto train = data::loadFashionMnistTrain(data::kDebianFashionMnistDir)) {
            data.calibration = std::make_shared<const data::Dataset>(std::move(*train));
            data.calibrationNote = "the Fashion-MNIST training split";
        } else {
            data.calibration = data.test;
            data.calibrationNote = "the test images (the training split is not installed)";
        }
    }
    return data;
}

std::shared_ptr<const widgets::WeightHistogramData> CompileSnapshot::histogram(const std::string& layer) const
{
    const QString name = qstr(layer);
    for (const auto& h : histograms)
        if (h->layer == name)
            return h;
    return nullptr;
}

RunContext subContext(const RunContext& outer, int from, int to, std::string prefix)
{
    RunContext inner;
    inner.isCancelled = outer.isCancelled;
    if (outer.onProgress)
        inner.onProgress = [outer, from, to, prefix = std::move(prefix)](const Progress& p) {
            const int permille = from + (to - from) * std::clamp(p.permille, 0, 1000) / 1000;
            outer.report(permille, p.stage.empty() ? prefix : prefix + ": " + p.stage);
        };
    return inner;
}

Expected<std::shared_ptr<const CompileSnapshot>> runCompileJob(const CompileRequest& request, const RunContext& ctx)
{
    if (!request.model)
        return makeError(Errc::InvalidArgument, "no model loaded");
    const auto start = Clock::now();
    auto snapshot = std::make_shared<CompileSnapshot>();
    snapshot->model = request.model;
    const auto cancelled = [] { return makeError(Errc::Cancelled, "compile cancelled"); };

    NNB_TRY(snapshot->data, loadImages(request.data, request.testDirectory, subContext(ctx, 0, 50, "Loading images")));
    if (ctx.cancelled())
        return cancelled();
    const data::Dataset& calibration = *snapshot->data.calibration;
    const int64_t calibrationCount =
        std::clamp<int64_t>(request.strategy.calibrationImages, 16, std::max<int64_t>(16, calibration.count));
    const ir::Tensor calibrationBatch = calibration.batch(0, std::min(calibration.count, calibrationCount));

    // 1. Compile: the pass pipeline and resource accounting.
    auto t = Clock::now();
    CompileOptions options;
    options.calibrationInputs = {calibrationBatch};
    NNB_TRY(auto compiled, compile(request.model->graph, request.profile, request.strategy, options,
                                   subContext(ctx, 50, 200, "Compiling")));
    snapshot->compiled = std::make_shared<const CompileResult>(std::move(compiled));
    snapshot->compileSeconds = secondsSince(t);
    if (ctx.cancelled())
        return cancelled();

    // 2. Map onto the core mesh. The annealer gets a small budget: the GUI favours a quick answer
    // (the CLI's `nnbridge map` searches longer).
    t = Clock::now();
    mapping::MapOptions mapOptions;
    mapOptions.placement.placer = mapping::Placer::Anneal;
    mapOptions.placement.seed = request.strategy.seed;
    mapOptions.placement.annealMoves = 20'000;
    mapOptions.placement.timeLimitSeconds = 2.0;
    ctx.report(200, "Mapping onto the core mesh");
    if (auto mapped = mapping::mapNetwork(*snapshot->compiled, mapOptions, subContext(ctx, 200, 300, "Mapping"))) {
        snapshot->mapping = std::make_shared<const mapping::MappingResult>(std::move(*mapped));
        snapshot->tileMatrices = tileMatrices(*snapshot->compiled->compiled, *snapshot->mapping, request.profile);
    } else if (mapped.error().code == Errc::Cancelled) {
        return cancelled();
    } else {
        snapshot->mappingError = mapped.error().toString();
    }
    snapshot->mappingSeconds = secondsSince(t);
    if (request.profile.isSpiking()) {
        ctx.report(300, "Clustering spiking neurons onto crossbars");
        t = Clock::now();
        auto spiking = spikingClusters(request.model->graph, *snapshot->compiled, calibration, request.strategy,
                                       snapshot->mapping.get(), subContext(ctx, 300, 300, "Clustering spiking neurons"));
        if (!spiking)
            return cancelled(); // every other failure is recorded in the outcome
        snapshot->spikingClusters = std::move(spiking->summary);
        snapshot->clusterMap = std::move(spiking->map);
        snapshot->clusterSeconds = secondsSince(t);
    }

    // 3. Accuracy: quantisation and the bit-accurate simulation on a few test images.
    t = Clock::now();
    if (request.assess) {
        AssessOptions assessOptions;
        assessOptions.testImages = std::min(request.testImages, snapshot->data.test->count);
        assessOptions.layerImages = std::min(request.layerImages, assessOptions.testImages);
        assessOptions.seed = request.strategy.seed;
        // Leave one core to the GUI thread, as the controller's pool does.
        assessOptions.threads = std::max(1, QThread::idealThreadCount() - 1);
        snapshot->testImages = assessOptions.testImages;
        auto assessed = assess(*snapshot->compiled, *snapshot->data.test, calibrationBatch, assessOptions, nullptr,
                               subContext(ctx, 300, 970, "Assessing"));
        if (assessed)
            snapshot->assessment = std::make_shared<const Assessment>(std::move(*assessed));
        else if (assessed.error().code == Errc::Cancelled)
            return cancelled();
        else
            snapshot->assessmentError = assessed.error().toString();
    }
    snapshot->assessSeconds = secondsSince(t);

    // 4. What the weight views draw.
    ctx.report(970, "Quantising weights for the histograms");
    snapshot->histograms = weightHistograms(request.model->graph, request.profile, request.strategy, ctx);
    if (ctx.cancelled())
        return cancelled();
    snapshot->totalSeconds = secondsSince(start);
    ctx.report(1000, "Done");
    return std::shared_ptr<const CompileSnapshot>(std::move(snapshot));
}

} // namespace nnb::app
