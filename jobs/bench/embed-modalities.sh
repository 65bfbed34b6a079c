#!/usr/bin/env bash
# Embedding throughput per modality (text, image, 5 s audio, 4 s video) with the default media
# towers on the MiniLM-L6 encoder, decoding and patching included, on the own encoder and on
# ONNX Runtime (the exported graph, fp32) side by side.
# Usage: jobs/bench/embed-modalities.sh [ITEMS=96] [REPS=2]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
run_java io.omniembed.bench.MediaThroughput "${1:-96}" "${2:-2}" "$threads" 2>/dev/null
