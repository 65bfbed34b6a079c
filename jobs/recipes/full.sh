#!/usr/bin/env bash
# The paper's staged recipe in one command: data, pre-fine-tuning with a large GradCache batch
# over text, code, multilingual and media tasks, hard negatives mined with the pre-fine-tuned
# model, fine-tuning on triplets (general, code specialist, media), model soups, and evaluation of
# every stage with and without task strings.
#
#   jobs/recipes/full.sh OUT_DIR
#
# Stages (each in its own OUT_DIR subdirectory, skipped on a re-run when its output is complete):
#  1. data/     Javadoc -> method pairs of guava, commons-lang3, commons-collections4, commons-io,
#               commons-math3 (Maven Central sources jars); synthetic code from the same jars
#               (synth-code: code2code clones, code-feedback, text2sql); GCIDE definition ->
#               headword pairs (Debian dict-gcide, the senses GCIDE took from WordNet left out);
#               parallel gettext pairs of LANGS (make-parallel, 10% of the packages held out),
#               trained as translation -> English source; emoji images with English CLDR names
#               and the names spoken by espeak-ng (make-multimodal; npm emoji-datasource-google,
#               cldr-annotations-full; 10% of the emoji held out).
#  2. bench/    Held-out benchmarks, none of them from training sources: commons-text Javadoc ->
#               method, WordNet gloss -> words, X -> English for each of LANGS from
#               make-parallel's held-out packages, text -> image and text -> audio on held-out
#               emoji. Each is split by query into a test part (reported in results.md) and two
#               small validation parts, merged across benchmarks: val-greedy (the greedy soup's
#               benchmark) and val-choice (picks OUT_DIR/final among the soups). Neither
#               validation part shares a query with the test parts, and the choice is not made
#               on the benchmark the greedy soup was built on.
#  3. pairs/    Seeded samples per task: PFT_PAIRS for pre-fine-tuning, FT_PAIRS others for
#               fine-tuning; prepare (deduplicated, every benchmark's content excluded).
#  4. pft/      Pre-fine-tuning (conf/train/full-pft.conf) from pretrained:all-MiniLM-L6-v2 with
#               MEDIA towers added: global batch PFT_BATCH through GradCache (chunks of PFT_CHUNK),
#               one task per batch at the config's rates, task strings.
#  5. negatives/ prepare --negatives model with pft/final on the fine-tuning pairs: one mined
#               hard negative per triplet (ranks 10-100, near-duplicates of the positive dropped).
#  6. ft-general/, ft-code/, ft-media/: fine-tuning from pft/final on the triplets, per-task batch
#               sizes and task strings, single-task batches: the text, code and multilingual tasks
#               (conf/train/full-ft.conf), the code tasks alone (full-ft-code.conf, the
#               specialist) and the media tasks alone (full-ft-media.conf, STEPS_MEDIA_FT).
#  7. soups/    uniform (the three fine-tunes), greedy (those and pft by NDCG@10 on val-greedy) and
#               specialist (ft-code souped with ft-general, to win back out-of-domain quality).
#  8. final/    The soup with the best NDCG@10 on val-choice (no task strings; ties go to the
#               earlier of uniform, greedy, specialist).
#  9. eval/     Every stage's checkpoint on every test benchmark (the pretrained text model on the
#               text ones): NDCG@10 without a task string and with the task's own.
# Writes OUT_DIR/results.md: the metrics per stage, the change each stage made, the choice of
# final and each stage's wall time; prints a line per stage as it goes.
#
# Budget knobs (environment): STEPS_PFT (30), PFT_BATCH (256), PFT_CHUNK (32), PFT_LR (5e-5),
# STEPS_FT (60), FT_LR (2e-5), STEPS_MEDIA_FT (40), PFT_PAIRS (2000 per task), FT_PAIRS (400 per
# task), LANGS (de,fr,es,it,pt), MEDIA (tiny), SPEECH_LIMIT (300 spoken names), EVAL_QUERIES (100
# test queries per benchmark), EVAL_CORPUS (300 documents per text benchmark), VAL_QUERIES (30 per
# domain in each validation part), VAL_DISTRACTORS (60 other documents per domain),
# EVAL_MAX_LENGTH (128), SEED (1). Per-task batch sizes and rates are in the configs. A re-run with
# the same knobs resumes where the earlier one stopped; other knobs are refused.
# Run time with the defaults on the shared 2-core machine, data building included: 67 minutes
# (pre-fine-tuning 22, fine-tuning 17, eval 18; docs/benchmarks.md, "Full staged recipe").
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
out=${1:?usage: full.sh OUT_DIR}
steps_pft=${STEPS_PFT:-30}
pft_batch=${PFT_BATCH:-256}
pft_chunk=${PFT_CHUNK:-32}
pft_lr=${PFT_LR:-5e-5}
steps_ft=${STEPS_FT:-60}
ft_lr=${FT_LR:-2e-5}
steps_media_ft=${STEPS_MEDIA_FT:-40}
pft_pairs=${PFT_PAIRS:-2000}
ft_pairs=${FT_PAIRS:-400}
langs=${LANGS:-de,fr,es,it,pt}
media=${MEDIA:-tiny}
speech_limit=${SPEECH_LIMIT:-300}
eval_queries=${EVAL_QUERIES:-100}
eval_corpus=${EVAL_CORPUS:-300}
val_queries=${VAL_QUERIES:-30}
val_distractors=${VAL_DISTRACTORS:-60}
eval_max_length=${EVAL_MAX_LENGTH:-128}
seed=${SEED:-1}
text_model=pretrained:all-MiniLM-L6-v2
tool="$here/jobs/recipes/full.py"
claim_out "$out" jobs/recipes/full.sh   # a new or empty dir, or an earlier run's (resumed)
out=$(cd "$out" && pwd)
t0=$(date +%s)

