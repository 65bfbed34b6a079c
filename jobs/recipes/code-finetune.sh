#!/usr/bin/env bash
# Code fine-tuning recipe: does contrastive fine-tuning of the pretrained all-MiniLM-L6-v2 import
# on Javadoc -> method pairs lift held-out code retrieval without costing general text retrieval?
#
#   jobs/recipes/code-finetune.sh OUT_DIR
#
# Training pairs: guava, commons-lang3, commons-collections4, commons-io, commons-math3 sources
# (Maven Central). Held-out code benchmark: commons-text (no training data comes from it).
# General text benchmark: WordNet gloss -> words (Debian wordnet-base). Evaluates the untuned
# model, the fine-tuned one and their uniform soup; writes OUT_DIR/results.md.
# Leaves the fine-tuned checkpoint in OUT_DIR/final and the soup in OUT_DIR/soup.
# Expected run time on 2 cores: about 30 minutes (STEPS=300).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
out=${1:?usage: code-finetune.sh OUT_DIR}
steps=${STEPS:-300}
claim_out "$out" jobs/recipes/code-finetune.sh   # a new or empty dir, or an earlier run's
train_jars=()
for gav in "${code_train_gavs[@]}"; do
  train_jars+=("$(fetch "$gav")")
done
valid_jar=$(fetch "$code_valid_gav")
need_debs wordnet-base   # the general text benchmark

"$omni" make-benchmark --sources "${train_jars[@]}" --pairs code-doc2code --out "$out/data"
"$omni" make-benchmark --sources "$valid_jar" --out "$out/bench-code" --max-queries 300
"$omni" make-benchmark --wordnet /usr/share/wordnet --out "$out/bench-text" --max-queries 300 \
  --max-corpus 3000

rm -rf "$out/ft"
start=$(date +%s)
"$omni" train --data "$out/data/pairs.jsonl" --init pretrained:all-MiniLM-L6-v2 --out "$out/ft" \
  --set train.steps="$steps" --set train.batch_size=32 --set train.lr=2e-5 \
  --set train.warmup_steps=30 --set train.max_length=128 --set train.checkpoint_every=100 \
  --set train.log_every=10 --set seed=1
train_s=$(( $(date +%s) - start ))
rm -rf "$out/final" "$out/soup"
cp -r "$out/ft/final" "$out/final"
"$omni" soup --inputs pretrained:all-MiniLM-L6-v2 "$out/final" --out "$out/soup"

row() {
  local model=$1 label=$2
  "$omni" eval --model "$model" --benchmark "$out/bench-code" --out "$out/eval-code-$label.json" >/dev/null
  "$omni" eval --model "$model" --benchmark "$out/bench-text" --out "$out/eval-text-$label.json" >/dev/null
  python3 - "$out" "$label" <<'PY'
import json, sys
out, label = sys.argv[1], sys.argv[2]
c = json.load(open(f"{out}/eval-code-{label}.json"))["metrics"]
t = json.load(open(f"{out}/eval-text-{label}.json"))["metrics"]
print(f"| {label} | {c['ndcg@10']:.4f} | {c['recall@10']:.4f} | {t['ndcg@10']:.4f} | {t['recall@10']:.4f} |")
PY
}
{
  echo "| model | code NDCG@10 | code R@10 | text NDCG@10 | text R@10 |"
  echo "|---|---|---|---|---|"
  row pretrained:all-MiniLM-L6-v2 pretrained
  row "$out/final" fine-tuned
  row "$out/soup" soup
  pairs=$(wc -l < "$out/data/pairs.jsonl")
  rate=$(python3 -c "import json;l=[json.loads(x) for x in open('$out/ft/metrics.jsonl')];print(round(sum(x['examples_per_s'] for x in l[-10:])/10,1))")
  echo
  echo "Training: $pairs pairs, $steps steps x 32, ${train_s} s, ${rate} examples/s (last 10 steps)."
} | tee "$out/results.md"
