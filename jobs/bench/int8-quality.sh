#!/usr/bin/env bash
# What int8 costs in retrieval quality: eval of all-MiniLM-L6-v2 on ONNX Runtime in fp32 and int8
# and on the own encoder, on two held-out benchmarks: code (Javadoc -> method, commons-text 1.15.0
# sources jar, Maven Central) and WordNet (gloss -> words, Debian wordnet-base). Prints NDCG@10
# per engine and the int8 - fp32 change. Usage: jobs/bench/int8-quality.sh [QUERIES=500] [CORPUS=5000]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
queries=${1:-500}
corpus=${2:-5000}
cache=${OMNIEMBED_CACHE:-$HOME/.cache/omniembed}
sources="$cache/sources/commons-text-1.15.0-sources.jar"
if [[ ! -f "$sources" ]]; then
  (cd "$here" && mvn -B -q dependency:copy -Dartifact=org.apache.commons:commons-text:1.15.0:jar:sources \
    -DoutputDirectory="$cache/sources")
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$here/jobs/omniembed" make-benchmark --sources "$sources" --out "$work/code" \
  --max-queries "$queries" --max-corpus "$corpus" >/dev/null 2>&1
"$here/jobs/omniembed" make-benchmark --wordnet /usr/share/wordnet --out "$work/wordnet" \
  --max-queries "$queries" --max-corpus "$corpus" >/dev/null 2>&1
for bench in code wordnet; do
  for engine in "onnx fp32" "onnx int8" "nd4j fp32"; do
    set -- $engine
    "$here/jobs/omniembed" eval --model pretrained:all-MiniLM-L6-v2 --benchmark "$work/$bench" \
      --out "$work/$bench-$1-$2.json" --engine "$1" --precision "$2" --master "local[$threads]" \
      >/dev/null 2>&1
  done
  /usr/bin/python3 - "$work" "$bench" <<'PY'
import json, sys
work, bench = sys.argv[1:]
r = {e: json.load(open(f"{work}/{bench}-{e}.json")) for e in ("onnx-fp32", "onnx-int8", "nd4j-fp32")}
n = {e: v["metrics"]["ndcg@10"] for e, v in r.items()}
q = r["onnx-fp32"]["queries"]; c = r["onnx-fp32"]["corpus"]
print(f"QUALITY bench={bench} queries={q} corpus={c} " + " ".join(f"{e}={v:.4f}" for e, v in n.items())
      + f" int8-fp32={n['onnx-int8'] - n['onnx-fp32']:+.4f}"
      + " seconds " + " ".join(f"{e}={v['seconds']:.0f}" for e, v in r.items()))
PY
done
