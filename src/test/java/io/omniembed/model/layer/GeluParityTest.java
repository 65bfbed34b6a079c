package io.omniembed.model.layer;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The fused float32 GELU against the reference chain of ND4J ops (with ND4J's erf). */
class GeluParityTest {

  @Test
  void fusedForwardAndBackwardMatchTheReference() {
    // Spread over the range where GELU bends, and beyond; 70k elements so several threads and
    // chunks take part.
    INDArray u = Nd4j.linspace(-9, 9, 70_007, DataType.FLOAT).reshape(7, 10_001);
    INDArray dg = Nd4j.rand(DataType.FLOAT, 7, 10_001).subi(0.5);

    Workspace ws = new Workspace();
    INDArray g = Nd4j.create(DataType.FLOAT, 7, 10_001);
    Gelu.forward(u, g, ws);
    INDArray du = Nd4j.create(DataType.FLOAT, 7, 10_001);
    Gelu.backward(dg, du, ws);

    INDArray gRef = Nd4j.create(DataType.FLOAT, 7, 10_001);
    INDArray phiRef = Nd4j.create(DataType.FLOAT, 7, 10_001);
    Gelu.referenceForward(u, gRef, phiRef);
    INDArray duRef = Nd4j.create(DataType.FLOAT, 7, 10_001);
    Gelu.referenceBackward(u, phiRef, dg, duRef, Nd4j.create(DataType.FLOAT, 7, 10_001));

    double forwardErr = Nd4j.math().abs(g.sub(gRef)).maxNumber().doubleValue();
    double backwardErr = Nd4j.math().abs(du.sub(duRef)).maxNumber().doubleValue();
    assertTrue(forwardErr < 2e-6, "forward max |fused − reference| = " + forwardErr);
    assertTrue(backwardErr < 2e-6, "backward max |fused − reference| = " + backwardErr);

    // And against the reference in double precision, relative to the size of the values.
    INDArray ud = u.castTo(DataType.DOUBLE);
    INDArray gD = Nd4j.create(DataType.DOUBLE, 7, 10_001);
    INDArray phiD = Nd4j.create(DataType.DOUBLE, 7, 10_001);
    Gelu.referenceForward(ud, gD, phiD);
    INDArray duD = Nd4j.create(DataType.DOUBLE, 7, 10_001);
    Gelu.referenceBackward(ud, phiD, dg.castTo(DataType.DOUBLE), duD,
        Nd4j.create(DataType.DOUBLE, 7, 10_001));
    assertRelative("forward", g, gD, 2e-6);                   // |u|·|error of Φ|, |u| ≤ 9
    assertRelative("Phi", ws.kept("Phi"), phiD, 3e-7);
    assertRelative("backward", du, duD, 1e-6);
  }

  @Test
  void theFusedPathRunsOnWorkspaceViews() {
    Workspace ws = new Workspace();
    INDArray u = ws.view("u", 64, 1536);
    assertTrue(Elementwise.supports(u, ws.view("g", 64, 1536), ws.view("Phi", 64, 1536)));
  }

  /** max |a − ref| / max(1, |ref|) below {@code tol}. */
  private static void assertRelative(String what, INDArray a, INDArray ref, double tol) {
    INDArray diff = Nd4j.math().abs(a.castTo(DataType.DOUBLE).sub(ref));
    INDArray scale = Nd4j.math().abs(ref).dup();
    org.nd4j.linalg.ops.transforms.Transforms.max(scale, 1.0, false);
    double err = diff.divi(scale).maxNumber().doubleValue();
    assertTrue(err < tol, what + ": max relative |fused − double reference| = " + err);
  }
}
