#!/usr/bin/env bash
# Multimodal recipe: add image, audio and video towers to the pretrained all-MiniLM-L6-v2 text
# encoder and pre-fine-tune on a mix of image-text, audio-text, video-text, text and code tasks.
#
#   jobs/recipes/multimodal.sh OUT_DIR
#
# Data (all real, fetched from npm and Debian): emoji images with CLDR names in en/de/fr/es,
# flags with country names, Fashion-MNIST with class captions, names spoken by espeak-ng in four
# languages, composed clips (an emoji moving in one of four directions, template captions:
# composed material, labelled so). Text: WordNet definitions; code: guava Javadoc -> method.
# Held out: 10% of the images (text2image), their spoken names (text2audio, speech ablation) and
# clips (text2video); WordNet and commons-text benchmarks for the text path.
# Evaluates the untouched text model and the result on text and code (is text quality kept?), the
# result on the cross-modal benchmarks, and native audio vs an ASR pipeline (pocketsphinx en-us
# transcribes, then the text is embedded) in-language and cross-language. Writes
# OUT_DIR/results.md; leaves the final checkpoint in OUT_DIR/final.
# Expected run time on 2 cores: about 100 minutes on a first run (STEPS=900; set STEPS to shorten).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
out=${1:?usage: multimodal.sh OUT_DIR}
steps=${STEPS:-900}
claim_out "$out" jobs/recipes/multimodal.sh   # a new or empty dir, or an earlier run's (resumed)
out=$(cd "$out" && pwd)
t0=$(date +%s)

need_debs espeak-ng sox iso-codes iso-flags-png-320x240 dataset-fashion-mnist wordnet-base \
  pocketsphinx pocketsphinx-en-us
npm_fetch emoji-datasource-google@16.0.0 cldr-annotations-full@48.2.0

# 1. Data: multimodal pairs and benchmarks, text and code pairs, text and code benchmarks.
if [[ ! -f "$out/data/manifest.json" ]]; then
  rm -rf "$out/data"
  "$omni" make-multimodal --emoji "$npm_dir/emoji-datasource-google/package" \
    --cldr "$npm_dir/cldr-annotations-full/package" --languages en,de,fr,es \
    --flags /usr/share/iso-flags-png-320x240 --fashion-mnist /usr/share/datasets/fashion-mnist \
    --speech --out "$out/data"
fi
if [[ ! -d "$out/bench-text" ]]; then
  "$omni" make-benchmark --wordnet /usr/share/wordnet --out "$out/bench-text" \
    --max-queries 300 --max-corpus 3000
  "$omni" make-benchmark --sources "$(fetch org.apache.commons:commons-text:1.15.0)" \
    --out "$out/bench-code" --max-queries 300
  "$omni" make-benchmark --wordnet /usr/share/wordnet --pairs text-definition --out "$out/text"
  "$omni" make-benchmark --sources "$(fetch com.google.guava:guava:33.4.8-jre)" \
    --pairs code-doc2code --out "$out/code"
  cp "$out/text/pairs.jsonl" "$out/data/train/pairs-text.jsonl"
  cp "$out/code/pairs.jsonl" "$out/data/train/pairs-code.jsonl"
fi
# prepare: one pass over every pair (media paths resolved to absolute, held-out benchmark
# content excluded, duplicates dropped); no mined negatives in this stage.
if [[ ! -f "$out/triplets/_summary.json" ]]; then
  rm -rf "$out/triplets"
  "$omni" prepare --pairs "$out/data/train/*.jsonl" --negatives none \
    --exclude "$out/bench-text" "$out/bench-code" --out "$out/triplets"
fi
t_data=$(( $(date +%s) - t0 ))

# 2. Pre-fine-tuning from the text model with media towers added.
t1=$(date +%s)
if [[ ! -d "$out/pft/final" ]]; then
  if [[ -d "$out/pft" ]]; then resume=(--resume); else resume=(); fi
  "$omni" train --config "$here/conf/train/multimodal-pft.conf" --data "$out/triplets" \
    --init pretrained:all-MiniLM-L6-v2 --media default --out "$out/pft" \
    --set train.steps="$steps" "${resume[@]}"
fi
rm -rf "$out/final"
cp -r "$out/pft/final" "$out/final"
t_train=$(( $(date +%s) - t1 ))

# 3. Evaluation.
ev() {   # ev MODEL BENCH LABEL
  "$omni" eval --model "$1" --benchmark "$2" --out "$out/eval/$3.json" >/dev/null
}
mkdir -p "$out/eval"
for b in text code; do
  ev pretrained:all-MiniLM-L6-v2 "$out/bench-$b" "$b-pretrained"
  ev "$out/final" "$out/bench-$b" "$b-final"
