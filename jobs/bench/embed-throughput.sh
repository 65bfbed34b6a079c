#!/usr/bin/env bash
# Embedding throughput: omniembed's encoder vs ONNX Runtime (and PyTorch) on the same 2,000 texts,
# the same length-sorted batches of 32. The texts are Javadoc descriptions from the
# commons-lang3 3.18.0 sources jar (Maven Central). Usage: jobs/bench/embed-throughput.sh [REPS]
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
run_java io.omniembed.bench.EmbedThroughput "$work/bench/queries.jsonl" 32 "$reps" "$threads" \
  "$work/ids.txt" 2>/dev/null
if have_torch; then
  (cd "$here/jobs/bench/peers" && /usr/bin/python3 tinfer.py "$work/ids.txt" 32 "$reps" "$threads")
fi
