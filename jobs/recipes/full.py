"""Data handling and reports of jobs/recipes/full.sh (python3, standard library only).

  full.py gcide DICT OUT.jsonl                         definition -> headword pairs from GCIDE
  full.py sample DATA PAIRS PFT_PAIRS FT_PAIRS SEED   seeded samples per task: PAIRS/pft-raw, ft-raw
  full.py split BENCH SEED DISTRACTORS NAME:K...       BENCH/full/NAME -> test/NAME, val-greedy,
                                                       val-choice (K queries of NAME in each)
  full.py changed OUT STAGE                            one line: what STAGE made
  full.py choose OUT                                   the soup with the best val-choice NDCG@10
  full.py report OUT BUDGET                            results.md on stdout
"""
import glob
import gzip
import json
import math
import os
import random
import re
import statistics
import sys

MEDIA_KEYS = ("image", "audio", "video")
# The task string each test benchmark is scored with besides none (the task it was trained as).
BENCH_TASK = {"code": "code-doc2code", "wordnet": "text-definition", "text2image": "text2image",
              "text2audio": "text2audio"}
STAGES = ["pretrained", "pft", "ft-general", "ft-code", "ft-media", "soup-uniform",
          "soup-greedy", "soup-specialist"]
# What each stage is compared with in "what each stage changed".
PARENT = {"pft": "pretrained", "ft-general": "pft", "ft-code": "pft", "ft-media": "pft",
          "soup-uniform": "ft-general", "soup-greedy": "ft-general",
          "soup-specialist": "ft-code"}
SOUPS = ["uniform", "greedy", "specialist"]


