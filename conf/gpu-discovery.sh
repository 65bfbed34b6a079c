#!/usr/bin/env bash
# Spark's GPU discovery script for `train --device cuda` (spark.executor.resource.gpu.discoveryScript,
# or spark.worker.resource.gpu.discoveryScript on standalone workers): prints the GPUs of this host
# as Spark's ResourceInformation JSON, {"name":"gpu","addresses":["0","1"]}. An address is a CUDA
# device ordinal as the executor sees it: nvidia-smi's indices, or 0..k-1 when CUDA_VISIBLE_DEVICES
# names k devices (nvidia-smi ignores that variable, CUDA does not).
set -euo pipefail
if [[ -n "${CUDA_VISIBLE_DEVICES+set}" ]]; then
  IFS=, read -r -a visible <<< "$CUDA_VISIBLE_DEVICES"
  indices=()
  for ((i = 0; i < ${#visible[@]}; i++)); do indices+=("$i"); done
else
  command -v nvidia-smi >/dev/null || { echo "gpu-discovery.sh: nvidia-smi not found" >&2; exit 1; }
  listed=$(nvidia-smi --query-gpu=index --format=csv,noheader)   # fails the script if it fails
  mapfile -t indices < <(tr -d ' ' <<< "$listed" | grep .)
fi
addresses=""
for i in "${indices[@]}"; do
  addresses+="${addresses:+,}\"$i\""
done
echo "{\"name\":\"gpu\",\"addresses\":[${addresses}]}"
