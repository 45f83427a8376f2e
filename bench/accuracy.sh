#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The accuracy table of BENCHMARKS.md ("Accuracy after quantisation, simulation and tuning"):
# every configuration of the quantisation issue's acceptance on all 10,000 Fashion-MNIST test
# images, with the release build's CLI. Prints the stage lines and the transformation time.
#   cmake --preset release && cmake --build --preset release --target nnbridge
#   bash bench/accuracy.sh [build/release/app/cli/nnbridge]
set -euo pipefail
cd "$(dirname "$0")/.."
nnbridge=${1:-build/release/app/cli/nnbridge}

prime8=(-p prime --set signals.input_bits=8 --set signals.output_bits=8 --set neuron.output_bits=8)
four=(-p generic --set weights.bits=4 --set signals.input_bits=4 --set signals.dac_bits=4
      --set signals.output_bits=4 --set neuron.output_bits=4
      --strategy-set quantization.signal_range=mse_optimal --strategy-set quantization.output_expansion=4)
ternary=("${four[@]}" --strategy-set quantization.weights=ternary --strategy-set tuning.end_to_end_epochs=4)

run() {
    local title=$1 model=$2
    shift 2
    echo "== $title: $model"
    "$nnbridge" compile "resources/models/$model.onnx" "$@" --eval fashion-mnist --threads 2 2>&1 |
        grep -E '^(float|reform|io-quant|weight-quant|bit-accurate|tuned) |^transformation time|^adc|monte carlo'
}

only=${ONLY:-all} # ONLY=prime or ONLY=tuned reruns those rows
for model in mlp lenet; do
    if [[ $only != tuned ]]; then
        run "prime, 8-bit weights, 8-bit I/O" $model "${prime8[@]}"
        run "prime as shipped, device Monte Carlo" $model -p prime --mc 3
    fi
    if [[ $only != prime ]]; then
        run "generic, 4-bit weights and I/O, 128x128, outputs re-encoded x4, tuned" $model "${four[@]}" --tune
        run "same, ternary weights, tuned (4 end-to-end epochs)" $model "${ternary[@]}" --tune
    fi
done
