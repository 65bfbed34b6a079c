#!/usr/bin/env bash
# Device check of the CUDA path, for a lent GPU machine (at most BUDGET_S, default 480 s):
#   1. prerequisites: JDK 17+, mvn, nvidia-smi with a GPU, and a local Maven repository that
#      already holds ND4J's CUDA and CPU backends and onnxruntime_gpu (the machine has no network).
#      Whatever is missing is listed in $OUT/gpu-check.txt and the script exits 3 before building;
#   2. builds the classes offline, and the classpaths of the CPU and -Pcuda,cuda-inference builds;
#   3. parity: bench.DeviceParity writes the CPU backend's figures, then CudaParityTest (JUnit,
#      -Pcuda) checks embeddings, a backward pass with media and one training step on the GPU;
#   4. times the minilm-l6 training step (bench.TrainStep) at 32 pairs x 64 tokens, then at
#      larger batches until one fails (out of memory) or the time is up;
#   5. embeds TEXTS (default 10,000) texts with pretrained all-MiniLM-L6-v2: on ND4J's CUDA backend
#      (embed --engine nd4j) and on ONNX Runtime's CUDA provider (--engine onnx --device cuda).
# Results: $OUT (a temporary directory when unset): gpu-check.txt (the summary) and a log per step.
# Exit 0 when every step passed, 1 when one failed, 3 when a prerequisite is missing.
# --cpu runs the same steps on the CPU build at small sizes: the script's own check, without a GPU.
# Usage: jobs/bench/gpu-check.sh [--cpu]      Environment: MAVEN_REPO, BUDGET_S, TEXTS, HEAP
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cpu_only=false
[[ "${1:-}" == "--cpu" ]] && cpu_only=true
out=${OUT:-$(mktemp -d)}
mkdir -p "$out"
work=$(mktemp -d)                       # vectors and inputs: bulky, not results
summary="$out/gpu-check.txt"
: > "$summary"
repo=${MAVEN_REPO:-$HOME/.m2/repository}
budget=${BUDGET_S:-480}
deadline=$(( $(date +%s) + budget ))
texts=${TEXTS:-10000}
failed=0
note() { echo "$*" | tee -a "$summary"; }

# step NAME LIMIT_S CMD...: runs CMD within LIMIT_S and what is left of the budget, its output in
# $out/NAME.log; notes the exit code and time, and on failure the first lines that name an error.
step() {
  local name=$1 limit=$2
  shift 2
  local left=$(( deadline - $(date +%s) - 5 ))
  (( limit > left )) && limit=$left
  if (( limit < 10 )); then
    note "$name: not run (the ${budget} s budget is spent)"
    failed=1
    return 1
  fi
  local t0=$SECONDS rc
  timeout -k 5 "$limit" "$@" > "$out/$name.log" 2>&1
  rc=$?
  if (( rc == 0 )); then
    note "$name: ok ($(( SECONDS - t0 )) s)"
  else
    [[ $rc == 124 || $rc == 137 ]] && note "$name: timed out after $limit s" \
      || note "$name: exit $rc ($(( SECONDS - t0 )) s)"
    grep -m 4 -E "ERROR|Exception|Error|error:|FAIL|no kernel image|CUDA" "$out/$name.log" \
      | cut -c1-300 | sed 's/^/    /' | tee -a "$summary"
    failed=1
  fi
  return $rc
}

note "gpu-check: $(date -u +%FT%TZ), $(nproc) cores, mode $($cpu_only && echo cpu || echo cuda)"

# 1. Prerequisites, all of them reported at once.
missing=()
if ! command -v java > /dev/null || ! command -v javac > /dev/null; then
  missing+=("a JDK 17 or later: java and javac on PATH (found: $(command -v java || echo none))")
else
  version=$(java -version 2>&1 | head -1)
  major=$(sed -E 's/.*version "([0-9]+).*/\1/' <<< "$version")
  [[ "$major" =~ ^[0-9]+$ ]] && (( major >= 17 )) \
    || missing+=("a JDK 17 or later (java -version: $version)")
