package io.omniembed.model.layer;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The fused float32 LayerNorm (one pass per row each way) against the ND4J reference chain. */
class LayerNormParityTest {

  @Test
  void smallAndMultiThreadedShapes() {
    check(37, 24);
    check(600, 384);
  }

  private static void check(int n, int h) {
    ParamStore.Layout layout = new ParamStore.Layout();
    LayerNorm.declare(layout, "t.ln", h);
    ParamStore store = new ParamStore(layout);
    store.param("t.ln.weight").assign(Nd4j.rand(DataType.FLOAT, h).addi(0.5));
    store.param("t.ln.bias").assign(Nd4j.rand(DataType.FLOAT, h).subi(0.5));
    LayerNorm ln = new LayerNorm(store, "t.ln", 1e-12);
    INDArray x = Nd4j.rand(DataType.FLOAT, n, h).muli(4).subi(1);
    INDArray dy = Nd4j.rand(DataType.FLOAT, n, h).subi(0.5);

    Workspace fused = new Workspace();
    INDArray y = Nd4j.create(DataType.FLOAT, n, h);
    // The parameters are 1-D views of the flat buffer, as in a model: the fused path must run.
    assertTrue(Elementwise.supports(x, y, store.param("t.ln.weight"), store.grad("t.ln.bias")),
        "fused path not taken");
    ln.forward(x, y, fused);
    INDArray dx = Nd4j.create(DataType.FLOAT, n, h);
    ln.backward(dy, dx, fused);
    INDArray dGamma = store.grad("t.ln.weight").dup();
    INDArray dBeta = store.grad("t.ln.bias").dup();

    store.zeroGrads();
    Workspace ref = new Workspace();
    INDArray yRef = Nd4j.create(DataType.FLOAT, n, h);
    INDArray xhat = ref.view("xhat", n, h);
    ln.referenceForward(x, yRef, xhat, ref);
    INDArray dxRef = Nd4j.create(DataType.FLOAT, n, h);
    ln.referenceBackward(dy, dxRef, ref.kept("xhat"), ref.kept("rstd"), ref);

    assertClose("y", y, yRef, 1e-5);
    assertClose("dx", dx, dxRef, 1e-4);
    assertClose("dgamma", dGamma, store.grad("t.ln.weight"), 1e-3);
    assertClose("dbeta", dBeta, store.grad("t.ln.bias"), 1e-3);
  }

  private static void assertClose(String what, INDArray a, INDArray b, double tol) {
    double err = Nd4j.math().abs(a.sub(b)).maxNumber().doubleValue();
    assertTrue(err < tol, what + ": max |fused − reference| = " + err);
  }
}
