#!/usr/bin/env bash
# The engines of `embed` side by side on the same 2,000 texts (TEXTS) (Javadoc descriptions of the
# commons-lang3 3.18.0 sources jar, Maven Central) with the all-MiniLM-L6-v2 weights:
#  1. in one process, the same length-sorted batches: plain ONNX Runtime on the published ONNX
#     file, the project's exported graph on ONNX Runtime in fp32 and int8, the own encoder;
#  2. the embed job end to end in the same process (local[THREADS]: read JSONL, tokenise, batch,
#     run, write Parquet) with --engine onnx fp32, onnx int8 and nd4j, each right after a plain
#     ONNX Runtime pass; items/s from each run's _summary.json and the ratio to that pass.
# TEXTS=mixed: instead, every Javadoc sentence and documented method of three Apache Commons source
# jars (lang3 3.18.0, collections4 4.4, io 2.16.1; 13,597 items, short and long mixed).
# Usage: jobs/bench/embed-engines.sh [REPS=3] [TEXTS=2000|mixed] [ENGINES=onnx-fp32,onnx-int8,nd4j]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
reps=${1:-3}
texts=${2:-2000}
cache=${OMNIEMBED_CACHE:-$HOME/.cache/omniembed}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sources_jar() {   # groupId:artifactId:version -> the sources jar, fetched from Maven Central once
  local name; name=$(cut -d: -f2,3 <<<"$1" | tr : -)
  if [[ ! -f "$cache/sources/$name-sources.jar" ]]; then
    (cd "$here" && mvn -B -q dependency:copy -Dartifact="$1:jar:sources" -DoutputDirectory="$cache/sources" >&2)
  fi
  echo "$cache/sources/$name-sources.jar"
}
if [[ "$texts" == mixed ]]; then
  i=0
  for a in org.apache.commons:commons-lang3:3.18.0 org.apache.commons:commons-collections4:4.4 \
      commons-io:commons-io:2.16.1; do
    "$here/jobs/omniembed" make-benchmark --sources "$(sources_jar "$a")" --out "$work/b$i" \
      --max-queries 100000 2>/dev/null
    i=$((i + 1))
  done
  # ids made unique across the jars (each benchmark numbers its own)
  cat "$work"/b*/queries.jsonl "$work"/b*/corpus.jsonl \
    | awk '{ sub(/"_id":"[^"]*"/, "\"_id\":\"m" NR "\""); print }' > "$work/texts.jsonl"
else
  "$here/jobs/omniembed" make-benchmark --sources "$(sources_jar org.apache.commons:commons-lang3:3.18.0)" \
    --out "$work/bench" --max-queries "$texts" 2>/dev/null
  cp "$work/bench/queries.jsonl" "$work/texts.jsonl"
fi
run_java io.omniembed.bench.EngineThroughput "$work/texts.jsonl" 32 "$reps" "$threads" \
  "$work" "${3:-onnx-fp32,onnx-int8,nd4j}" 2>/dev/null
