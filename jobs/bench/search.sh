#!/usr/bin/env bash
# search: the HNSW index against exact search. By default on N random unit vectors (seeded)
# written as an embed output; with REAL=N on N real embeddings instead: WordNet glosses (Debian
# wordnet-base, /usr/share/wordnet/data.*), embedded by the embed job with MODEL, queried with
# 200 held-out glosses. Prints the index build time, exact top-10 queries/s (Spark, all
# queries in one pass) and, per search width (--num-candidates), HNSW recall@10 against exact
# and queries/s (one query at a time on the driver).
#
# Usage: jobs/bench/search.sh [OUT_DIR]   (N, default 100000; DIM, default 384; Q, default 200;
#        SEED, default 1; THREADS, default 2; REAL=N for real embeddings, MODEL, default
#        pretrained:all-MiniLM-L6-v2)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source "$here/jobs/jvm-flags.sh"
source "$here/jobs/outdir.sh"
out=${1:-/tmp/omniembed-search-bench}
fresh_out "$out" search-bench
bench() { java -Xmx6g "${opens[@]}" -cp "$cp" io.omniembed.bench.SearchBenchmark "$@"; }

if [[ -z "${REAL:-}" ]]; then
  bench "$out/vectors" "${N:-100000}" "${DIM:-384}" "${Q:-200}" "$threads" "${SEED:-1}"
else
  model=${MODEL:-pretrained:all-MiniLM-L6-v2}
  python3 -c '
import json, random, sys
n, out = int(sys.argv[1]), sys.argv[2]
docs = {}
for pos in ("noun", "verb", "adj", "adv"):
    for line in open("/usr/share/wordnet/data." + pos, encoding="latin-1"):
        if line.startswith(" ") or "|" not in line:
            continue
        docs[pos + line.split(" ", 1)[0]] = line.split("|", 1)[1].strip()
items = sorted(docs.items())
random.Random(1).shuffle(items)
with open(out + "/corpus.jsonl", "w") as c, open(out + "/queries.jsonl", "w") as q:
    for i, (p, t) in enumerate(items[: n + 200]):
        (q if i < 200 else c).write(json.dumps({"id": p, "text": t}) + "\n")
' "$REAL" "$out"
  t0=$(date +%s.%N)
  "$here/jobs/omniembed" embed --model "$model" --input "$out/corpus.jsonl" --out "$out/vectors" \
    --sample 0 --master "local[$threads]" 2>&1 | grep '^embed:'
  printf "embedded %d glosses in %.1f s\n" "$REAL" "$(echo "$(date +%s.%N) - $t0" | bc)"
  bench --embedded "$out/vectors" "$out/queries.jsonl" "$model" "$threads"
fi
du -sh "$out/vectors" "$out/vectors/_hnsw" | sed 's/^/size: /'
