#!/usr/bin/env bash
# Quick start: the main job end to end on an embedded local Spark.
#
# 1. builds the project (mvn package);
# 2. fetches a real code corpus from Maven Central: the Apache Commons Text sources jar;
# 3. turns it into a BEIR-layout code retrieval benchmark (Javadoc description -> method);
# 4. embeds the corpus to Parquet with the pretrained all-MiniLM-L6-v2 imported into omniembed's
#    own encoder;
# 5. evaluates that model, ONNX Runtime on the same weights, and Lucene BM25, and prints the
#    metrics side by side.
#
# Usage: jobs/quickstart.sh [OUT_DIR]     (default: out/quickstart; a new or empty directory, or
#        one an earlier quickstart made, which it empties)
# Downloads are cached under ${OMNIEMBED_CACHE:-~/.cache/omniembed}.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${1:-$here/out/quickstart}
cache=${OMNIEMBED_CACHE:-$HOME/.cache/omniembed}
omniembed="$here/jobs/omniembed"
source "$here/jobs/outdir.sh"
fresh_out "$out" jobs/quickstart.sh   # refuses a non-empty directory it did not make

echo "== build"
(cd "$here" && mvn -B -q package -DskipTests)

echo "== fetch org.apache.commons:commons-text:1.15.0 sources from Maven Central"
mkdir -p "$cache/sources"
sources="$cache/sources/commons-text-1.15.0-sources.jar"
if [[ ! -f "$sources" ]]; then
  (cd "$here" && mvn -B -q dependency:copy \
    -Dartifact=org.apache.commons:commons-text:1.15.0:jar:sources \
    -DoutputDirectory="$cache/sources")
fi

echo "== make-benchmark"
"$omniembed" make-benchmark --sources "$sources" --out "$out/bench" --max-queries 300

echo "== embed"
"$omniembed" embed --model pretrained:all-MiniLM-L6-v2 --input "$out/bench/corpus.jsonl" \
  --out "$out/vectors"

echo "== eval"
for model in pretrained:all-MiniLM-L6-v2 onnx:all-MiniLM-L6-v2 bm25; do
  name=${model%%:*}
  "$omniembed" eval --model "$model" --benchmark "$out/bench" --out "$out/eval-$name.json" \
    | tee "$out/eval-$name.txt"
done

echo
echo "== results ($out/bench: $(wc -l < "$out/bench/queries.jsonl") queries, $(wc -l < "$out/bench/corpus.jsonl") methods)"
head -1 "$out/eval-pretrained.txt"
for name in pretrained onnx bm25; do
  sed -n 2p "$out/eval-$name.txt"
done
echo "vectors: $out/vectors (Parquet), metrics: $out/eval-*.json"