budget="STEPS_PFT=$steps_pft PFT_BATCH=$pft_batch PFT_CHUNK=$pft_chunk PFT_LR=$pft_lr"
budget+=" STEPS_FT=$steps_ft FT_LR=$ft_lr STEPS_MEDIA_FT=$steps_media_ft PFT_PAIRS=$pft_pairs"
budget+=" FT_PAIRS=$ft_pairs LANGS=$langs MEDIA=$media SPEECH_LIMIT=$speech_limit"
budget+=" EVAL_QUERIES=$eval_queries EVAL_CORPUS=$eval_corpus VAL_QUERIES=$val_queries"
budget+=" VAL_DISTRACTORS=$val_distractors EVAL_MAX_LENGTH=$eval_max_length SEED=$seed"
keep_budget full.sh "$out" "$budget"
need_debs wordnet-base dict-gcide espeak-ng
mkdir -p "$out/times"

# run_stage NAME DONE_FILE COMMAND...: runs COMMAND unless DONE_FILE exists (an earlier run's
# complete output), records its wall time in OUT/times/NAME and says what the stage did.
run_stage() {
  local name=$1 done_file=$2 start
  shift 2
  if [[ -e "$done_file" ]]; then
    echo "== full.sh: $name: kept from an earlier run ($done_file)" >&2
    return
  fi
  echo "== full.sh: $name: running" >&2
  start=$(date +%s)
  "$@"
  echo $(( $(date +%s) - start )) > "$out/times/$name"
  echo "== full.sh: $name: done in $(cat "$out/times/$name") s; $(python3 "$tool" changed \
    "$out" "$name")" >&2
}

# 1. Training data.
data() {
  local d="$out/data" jars=() gav
  rm -rf "$d" && mkdir -p "$d"
  for gav in "${code_train_gavs[@]}"; do
    jars+=("$(fetch "$gav")")
  done
  "$omni" make-benchmark --sources "${jars[@]}" --pairs code-doc2code --out "$d/code"
  "$omni" synth-code --sources "${jars[@]:1}" --kinds code2code,code-feedback,text2sql \
    --sql-examples "$(( pft_pairs + ft_pairs ))" --seed "$seed" --out "$d/synth"
  mkdir -p "$d/text"
  python3 "$tool" gcide /usr/share/dictd "$d/text/pairs.jsonl"
  "$omni" make-parallel --languages "$langs" --out "$d/parallel"
  npm_fetch emoji-datasource-google@16.0.0 cldr-annotations-full@48.2.0
  "$omni" make-multimodal --emoji "$npm_dir/emoji-datasource-google/package" \
    --cldr "$npm_dir/cldr-annotations-full/package" --languages en --speech \
    --speech-limit "$speech_limit" --clip-limit 0 --seed "$seed" \
    --bench-size "$(( eval_queries + 2 * val_queries ))" --out "$d/media"
  touch "$d/.done"
}
run_stage data "$out/data/.done" data

