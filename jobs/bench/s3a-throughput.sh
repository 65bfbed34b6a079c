#!/usr/bin/env bash
# s3a against a local S3-compatible server (S3Proxy, filesystem backend, 127.0.0.1) versus local
# disk: raw sequential write/read through Hadoop's filesystem API, and the same embed job with
# its input and output on each.
#
# Usage: jobs/bench/s3a-throughput.sh [OUT_DIR]   (N items, default 20000; MB, default 256;
#        MODEL, default a tiny random checkpoint, so that I/O is a visible share of the job)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
out=${1:-/tmp/omniembed-s3a-throughput}
n=${N:-20000}; mb=${MB:-256}
omni="$here/jobs/omniembed"
rm -rf "$out" && mkdir -p "$out/s3/data/bench" "$out/local"
jar="$here/target/s3proxy/s3proxy.jar"
[[ -f "$jar" ]] || (cd "$here" && mvn -B -q generate-test-resources)

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export AWS_ACCESS_KEY_ID="bench-$RANDOM$RANDOM" AWS_SECRET_ACCESS_KEY="secret-$RANDOM$RANDOM$RANDOM"
export AWS_REGION=us-east-1
cat > "$out/s3proxy.properties" <<P
s3proxy.endpoint=http://127.0.0.1:$port
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=$AWS_ACCESS_KEY_ID
s3proxy.credential=$AWS_SECRET_ACCESS_KEY
jclouds.provider=filesystem
jclouds.filesystem.basedir=$out/s3/data
P
java -jar "$jar" --properties "$out/s3proxy.properties" >"$out/s3proxy.log" 2>&1 &
proxy=$!
trap 'kill $proxy 2>/dev/null || true' EXIT
until (echo >/dev/tcp/127.0.0.1/$port) 2>/dev/null; do sleep 0.2; done

s3a=(fs.s3a.endpoint=http://127.0.0.1:$port fs.s3a.endpoint.region=us-east-1
  fs.s3a.path.style.access=true fs.s3a.connection.ssl.enabled=false
  fs.s3a.directory.marker.retention=keep)
conf=(); for kv in "${s3a[@]}"; do conf+=(--conf "spark.hadoop.$kv"); done

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
