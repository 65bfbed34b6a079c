#!/usr/bin/env bash
# ONNX export throughput: all-MiniLM-L6-v2 on ONNX Runtime with the graphs of
# `export --precision fp32` and `--precision int8`, against the project's encoder and ONNX Runtime
# on the original all-minilm-l6-v2.onnx (langchain4j jar), on the same texts in the same
# length-sorted batches. The texts are this repository's own Javadoc descriptions and the methods
# they document (make-benchmark over src/), so the script needs nothing from the network.
#
#   jobs/bench/export-throughput.sh [REPS] [BATCH]        (about 10 minutes on 2 cores)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
reps=${1:-3}
batch=${2:-32}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
omni="$here/jobs/omniembed"
"$omni" make-benchmark --sources "$here/src/main/java" "$here/src/test/java" --out "$work/texts" \
  --max-queries 2000 --min-doc-chars 20 2>/dev/null
for precision in fp32 int8; do
  "$omni" export --model pretrained:all-MiniLM-L6-v2 --format onnx --precision "$precision" \
    --out "$work/$precision" 2>/dev/null
done
run_java io.omniembed.bench.ExportThroughput "$work/fp32" "$work/int8" "$batch" "$reps" \
  "$threads" "$work/texts/queries.jsonl" "$work/texts/corpus.jsonl" 2>/dev/null
