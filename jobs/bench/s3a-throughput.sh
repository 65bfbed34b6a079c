#!/usr/bin/env bash
# s3a against a local S3-compatible server (S3Proxy, filesystem backend, 127.0.0.1) versus local
# disk: raw sequential write/read through Hadoop's filesystem API, and the same embed job with
# its input and output on each.
#
# Usage: jobs/bench/s3a-throughput.sh [OUT_DIR]   (N items, default 20000; MB, default 256;
#        MODEL, default a tiny random checkpoint, so that I/O is a visible share of the job)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../outdir.sh"
out=${1:-/tmp/omniembed-s3a-throughput}
fresh_out "$out" jobs/bench/s3a-throughput.sh   # refuses a non-empty directory it did not make
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
n=${N:-20000}; mb=${MB:-256}
omni="$here/jobs/omniembed"
mkdir -p "$out/local"
source "$here/jobs/s3proxy.sh"
s3proxy_start "$out/s3/data"
mkdir -p "$out/s3/data/bench"
s3a=("${S3A_SETTINGS[@]}")
conf=("${S3A_CONF[@]}")

echo "== raw Hadoop filesystem throughput, $mb MiB"
run_java io.omniembed.bench.FsThroughput "file://$out/local" "$mb"
run_java io.omniembed.bench.FsThroughput "s3a://bench/raw" "$mb" "${s3a[@]}"

echo "== the same embed job, input and output on local disk vs s3a"
"$omni" make-benchmark --wordnet /usr/share/wordnet --max-corpus "$n" --max-queries 10 \
  --out "$out/wn" >/dev/null
cp "$out/wn/corpus.jsonl" "$out/local/corpus.jsonl"
run_java io.omniembed.bench.FsThroughput put "$out/wn/corpus.jsonl" s3a://bench/in/corpus.jsonl \
  "${s3a[@]}" 2>&1 | grep -v MetricsConfig || true
model=${MODEL:-}
if [[ -z "$model" ]]; then
  run_java io.omniembed.bench.TinyCheckpoint "$out/tiny"
  model="$out/tiny"
fi
size=$(du -m "$out/local/corpus.jsonl" | cut -f1)
for where in local s3a; do
  if [[ $where == local ]]; then in="$out/local/corpus.jsonl"; o="$out/local/vectors"; c=();
  else in="s3a://bench/in/corpus.jsonl"; o="s3a://bench/vectors"; c=("${conf[@]}"); fi
  t0=$(date +%s.%N)
  "$omni" embed --model "$model" --input "$in" --out "$o" --master "local[$threads]" "${c[@]}" \
    --sample 0 >"$out/embed-$where.log" 2>&1
  t1=$(date +%s.%N)
  printf "embed %s: %d items (%d MB JSONL in) in %.1f s\n" "$where" "$n" "$size" \
    "$(echo "$t1 - $t0" | bc)"
done
du -sh "$out/local/vectors" "$out/s3/data/bench/vectors" | sed 's/^/output size: /'
