#!/usr/bin/env bash
# ONNX Runtime's CUDA execution provider (embed/eval/search --device cuda) against the CPU on a
# GPU machine: builds the jar with -Pcuda-inference (onnxruntime_gpu: CUDA 12 and cuDNN 9 must be
# installed; the jar brings ORT's CUDA provider, not the CUDA libraries), then for text, image,
# 5 s audio and 4 s video prints items/s on CPU and CUDA and the worst cosine between their
# vectors (bench.GpuInference). Results go to $OUT/gpu-inference.txt when OUT is set.
# Usage: jobs/bench/gpu-inference.sh [ITEMS=256] [BATCH=64]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
out=${OUT:-$(mktemp -d)}
mkdir -p "$out"
log="$out/gpu-inference.txt"
{
  echo "host: $(nproc) cores; $(nvidia-smi --query-gpu=name,driver_version,memory.total \
    --format=csv,noheader 2>/dev/null || echo 'no nvidia-smi')"
  ls /usr/lib/x86_64-linux-gnu/libcudnn.so.9* /usr/local/cuda*/lib64/libcudart.so.12* 2>/dev/null \
    | head -3 || true
} | tee "$log"
(cd "$here" && mvn -B -q -Pcuda-inference package -DskipTests) 2>&1 | tail -5 | tee -a "$log"
cp="$here/target/omniembed-0.1.0-SNAPSHOT.jar:$here/target/lib/*:$here/target/spark-lib/*"
set +e
timeout 420 java -Xmx16g -cp "$cp" io.omniembed.bench.GpuInference "${1:-256}" "${2:-64}" \
  2>>"$out/gpu-inference.stderr" | tee -a "$log"
rc=${PIPESTATUS[0]}
set -e
echo "gpu-inference: exit $rc; results in $log" | tee -a "$log"
exit "$rc"
