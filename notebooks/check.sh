#!/usr/bin/env bash
# Executes every notebook headless on the outputs of a tiny run, and fails if a cell errors, a
# figure is empty (each plot calls omniplot.check) or a notebook draws no figure at all.
#
# Usage: notebooks/check.sh [WORK_DIR]     (needs the built jars: mvn package; WORK_DIR: a new or
#        empty directory, or one an earlier check made, which it empties; default: a temp dir)
# Debian packages: python3-notebook jupyter-nbconvert python3-nbclient python3-ipykernel
#                  python3-pandas python3-matplotlib python3-sklearn
#
# The tiny run: synthetic code data and two code benchmarks from this project's own sources,
# 60 training steps of the tiny preset, eval of the pretrained model and the trained one (the
# tiny model at each Matryoshka dimension), and embed of 1,000 training queries with their task.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=${1:-$(mktemp -d)}
omni="$here/jobs/omniembed"
py=/usr/bin/python3
source "$here/jobs/outdir.sh"
fresh_out "$work" notebooks/check.sh   # refuses a non-empty directory it did not make
step() { echo "== $*"; }

step "synth-code and make-benchmark from src/"
"$omni" synth-code --sources "$here/src/main/java" --out "$work/synth" \
  --kinds doc2code,code2code,code-feedback >/dev/null
"$omni" make-benchmark --sources "$here/src/main/java" --out "$work/ablation/bench-main-code" >/dev/null
"$omni" make-benchmark --sources "$here/src/test/java" --out "$work/ablation/bench-test-code" >/dev/null

step "train (tiny, 60 steps)"
"$omni" train --data "$work/synth" --init random:tiny --out "$work/train" --set train.steps=60 \
  --set train.lr=1e-3 --set train.batch_size=16 --set train.log_every=20 >/dev/null

step "eval"
for d in 8 16 32; do
  "$omni" eval --model "$work/train/final" --benchmark "$work/ablation/bench-main-code" --dim $d \
    --out "$work/eval/tiny-$d.json" >/dev/null
done
for b in main-code test-code; do
  "$omni" eval --model pretrained:all-MiniLM-L6-v2 --benchmark "$work/ablation/bench-$b" \
    --out "$work/ablation/eval-$b-pretrained.json" >/dev/null
  "$omni" eval --model "$work/train/final" --benchmark "$work/ablation/bench-$b" \
    --out "$work/ablation/eval-$b-tiny-trained.json" >/dev/null
done
cp "$work/ablation/eval-main-code-pretrained.json" "$work/eval/pretrained-384.json"

step "embed (training queries with their task)"
"$py" - "$work" <<'PY'
import glob, json, sys
work = sys.argv[1]
with open(f"{work}/items.jsonl", "w") as out:
    for n, line in enumerate(l for f in sorted(glob.glob(f"{work}/synth/part-*.jsonl")) for l in open(f)):
        row = json.loads(line)
        q = row["query"] if isinstance(row["query"], str) else row["query"].get("text", "")
        out.write(json.dumps({"id": f"q{n}", "text": q, "task": row["task"]}) + "\n")
PY
"$omni" embed --model "$work/train/final" --input "$work/items.jsonl" --out "$work/vectors" \
  --sample 1000 >/dev/null

step "execute the notebooks"
export OMNIEMBED_TRAIN_DIR="$work/train" OMNIEMBED_EVAL_DIR="$work/eval" \
  OMNIEMBED_VECTORS_DIR="$work/vectors" OMNIEMBED_RECIPE_DIR="$work/ablation" MPLBACKEND= \
  PYDEVD_DISABLE_FILE_VALIDATION=1
mkdir -p "$work/executed"
for nb in "$here"/notebooks/*.ipynb; do
  "$py" -m nbconvert --to notebook --execute --ExecutePreprocessor.timeout=300 \
    --output-dir "$work/executed" "$nb" 2>&1 | grep -v "^\[NbConvertApp\] Writing" || true
  test -f "$work/executed/$(basename "$nb")" || { echo "notebook $nb failed"; exit 1; }
done
"$py" - "$here/notebooks" "$work/executed" <<'PY'
import glob, json, os, sys
source_dir, executed_dir = sys.argv[1:]
failed = False
for path in sorted(glob.glob(f"{source_dir}/*.ipynb")):
    name = os.path.basename(path)
    src = json.load(open(path))
    if any(c.get("outputs") for c in src["cells"] if c["cell_type"] == "code"):
        print(f"{name}: committed with outputs; clear them"); failed = True
    nb = json.load(open(os.path.join(executed_dir, name)))
    outputs = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])]
    errors = [o for o in outputs if o.get("output_type") == "error"]
    images = [o["data"]["image/png"] for o in outputs if "image/png" in o.get("data", {})]
    small = [i for i in images if len(i) < 2000]
    print(f"{name}: {len(images)} figures, {len(errors)} errors")
    if errors or not images or small:
        print(f"{name}: errors {errors}, {len(small)} figures with almost no pixels"); failed = True
sys.exit(1 if failed else 0)
PY
echo "notebooks: all executed -> $work/executed"
