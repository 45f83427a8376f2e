// SPDX-License-Identifier: GPL-3.0-or-later
// The machine's float GEMM rate for the shipped MLP's shapes (784-256-128-10, ReLU between),
// batch 256 split over 2 threads: the limit nnb_bench_simulator compares the bit-accurate
// simulator against. Built on its own with -mavx2 -mfma (see bench/CMakeLists.txt) so that Eigen
// uses the vector units the simulator's kernels use; a separate program, because Eigen
// instantiated with two instruction sets in one executable would break the one-definition rule.
// Prints "<seconds per batch> <CPU seconds per batch>", best of 5 rounds of >= 0.2 s each.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <thread>
#include <utility>
#include <vector>

#include <Eigen/Core>

int main()
{
    constexpr int kBatch = 256, kThreads = 2;
    using Mat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    const std::vector<std::pair<int, int>> layers{{784, 256}, {256, 128}, {128, 10}};
    std::vector<Mat> weights;
    for (auto [in, out] : layers)
        weights.push_back(Mat::Random(in, out));
    std::vector<Mat> inputs(kThreads, Mat::Random(kBatch / kThreads, layers.front().first));
    const auto forward = [&](int t) {
        Mat x = inputs[static_cast<size_t>(t)];
        for (const Mat& w : weights)
            x = (x * w).cwiseMax(0.0f);
        volatile float sink = x(0, 0);
        (void)sink;
    };
    const auto batch = [&] {
        std::vector<std::jthread> workers;
        for (int t = 1; t < kThreads; ++t)
            workers.emplace_back(forward, t);
        forward(0);
    };
    double bestWall = 1e30, bestCpu = 1e30;
    for (int round = 0; round < 5; ++round) {
        int calls = 0;
        const auto start = std::chrono::steady_clock::now();
        const std::clock_t cpuStart = std::clock();
        do {
            batch();
            ++calls;
        } while (std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() < 0.2);
        bestWall = std::min(bestWall, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / calls);
        bestCpu = std::min(bestCpu, static_cast<double>(std::clock() - cpuStart) / CLOCKS_PER_SEC / calls);
    }
    std::printf("%.9g %.9g\n", bestWall, bestCpu);
    return 0;
}
