#!/usr/bin/env bash
# Throughput of the data preparation jobs on this machine:
#  - prepare --negatives bm25 on 100,000 WordNet gloss -> words pairs (rows/s, wall clock of the
#    whole job including Spark start);
#  - prepare --negatives model (pretrained all-MiniLM-L6-v2) on the first 5,000 of them;
#  - synth-code (all kinds) on the sources jars of ../shared/data.md.
#
#   jobs/bench/data-prep-throughput.sh            (about 15 minutes on 2 cores)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cache=${OMNIEMBED_CACHE:-$HOME/.cache/omniembed}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
omni="$here/jobs/omniembed"

python3 - "$work" <<'PY'
# WordNet synsets: gloss -> its words, task = part of speech.
import json, sys
work = sys.argv[1]
rows = []
for pos in ("noun", "verb", "adj", "adv"):
    for line in open(f"/usr/share/wordnet/data.{pos}", encoding="latin-1"):
        if line.startswith("  ") or "|" not in line:
            continue
        head, gloss = line.split("|", 1)
        f = head.split()
        n = int(f[3], 16)
        words = " ".join(f[4 + 2 * i].replace("_", " ") for i in range(n))
        rows.append({"task": "wordnet", "query": gloss.strip(), "positive": words})
with open(f"{work}/pairs-100k.jsonl", "w") as out:
    for r in rows[:100000]:
        out.write(json.dumps(r) + "\n")
with open(f"{work}/pairs-5k.jsonl", "w") as out:
    for r in rows[:5000]:
        out.write(json.dumps(r) + "\n")
PY

timed() {
  local label=$1 rows=$2; shift 2
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null 2>&1
  end=$(date +%s.%N)
  python3 -c "s=$end-$start; print(f'RESULT {\"$label\"} rows=$rows seconds={s:.1f} rows_per_s={$rows/s:.0f}')"
}
timed "prepare bm25" 100000 "$omni" prepare --pairs "$work/pairs-100k.jsonl" --negatives bm25 \
  --out "$work/bm25"
python3 -c "import json;s=json.load(open('$work/bm25/_summary.json'));print('  summary:', s['triplets_per_task'], 'negatives/triplet', round(s['mined_negatives_per_triplet'],2), 'removed', s['candidates_removed'], 'duplicates', s['removed_duplicates'])"
timed "prepare model (MiniLM-L6)" 5000 "$omni" prepare --pairs "$work/pairs-5k.jsonl" \
  --negatives model --model pretrained:all-MiniLM-L6-v2 --out "$work/model"

jars=()
for gav in com.google.guava:guava:33.4.8-jre org.apache.commons:commons-lang3:3.18.0 \
    org.apache.commons:commons-collections4:4.6.0 commons-io:commons-io:2.22.0 \
    org.apache.commons:commons-math3:3.6.1 com.fasterxml.jackson.core:jackson-databind:2.23.0 \
    org.apache.lucene:lucene-core:9.12.3 org.apache.commons:commons-text:1.15.0; do
  file="$cache/sources/$(echo "$gav" | cut -d: -f2)-$(echo "$gav" | cut -d: -f3)-sources.jar"
  [[ -f "$file" ]] || (cd "$here" && mvn -B -q dependency:copy -Dartifact="$gav:jar:sources" \
    -DoutputDirectory="$cache/sources" >&2)
  jars+=("$file")
done
start=$(date +%s.%N)
"$omni" synth-code --sources "${jars[@]}" --out "$work/synth" >/dev/null 2>&1
end=$(date +%s.%N)
python3 - "$work/synth/_summary.json" "$start" "$end" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); sec = float(sys.argv[3]) - float(sys.argv[2])
n = sum(s["examples_per_task"].values())
print(f"RESULT \"synth-code\" files={s['files_read']} seconds={sec:.1f} files_per_s={s['files_read']/sec:.0f}"
      f" examples={n} examples_per_s={n/sec:.0f} unparseable={s['files_unparseable']} per_task={s['examples_per_task']}")
PY
