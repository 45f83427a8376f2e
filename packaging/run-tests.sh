#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Command (b) of the README: install dependencies, build with the CI preset (optimised, asserts
# on, warnings as errors) and run the whole test suite with ctest; then build the robustness
# tests (malformed models, data files, profiles, strategies) under AddressSanitizer/UBSan and
# run them again, since bad input must never crash.
set -euo pipefail
cd "$(dirname "$0")/.."

bash packaging/install-deps.sh
cmake --preset ci >/dev/null
cmake --build --preset ci
ctest --preset ci "$@"

cmake --preset ci-asan >/dev/null
cmake --build --preset ci-asan
ASAN_OPTIONS=detect_leaks=1 ctest --preset ci-asan
