#!/usr/bin/env bash
# Training step of the minilm-l6 encoder (32 pairs x 64 tokens, InfoNCE, AdamW) in omniembed and
# in PyTorch, one after the other on this machine. Usage: jobs/bench/train-step.sh [STEPS]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
steps=${1:-8}
run_java io.omniembed.bench.TrainStep minilm-l6 "$steps" 2>/dev/null | grep -E '^(engine|RESULT)'
if have_torch; then
  (cd "$here/jobs/bench/peers" && /usr/bin/python3 ttrain.py minilm "$steps" "$threads")
fi
