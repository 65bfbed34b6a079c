package io.omniembed.model.layer;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Masked mean over each sequence's real tokens: pooled[b] = Σ_{t < len_b} x[b, t] / len_b.
 *
 * <p>Written as one GEMM with a pooling matrix A [B, B·L] (A[b, b·L + t] = 1/len_b for real
 * tokens, 0 for padding): pooled = A·x, and backward dx = Aᵀ·dpooled.
 */
public final class MeanPooling {

  private MeanPooling() {}

  /** x [B·L, H] → pooled [B, H]. */
  public static void forward(INDArray x, int[] lengths, int len, INDArray pooled, Workspace ws) {
    int batch = lengths.length;
    INDArray a = ws.view("A", batch, (long) batch * len);
    a.assign(0f);
    for (int b = 0; b < batch; b++) {
      a.get(org.nd4j.linalg.indexing.NDArrayIndex.point(b),
          org.nd4j.linalg.indexing.NDArrayIndex.interval((long) b * len, (long) b * len
              + lengths[b])).assign(1.0 / lengths[b]);
    }
    Nd4j.gemm(a, x, pooled, false, false, 1.0, 0.0);
    ws.keep("A", a);
  }

  /** dpooled [B, H] → dx [B·L, H]. */
  public static void backward(INDArray dpooled, INDArray dx, Workspace ws) {
    Nd4j.gemm(ws.kept("A"), dpooled, dx, true, false, 1.0, 0.0);
  }
}
