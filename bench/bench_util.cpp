// SPDX-License-Identifier: GPL-3.0-or-later
#include "bench_util.h"

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

} // namespace nnb::bench
