// SPDX-License-Identifier: GPL-3.0-or-later
#include "bench_util.h"

#include <algorithm>
#include <chrono>

#include <fstream>
#include <thread>

namespace nnb::bench {

std::string machineDescription()
{
    std::string cpu = "unknown CPU";
    std::ifstream info("/proc/cpuinfo");
    for (std::string line; std::getline(info, line);) {
        if (line.rfind("model name", 0) == 0) {
            cpu = line.substr(line.find(':') + 2);
            break;
        }
    }
#ifdef NDEBUG
    const char* build = "release build";
#else
    const char* build = "DEBUG build (figures not representative)";
#endif
    return cpu + ", " + std::to_string(std::thread::hardware_concurrency()) + " hardware threads, " + build;
}

double bestSecondsPerCall(const std::function<void()>& work, int runs, double minSeconds)
{
    work(); // warm-up
    double best = 1e300;
    for (int run = 0; run < runs; ++run) {
        int calls = 0;
        const auto start = std::chrono::steady_clock::now();
        std::chrono::duration<double> elapsed{};
        do {
            work();
            ++calls;
            elapsed = std::chrono::steady_clock::now() - start;
        } while (elapsed.count() < minSeconds);
        best = std::min(best, elapsed.count() / calls);
    }
    return best;
}

} // namespace nnb::bench
