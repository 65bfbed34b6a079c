package io.omniembed.model.layer;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The first token's state as the sequence's vector: pooled[b] = x[b, 0], the [CLS] (or &lt;s&gt;)
 * position. BGE and other models trained with CLS pooling embed this way.
 *
 * <p>Written, like {@link MeanPooling}, as one GEMM with a selection matrix A [B, B·L]
 * (A[b, b·L] = 1, all else 0): pooled = A·x and dx = Aᵀ·dpooled, so every padding and non-first
 * position gets an exact zero gradient. Multiplying by one and adding zeros is exact in floating
 * point, so the forward pass copies the rows bit for bit.
 */
public final class ClsPooling {

  private ClsPooling() {}

  /** x [B·L, H] → pooled [B, H]. */
  public static void forward(INDArray x, int batch, int len, INDArray pooled, Workspace ws) {
    INDArray a = ws.view("A", batch, (long) batch * len);
    a.assign(0f);
    for (int b = 0; b < batch; b++) {
      a.putScalar(b, (long) b * len, 1.0);
    }
    Nd4j.gemm(a, x, pooled, false, false, 1.0, 0.0);
    ws.keep("A", a);
  }

  /** dpooled [B, H] → dx [B·L, H]. */
  public static void backward(INDArray dpooled, INDArray dx, Workspace ws) {
    Nd4j.gemm(ws.kept("A"), dpooled, dx, true, false, 1.0, 0.0);
  }
}