# 2. Held-out benchmarks, split into test and the two validation parts.
bench() {
  local b="$out/bench" l n_val_lang
  rm -rf "$b" && mkdir -p "$b/full"
  n_val_lang=$(python3 -c "import math;print(math.ceil($val_queries/len('$langs'.split(','))))")
  "$omni" make-benchmark --sources "$(fetch "$code_valid_gav")" --out "$b/full/code" \
    --max-queries "$(( eval_queries + 2 * val_queries ))" --max-corpus "$eval_corpus" \
    --seed "$seed"
  "$omni" make-benchmark --wordnet /usr/share/wordnet --out "$b/full/wordnet" \
    --max-queries "$(( eval_queries + 2 * val_queries ))" --max-corpus "$eval_corpus" \
    --seed "$seed"
  local splits=(code:"$val_queries" wordnet:"$val_queries")
  for l in ${langs//,/ }; do
    "$omni" make-benchmark --parallel "$out/data/parallel" --language "$l" \
      --out "$b/full/xling-$l" --max-queries "$(( eval_queries + 2 * n_val_lang ))" \
      --max-corpus "$eval_corpus" --seed "$seed"
    splits+=(xling-"$l":"$n_val_lang")
  done
  cp -r "$out/data/media/bench-text2image" "$b/full/text2image"
  cp -r "$out/data/media/bench-text2audio" "$b/full/text2audio"
  splits+=(text2image:"$val_queries" text2audio:"$val_queries")
  python3 "$tool" split "$b" "$seed" "$val_distractors" "${splits[@]}"
  touch "$b/.done"
}
run_stage bench "$out/bench/.done" bench
tests=()
for d in "$out"/bench/test/*/; do tests+=("$(basename "$d")"); done

# 3. Samples per task; prepare (duplicates dropped, benchmark content excluded).
pairs() {
  local p="$out/pairs"
  rm -rf "$p" && mkdir -p "$p"
  python3 "$tool" sample "$out/data" "$p" "$pft_pairs" "$ft_pairs" "$seed"
  "$omni" prepare --pairs "$p/pft-raw/*.jsonl" --negatives none \
    --exclude "$out"/bench/full/* --out "$p/pft"
  touch "$p/.done"
}
run_stage pairs "$out/pairs/.done" pairs

# train NAME CONFIG DATA INIT STEPS [ARGS...]: OUT_DIR/NAME/final, resumed when interrupted.
train() {
  local name=$1 config=$2 data=$3 init=$4 steps=$5 resume=()
  shift 5
  if compgen -G "$out/$name/step-*" >/dev/null; then resume=(--resume); else rm -rf "$out/$name"; fi
  "$omni" train --config "$here/conf/train/$config" --data "$data" --init "$init" \
    --out "$out/$name" --set train.steps="$steps" --set seed="$seed" "$@" "${resume[@]}"
}

# 4. Pre-fine-tuning: a large global batch through GradCache, from the text model + media towers.
run_stage pft "$out/pft/final" train pft full-pft.conf "$out/pairs/pft" "$text_model" \
  "$steps_pft" --media "$media" --set train.batch_size="$pft_batch" \
  --set train.grad_cache_chunk="$pft_chunk" --set train.lr="$pft_lr" \
  --set train.warmup_steps=$(( (steps_pft + 9) / 10 ))

# 5. Hard negatives mined with the pre-fine-tuned model.
negatives() {
  rm -rf "$out/negatives.tmp"
  "$omni" prepare --pairs "$out/pairs/ft-raw/*.jsonl" --negatives model \
    --model "$out/pft/final" --num-negatives 1 --exclude "$out"/bench/full/* \
    --out "$out/negatives.tmp"
  mv "$out/negatives.tmp" "$out/negatives"
}
run_stage negatives "$out/negatives/_summary.json" negatives

# 6. Fine-tuning on the triplets: general, code specialist, media.
ft_args=(--set train.lr="$ft_lr" --set train.warmup_steps=$(( (steps_ft + 9) / 10 )))
run_stage ft-general "$out/ft-general/final" train ft-general full-ft.conf "$out/negatives" \
  "$out/pft/final" "$steps_ft" "${ft_args[@]}"
run_stage ft-code "$out/ft-code/final" train ft-code full-ft-code.conf "$out/negatives" \
  "$out/pft/final" "$steps_ft" "${ft_args[@]}"
run_stage ft-media "$out/ft-media/final" train ft-media full-ft-media.conf "$out/negatives" \
  "$out/pft/final" "$steps_media_ft" --set train.warmup_steps=$(( (steps_media_ft + 9) / 10 ))

# 7. Soups.
soup() {   # soup NAME SOUP_ARGS...
  local name=$1
  shift
  rm -rf "$out/soups/$name.tmp" && mkdir -p "$out/soups"
  "$omni" soup "$@" --out "$out/soups/$name.tmp"
  mv "$out/soups/$name.tmp" "$out/soups/$name"
}
fts=("$out/ft-general/final" "$out/ft-code/final" "$out/ft-media/final")
run_stage soup-uniform "$out/soups/uniform" soup uniform --inputs "${fts[@]}"
run_stage soup-greedy "$out/soups/greedy" soup greedy --greedy \
  --benchmark "$out/bench/val-greedy" --inputs "${fts[@]}" "$out/pft/final"
run_stage soup-specialist "$out/soups/specialist" soup specialist \
  --inputs "$out/ft-code/final" "$out/ft-general/final"

# ev MODEL BENCH FILE [ARGS...]: NDCG@10 and the rest; without ARGS for every task string of the
# model and none.
ev() {
  local model=$1 bench=$2 file=$3
  shift 3
  [[ -f "$file" ]] && return
  mkdir -p "$(dirname "$file")"
  "$omni" eval --model "$model" --benchmark "$bench" --out "$file.tmp" \
    --max-length "$eval_max_length" "$@" >/dev/null
  mv "$file.tmp" "$file"
}

# 8. The recommended soup: the best on val-choice.
choose() {
  local s
  for s in uniform greedy specialist; do
    ev "$out/soups/$s" "$out/bench/val-choice" "$out/eval/val-choice/$s.json" \
      --query-prompt none
  done
  s=$(python3 "$tool" choose "$out")
  rm -rf "$out/final.tmp"
  cp -r "$out/soups/$s" "$out/final.tmp"
  echo "$s" > "$out/final.tmp/chosen.txt"
  mv "$out/final.tmp" "$out/final"
}
run_stage final "$out/final" choose

# 9. Every stage on every test benchmark (the text model on the text benchmarks only).
models=(pretrained:"$text_model" pft:"$out/pft/final" ft-general:"$out/ft-general/final"
  ft-code:"$out/ft-code/final" ft-media:"$out/ft-media/final" soup-uniform:"$out/soups/uniform"
  soup-greedy:"$out/soups/greedy" soup-specialist:"$out/soups/specialist")
evaluate() {   # one eval run per model, over every test benchmark it has no report of yet
  local m label model b f args
  mkdir -p "$out/eval/test"
  for m in "${models[@]}"; do
    label=${m%%:*}
    model=${m#*:}
    args=()
    for b in "${tests[@]}"; do
      [[ $label == pretrained && $b == text2* ]] && continue
      f="$out/eval/test/$label-$b.json"
      [[ -f "$f" ]] || args+=(--benchmark "$out/bench/test/$b" --out "$f.tmp")
    done
    if (( ${#args[@]} )); then
      "$omni" eval --model "$model" --max-length "$eval_max_length" "${args[@]}" >/dev/null
      for f in "$out/eval/test/$label"-*.json.tmp; do mv "$f" "${f%.tmp}"; done
    fi
    echo "== full.sh: eval: $label: $(( ${#args[@]} / 4 )) benchmarks evaluated" >&2
  done
  touch "$out/eval/test/.done"
}
run_stage eval "$out/eval/test/.done" evaluate

python3 "$tool" report "$out" "$budget" | tee "$out/results.md"
echo "full.sh: results in $out/results.md, recommended model in $out/final" \
  "($(( $(date +%s) - t0 )) s this run)" >&2
