package io.omniembed.model.layer;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Row-wise L2 normalisation, y = e/‖e‖. Backward: de = (dy − y·⟨y, dy⟩)/‖e‖.
 */
public final class L2Normalize {

  private static final double MIN_NORM = 1e-12;

  private L2Normalize() {}

  /** e [B, D] → y [B, D] (may alias). */
  public static void forward(INDArray e, INDArray y, Workspace ws) {
    INDArray norm = e.norm2(true, 1);                          // [B, 1]
    norm.addi(MIN_NORM);
    if (y != e) {
      y.assign(e);
    }
    y.diviColumnVector(norm);
    ws.keep("norm", norm);
    ws.keep("y", y);
  }

  /** dy [B, D] → de [B, D] (de must not alias dy). */
  public static void backward(INDArray dy, INDArray de, Workspace ws) {
    INDArray y = ws.kept("y");
    INDArray dot = dy.mul(y).sum(true, 1);                     // [B, 1]
    de.assign(y).muliColumnVector(dot).rsubi(dy).diviColumnVector(ws.kept("norm"));
  }
}
