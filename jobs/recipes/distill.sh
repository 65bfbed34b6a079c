#!/usr/bin/env bash
# Multilingual distillation recipe (docs/distillation.md): does distilling the English
# all-MiniLM-L6-v2 into a student on gettext translations lift X -> English retrieval on held-out
# packages, and what does it cost English retrieval?
#
#   jobs/recipes/distill.sh OUT_DIR
#
# 1. make-parallel: English -> X pairs from the installed gettext catalogs, 10% of the packages
#    held out (the same packages for every language).
# 2. A seeded sample of MAX_PAIRS training pairs (default STEPS x BATCH: each pair seen about
#    once); the teacher embeds their distinct English sources.
# 3. join-teacher; 4. the student starts from the teacher and trains on the distill-* tasks only
#    (no NCE task, so that the English control below stays out of the training data).
# 5. Per language, an X -> English benchmark of the held-out pairs (make-benchmark --parallel),
#    and an English control, WordNet gloss -> words (make-benchmark --wordnet: no gettext text);
#    teacher and student evaluated on each (same --max-length, no prompts).
# Writes OUT_DIR/results.md (NDCG@10 per benchmark, teacher vs student, the change).
#
# Budget knobs (environment): LANGS (default de,fr,es,it,pt), STEPS (300), BATCH (32),
# MAX_LENGTH (64, tokens per text in training), LR (2e-5), MAX_PAIRS (STEPS x BATCH),
# MAX_QUERIES (300 per benchmark), MAX_CORPUS (0: every held-out source of the language),
# EVAL_MAX_LENGTH (128), SEED (1). A re-run with the same knobs resumes where the earlier one
# stopped (each stage is skipped when its output is complete); other knobs are refused.
# Run time on a shared 2-core machine: training about 15-25 s a step at BATCH=32, the teacher's
# embed about 30 sources/s, one eval about a minute (docs/benchmarks.md: STEPS=80 took 33 min);
# the defaults (STEPS=300, MAX_CORPUS=0) take about two hours there.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
out=${1:?usage: distill.sh OUT_DIR}
langs=${LANGS:-de,fr,es,it,pt}
steps=${STEPS:-300}
batch=${BATCH:-32}
max_length=${MAX_LENGTH:-64}
lr=${LR:-2e-5}
max_pairs=${MAX_PAIRS:-$(( steps * batch ))}
max_queries=${MAX_QUERIES:-300}
max_corpus=${MAX_CORPUS:-0}
eval_max_length=${EVAL_MAX_LENGTH:-128}
seed=${SEED:-1}
teacher=pretrained:all-MiniLM-L6-v2
claim_out "$out" jobs/recipes/distill.sh   # a new or empty dir, or an earlier run's (resumed)
out=$(cd "$out" && pwd)
t0=$(date +%s)

budget="LANGS=$langs STEPS=$steps BATCH=$batch MAX_LENGTH=$max_length LR=$lr"
budget+=" MAX_PAIRS=$max_pairs MAX_QUERIES=$max_queries MAX_CORPUS=$max_corpus"
budget+=" EVAL_MAX_LENGTH=$eval_max_length SEED=$seed"
keep_budget distill.sh "$out" "$budget"
need_debs wordnet-base   # the English control benchmark

stage() {   # stage NAME WHAT: says what a stage did, or that an earlier run's output was kept
  echo "== distill.sh: $1: $2" >&2
}

# 1. Parallel pairs.
if [[ ! -f "$out/parallel/_summary.json" ]]; then
  rm -rf "$out/parallel"
  "$omni" make-parallel --languages "$langs" --out "$out/parallel"
  stage make-parallel "wrote $out/parallel"
else
  stage make-parallel "kept $out/parallel from an earlier run"
fi

# 2. A seeded sample of the training pairs and their distinct English sources; the teacher
#    embeds these once.
if [[ ! -f "$out/sample/.done" ]]; then
  rm -rf "$out/sample"
  mkdir -p "$out/sample/pairs" "$out/sample/sources"
  python3 - "$out/parallel/train" "$out/sample" "$max_pairs" "$seed" <<'PY'
import glob, json, random, sys
train, dst, n, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
lines = []
for f in sorted(glob.glob(f"{train}/part-*.jsonl")):
    with open(f, encoding="utf-8") as fh:
        lines += [l for l in fh.read().splitlines() if l.strip()]
lines.sort()   # the sample depends on the pairs and the seed, not on the part files
pick = sorted(random.Random(seed).sample(lines, min(n, len(lines))))
sources = {}
with open(f"{dst}/pairs/part-00000.jsonl", "w", encoding="utf-8") as fh:
    for l in pick:
        fh.write(l + "\n")
        r = json.loads(l)
        sources[r["source_id"]] = r["source"]
with open(f"{dst}/sources/part-00000.jsonl", "w", encoding="utf-8") as fh:
    for i in sorted(sources):
        fh.write(json.dumps({"id": i, "text": sources[i]}, ensure_ascii=False) + "\n")
print(f"sample: {len(pick)} of {len(lines)} training pairs, {len(sources)} distinct sources",
      file=sys.stderr)
