package io.omniembed.model.layer;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Affine map y = x·W + b, with W stored [in, out] (the ONNX/TF layout, so imported weights copy
 * without a transpose).
 *
 * <p>Backward: dW += xᵀ·dy, db += Σ_rows dy, dx = dy·Wᵀ. All three products are single GEMMs into
 * preallocated buffers: ND4J's allocating {@code mmul} is 2–5× slower on these shapes.
 */
public final class Linear {

  private final INDArray w;
  private final INDArray b;
  private final INDArray dw;
  private final INDArray db;

  public static void declare(ParamStore.Layout layout, String prefix, int in, int out) {
    layout.add(prefix + ".weight", in, out).add(prefix + ".bias", out);
  }

  public Linear(ParamStore store, String prefix) {
    this.w = store.param(prefix + ".weight");
    this.b = store.param(prefix + ".bias");
    this.dw = store.grad(prefix + ".weight");
    this.db = store.grad(prefix + ".bias");
  }

  public long in() {
    return w.size(0);
  }

  public long out() {
    return w.size(1);
  }

  /** x [N, in] → y [N, out]. */
  public void forward(INDArray x, INDArray y) {
    long t0 = OpProfile.start();
    RowOps.broadcastRow(b, y, 0.0);                          // y = 1·bᵀ, then y += x·W
    Nd4j.gemm(x, w, y, false, false, 1.0, 1.0);
    OpProfile.stop("linear forward (GEMM, bias)", t0);
  }

  /** Accumulates dW, db from x [N, in] and dy [N, out]; writes dx [N, in] unless it is null. */
  public void backward(INDArray x, INDArray dy, INDArray dx) {
    long t0 = OpProfile.start();
    Nd4j.gemm(x, dy, dw, true, false, 1.0, 1.0);
    RowOps.sumRows(dy, db, 1.0);
    if (dx != null) {
      Nd4j.gemm(dy, w, dx, false, true, 1.0, 0.0);
    }
    OpProfile.stop("linear backward (GEMMs, bias)", t0);
  }
}
