#!/usr/bin/env bash
# Media towers against a frozen text teacher (docs/benchmarks.md, "Locked-text media phase"): do
# the towers learn more per step, and per second, when the text side of every pair is the frozen
# text model's precomputed vector (LiT, Zhai et al. 2022, with the towers' roles swapped) than
# in today's joint training, where both sides are encoded and back-propagated?
#
#   jobs/recipes/media-lit.sh OUT_DIR
#
# 1. make-multimodal: emoji images with their English CLDR names, the names spoken by espeak-ng
#    (text2image, text2audio, audio2text pairs; 10% of the emoji held out for the
#    bench-text2image and bench-text2audio benchmarks); prepare (media paths resolved,
#    duplicates dropped, the benchmarks' content excluded).
# 2. lit-texts: the distinct captions and transcripts; embed them with the text model (the frozen
#    teacher); join-teacher --lit: every pair with its text's vector (lit-* tasks).
# 3. The locked-text phase (conf/train/media-lit.conf): the text model with MEDIA towers added,
#    LIT_STEPS steps on the lit-* tasks, the text-only parameters frozen (FROZEN).
# 4. The joint phase (conf/train/media-joint.conf) from that checkpoint, JOINT_STEPS steps at
#    JOINT_LR.
# 5. The baseline: today's joint training (media-joint.conf) from the same start for
#    LIT_STEPS + JOINT_STEPS steps, with a checkpoint at LIT_STEPS.
# 6. eval of text->image and text->audio on the held-out pairs (bare queries, no prompts) for the
#    locked-text checkpoint, the baseline at the same step, and both at the end.
# Writes OUT_DIR/results.md: step time (median of metrics.jsonl's step_s, same batch) and
# retrieval per phase.
#
# Budget knobs (environment): TEXT_MODEL (pretrained:all-MiniLM-L6-v2), MEDIA (tiny), LIT_STEPS
# (60), JOINT_STEPS (20), BATCH (32), LR (1e-4, the shared transformer's; the towers learn at
# 10 x), JOINT_LR (2e-5), FROZEN (text, or all-but-media), SPEECH_LIMIT (300 spoken names for
# training), BENCH_SIZE (200 queries per benchmark), EVAL_ENGINE (nd4j), SEED (1). A re-run with
# the same knobs resumes where the earlier one stopped; other knobs are refused.
# Run time on a quiet 2-core machine with the defaults: about 10 minutes (docs/benchmarks.md).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
out=${1:?usage: media-lit.sh OUT_DIR}
text_model=${TEXT_MODEL:-pretrained:all-MiniLM-L6-v2}
media=${MEDIA:-tiny}
lit_steps=${LIT_STEPS:-60}
joint_steps=${JOINT_STEPS:-20}
batch=${BATCH:-32}
lr=${LR:-1e-4}
joint_lr=${JOINT_LR:-2e-5}
frozen=${FROZEN:-text}
speech_limit=${SPEECH_LIMIT:-300}
bench_size=${BENCH_SIZE:-200}
eval_engine=${EVAL_ENGINE:-nd4j}
seed=${SEED:-1}
total_steps=$(( lit_steps + joint_steps ))
claim_out "$out" jobs/recipes/media-lit.sh   # a new or empty dir, or an earlier run's (resumed)
out=$(cd "$out" && pwd)
t0=$(date +%s)

budget="TEXT_MODEL=$text_model MEDIA=$media LIT_STEPS=$lit_steps JOINT_STEPS=$joint_steps"
budget+=" BATCH=$batch LR=$lr JOINT_LR=$joint_lr FROZEN=$frozen SPEECH_LIMIT=$speech_limit"
budget+=" BENCH_SIZE=$bench_size EVAL_ENGINE=$eval_engine SEED=$seed"
keep_budget media-lit.sh "$out" "$budget"

stage() {   # stage NAME WHAT: says what a stage did, or that an earlier run's output was kept
  echo "== media-lit.sh: $1: $2" >&2
}
need_debs espeak-ng   # the spoken names
npm_fetch emoji-datasource-google@16.0.0 cldr-annotations-full@48.2.0
t_start=$(date +%s)
seconds() {   # seconds SINCE: the seconds since SINCE
  echo $(( $(date +%s) - $1 ))
}

