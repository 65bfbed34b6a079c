#!/usr/bin/env bash
# The engines of `embed` side by side on the same 2,000 texts (Javadoc descriptions of the
# commons-lang3 3.18.0 sources jar, Maven Central) with the all-MiniLM-L6-v2 weights:
#  1. in one process, the same length-sorted batches: plain ONNX Runtime on the published ONNX
#     file, the project's exported graph on ONNX Runtime in fp32 and int8, the own encoder;
#  2. the embed job end to end (local[THREADS]: read JSONL, tokenise, batch, run, write Parquet)
#     with --engine onnx fp32, onnx int8 and nd4j; items/s from each run's _summary.json (the
#     embedding stage, after the model is loaded), and its ratio to plain ONNX Runtime of part 1.
# Usage: jobs/bench/embed-engines.sh [REPS]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
reps=${1:-3}
cache=${OMNIEMBED_CACHE:-$HOME/.cache/omniembed}
sources="$cache/sources/commons-lang3-3.18.0-sources.jar"
if [[ ! -f "$sources" ]]; then
  (cd "$here" && mvn -B -q dependency:copy -Dartifact=org.apache.commons:commons-lang3:3.18.0:jar:sources \
    -DoutputDirectory="$cache/sources")
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$here/jobs/omniembed" make-benchmark --sources "$sources" --out "$work/bench" --max-queries 2000 \
  2>/dev/null
run_java io.omniembed.bench.EngineThroughput "$work/bench/queries.jsonl" 32 "$reps" "$threads" \
  2>/dev/null | tee "$work/engines.txt"
plain=$(sed -n 's/.*plain-onnxruntime=\([0-9.]*\).*/\1/p' "$work/engines.txt")
for engine in "onnx fp32" "onnx int8" "nd4j fp32"; do
  set -- $engine
  out="$work/embed-$1-$2"
  "$here/jobs/omniembed" embed --model pretrained:all-MiniLM-L6-v2 --input "$work/bench/queries.jsonl" \
    --out "$out" --engine "$1" --precision "$2" --batch-size 32 --master "local[$threads]" \
    >/dev/null 2>&1
  rate=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["items_per_second"])' \
    "$out/_summary.json")
  /usr/bin/python3 -c 'import sys; e,p,r,plain=sys.argv[1:]; print(f"JOB engine={e} precision={p} items_per_s={float(r):.1f} vs_plain_onnxruntime={float(r)/float(plain):.2f}x")' \
    "$1" "$2" "$rate" "$plain"
done