PY
  touch "$out/sample/.done"
  stage sample "wrote $out/sample"
else
  stage sample "kept $out/sample from an earlier run"
fi
"$omni" embed --model "$teacher" --input "$out/sample/sources" --out "$out/teacher"
stage embed "teacher vectors in $out/teacher (embed resumes or does nothing when complete)"

# 3. Each sampled pair gets its teacher vector.
if [[ ! -f "$out/data/.done" ]]; then
  rm -rf "$out/data"
  "$omni" join-teacher --pairs "$out/sample/pairs" --teacher "$out/teacher" \
    --out "$out/data/distill"
  touch "$out/data/.done"
  stage join-teacher "wrote $out/data/distill"
else
  stage join-teacher "kept $out/data/distill from an earlier run"
fi
t_data=$(( $(date +%s) - t0 ))

# 4. The student.
t1=$(date +%s)
if [[ ! -d "$out/student/final" ]]; then
  if [[ -d "$out/student" ]]; then resume=(--resume); else resume=(); fi
  "$omni" train --data "$out/data/distill" --init "$teacher" --out "$out/student" \
    --set train.steps="$steps" --set train.batch_size="$batch" --set train.lr="$lr" \
    --set train.warmup_steps=$(( steps / 10 )) --set train.max_length="$max_length" \
    --set train.checkpoint_every=100 --set train.log_every=10 --set seed="$seed" "${resume[@]}"
  stage train "trained $out/student/final (${steps} steps)"
else
  stage train "kept $out/student/final from an earlier run"
fi
t_train=$(( $(date +%s) - t1 ))

# 5. Benchmarks and evaluation.
t2=$(date +%s)
benches=()
for l in ${langs//,/ }; do
  b="$out/bench/$l"
  if [[ ! -f "$b/qrels/test.tsv" ]]; then
    rm -rf "$b"
    "$omni" make-benchmark --parallel "$out/parallel" --language "$l" --out "$b" \
      --max-queries "$max_queries" --max-corpus "$max_corpus" --seed "$seed"
    stage make-benchmark "wrote $b"
  fi
  benches+=("$l")
done
if [[ ! -f "$out/bench/en-wordnet/qrels/test.tsv" ]]; then
  rm -rf "$out/bench/en-wordnet"
  "$omni" make-benchmark --wordnet /usr/share/wordnet --out "$out/bench/en-wordnet" \
    --max-queries "$max_queries" --max-corpus 3000 --seed "$seed"
  stage make-benchmark "wrote $out/bench/en-wordnet"
fi
benches+=(en-wordnet)
mkdir -p "$out/eval"
for b in "${benches[@]}"; do
  for m in teacher student; do
    f="$out/eval/$b-$m.json"
    if [[ ! -f "$f" ]]; then
      if [[ $m == teacher ]]; then model=$teacher; else model="$out/student/final"; fi
      "$omni" eval --model "$model" --benchmark "$out/bench/$b" --out "$f.tmp" \
        --max-length "$eval_max_length" --query-prompt none --corpus-prompt none >/dev/null
      mv "$f.tmp" "$f"
      stage eval "$b, $m: $f"
    fi
  done
done
t_eval=$(( $(date +%s) - t2 ))

python3 - "$out" "$budget" "$t_data" "$t_train" "$t_eval" "${benches[@]}" <<'PY' \
  | tee "$out/results.md"
import json, sys
out, budget, t_data, t_train, t_eval, benches = (sys.argv[1], sys.argv[2], sys.argv[3],
    sys.argv[4], sys.argv[5], sys.argv[6:])
print("| benchmark | queries | documents | teacher NDCG@10 | student NDCG@10 | change |")
print("|---|---|---|---|---|---|")
for b in benches:
    t = json.load(open(f"{out}/eval/{b}-teacher.json"))
    s = json.load(open(f"{out}/eval/{b}-student.json"))
    tn, sn = t["metrics"]["ndcg@10"], s["metrics"]["ndcg@10"]
    name = "en (WordNet gloss -> words, control)" if b == "en-wordnet" else f"{b} -> en"
    print(f"| {name} | {t['queries']} | {t['corpus']} | {tn:.4f} | {sn:.4f} | {sn - tn:+.4f} |")
summary = json.load(open(f"{out}/parallel/_summary.json"))
m = [json.loads(l) for l in open(f"{out}/student/metrics.jsonl")]
loss = lambda rows: sum(r["loss"] for r in rows) / len(rows)
print()
print(f"Budget: {budget}.")
print(f"Training pairs available: {summary['total']['train']}, sampled: "
      f"{sum(1 for _ in open(f'{out}/sample/pairs/part-00000.jsonl'))}; held-out pairs: "
      f"{summary['total']['heldout']}.")
print(f"Distillation loss: {loss(m[:10]):.4f} (first 10 steps) -> {loss(m[-10:]):.4f} (last 10)."
      f" Time: data {t_data} s, training {t_train} s, evaluation {t_eval} s (0 where an earlier"
      f" run's output was kept).")
PY
echo "distill.sh: results in $out/results.md ($(( $(date +%s) - t0 )) s)" >&2