fi
command -v mvn > /dev/null || missing+=("Apache Maven 3.8 or later: mvn on PATH")
if ! $cpu_only; then
  if ! command -v nvidia-smi > /dev/null; then
    missing+=("nvidia-smi (the NVIDIA driver's tools)")
  elif ! nvidia-smi -L 2>/dev/null | grep -q '^GPU'; then
    missing+=("a GPU: nvidia-smi -L lists none")
  else
    note "gpu: $(nvidia-smi --query-gpu=name,compute_cap,driver_version,memory.total \
      --format=csv,noheader | head -1); $(nvidia-smi | grep -o 'CUDA Version: [0-9.]*' | head -1)"
  fi
fi
[[ -d "$repo" ]] || missing+=("a local Maven repository at $repo (set MAVEN_REPO) holding the" \
  "project's dependencies: this machine cannot download them")
need() {   # need PATH-IN-REPO COORDINATES
  ls "$repo/$1" > /dev/null 2>&1 || missing+=("$2 in the local Maven repository $repo")
}
need org/nd4j/nd4j-native/1.0.0-M2.1/nd4j-native-1.0.0-M2.1-linux-x86_64.jar \
  "org.nd4j:nd4j-native:1.0.0-M2.1:linux-x86_64 (the CPU reference)"
if ! $cpu_only; then
  need org/nd4j/nd4j-cuda-11.6/1.0.0-M2.1/nd4j-cuda-11.6-1.0.0-M2.1.jar \
    "org.nd4j:nd4j-cuda-11.6:1.0.0-M2.1"
  need org/nd4j/nd4j-cuda-11.6/1.0.0-M2.1/nd4j-cuda-11.6-1.0.0-M2.1-linux-x86_64.jar \
    "org.nd4j:nd4j-cuda-11.6:1.0.0-M2.1:linux-x86_64 (about 600 MB)"
  need org/bytedeco/cuda/11.6-8.3-1.5.7/cuda-11.6-8.3-1.5.7-linux-x86_64-redist.jar \
    "org.bytedeco:cuda:11.6-8.3-1.5.7:linux-x86_64-redist (CUDA 11.6 and cuDNN 8.3 for ND4J)"
  need com/microsoft/onnxruntime/onnxruntime_gpu/1.20.0/onnxruntime_gpu-1.20.0.jar \
    "com.microsoft.onnxruntime:onnxruntime_gpu:1.20.0"
