// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <vector>

#include <QString>

namespace nnb::widgets {

/// One crossbar cluster of a spiking network (LCTES'20 partitioning) and the mesh tile it is
/// placed on.
struct ClusterTile {
    int cluster = 0;       ///< cluster id (topological packing order)
    int x = 0, y = 0;      ///< its tile on the mesh
    int layer = -1;        ///< index into ClusterMapData::layers: the layer most of its neurons belong to
    int layersMixed = 1;   ///< distinct layers among its neurons
    int neurons = 0;       ///< columns used (neurons placed, fan-in intermediates included)
    int intermediates = 0; ///< of which neurons added by fan-in unrolling
    int inputs = 0;        ///< rows used: distinct presynaptic nodes
    double spikesIn = 0;   ///< per inference: from the host and from other clusters
    double spikesOut = 0;  ///< per inference: sent to other clusters
    double spikesLocal = 0; ///< per inference: of its own neurons, read back on its own rows
};

/// Spike traffic between two tiles (both directions of a cluster pair are separate links).
struct ClusterLink {
    int fromTile = 0; ///< y × meshWidth + x
    int toTile = 0;
    double spikes = 0; ///< per inference
};

/// A layer of the network as the cluster view colours it.
struct ClusterLayer {
    QString name;
    int colorIndex = 0; ///< CoreMapView::layerColor index, the same as the core map's for this layer
    int clusters = 0;   ///< clusters whose dominant layer it is
};

/// What the spiking cluster view draws: a value type, shared as std::shared_ptr<const T>.
struct ClusterMapData {
    QString profileId;
    int meshWidth = 0, meshHeight = 0; ///< the design-time placement's mesh (may exceed the profile's)
    int profileCores = 0;              ///< cores the profile's chip has
    int rows = 0, cols = 0;            ///< the crossbar: inputs × neurons
    qint64 neurons = 0;                ///< of the original network
    qint64 intermediates = 0;          ///< added by fan-in unrolling
    qint64 lowerBound = 0;             ///< clusters any packing needs at least
    bool valid = false;                ///< every cluster passed the independent validator
    std::vector<ClusterLayer> layers;
    std::vector<ClusterTile> tiles;    ///< one per cluster, each on a distinct tile
    std::vector<ClusterLink> links;    ///< the heaviest links, heaviest first
    int linksTotal = 0;                ///< links before capping to the heaviest
    double interClusterSpikes = 0;     ///< per inference, all links
    double hostSpikes = 0;             ///< per inference, input spikes from the host
    /// Where the spikes per inference come from, completing "Spikes per inference …" ("estimated
    /// with the converted network's rate model on 32 calibration images ..." or "not measured, 1
    /// per neuron (...)").
    QString spikeSource;
    int ticks = 0;                     ///< per inference
    double periodNs = 0;               ///< guaranteed period per inference (0: not analysed)
    double inferencesPerSecond = 0;
    QString critical;                  ///< actors on a critical cycle
    QString throughputError;           ///< when the dataflow analysis failed
    double milliseconds = 0;           ///< time spent computing all this in the compile job
    QString error;                     ///< when the network could not be clustered (nothing else is set)
};

} // namespace nnb::widgets