# 1. Media pairs and their held-out benchmarks.
if [[ ! -f "$out/data/manifest.json" ]]; then
  rm -rf "$out/data"
  "$omni" make-multimodal --emoji "$npm_dir/emoji-datasource-google/package" \
    --cldr "$npm_dir/cldr-annotations-full/package" --languages en --speech \
    --speech-limit "$speech_limit" --clip-limit 0 --bench-size "$bench_size" --seed "$seed" \
    --out "$out/data"
  stage make-multimodal "wrote $out/data"
fi
if [[ ! -f "$out/triplets/_summary.json" ]]; then
  rm -rf "$out/triplets"
  "$omni" prepare --pairs "$out/data/train/pairs-media.jsonl" --negatives none \
    --exclude "$out/data/bench-text2image" "$out/data/bench-text2audio" --out "$out/triplets"
  stage prepare "wrote $out/triplets"
fi

# 2. The frozen text side: each distinct caption and transcript embedded once, joined to its pairs.
if [[ ! -f "$out/lit-texts/.done" ]]; then
  rm -rf "$out/lit-texts"
  "$omni" lit-texts --pairs "$out/triplets" --out "$out/lit-texts"
  touch "$out/lit-texts/.done"
fi
"$omni" embed --model "$text_model" --input "$out/lit-texts" --out "$out/teacher"
stage embed "the text model's vectors in $out/teacher (embed resumes or does nothing when complete)"
if [[ ! -f "$out/lit-pairs/.done" ]]; then
  rm -rf "$out/lit-pairs"
  "$omni" join-teacher --lit --pairs "$out/triplets" --teacher "$out/teacher" \
    --out "$out/lit-pairs"
  touch "$out/lit-pairs/.done"
fi
t_data=$(seconds "$t_start")

train() {   # train NAME CONFIG DATA INIT STEPS LR [--set ...]: OUT_DIR/NAME/final, resumed
  local name=$1 config=$2 data=$3 init=$4 steps=$5 rate=$6
  shift 6
  if [[ -d "$out/$name/final" ]]; then
    stage train "kept $out/$name/final from an earlier run"
    return
  fi
  local resume=()
  [[ -d "$out/$name" ]] && resume=(--resume)
  "$omni" train --config "$here/conf/train/$config" --data "$data" --init "$init" \
    --out "$out/$name" --set train.steps="$steps" --set train.batch_size="$batch" \
    --set train.lr="$rate" --set seed="$seed" "$@" "${resume[@]}"
  stage train "trained $out/$name/final ($steps steps)"
}
media_args=(--media "$media")
# 3. Locked text; 4. joint from there; 5. joint from the start, checkpointed at LIT_STEPS too.
t1=$(date +%s)
train lit media-lit.conf "$out/lit-pairs" "$text_model" "$lit_steps" "$lr" "${media_args[@]}" \
  --set train.frozen="$frozen" --set train.checkpoint_every="$lit_steps"
t_lit=$(seconds "$t1")
t1=$(date +%s)
train lit-joint media-joint.conf "$out/triplets" "$out/lit/final" "$joint_steps" "$joint_lr" \
  --set train.checkpoint_every="$joint_steps" --set train.warmup_steps=0
t_lit_joint=$(seconds "$t1")
t1=$(date +%s)
train joint media-joint.conf "$out/triplets" "$text_model" "$total_steps" "$lr" \
  "${media_args[@]}" --set train.checkpoint_every="$lit_steps"
t_joint=$(seconds "$t1")

# 6. Retrieval on the held-out pairs.
mkdir -p "$out/eval"
models=(lit:"$out/lit/final" lit-joint:"$out/lit-joint/final"
  joint-$lit_steps:"$out/joint/step-$lit_steps" joint:"$out/joint/final")
