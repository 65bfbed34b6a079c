#!/usr/bin/env bash
# The synthetic-data ablation of the Gemini Embedding 2 report, on code: does adding synthetic
# code data (doc2code from JSDoc, code2code clones, text2sql, code-feedback) to real Javadoc ->
# method pairs lift code retrieval, at the same step budget?
#
#   jobs/recipes/synthetic-code-ablation.sh OUT_DIR        (STEPS=80 by default; SKIP_TRAIN=1
#                                                           re-evaluates existing runs)
#
# Training sources: commons-lang3, commons-collections4, commons-io (Maven Central sources jars)
# and lodash (npm). Held out: commons-text, from which all four code benchmarks are built
# (Javadoc -> method, clone retrieval, bug report -> fix), plus text2sql from another seed.
# Both runs start from the pretrained all-MiniLM-L6-v2 import with the same settings; "real"
# trains on the Javadoc pairs only, "real+synthetic" on the same pairs plus synth-code's output,
# each batch from one task. Writes OUT_DIR/results.md. Expected run time on 2 cores: ~30 min.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
out=${1:?usage: synthetic-code-ablation.sh OUT_DIR}
steps=${STEPS:-80}
claim_out "$out" jobs/recipes/synthetic-code-ablation.sh   # a new or empty dir, or an earlier run's
train_jars=()
for gav in org.apache.commons:commons-lang3:3.18.0 org.apache.commons:commons-collections4:4.6.0 \
    commons-io:commons-io:2.22.0; do
  train_jars+=("$(fetch "$gav")")
done
valid_jar=$(fetch org.apache.commons:commons-text:1.15.0)
if [[ ! -f "$cache/lodash/package/lodash.js" ]]; then
  mkdir -p "$cache/lodash"
  (cd "$cache/lodash" && npm pack -q lodash@4.18.1 >/dev/null && tar xzf lodash-4.18.1.tgz)
fi
need_debs wordnet-base   # the text2sql vocabulary

# Training data.
rm -rf "$out/real" "$out/synth" "$out/synth-js" "$out/held-synth" "$out/mixed" "$out/bench-"*
"$omni" make-benchmark --sources "${train_jars[@]}" --pairs code-doc2code --out "$out/real"
# Java doc2code would repeat the real pairs: from the jars take the other kinds, from lodash
# (JavaScript, not in the real data) doc2code.
"$omni" synth-code --sources "${train_jars[@]}" --kinds code2code,code-feedback,text2sql \
  --out "$out/synth" --sql-examples 3000 --seed 1
"$omni" synth-code --sources "$cache/lodash/package/lodash.js" --kinds doc2code \
  --out "$out/synth-js" --seed 1

# Held-out benchmarks, all from commons-text (never trained on) and a text2sql seed of its own.
"$omni" make-benchmark --sources "$valid_jar" --out "$out/bench-doc2code" --max-queries 300
"$omni" synth-code --sources "$valid_jar" --kinds code2code,code-feedback,text2sql \
  --sql-examples 300 --seed 99 --out "$out/held-synth"
python3 - "$out" <<'PY'
# Pairs -> BEIR layout: each query's positive is its one relevant document; the corpus is every
# positive of the task and every hard negative (the other bug of the same method, the minimal
# edits of the right SQL, sibling methods), so a model must tell near misses apart.
import glob, json, os, random, sys
out = sys.argv[1]
rows = [json.loads(l) for f in sorted(glob.glob(f"{out}/held-synth/part-*.jsonl")) for l in open(f)]
for task in ("code-code2code", "code-feedback", "code-text2sql"):
    pairs = [r for r in rows if r["task"] == task]
    docs, queries, qrels = {}, [], []
    for r in pairs:
        docs.setdefault(r["positive"], f"d{len(docs)}")
    for r in pairs:
        for n in r.get("negatives", []):
            docs.setdefault(n, f"d{len(docs)}")
    random.Random(0).shuffle(pairs)
    for i, r in enumerate(pairs[:300]):
        queries.append({"_id": f"q{i}", "text": r["query"]})
        qrels.append(f"q{i}\t{docs[r['positive']]}\t1")
    d = f"{out}/bench-{task[5:] if task.startswith('code-') and task != 'code-feedback' else task}"
    os.makedirs(f"{d}/qrels", exist_ok=True)
    with open(f"{d}/corpus.jsonl", "w") as f:
        for text, i in docs.items():
            f.write(json.dumps({"_id": i, "text": text}) + "\n")
    with open(f"{d}/queries.jsonl", "w") as f:
        for q in queries:
            f.write(json.dumps(q) + "\n")
    with open(f"{d}/qrels/test.tsv", "w") as f:
        f.write("query-id\tcorpus-id\tscore\n" + "\n".join(qrels) + "\n")
PY

train() {
  local name=$1; shift
  rm -rf "$out/ft-$name"
  "$omni" train --init pretrained:all-MiniLM-L6-v2 --out "$out/ft-$name" "$@" \
    --set train.steps="$steps" --set train.batch_size=32 --set train.lr=2e-5 \
    --set train.warmup_steps=10 --set train.max_length=128 --set train.checkpoint_every=1000 \
    --set train.log_every=10 --set seed=1
}
mkdir -p "$out/mixed"
cp "$out/real/pairs.jsonl" "$out/mixed/real.jsonl"
cat "$out"/synth/part-*.jsonl "$out"/synth-js/part-*.jsonl > "$out/mixed/synth.jsonl"
if [[ -z "${SKIP_TRAIN:-}" || ! -d "$out/ft-mixed/final" ]]; then
  train real --data "$out/real/pairs.jsonl"
  train mixed --data "$out/mixed"
fi

benches=(doc2code code2code code-feedback text2sql)
row() {
  local model=$1 label=$2
  for b in "${benches[@]}"; do
    "$omni" eval --model "$model" --benchmark "$out/bench-$b" --out "$out/eval-$b-$label.json" \
      >/dev/null
  done
  python3 - "$out" "$label" "${benches[@]}" <<'PY'
import json, sys
out, label, benches = sys.argv[1], sys.argv[2], sys.argv[3:]
v = [json.load(open(f"{out}/eval-{b}-{label}.json"))["metrics"]["ndcg@10"] for b in benches]
print(f"| {label} | " + " | ".join(f"{x:.4f}" for x in v) + f" | {sum(v)/len(v):.4f} |")
PY
}
{
  echo "| model | " "$(printf '%s | ' "${benches[@]}")" "average |"
  echo "|---|---|---|---|---|---|"
  row pretrained:all-MiniLM-L6-v2 pretrained
  row "$out/ft-real/final" real
  row "$out/ft-mixed/final" real+synthetic
  echo
  echo "NDCG@10 on held-out commons-text benchmarks; $steps steps x 32 each."
  echo "Training data: real $(wc -l < "$out/real/pairs.jsonl") pairs; synthetic:" \
    "$(python3 -c "import json;print(json.load(open('$out/synth/_summary.json'))['examples_per_task'])")" \
    "+ lodash $(python3 -c "import json;print(json.load(open('$out/synth-js/_summary.json'))['examples_per_task'])")"
} | tee "$out/results.md"