fi
if (( ${#missing[@]} == 0 )); then
  # Everything else the builds need (transitive dependencies, Maven's plugins), offline.
  resolve() {   # resolve FILE PROFILE-ARGS...
    local file=$1
    shift
    (cd "$here" && mvn -B -o -q "$@" \
      org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath -Dmdep.includeScope=test \
      -Dmdep.outputFile="$file") > "$out/resolve.log" 2>&1 && return 0
    local unresolved
    unresolved=$(grep -o -E '(artifacts? could not be resolved|Could not resolve|Cannot access)[^]]*' \
      "$out/resolve.log" | head -3 | cut -c1-400)
    missing+=("for mvn -o $*: ${unresolved:-see $out/resolve.log}")
    return 1
  }
  resolve "$work/cp-cpu.txt"
  $cpu_only || resolve "$work/cp-cuda.txt" -Pcuda,cuda-inference
fi
if (( ${#missing[@]} > 0 )); then
  note "gpu-check: cannot run; missing:"
  for m in "${missing[@]}"; do note "  - $m"; done
  note "gpu-check: nothing was built or run (exit 3)"
  exit 3
fi
$cpu_only && cp "$work/cp-cpu.txt" "$work/cp-cuda.txt"

# 2. Build: the classes and test classes (the same for both backends; the profile only chooses
# the ND4J backend on the classpath).
source "$here/jobs/jvm-flags.sh"
export SPARK_LOCAL_IP=127.0.0.1 OMP_WAIT_POLICY=PASSIVE
export CUDA_CACHE_MAXSIZE=4294967296     # room to keep the driver's JIT of kernels it must compile
step build 240 bash -c "cd '$here' && mvn -B -o -q test-compile" || { note "gpu-check: exit 1"; exit 1; }
# $work/java-cpu and $work/java-cuda: java on each build's classpath (programs, so that timeout
# can run them).
$cpu_only && heap=${HEAP:-4g} || heap=${HEAP:-24g}
for build in cpu cuda; do
  printf '#!/usr/bin/env bash\nexec java -Xmx%s %s -cp "%s" "$@"\n' "$heap" "${opens[*]}" \
    "$here/target/classes:$here/target/test-classes:$(cat "$work/cp-$build.txt")" \
    > "$work/java-$build"
  chmod +x "$work/java-$build"
done

# 3. Parity: the CPU backend's figures, then the GPU against them (JUnit).
reference="$work/parity-cpu.bin"
step parity-cpu 90 "$work/java-cpu" io.omniembed.bench.DeviceParity write "$reference"
if $cpu_only; then
  step parity-check 90 "$work/java-cuda" io.omniembed.bench.DeviceParity check "$reference"
else
  step parity-cuda 150 bash -c "cd '$here' && mvn -B -o -Pcuda,cuda-inference \
    org.apache.maven.plugins:maven-surefire-plugin:3.5.2:test \
    -Dtest=CudaParityTest -Domniembed.parity.reference='$reference' -DtrimStackTrace=false"
  cp "$here"/target/surefire-reports/*CudaParityTest* "$out/" 2>/dev/null
fi
grep -h '^RESULT' "$out"/parity-*.log | tee -a "$summary"

# 4. The minilm-l6 training step: 32 x 64, then batches that fill the GPU.
if $cpu_only; then sizes=(8); steps=2; else sizes=(32 256 1024 2048); steps=5; fi
for b in "${sizes[@]}"; do
  step "train-step-$b" 120 "$work/java-cuda" io.omniembed.bench.TrainStep minilm-l6 "$steps" "$b" 64 \
    || break
  grep '^RESULT' "$out/train-step-$b.log" | tail -1 | tee -a "$summary"
done

# 5. Embed TEXTS texts on ND4J's backend, then on ONNX Runtime's CUDA provider.
$cpu_only && texts=${TEXTS:-200}
awk -v n="$texts" 'BEGIN { srand(7); split("spark gpu vector search model train embed query" \
  " corpus token batch layer cluster memory kernel device", w, " ");
  for (i = 1; i <= n; i++) { s = ""; len = 5 + int(rand() * 40);
    for (j = 0; j < len; j++) s = s (j ? " " : "") w[1 + int(rand() * 16)];
    printf "{\"id\":\"t%d\",\"text\":\"%s\"}\n", i, s } }' > "$work/texts.jsonl"
device=cuda
$cpu_only && device=cpu
# ONNX Runtime 1.20's CUDA provider loads CUDA 12 and cuDNN 9 from the system; where the system has
# none, PyTorch's NVIDIA wheels may (site-packages/nvidia/*/lib): they go on its library path.
# (ND4J brings its own CUDA 11.6 in the cuda redist jar.)
ort_path=${LD_LIBRARY_PATH:-}
if ! $cpu_only && command -v python3 > /dev/null; then
  wheels=$(python3 -c 'import glob, os, site
print(":".join(sorted({os.path.dirname(f) for b in site.getsitepackages()
  for f in glob.glob(os.path.join(b, "nvidia", "*", "lib", "lib*.so*"))})))' 2>/dev/null)
  if [[ -n "$wheels" ]]; then
    ort_path="$wheels${ort_path:+:$ort_path}"
    note "onnx: library path adds PyTorch's NVIDIA wheels: $(tr ':' '\n' <<< "$wheels" \
      | xargs -n1 ls 2>/dev/null | grep -E -o 'lib(cudart|cublas|cudnn)\.so\.[0-9]+' | sort -u \
      | xargs)"
  fi
fi
for engine in nd4j onnx; do
  flags=(--engine "$engine")
  [[ "$engine" == onnx ]] && flags+=(--device "$device")
  libs=${LD_LIBRARY_PATH:-}
  [[ "$engine" == onnx ]] && libs=$ort_path
  if step "embed-$engine" 150 env LD_LIBRARY_PATH="$libs" "$work/java-cuda" io.omniembed.jobs.Main embed \
      --model pretrained:all-MiniLM-L6-v2 --input "$work/texts.jsonl" \
      --out "$work/vectors-$engine" --batch-size 256 --master 'local[4]' "${flags[@]}"; then
    # The job's own line: embedded and failed counts, seconds and items/s of the embedding.
    note "RESULT embed engine=$engine device=$device: $(grep -m1 '^embed: ' \
      "$out/embed-$engine.log" | sed 's/ -> .*//')"
  fi
done
rm -rf "$work"
note "gpu-check: exit $failed; results in $out"
exit "$failed"
