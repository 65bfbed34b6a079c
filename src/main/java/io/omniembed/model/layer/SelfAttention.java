package io.omniembed.model.layer;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Bidirectional multi-head self-attention with Q/K/V biases (Vaswani et al., 2017; the BERT
 * layout): every token attends to every real token of its sequence; padding keys are masked.
 *
 * <pre>
 *   [Q K V] = x·W_qkv + b_qkv                   W_qkv [H, 3H], one GEMM for all three
 *   S = Q·Kᵀ/√d_h + maskBias                    [B, heads, L, L]; maskBias 0 or −1e9 per key
 *   P = softmax(S) over keys;  C = P·V          [B, heads, L, d_h]
 *   out = concat_heads(C)·W_o + b_o
 * </pre>
 * Backward: dV = Pᵀ·dC, dP = dC·Vᵀ, dS = P ⊙ (dP − Σ_keys dP⊙P) / √d_h, dQ = dS·K, dK = dSᵀ·Q.
 * Padded query rows compute values that nothing downstream reads (pooling gives them weight 0),
 * so their gradient is zero.
 */
public final class SelfAttention {

  private final Linear qkv;
  private final Linear out;
  private final int heads;

  public static void declare(ParamStore.Layout layout, String prefix, int hidden) {
    Linear.declare(layout, prefix + ".qkv", hidden, 3 * hidden);
    Linear.declare(layout, prefix + ".out", hidden, hidden);
  }

  public SelfAttention(ParamStore store, String prefix, int heads) {
    this.qkv = new Linear(store, prefix + ".qkv");
    this.out = new Linear(store, prefix + ".out");
    this.heads = heads;
  }

  /** x [B·L, H] → y [B·L, H]; maskBias [B, L]. */
  public void forward(INDArray x, INDArray maskBias, int batch, int len, INDArray y,
      Workspace ws) {
    long hidden = x.size(1);
    long dh = hidden / heads;
    long n = (long) batch * len;
    double scale = 1.0 / Math.sqrt(dh);

    INDArray qkvOut = ws.view("qkv", n, 3 * hidden);
    qkv.forward(x, qkvOut);
    // [B, L, 3, heads, dh] → [3, B, heads, L, dh], so each head's Q, K, V are contiguous.
    long t0 = OpProfile.start();
    INDArray split = ws.view("heads", 3, batch, heads, len, dh);
    split.assign(qkvOut.reshape('c', batch, len, 3, heads, dh).permute(2, 0, 3, 1, 4));
    t0 = OpProfile.stop("attention head permutes", t0);
    INDArray q = part(split, 0);
    INDArray k = part(split, 1);
    INDArray v = part(split, 2);

    INDArray probs = ws.view("probs", batch, heads, len, len);
    Nd4j.matmul(q, k, probs, false, true, false);
    t0 = OpProfile.stop("attention batched matmuls", t0);
    MaskedSoftmax.forward(probs, maskBias, scale);
    t0 = OpProfile.stop("attention scale, mask, softmax", t0);

    INDArray ctx = ws.view("ctx", batch, heads, len, dh);
    Nd4j.matmul(probs, v, ctx, false, false, false);
    t0 = OpProfile.stop("attention batched matmuls", t0);
    INDArray merged = ws.view("merged", batch, len, heads, dh);
    merged.assign(ctx.permute(0, 2, 1, 3));
    OpProfile.stop("attention head permutes", t0);
    INDArray merged2d = merged.reshape('c', n, hidden);
    out.forward(merged2d, y);

    ws.keep("x", x);
    ws.keep("split", split);
    ws.keep("probs", probs);
    ws.keep("merged", merged2d);
  }

  /** dy [B·L, H] → dx [B·L, H] (dx is overwritten, must not alias dy); accumulates all grads. */
  public void backward(INDArray dy, int batch, int len, INDArray dx, Workspace ws) {
    INDArray x = ws.kept("x");
    INDArray split = ws.kept("split");
    INDArray probs = ws.kept("probs");
    long hidden = x.size(1);
    long dh = hidden / heads;
    long n = (long) batch * len;
    double scale = 1.0 / Math.sqrt(dh);

    INDArray dMerged = ws.view("dMerged", n, hidden);
    out.backward(ws.kept("merged"), dy, dMerged);
    long t0 = OpProfile.start();
    INDArray dCtx = ws.view("dCtx", batch, heads, len, dh);
    dCtx.assign(dMerged.reshape('c', batch, len, heads, dh).permute(0, 2, 1, 3));
    t0 = OpProfile.stop("attention head permutes", t0);

    INDArray dSplit = ws.view("dSplit", 3, batch, heads, len, dh);
    INDArray q = part(split, 0);
    INDArray k = part(split, 1);
    INDArray v = part(split, 2);
    INDArray dq = part(dSplit, 0);
    INDArray dk = part(dSplit, 1);
    INDArray dv = part(dSplit, 2);

    Nd4j.matmul(probs, dCtx, dv, true, false, false);         // dV = Pᵀ·dC
    INDArray dScores = ws.view("dScores", batch, heads, len, len);
    Nd4j.matmul(dCtx, v, dScores, false, true, false);        // dP = dC·Vᵀ
    t0 = OpProfile.stop("attention batched matmuls", t0);
    MaskedSoftmax.backward(probs, dScores, scale, ws);        // dS (w.r.t. Q·Kᵀ)
    t0 = OpProfile.stop("attention scale, mask, softmax", t0);
    Nd4j.matmul(dScores, k, dq, false, false, false);         // dQ = dS·K
    Nd4j.matmul(dScores, q, dk, true, false, false);          // dK = dSᵀ·Q
    t0 = OpProfile.stop("attention batched matmuls", t0);

    INDArray dQkv = ws.view("dQkv", batch, len, 3, heads, dh);
    dQkv.assign(dSplit.permute(1, 3, 0, 2, 4));
    OpProfile.stop("attention head permutes", t0);
    qkv.backward(x, dQkv.reshape('c', n, 3 * hidden), dx);
  }

  private static INDArray part(INDArray split, int index) {
    return split.get(NDArrayIndex.point(index), NDArrayIndex.all(), NDArrayIndex.all(),
        NDArrayIndex.all(), NDArrayIndex.all());
  }
}
