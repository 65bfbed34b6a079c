#!/usr/bin/env bash
# Time lost when an embed job is killed (kill -9 of the driver) at a random point and run again.
#
# Usage: jobs/bench/embed-resume.sh [OUT_DIR]   (N items, default 3000; UNITS, default 16;
#        MODEL, default pretrained:all-MiniLM-L6-v2; SEED for the kill point)
# Prints: the clean run's time T; the killed run's time to the kill and units committed by then;
# the re-run's time R; and the time lost, R - (remaining units / units) * T.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../outdir.sh"
out=${1:-/tmp/omniembed-embed-resume}
fresh_out "$out" jobs/bench/embed-resume.sh   # refuses a non-empty directory it did not make
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
n=${N:-3000}; units=${UNITS:-16}; model=${MODEL:-pretrained:all-MiniLM-L6-v2}
omni="$here/jobs/omniembed"
"$omni" make-benchmark --wordnet /usr/share/wordnet --max-corpus "$n" --max-queries 10 \
  --out "$out/bench" >/dev/null
args=(embed --model "$model" --input "$out/bench/corpus.jsonl" --partitions "$units"
  --master "local[$threads]")
now() { date +%s.%N; }

t0=$(now); "$omni" "${args[@]}" --out "$out/clean" >"$out/clean.log" 2>&1; t1=$(now)
clean=$(echo "$t1 - $t0" | bc)

RANDOM=${SEED:-7}
kill_at=$(( units / 4 + RANDOM % (units / 2) ))
t0=$(now)
"$omni" "${args[@]}" --out "$out/resumed" >"$out/killed.log" 2>&1 &
pid=$!
until [[ $(ls "$out/resumed/_units" 2>/dev/null | grep -c json || true) -ge $kill_at ]]; do
  kill -0 "$pid" 2>/dev/null || { echo "the job finished before the kill point" >&2; exit 1; }
  sleep 0.05
done
kill -9 "$pid"; wait "$pid" 2>/dev/null || true
t1=$(now)
committed=$(ls "$out/resumed/_units" | grep -c json)
t2=$(now); "$omni" "${args[@]}" --out "$out/resumed" >"$out/resumed.log" 2>&1; t3=$(now)
rerun=$(echo "$t3 - $t2" | bc)
remaining=$(echo "scale=4; ($units - $committed) / $units" | bc)
lost=$(echo "scale=2; $rerun - $remaining * $clean" | bc)
python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
a, b = (json.load(open(f"{out}/{d}/_summary.json")) for d in ("clean", "resumed"))
assert a["embedded"] == b["embedded"] and a["failed"] == b["failed"], (a, b)
print(f"outputs agree: {a['embedded']} embedded, {a['failed']} failed in both")
PY
printf "clean run T = %.1f s for %d items in %d units (%s)\n" "$clean" "$n" "$units" "$model"
printf "killed after %.1f s with %d of %d units committed\n" "$(echo "$t1 - $t0" | bc)" \
  "$committed" "$units"
printf "re-run R = %.1f s for the remaining %.0f%% of the units\n" "$rerun" \
  "$(echo "$remaining * 100" | bc)"
printf "time lost = R - remaining x T = %.1f s\n" "$lost"
