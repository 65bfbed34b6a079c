# The PyTorch peer's training step (ttrain.py's minilm shapes: 32 pairs x 64 tokens, InfoNCE,
# AdamW) under torch.profiler: self CPU time per op kind, ms per step, as PROFILE lines.
# Usage: tprofile.py STEPS THREADS
import sys, time, torch, torch.nn.functional as F
from torch.profiler import profile, ProfilerActivity
from tbert import Bert
steps, th = int(sys.argv[1]), int(sys.argv[2])
torch.set_num_threads(th); torch.manual_seed(0)
B, T, V = 32, 64, 30522
m = Bert(); opt = torch.optim.AdamW(m.parameters(), lr=2e-5); m.train()
g = torch.Generator().manual_seed(1)
def step():
    q = torch.randint(1, V, (B, T), generator=g); p = torch.randint(1, V, (B, T), generator=g)
    opt.zero_grad(set_to_none=True)
    eq, ep = m(q, torch.ones(B, T)), m(p, torch.ones(B, T))
    loss = F.cross_entropy(eq @ ep.T / 0.05, torch.arange(B))
    loss.backward(); opt.step()
for _ in range(2):
    step()
t0 = time.perf_counter()
with profile(activities=[ProfilerActivity.CPU]) as prof:
    for _ in range(steps):
        step()
wall = (time.perf_counter() - t0) / steps
total = 0.0
for e in sorted(prof.key_averages(), key=lambda e: -e.self_cpu_time_total):
    ms = e.self_cpu_time_total / 1e3 / steps
    total += ms
    if ms >= 1.0:
        print(f'PROFILE engine=torch op="{e.key}" ms_per_step={ms:.1f}', flush=True)
print(f'PROFILE engine=torch op="ops under 1 ms" ms_per_step={total - sum(e.self_cpu_time_total / 1e3 / steps for e in prof.key_averages() if e.self_cpu_time_total / 1e3 / steps >= 1.0):.1f}')
print(f'PROFILE engine=torch op="step (wall, profiled)" ms_per_step={wall * 1e3:.1f}')