t1=$(date +%s)
for m in "${models[@]}"; do
  label=${m%%:*}
  model=${m#*:}
  for b in text2image text2audio; do
    f="$out/eval/$label-$b.json"
    if [[ ! -f "$f" ]]; then
      "$omni" eval --model "$model" --benchmark "$out/data/bench-$b" --out "$f.tmp" \
        --engine "$eval_engine" --query-prompt none --corpus-prompt none >/dev/null
      mv "$f.tmp" "$f"
      stage eval "$label, $b: $f"
    fi
  done
done
t_eval=$(seconds "$t1")

python3 - "$out" "$budget" "$lit_steps" "$joint_steps" "$t_data" "$t_lit" "$t_lit_joint" \
  "$t_joint" "$t_eval" <<'PY' | tee "$out/results.md"
import json, statistics, sys
out, budget = sys.argv[1], sys.argv[2]
lit_steps, joint_steps, t_data, t_lit, t_lit_joint, t_joint, t_eval = map(int, sys.argv[3:])
def metrics(run):
    return [json.loads(l) for l in open(f"{out}/{run}/metrics.jsonl") if l.strip()]
def step_s(rows):
    return statistics.median(r["step_s"] for r in rows)
def ev(label, bench):
    return json.load(open(f"{out}/eval/{label}-{bench}.json"))
lit, lit_joint, joint = metrics("lit"), metrics("lit-joint"), metrics("joint")
rows = [("locked text", f"{lit_steps}", "lit"),
        ("joint (baseline)", f"{lit_steps}", f"joint-{lit_steps}"),
        ("locked text, then joint", f"{lit_steps} + {joint_steps}", "lit-joint"),
        ("joint (baseline)", f"{lit_steps + joint_steps}", "joint")]
t2i = ev("lit", "text2image")
t2a = ev("lit", "text2audio")
print(f"Held out: text2image {t2i['queries']} queries / {t2i['corpus']} images, text2audio "
      f"{t2a['queries']} queries / {t2a['corpus']} clips (chance R@1 {1 / t2i['corpus']:.4f} "
      f"and {1 / t2a['corpus']:.4f}).")
print()
print("| run | steps | text2image R@1 | NDCG@10 | text2audio R@1 | NDCG@10 |")
print("|---|---|---|---|---|---|")
for name, steps, label in rows:
    i, a = ev(label, "text2image")["metrics"], ev(label, "text2audio")["metrics"]
    print(f"| {name} | {steps} | {i['recall@1']:.4f} | {i['ndcg@10']:.4f} |"
          f" {a['recall@1']:.4f} | {a['ndcg@10']:.4f} |")
tasks = ["text2image", "text2audio", "audio2text"]
def per_task(rows, task):
    v = [r["step_s"] for r in rows if r["task"].removeprefix("lit-") == task]
    return f"{statistics.median(v):.3f} ({len(v)})" if v else "-"
print()
print("Step time, s (median over the run's steps of each task, their count in brackets; the same"
      " batch; metrics.jsonl's step_s: encode, loss, backward, optimizer):")
print()
print("| run | " + " | ".join(tasks) + " | all steps |")
print("|---|" + "---|" * (len(tasks) + 1))
for name, rs in [("locked text", lit), ("joint phase after it", lit_joint),
                 ("joint (baseline)", joint)]:
    print(f"| {name} | " + " | ".join(per_task(rs, t) for t in tasks)
          + f" | {step_s(rs):.3f} |")
def loss(rows, task):
    v = [r["loss"] for r in rows if r["task"].removeprefix("lit-") == task]
    k = max(1, len(v) // 5)
    return f"{sum(v[:k]) / k:.3f} -> {sum(v[-k:]) / k:.3f}"
print()
print("Loss, mean of the first and last fifth of each run's batches of the task:")
for task in ["text2image", "text2audio", "audio2text"]:
    print(f"- {task}: locked text {loss(lit, task)}; joint phase after it"
          f" {loss(lit_joint, task)}; baseline {loss(joint, task)}")
print()
print(f"Budget: {budget}.")
print(f"Time (s; 0 where an earlier run's output was kept): data {t_data}, locked-text phase"
      f" {t_lit}, joint phase {t_lit_joint}, baseline {t_joint}, evaluation {t_eval}.")
PY
echo "media-lit.sh: results in $out/results.md ($(( $(date +%s) - t0 )) s)" >&2
