#!/usr/bin/env python3
"""Cost model of the gradient all-reduce, after the backward pass and overlapped with it.

Simulates the schedules RingCollective runs (not measured): the whole-buffer ring, and the
range all-reduce of each bucket (chains of the whole buffer's chunks, pipelined segments, one
round per hop) on a communication thread that starts a bucket when the backward pass has
finished it. A round costs alpha plus its busiest link's bytes / bandwidth.

    python3 jobs/bench/allreduce-cost-model.py
"""
ALPHA = 30e-6          # seconds per message (round)
BW = 3.125e9           # bytes/s per link direction: 25 Gbit/s
SEG_MAX = 1 << 18


def layout(vocab, pos, hidden, ffn, layers, out):
    """Bucket ranges in buffer order: embeddings, blocks 0..L-1, projection."""
    emb = (vocab + pos + 4) * hidden + 2 * hidden
    block = 4 * hidden * hidden + 4 * hidden + 2 * hidden * ffn + ffn + hidden + 4 * hidden
    proj = hidden * out + out
    sizes = [("embeddings", emb)] + [(f"block{i}", block) for i in range(layers)] + [("proj", proj)]
    ranges, at = [], 0
    for name, n in sizes:
        ranges.append((name, at, at + n))
        at += n
    return ranges, at


def seg_floats(n, w):
    per = -(-n // (8 * (w - 1)))
    return max(1024, min(SEG_MAX, per))


def range_time(lo, hi, n, w, bytes_per):
    chains = []
    for c in range(w):
        a, b = max(lo, c * n // w), min(hi, (c + 1) * n // w)
        if a < b:
            s = seg_floats(b - a, w)
            chains.append((c, a, b, s, -(-(b - a) // s)))
    rounds = max(k for *_, k in chains) + 2 * w - 3
    total = 0.0
    for t in range(rounds):
        link = [0] * w          # bytes sent by worker r to r+1
        for c, a, b, s, k in chains:
            for r in range(w):
                d = (r - c) % w
                hops = []
                if d <= w - 2:
                    hops.append(t - d)
                if d != w - 2:
                    hops.append(t - (w - 1 + (d + 1) % w))
                for seg in hops:
                    if 0 <= seg < k:
                        link[r] += min(s, b - a - seg * s) * bytes_per
        if any(link):
            total += ALPHA + max(link) / BW
    return total


def ring_time(n, w):
    return 2 * (w - 1) / w * 4 * n / BW + 2 * (w - 1) * ALPHA


def overlapped(ranges, n, w, t_backward, bytes_per):
    """Exposed seconds after the backward, and the communication thread's busy seconds."""
    blocks = [r for r in ranges if r[0].startswith("block")]
    per_block = t_backward * 0.95 / len(blocks)   # the embeddings' backward: the last 5%
    ready = {"proj": 0.0, "embeddings": t_backward}
    for i, r in enumerate(reversed(blocks)):
        ready[r[0]] = per_block * (i + 1)
    order = [r for r in ranges if r[0] == "proj"] + list(reversed(blocks)) + [ranges[0]]
    clock = busy = 0.0
    for name, lo, hi in order:
        dt = range_time(lo, hi, n, w, bytes_per)
        clock = max(clock, ready[name]) + dt
        busy += dt
    return max(0.0, clock - t_backward), busy


models = {
    "minilm-l6": layout(30522, 512, 384, 1536, 6, 384),
    "bert-large shape": layout(30522, 512, 1024, 4096, 24, 1024),
}
# Per worker step of 32 pairs x 64 tokens (docs/benchmarks.md); backward = 2/3 of compute.
compute = {
    ("minilm-l6", "CPU 16 cores"): 0.357, ("minilm-l6", "H100"): 0.0009,
    ("bert-large shape", "CPU 16 cores"): 9.9 * 335 / 300, ("bert-large shape", "H100"): 0.025 * 335 / 300,
}
print("| model | worker | W | T_compute ms | after: T_reduce ms | overlapped: busy ms | exposed ms"
      " | eff. after | eff. overlapped | bf16 overlapped: exposed ms | eff. |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for (model, worker), tc in compute.items():
    ranges, n = models[model]
    for w in (8, 64):
        after = ring_time(n, w)
        exp32, busy32 = overlapped(ranges, n, w, tc * 2 / 3, 4)
        exp16, _ = overlapped(ranges, n, w, tc * 2 / 3, 2)
        print(f"| {model} (N = {n / 1e6:.1f} M) | {worker} | {w} | {tc * 1e3:.1f} | {after * 1e3:.0f}"
              f" | {busy32 * 1e3:.0f} | {exp32 * 1e3:.0f} | {tc / (tc + after):.0%}"
              f" | {tc / (tc + exp32):.0%} | {exp16 * 1e3:.0f} | {tc / (tc + exp16):.0%} |")
