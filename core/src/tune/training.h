// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Private to core/src/tune/: what the training loops of the tuning phases share.

#include <cmath>
#include <cstdint>
#include <exception>
#include <random>
#include <thread>
#include <utility>
#include <vector>

#include "tune/trainable_layer.h"

namespace nnb::tune::detail {

/// Adam (Kingma & Ba 2015) with the paper's defaults, on one layer's weight matrix and bias.
class Adam {
public:
    Adam(Eigen::Index rows, Eigen::Index cols, double learningRate)
        : m_mw(Matrix::Zero(rows, cols))
        , m_vw(Matrix::Zero(rows, cols))
        , m_mb(Vector::Zero(rows))
        , m_vb(Vector::Zero(rows))
        , m_lr(learningRate)
    {
    }

    /// One step on \p w with gradient \p gw, and on \p b with \p gb unless \p b is null (a layer
    /// without bias keeps its zeros).
    void step(Matrix& w, const Matrix& gw, Vector* b, const Vector& gb)
    {
        ++m_t;
        const auto step = static_cast<float>(m_lr / (1.0 - std::pow(kBeta1, m_t)));
        const auto c2 = static_cast<float>(1.0 - std::pow(kBeta2, m_t));
        update(w.array(), gw.array(), m_mw.array(), m_vw.array(), step, c2);
        if (b != nullptr)
            update(b->array(), gb.array(), m_mb.array(), m_vb.array(), step, c2);
    }

    /// Changes the step size of the following steps (a learning-rate schedule).
    void setLearningRate(double learningRate) { m_lr = learningRate; }

private:
    static constexpr double kBeta1 = 0.9;
    static constexpr double kBeta2 = 0.999;
    static constexpr float kEpsilon = 1e-8f;

    template <class P, class G, class M>
    static void update(P p, const G& g, M m, M v, float step, float c2)
    {
        m = static_cast<float>(kBeta1) * m + static_cast<float>(1.0 - kBeta1) * g;
        v = static_cast<float>(kBeta2) * v + static_cast<float>(1.0 - kBeta2) * g.square();
        p -= step * m / ((v / c2).sqrt() + kEpsilon);
    }

    Matrix m_mw, m_vw;
    Vector m_mb, m_vb;
    double m_lr;
    int m_t = 0;
};

/// Shuffles \p order by Fisher–Yates with indices drawn straight from the engine: std::shuffle
/// and the standard distributions differ between standard libraries, the engine's output does not.
inline void shuffle(std::vector<int64_t>& order, std::mt19937_64& rng)
{
    for (size_t i = order.size(); i > 1; --i)
        std::swap(order[i - 1], order[static_cast<size_t>(rng() % i)]);
}

/// Runs \p work(0) and \p work(1), the two halves of a job of about \p macs multiply-adds, on
/// two threads when the machine has two cores and the job is worth a thread (starting one costs
/// tens of microseconds, and milliseconds on a loaded machine), and rethrows an exception of
/// either. The split is always in two, so the results (each half summed on its own, the halves
/// combined in order) never depend on the machine.
template <class Work>
void inHalves(double macs, Work&& work)
{
    constexpr double kMacsPerThread = 4e6; // ~1 ms of products
    if (macs < kMacsPerThread || std::thread::hardware_concurrency() < 2) {
        work(0);
        work(1);
        return;
    }
    std::exception_ptr failure;
    {
        std::jthread other([&] {
            try {
                work(1);
            } catch (...) { // no exception may leave a thread
                failure = std::current_exception();
            }
        });
        work(0);
    }
    if (failure)
        std::rethrow_exception(failure);
}

/// Multiply-accumulates of one sample through a layer: the unit of tuning work.
inline double macsPerSample(const LayerShape& shape)
{
    return static_cast<double>(shape.rowsPerSample) * static_cast<double>(shape.groupInputs) *
           static_cast<double>(shape.outputs);
}

} // namespace nnb::tune::detail
