package io.omniembed.model.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Attention's fused masked softmax (forward and backward) against the chain of ND4J ops. */
class MaskedSoftmaxParityTest {

  @Test
  void oddAndMultiThreadedShapes() {
    check(3, 2, 17);
    check(4, 12, 64);
  }

  private static void check(int batch, int heads, int len) {
    Nd4j.getRandom().setSeed(batch * 1000L + len);
    INDArray scores = Nd4j.randn(DataType.FLOAT, batch, heads, len, len).muli(6);
    INDArray mask = Nd4j.zeros(DataType.FLOAT, batch, len);
    for (int b = 0; b < batch; b++) {
      for (int key = len - b * 3; key < len; key++) {            // sequence b has 3·b padding keys
        mask.putScalar(b, key, -1e9);
      }
    }
    INDArray dProbs = Nd4j.randn(DataType.FLOAT, batch, heads, len, len);
    double scale = 0.125;
    assertTrue(Elementwise.supports(scores, mask, dProbs), "fused path not taken");

    INDArray p = scores.dup();
    MaskedSoftmax.forward(p, mask, scale);
    INDArray pRef = scores.dup();
    MaskedSoftmax.referenceForward(pRef, mask, scale);
    assertClose("probabilities", p, pRef, 1e-6);
    assertEquals(0.0, p.get(org.nd4j.linalg.indexing.NDArrayIndex.point(batch - 1))
        .get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex
            .all(), org.nd4j.linalg.indexing.NDArrayIndex.point(len - 1)).maxNumber()
        .doubleValue(), 1e-30, "a padding key gets no weight");

    INDArray d = dProbs.dup();
    MaskedSoftmax.backward(pRef, d, scale, new Workspace());
    INDArray dRef = dProbs.dup();
    MaskedSoftmax.referenceBackward(pRef, dRef, scale, new Workspace());
    assertClose("score gradients", d, dRef, 1e-6);
  }

  private static void assertClose(String what, INDArray a, INDArray b, double tol) {
    double err = Nd4j.math().abs(a.sub(b)).maxNumber().doubleValue();
    assertTrue(err < tol, what + ": max |fused − reference| = " + err);
  }
}
