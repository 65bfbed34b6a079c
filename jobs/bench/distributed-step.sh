#!/usr/bin/env bash
# Per-step time of data-parallel training, split into compute, all-gather and all-reduce, for
# W=1 and W=2 workers on this machine: the real `train` job on local-cluster (separate executor
# JVMs talking over the TCP ring), with the same 2 cores in total (W=1: one executor with 2
# threads; W=2: two executors with 1 thread each). Global batch 32 pairs x 64 tokens.
#
#   jobs/bench/distributed-step.sh [STEPS=8] [MODE=all|overlap]   (all: about 6 minutes on 2 cores)
#
# Prints one line per (preset, W, all-reduce mode) with medians over the steps after the first
# two, and for W=2 one line per step: backward, all-reduce and its exposed part (the wait after
# the backward), with the all-reduce after the backward (train.allreduce_overlap=false), in
# buckets overlapped with it (the default), and overlapped in bfloat16. MODE=overlap runs only
# the W=2 rows.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
steps=${1:-8}
mode=${2:-all}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# 2,000 pairs of 60-word texts from a fixed word list: every text fills 64 tokens.
python3 - "$work/pairs.jsonl" <<'PY'
import json, random, sys
words = ("time year people way day man thing woman life child world school state family student"
         " group country problem hand part place case week company system program question work"
         " government number night point home water room mother area money story fact month lot"
         " right study book eye job word business issue side kind head house service friend father"
         " power hour game line end member law car city community name president team minute idea"
         " kid body information back parent face others level office door health person art war"
         " history party result change morning reason research girl guy moment air teacher force").split()
r = random.Random(0)
with open(sys.argv[1], "w") as f:
    for i in range(2000):
        q = " ".join(r.choice(words) for _ in range(60))
        p = " ".join(r.choice(words) for _ in range(60))
        f.write(json.dumps({"task": "bench", "query": q, "positive": p}) + "\n")
PY

run() {
  local preset=$1 init=$2 w=$3 master=$4 overlap=${5:-true} bf16=${6:-false}
  local label=after
  [[ $overlap == true ]] && label=overlapped
  [[ $bf16 == true ]] && label=$label-bf16
  local out="$work/$preset-w$w-$label"
  "$here/jobs/omniembed" train --data "$work/pairs.jsonl" --init "$init" --out "$out" \
    --master "$master" --workers "$w" --set train.steps="$steps" --set train.batch_size=32 \
    --set train.max_length=64 --set train.task_string_dropout=0 --set train.log_every=1000 \
    --set train.checkpoint_every=1000 --set train.allreduce_overlap="$overlap" \
    --set train.allreduce_bf16="$bf16" >/dev/null 2>&1
  python3 - "$out/metrics.jsonl" "$preset" "$w" "$label" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
w = int(sys.argv[3])
if w > 1:
    for r in rows:
        print(f"STEP preset={sys.argv[2]} workers={w} allreduce={sys.argv[4]} step={r['step']}"
              f" backward_ms={r['backward_s']*1e3:.0f} all_reduce_ms={r['all_reduce_s']*1e3:.1f}"
              f" exposed_ms={r['all_reduce_exposed_s']*1e3:.1f}")
rows = rows[2:]
med = lambda k: statistics.median(r[k] for r in rows)
print(f"RESULT preset={sys.argv[2]} workers={w} allreduce={sys.argv[4]}"
      f" step_ms={med('step_s')*1e3:.0f} compute_ms={med('compute_s')*1e3:.0f}"
      f" backward_ms={med('backward_s')*1e3:.0f} all_gather_ms={med('all_gather_s')*1e3:.1f}"
      f" all_gather_bytes={int(med('all_gather_bytes'))} all_reduce_ms={med('all_reduce_s')*1e3:.1f}"
      f" exposed_ms={med('all_reduce_exposed_s')*1e3:.1f}"
      f" all_reduce_bytes={int(med('all_reduce_bytes'))} examples_per_s={32/med('step_s'):.1f}")
PY
}
for preset in tiny minilm-l6; do
  init=random:tiny mem1=4096 mem2=3072
  if [[ $preset == minilm-l6 ]]; then init=pretrained:all-MiniLM-L6-v2 mem1=6144 mem2=4096; fi
  if [[ $mode == all ]]; then run "$preset" "$init" 1 "local-cluster[1,2,$mem1]"; fi
  run "$preset" "$init" 2 "local-cluster[2,1,$mem2]" false
  run "$preset" "$init" 2 "local-cluster[2,1,$mem2]" true
  run "$preset" "$init" 2 "local-cluster[2,1,$mem2]" true true
done
