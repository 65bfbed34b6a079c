#!/usr/bin/env bash
# Where the minilm-l6 training step's time goes (32 pairs x 64 tokens, InfoNCE, AdamW): omniembed's
# step with its per-op timer (-Domniembed.profile=true: ms per op kind per step, see
# model.layer.OpProfile) and the PyTorch peer under torch.profiler (self CPU time per aten op),
# one after the other on this machine. Usage: jobs/bench/train-profile.sh [STEPS=4]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
steps=${1:-4}
run_java -Domniembed.profile=true io.omniembed.bench.TrainStep minilm-l6 "$steps" 2>/dev/null \
  | grep -E '^(engine|RESULT|PROFILE)'
if have_torch; then
  (cd "$here/jobs/bench/peers" && /usr/bin/python3 tprofile.py "$steps" "$threads")
fi