done
for b in text2image text2audio text2video; do
  ev "$out/final" "$out/data/bench-$b" "$b-final"
done

# 4. Speech ablation: native audio queries vs pocketsphinx transcripts embedded as text.
asr_cache="$out/asr-cache"
mkdir -p "$asr_cache"
transcribe() {   # WAV -> transcript on stdout (cached by content)
  local wav=$1 key
  key=$(md5sum "$wav" | cut -c1-32)
  if [[ ! -f "$asr_cache/$key.txt" ]]; then
    sox -q "$wav" -r 16000 -c 1 -b 16 "$asr_cache/$key.wav"
    pocketsphinx_continuous -infile "$asr_cache/$key.wav" -logfn /dev/null \
      > "$asr_cache/$key.txt" 2>/dev/null || true
    rm -f "$asr_cache/$key.wav"
  fi
  tr '\n' ' ' < "$asr_cache/$key.txt"
}
export -f transcribe
export asr_cache
for d in "$out"/data/speech-*; do
  name=$(basename "$d")
  ev "$out/final" "$d" "$name-native"
  asr="$out/asr/$name"
  if [[ ! -f "$asr/queries.jsonl" ]]; then
    rm -rf "$asr" && mkdir -p "$asr/qrels"
    cp "$d/corpus.jsonl" "$asr/" && cp "$d/qrels/test.tsv" "$asr/qrels/"
    python3 - "$d" "$asr" <<'PY'
import json, os, subprocess, sys
from concurrent.futures import ThreadPoolExecutor
src, dst = sys.argv[1], sys.argv[2]
queries = [json.loads(l) for l in open(f"{src}/queries.jsonl")]
def run(q):
    wav = os.path.join(src, q["audio"])
    text = subprocess.run(["bash", "-c", 'transcribe "$0"', wav], capture_output=True,
                          text=True).stdout.strip()
    return {"_id": q["_id"], "text": text if text else "(no transcript)"}
with ThreadPoolExecutor(2) as pool:
    rows = list(pool.map(run, queries))
with open(f"{dst}/queries.jsonl", "w") as f:
    for r in rows:
        f.write(json.dumps(r, ensure_ascii=False) + "\n")
PY
  fi
  ev "$out/final" "$asr" "$name-asr"
done
t_all=$(( $(date +%s) - t0 ))

python3 - "$out" "$steps" "$t_data" "$t_train" "$t_all" <<'PY'
import json, glob, os, sys
out, steps, t_data, t_train, t_all = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:])
def m(label):
    return json.load(open(f"{out}/eval/{label}.json"))["metrics"]
lines = [f"# Multimodal pre-fine-tuning ({steps} steps)", "",
         f"Data {t_data} s, training {t_train} s, everything {t_all} s.", "",
         "## Text quality (held-out WordNet and commons-text)", "",
         "| model | text NDCG@10 | text R@1 | code NDCG@10 | code R@1 |", "|---|---|---|---|---|"]
for label in ["pretrained", "final"]:
    t, c = m(f"text-{label}"), m(f"code-{label}")
    lines.append(f"| {label} | {t['ndcg@10']:.4f} | {t['recall@1']:.4f} | {c['ndcg@10']:.4f} |"
                 f" {c['recall@1']:.4f} |")
lines += ["", "## Cross-modal (held-out images, spoken names, composed clips)", "",
          "| benchmark | R@1 | NDCG@10 | R@10 |", "|---|---|---|---|"]
for b in ["text2image", "text2audio", "text2video"]:
    x = m(f"{b}-final")
    lines.append(f"| {b} | {x['recall@1']:.4f} | {x['ndcg@10']:.4f} | {x['recall@10']:.4f} |")
lines += ["", "## Speech: native audio vs ASR (pocketsphinx en-us) then text", "",
          "Speech in language A (query), names in language B (corpus).", "",
          "| A → B | native R@1 | native NDCG@10 | ASR R@1 | ASR NDCG@10 |", "|---|---|---|---|---|"]
for d in sorted(glob.glob(f"{out}/data/speech-*")):
    name = os.path.basename(d)
    n, a = m(f"{name}-native"), m(f"{name}-asr")
    ab = name[len("speech-"):].replace("-", " → ")
    lines.append(f"| {ab} | {n['recall@1']:.4f} | {n['ndcg@10']:.4f} | {a['recall@1']:.4f} |"
                 f" {a['ndcg@10']:.4f} |")
open(f"{out}/results.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
