# The linear layers' matrix products of the minilm-l6 training step, as PyTorch's nn.Linear runs
# them (weight [out, in]): forward addmm(b, x, W^T), weight gradient dy^T.x, input gradient dy.W.
# Usage: tgemm.py ROWS REPS THREADS; same output lines as io.omniembed.bench.GemmShapes.
import sys, time, torch
rows, reps, th = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
torch.set_num_threads(th); torch.manual_seed(0)
print('engine=torch', torch.__version__, 'rows', rows, 'reps', reps, 'threads', torch.get_num_threads(), flush=True)
def median_ms(f):
    for _ in range(3): f()
    ms = []
    for _ in range(reps):
        t0 = time.perf_counter(); f(); ms.append((time.perf_counter() - t0) * 1e3)
    return sorted(ms)[reps // 2]
for i, o in ((384, 384), (384, 1536), (1536, 384)):
    x, w, b, dy = torch.rand(rows, i), torch.rand(o, i), torch.rand(o), torch.rand(rows, o)
    y, dw, dx = torch.empty(rows, o), torch.empty(o, i), torch.empty(rows, i)
    fl, shape = 2.0 * rows * i * o, f'{rows}x{i}x{o}'
    for name, f in (('forward', lambda: torch.addmm(b, x, w.t(), out=y)),
                    ('weight-grad', lambda: torch.mm(dy.t(), x, out=dw)),
                    ('input-grad', lambda: torch.mm(dy, w, out=dx))):
        ms = median_ms(f)
        print(f'RESULT via=torch product={name} shape={shape} ms={ms:.2f} gflops={fl / ms / 1e6:.1f}', flush=True)
