# Shared settings of the benchmark scripts: the same BLAS kernel and thread policy for every engine.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export OMP_WAIT_POLICY=PASSIVE
if [[ -z "${OPENBLAS_CORETYPE:-}" ]] && grep -q -m1 avx512f /proc/cpuinfo 2>/dev/null; then
  export OPENBLAS_CORETYPE=SKYLAKEX
fi
threads=${THREADS:-2}
(cd "$here" && [[ -f target/omniembed-0.1.0-SNAPSHOT.jar ]] || mvn -B -q package -DskipTests)
cp="$here/target/omniembed-0.1.0-SNAPSHOT.jar:$here/target/lib/*:$here/target/spark-lib/*"
# The JDK 17 opens Spark needs (jobs/jvm-flags.sh), for the benchmarks that start a session.
source "$here/jobs/jvm-flags.sh"
export SPARK_LOCAL_IP=${SPARK_LOCAL_IP:-127.0.0.1}
run_java() { java -Xmx6g "${opens[@]}" -cp "$cp" "$@"; }
have_torch() {
  /usr/bin/python3 -c 'import torch' 2>/dev/null || {
    echo "PyTorch peer skipped: apt-get install -y python3-torch libopenblas0-pthread" >&2
    return 1
  }
}
echo "host: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores," \
  "OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset} OMP_WAIT_POLICY=$OMP_WAIT_POLICY threads=$threads"
