package io.omniembed.model.layer;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One post-LayerNorm transformer block, as in BERT (Devlin et al., 2019):
 * <pre>
 *   h = LN₁(x + Attention(x))
 *   y = LN₂(h + W₂·gelu(W₁·h + b₁) + b₂)
 * </pre>
 */
public final class TransformerBlock {

  private final SelfAttention attention;
  private final LayerNorm ln1;
  private final Linear ffnIn;
  private final Linear ffnOut;
  private final LayerNorm ln2;

  public static void declare(ParamStore.Layout layout, String prefix, int hidden, int ffn) {
    SelfAttention.declare(layout, prefix + ".attention", hidden);
    LayerNorm.declare(layout, prefix + ".ln1", hidden);
    Linear.declare(layout, prefix + ".ffn_in", hidden, ffn);
    Linear.declare(layout, prefix + ".ffn_out", ffn, hidden);
    LayerNorm.declare(layout, prefix + ".ln2", hidden);
  }

  public TransformerBlock(ParamStore store, String prefix, int heads, double eps) {
    this.attention = new SelfAttention(store, prefix + ".attention", heads);
    this.ln1 = new LayerNorm(store, prefix + ".ln1", eps);
    this.ffnIn = new Linear(store, prefix + ".ffn_in");
    this.ffnOut = new Linear(store, prefix + ".ffn_out");
    this.ln2 = new LayerNorm(store, prefix + ".ln2", eps);
  }

  /** x [B·L, H] → y [B·L, H]; y must not alias x. */
  public void forward(INDArray x, INDArray maskBias, int batch, int len, INDArray y,
      Workspace ws) {
    long n = x.size(0);
    long hidden = x.size(1);
    long ffn = ffnIn.out();
    INDArray h = ws.view("h", n, hidden);
    attention.forward(x, maskBias, batch, len, h, ws.child("attention"));
    long t0 = OpProfile.start();
    h.addi(x);                                                 // residual, then LN in place
    OpProfile.stop("residual adds", t0);
    t0 = OpProfile.start();
    ln1.forward(h, h, ws.child("ln1"));
    OpProfile.stop("layer norm forward", t0);
    INDArray u = ws.view("u", n, ffn);
    ffnIn.forward(h, u);
    INDArray g = ws.view("g", n, ffn);
    t0 = OpProfile.start();
    Gelu.forward(u, g, ws.child("gelu"));
    OpProfile.stop("GELU forward", t0);
    ffnOut.forward(g, y);
    t0 = OpProfile.start();
    y.addi(h);
    OpProfile.stop("residual adds", t0);
    t0 = OpProfile.start();
    ln2.forward(y, y, ws.child("ln2"));
    OpProfile.stop("layer norm forward", t0);
    ws.keep("h", h);
    ws.keep("g", g);
  }

  /** dy [B·L, H] → dx [B·L, H]; dx must not alias dy. Accumulates every parameter gradient. */
  public void backward(INDArray dy, int batch, int len, INDArray dx, Workspace ws) {
    long n = dy.size(0);
    long hidden = dy.size(1);
    long ffn = ffnIn.out();
    INDArray h = ws.kept("h");
    INDArray dr2 = ws.view("dr2", n, hidden);
    long t0 = OpProfile.start();
    ln2.backward(dy, dr2, ws.child("ln2"));                   // d(h + ffn(h))
    OpProfile.stop("layer norm backward", t0);
    INDArray dg = ws.view("dg", n, ffn);
    ffnOut.backward(ws.kept("g"), dr2, dg);
    t0 = OpProfile.start();
    Gelu.backward(dg, dg, ws.child("gelu"));
    OpProfile.stop("GELU backward", t0);
    INDArray dh = ws.view("dh", n, hidden);
    ffnIn.backward(h, dg, dh);
    t0 = OpProfile.start();
    dh.addi(dr2);                                              // residual branch
    OpProfile.stop("residual adds", t0);
    INDArray dr1 = ws.view("dr1", n, hidden);
    t0 = OpProfile.start();
    ln1.backward(dh, dr1, ws.child("ln1"));                   // d(x + attention(x))
    OpProfile.stop("layer norm backward", t0);
    attention.backward(dr1, batch, len, dx, ws.child("attention"));
    t0 = OpProfile.start();
    dx.addi(dr1);                                              // residual branch
    OpProfile.stop("residual adds", t0);
  }
}
