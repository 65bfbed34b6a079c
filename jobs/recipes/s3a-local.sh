#!/usr/bin/env bash
# Every job against an S3-compatible object store, on one machine: starts S3Proxy on 127.0.0.1
# (filesystem backend, credentials only in the environment), stages WordNet-derived data in a
# bucket, then runs prepare, train (with checkpoints), embed and eval with s3a:// paths only.
#
# Usage: jobs/recipes/s3a-local.sh OUT_DIR     (OUT_DIR/s3/data/omni holds the bucket's objects;
#        a new or empty OUT_DIR, or one an earlier run made, which it empties)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
out=${1:?usage: s3a-local.sh OUT_DIR}
fresh_out "$out" jobs/recipes/s3a-local.sh
mkdir -p "$out/local"
source "$here/jobs/s3proxy.sh"
s3proxy_start "$out/s3/data"
mkdir -p "$out/s3/data/omni"
cp="$here/target/omniembed-0.1.0-SNAPSHOT.jar:$here/target/lib/*:$here/target/spark-lib/*"
put() { java -cp "$cp" io.omniembed.bench.FsThroughput put "$1" "$2" "${S3A_SETTINGS[@]}" 2>&1 \
  | grep -v MetricsConfig || true; }
run() { echo "== $1"; "$omni" "$@" --master "local[2]" "${S3A_CONF[@]}" 2>&1 | grep -v WARN | tail -2; }

echo "== stage data (WordNet glosses: a benchmark and definition pairs)"
"$omni" make-benchmark --wordnet /usr/share/wordnet --max-queries 200 --max-corpus 2000 \
  --out "$out/local/bench" >/dev/null
"$omni" make-benchmark --wordnet /usr/share/wordnet --pairs wordnet-define --seed 5 \
  --out "$out/local/pairs" >/dev/null
shuf -n 5000 --random-source=<(yes) "$out/local/pairs/pairs.jsonl" > "$out/local/pairs/sample.jsonl"
for f in corpus.jsonl queries.jsonl qrels/test.tsv; do
  put "$out/local/bench/$f" "s3a://omni/bench/$f"
done
put "$out/local/pairs/sample.jsonl" s3a://omni/in/pairs.jsonl

run prepare --pairs s3a://omni/in/pairs.jsonl --negatives bm25 --exclude s3a://omni/bench \
  --out s3a://omni/prepared
run train --data s3a://omni/prepared --init pretrained:all-MiniLM-L6-v2 --out s3a://omni/ckpt \
  --set train.steps=20 --set train.checkpoint_every=10 --set train.batch_size=16
run embed --model s3a://omni/ckpt/final --input s3a://omni/bench/corpus.jsonl \
  --out s3a://omni/vectors
run eval --model s3a://omni/ckpt/final --benchmark s3a://omni/bench --out s3a://omni/eval.json
echo "== objects in the bucket"
(cd "$out/s3/data/omni" && find . -type f | grep -v '/\.' | sort | head -40)
