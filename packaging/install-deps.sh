#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Installs every build, run and test dependency of nnbridge from Debian 12 packages.
# Idempotent: packages already present are skipped, so it is cheap to run before every build.
set -euo pipefail

packages=(
    # toolchain
    build-essential cmake ninja-build pkg-config
    # GUI: Qt 6 Widgets/Concurrent/Test/PrintSupport and QCustomPlot's Qt 6 build
    qt6-base-dev libqcustomplot-dev libqcustomplot2.1-qt6 libgl-dev
    # core math and model import
    libeigen3-dev libonnx-dev libprotobuf-dev protobuf-compiler
    # error channel (tl::expected), config files, command line
    libexpected-dev libyaml-cpp-dev nlohmann-json3-dev libcli11-dev libfmt-dev zlib1g-dev
    # SDF3 XML graphs (nnbridge analyze)
    libpugixml-dev
    # data: ONNX conformance tests and the Fashion-MNIST test set
    libonnx-testdata dataset-fashion-mnist
    # running the GUI without a display (screenshots, GUI tests)
    xvfb xauth
)

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: all ${#packages[@]} packages present"
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing packages: ${missing[*]}" >&2
    echo "install-deps: run this script as root (or with sudo) to install them" >&2
    exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