def lines(pattern):
    for f in sorted(glob.glob(pattern)):
        with open(f, encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    yield f, json.loads(line)


def absolute_media(row, base):
    """Media paths in ROW made absolute (they are relative to the file that held them)."""
    for k in MEDIA_KEYS:
        v = row.get(k)
        if isinstance(v, str) and not os.path.isabs(v) and "://" not in v:
            row[k] = os.path.abspath(os.path.join(base, v))
        elif isinstance(v, dict):
            absolute_media(v, base)
    for part in row.get("parts") or []:
        if isinstance(part, dict):
            absolute_media(part, base)
    for side in ("query", "positive"):
        if isinstance(row.get(side), dict):
            absolute_media(row[side], base)
    for n in row.get("negatives") or []:
        if isinstance(n, dict):
            absolute_media(n, base)
    return row


B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def b64(s):
    n = 0
    for ch in s:
        n = n * 64 + B64.index(ch)
    return n


def gcide(dict_dir, dst):
    """General text pairs from Debian dict-gcide (dictd format): each sense of an entry, its
    definition as the query and the headword as the positive (task text-definition). Senses that
    GCIDE took from WordNet (tagged [WordNet ...]) are left out: WordNet is the held-out general
    text benchmark."""
    data = gzip.open(f"{dict_dir}/gcide.dict.dz").read()
    seen_offsets, seen, n_wordnet = set(), set(), 0
    with open(f"{dict_dir}/gcide.index", encoding="utf-8") as idx, \
            open(dst, "w", encoding="utf-8") as out:
        for line in idx:
            head, off, size = line.rstrip("\n").split("\t")
            if head.startswith("00-") or off in seen_offsets:
                continue
            seen_offsets.add(off)
            entry = data[b64(off):b64(off) + b64(size)].decode("utf-8", "replace")
            body = entry.split("\n", 1)[1] if "\n" in entry else ""
            for block in re.split(r"\n\s*\n", body):
                text = " ".join(block.split())
                tag = re.search(r"\[([^\]]*)\]\s*$", text)
                if not tag:
                    continue
                if "WordNet" in tag.group(1):
                    n_wordnet += 1
                    continue
                text = text[:tag.start()].rsplit("]", 1)[-1]   # after the etymology
                text = re.split(r" --|\[| Syn:| Note:", text)[0]
                text = re.sub(r"^\s*(\d+\.\s*)?(\([a-z]\)\s*)?", "", text)
                text = text.replace("{", "").replace("}", "").strip(" ;,")
                if (len(text) < 20 or len(text) > 300 or len(text.split()) < 3
                        or text.startswith(("Syn", "Note", "Etym", "See", "Same as", "?"))
                        or "\\" in text or head.lower() in text.lower()):
                    continue
                if text in seen:
                    continue
                seen.add(text)
                out.write(json.dumps({"task": "text-definition", "query": text,
                                      "positive": head}, ensure_ascii=False) + "\n")
    print(f"gcide: {len(seen)} definition -> headword pairs ({n_wordnet} WordNet senses left"
          f" out) -> {dst}", file=sys.stderr)


def sample(data, dst, n_pft, n_ft, seed):
    tasks = {}
    sources = [f"{data}/code/pairs.jsonl", f"{data}/synth/part-*.jsonl",
               f"{data}/text/pairs.jsonl", f"{data}/media/train/pairs-media.jsonl"]
    for pattern in sources:
        for f, r in lines(pattern):
            tasks.setdefault(r["task"], []).append(absolute_media(r, os.path.dirname(f)))
    for _, r in lines(f"{data}/parallel/train/part-*.jsonl"):
        tasks.setdefault("text-translation", []).append(
            {"task": "text-translation", "query": r["translation"], "positive": r["source"]})
    for kind in ("pft-raw", "ft-raw"):
        os.makedirs(f"{dst}/{kind}", exist_ok=True)
    for task in sorted(tasks):
        rows = sorted(tasks[task], key=lambda r: json.dumps(r, sort_keys=True))
        random.Random(f"{seed}:{task}").shuffle(rows)
        pft = rows[:n_pft]
        # Fine-tuning takes other pairs; a pool too small for both lends it its last ones.
        ft = rows[n_pft:n_pft + n_ft] if len(rows) >= n_pft + n_ft else rows[-n_ft:]
        for kind, part in (("pft-raw", pft), ("ft-raw", ft)):
            with open(f"{dst}/{kind}/{task}.jsonl", "w", encoding="utf-8") as fh:
                for r in part:
                    if kind == "pft-raw":   # pre-fine-tuning: pairs, in-batch negatives only
                        r = {k: v for k, v in r.items() if k != "negatives"}
                    fh.write(json.dumps(r, ensure_ascii=False) + "\n")
        shared = max(0, len(pft) + len(ft) - len(rows))
        print(f"sample: {task}: {len(rows)} pairs; {len(pft)} for pre-fine-tuning, {len(ft)} for"
              f" fine-tuning" + (f" ({shared} of them also in the first)" if shared else ""),
              file=sys.stderr)


def read_bench(d):
    queries = [json.loads(l) for l in open(f"{d}/queries.jsonl", encoding="utf-8") if l.strip()]
    corpus = [json.loads(l) for l in open(f"{d}/corpus.jsonl", encoding="utf-8") if l.strip()]
    qrels = {}
    with open(f"{d}/qrels/test.tsv", encoding="utf-8") as fh:
        next(fh)
        for l in fh:
            if l.strip():
                q, c, s = l.rstrip("\n").split("\t")
                qrels.setdefault(q, []).append((c, s))
    return queries, corpus, qrels


def write_bench(d, queries, corpus, qrels):
    os.makedirs(f"{d}/qrels", exist_ok=True)
    with open(f"{d}/queries.jsonl", "w", encoding="utf-8") as fh:
        for q in queries:
            fh.write(json.dumps(q, ensure_ascii=False) + "\n")
    with open(f"{d}/corpus.jsonl", "w", encoding="utf-8") as fh:
        for c in corpus:
            fh.write(json.dumps(c, ensure_ascii=False) + "\n")
    with open(f"{d}/qrels/test.tsv", "w", encoding="utf-8") as fh:
        fh.write("query-id\tcorpus-id\tscore\n")
        for q in queries:
            for c, s in qrels[q["_id"]]:
                fh.write(f"{q['_id']}\t{c}\t{s}\n")


def split(bench, seed, distractors, specs):
    """Disjoint query parts of every benchmark: val-greedy, val-choice (merged over benchmarks,
    ids prefixed by the benchmark, media paths made absolute) and test (the rest, full corpus)."""
    biggest = max(int(s.rsplit(":", 1)[1]) for s in specs)
    merged = {"val-greedy": ([], [], {}), "val-choice": ([], [], {})}
    for spec in specs:
        name, k = spec.rsplit(":", 1)
        k = int(k)
        src = f"{bench}/full/{name}"
        queries, corpus, qrels = read_bench(src)
        queries = [q for q in queries if q["_id"] in qrels]
        rng = random.Random(f"{seed}:{name}")
        rng.shuffle(queries)
        k = min(k, max(1, len(queries) // 4))   # the test part keeps at least half
        parts = {"val-greedy": queries[:k], "val-choice": queries[k:2 * k]}
        test = sorted(queries[2 * k:], key=lambda q: q["_id"])
        write_bench(f"{bench}/test/{name}", [absolute_media(q, src) for q in test],
                    [absolute_media(dict(c), src) for c in corpus], qrels)
        n_other = math.ceil(distractors * k / biggest)
        for part, qs in parts.items():
            mq, mc, mr = merged[part]
            relevant = {c for q in qs for c, _ in qrels[q["_id"]]}
            others = sorted(c["_id"] for c in corpus if c["_id"] not in relevant)
            keep = relevant | set(rng.sample(others, min(n_other, len(others))))
            for q in qs:
                mq.append(absolute_media(dict(q, _id=f"{name}:{q['_id']}"), src))
                mr[f"{name}:{q['_id']}"] = [(f"{name}:{c}", s) for c, s in qrels[q["_id"]]]
            for c in corpus:
                if c["_id"] in keep:
                    mc.append(absolute_media(dict(c, _id=f"{name}:{c['_id']}"), src))
        print(f"split: {name}: {len(test)} test queries, {k} + {k} validation queries",
              file=sys.stderr)
    for part, (mq, mc, mr) in merged.items():
        write_bench(f"{bench}/{part}", mq, mc, mr)
        print(f"split: {part}: {len(mq)} queries, {len(mc)} documents", file=sys.stderr)


def metrics_rows(path):
    return [json.loads(l) for l in open(path) if l.strip()]


def loss_line(run_dir):
    rows = metrics_rows(f"{run_dir}/metrics.jsonl")
    k = max(1, len(rows) // 5)
    first = sum(r["loss"] for r in rows[:k]) / k
    last = sum(r["loss"] for r in rows[-k:]) / k
    step = statistics.median(r["step_s"] for r in rows) if "step_s" in rows[0] else float("nan")
    tasks = sorted({r["task"] for r in rows if "task" in r})
    return (f"{len(rows)} logged steps over {len(tasks)} tasks; loss {first:.3f} (first fifth) ->"
            f" {last:.3f} (last fifth); median step {step:.2f} s")


def changed(out, stage):
    if stage == "data":
        d = f"{out}/data"
        count = lambda f: sum(1 for _ in open(f, encoding="utf-8"))
        synth = json.load(open(f"{d}/synth/_summary.json"))["examples_per_task"]
        par = json.load(open(f"{d}/parallel/_summary.json"))["total"]
        media = {}
        for _, r in lines(f"{d}/media/train/pairs-media.jsonl"):
            media[r["task"]] = media.get(r["task"], 0) + 1
        return (f"code {count(f'{d}/code/pairs.jsonl')} Javadoc pairs, synthetic {synth}, GCIDE"
                f" {count(f'{d}/text/pairs.jsonl')} definitions, parallel {par['train']} training"
                f" / {par['heldout']} held-out pairs, media {media}")
    if stage == "bench":
        parts = []
        for d in sorted(glob.glob(f"{out}/bench/test/*")) + [f"{out}/bench/val-greedy",
                                                          f"{out}/bench/val-choice"]:
            q, c, _ = read_bench(d)
            parts.append(f"{os.path.basename(d)} {len(q)}/{len(c)}")
        return "queries/documents: " + ", ".join(parts)
    if stage == "pairs":
        s = json.load(open(f"{out}/pairs/pft/_summary.json"))
        return "pre-fine-tuning pairs after prepare: " + summary_counts(s)
    if stage == "negatives":
        s = json.load(open(f"{out}/negatives/_summary.json"))
        return "fine-tuning triplets: " + summary_counts(s)
    if stage in ("pft", "ft-general", "ft-code", "ft-media"):
        return loss_line(f"{out}/{stage}")
    if stage.startswith("soup-"):
        s = soup_record(f"{out}/soups/{stage[5:]}")
        return f"{s.get('method')} soup of {len(s.get('kept', []))}: kept {short(out, s)}"
    if stage == "final":
        return f"chose {open(f'{out}/final/chosen.txt').read().strip()} by val-choice NDCG@10"
    if stage == "eval":
        return f"{len(glob.glob(f'{out}/eval/test/*.json'))} eval reports in {out}/eval/test"
    return ""


def summary_counts(s):
    """prepare's _summary.json in one line."""
    extra = {k: s[k] for k in ("removed_by_exclude", "removed_duplicates", "negatives_mined")
             if k in s}
    return f"{json.dumps(s.get('triplets_per_task', s))} {json.dumps(extra)}"


def soup_record(d):
    f = f"{d}/soup.json"
    return json.load(open(f)) if os.path.exists(f) else {}


def short(out, s):
    return [str(k).replace(out + "/", "") for k in s.get("kept", [])]


def ev(path):
    return json.load(open(path)) if os.path.exists(path) else None


def choose(out):
    best, best_v = None, -1.0
    for s in SOUPS:
        v = ev(f"{out}/eval/val-choice/{s}.json")["metrics"]["ndcg@10"]
        if v > best_v:
            best, best_v = s, v
    print(best)


def ndcg(r, prompt):
    if r is None:
        return None
    if prompt is None:
        return r["metrics"]["ndcg@10"]
    by = r.get("metrics_by_query_prompt", {})
    return by[prompt]["ndcg@10"] if prompt in by else None


def fmt(v):
    return "–" if v is None else f"{v:.4f}"


def report(out, budget):
    benches = sorted(os.path.basename(d) for d in glob.glob(f"{out}/bench/test/*"))
    order = ["code", "wordnet"] + [b for b in benches if b.startswith("xling-")] \
        + ["text2image", "text2audio"]
    benches = [b for b in order if b in benches]
    task = lambda b: BENCH_TASK.get(b, "text-translation")
    table = {(m, b): ev(f"{out}/eval/test/{m}-{b}.json") for m in STAGES for b in benches}
    head = "| stage | " + " | ".join(benches) + " |"
    rule = "|---|" + "---|" * len(benches)
    print("# Full staged recipe: results")
    print()
    print(f"Budget: {budget}.")
    print()
    sizes = [f"{b} {r['queries']}/{r['corpus']}" for b in benches
             for r in [table[("pft", b)]] if r]
    if sizes:
        print("Test parts of the held-out benchmarks (queries/documents): " + ", ".join(sizes)
              + ".")
        print()
    for title, with_task in (("NDCG@10 without task strings", False),
                             ("NDCG@10 with the task's task string (– where the checkpoint has"
                              " none)", True)):
        print(f"## {title}")
        print()
        print(head)
        print(rule)
        for m in STAGES:
            if with_task and m == "pretrained":
                continue
            cells = [fmt(ndcg(table[(m, b)], task(b) if with_task else None)) for b in benches]
            print(f"| {m} | " + " | ".join(cells) + " |")
        print()
    print("## What each stage changed")
    print()
    print("NDCG@10 without task strings minus that of the checkpoint the stage started from (pft:"
          " the pretrained text model; fine-tunes: pft; uniform and greedy soups: ft-general;"
          " specialist soup: ft-code, the specialist it starts from). Cross-modal columns of pft"
          " are against nothing (the text model has no media towers).")
    print()
    print(head)
    print(rule)
    for m in STAGES[1:]:
        cells = []
        for b in benches:
            a, p = ndcg(table[(m, b)], None), ndcg(table[(PARENT[m], b)], None)
            cells.append("–" if a is None or p is None else f"{a - p:+.4f}")
        print(f"| {m} (vs {PARENT[m]}) | " + " | ".join(cells) + " |")
    print()
    print("## The recommended model (OUT_DIR/final)")
    print()
    print("Chosen by NDCG@10 (no task strings) on val-choice: validation queries of every"
          " benchmark, disjoint from the test parts above and from val-greedy, the greedy soup's"
          " benchmark.")
    print()
    print("| soup | kept | val-choice NDCG@10 |")
    print("|---|---|---|")
    for s in SOUPS:
        r = ev(f"{out}/eval/val-choice/{s}.json")
        print(f"| {s} | {', '.join(short(out, soup_record(f'{out}/soups/{s}')))} |"
              f" {fmt(r and r['metrics']['ndcg@10'])} |")
    chosen = f"{out}/final/chosen.txt"
    if os.path.exists(chosen):
        print()
        print(f"final = the {open(chosen).read().strip()} soup.")
    g = soup_record(f"{out}/soups/greedy")
    if "inputs" in g:
        tried = [f"{i['checkpoint'].replace(out + '/', '')} {i['ndcg@10']:.4f} (soup with it"
                 f" {i['soup_ndcg@10']:.4f}, {'kept' if i['kept'] else 'left out'})"
                 for i in g["inputs"]]
        print(f"Greedy soup, NDCG@10 on val-greedy in the order tried: {'; '.join(tried)}.")
    print()
    print("## Time per stage (s; a stage kept from an earlier run shows that run's time)")
    print()
    names = ["data", "bench", "pairs", "pft", "negatives", "ft-general", "ft-code", "ft-media",
             "soup-uniform", "soup-greedy", "soup-specialist", "final", "eval"]
    times = {n: open(f"{out}/times/{n}").read().strip() for n in names
             if os.path.exists(f"{out}/times/{n}")}
    print("| " + " | ".join(names) + " | total |")
    print("|" + "---|" * (len(names) + 1))
    total = sum(int(v) for v in times.values())
    print("| " + " | ".join(times.get(n, "–") for n in names) + f" | {total} |")
    print()
    for n in ("pft", "ft-general", "ft-code", "ft-media"):
        if os.path.exists(f"{out}/{n}/metrics.jsonl"):
            print(f"- {n}: {loss_line(f'{out}/{n}')}")


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "gcide":
        gcide(args[0], args[1])
    elif cmd == "sample":
        sample(args[0], args[1], int(args[2]), int(args[3]), args[4])
    elif cmd == "split":
        split(args[0], args[1], int(args[2]), args[3:])
    elif cmd == "changed":
        try:
            print(changed(args[0], args[1]))
        except (OSError, KeyError, ValueError, StopIteration) as e:
            print(f"(no summary: {e})")
    elif cmd == "choose":
        choose(args[0])
    elif cmd == "report":
        report(args[0], args[1])
    else:
        sys.exit(f"full.py: unknown command {cmd}")


if __name__ == "__main__":
    main()
