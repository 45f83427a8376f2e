#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Command (a) of the README: install dependencies, build a release, and run the embedded default
# job (the shipped LeNet-5 and Fashion-MNIST sample). With a display the desktop app opens with
# it loaded; without one the same job runs headless through the CLI and prints its report.
set -euo pipefail
cd "$(dirname "$0")/.."

bash packaging/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release

if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
    exec ./build/release/app/gui/nnbridge-gui "$@"
else
    echo "No display: running the default job headless (nnbridge default)."
    exec ./build/release/app/cli/nnbridge default
fi
