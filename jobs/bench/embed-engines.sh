#!/usr/bin/env bash
# The engines of `embed` side by side on the same 2,000 texts (TEXTS) (Javadoc descriptions of the
# commons-lang3 3.18.0 sources jar, Maven Central) with the all-MiniLM-L6-v2 weights:
#  1. in one process, the same length-sorted batches: plain ONNX Runtime on the published ONNX
#     file, the project's exported graph on ONNX Runtime in fp32 and int8, the own encoder;
#  2. the embed job end to end in the same process (local[THREADS]: read JSONL, tokenise, batch,
#     run, write Parquet) with --engine onnx fp32, onnx int8 and nd4j, each right after a plain
#     ONNX Runtime pass; items/s from each run's _summary.json and the ratio to that pass.
# Usage: jobs/bench/embed-engines.sh [REPS=3] [TEXTS=2000] [ENGINES=onnx-fp32,onnx-int8,nd4j]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
reps=${1:-3}
texts=${2:-2000}
cache=${OMNIEMBED_CACHE:-$HOME/.cache/omniembed}
sources="$cache/sources/commons-lang3-3.18.0-sources.jar"
if [[ ! -f "$sources" ]]; then
  (cd "$here" && mvn -B -q dependency:copy -Dartifact=org.apache.commons:commons-lang3:3.18.0:jar:sources \
    -DoutputDirectory="$cache/sources")
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$here/jobs/omniembed" make-benchmark --sources "$sources" --out "$work/bench" --max-queries "$texts" \
  2>/dev/null
run_java io.omniembed.bench.EngineThroughput "$work/bench/queries.jsonl" 32 "$reps" "$threads" \
  "$work" "${3:-onnx-fp32,onnx-int8,nd4j}" 2>/dev/null
