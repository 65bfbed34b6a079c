package io.omniembed.model.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The linear layers' bias on the fused path (a bulk copy per row forward, a blocked sum of the
 * rows backward) against the GEMMs with a ones vector, on the arrays a model uses: parameters and
 * gradients as 1-D views of the flat buffers, activations as workspace views at an offset.
 */
class RowOpsParityTest {

  @Test
  void biasBroadcastAndSumMatchTheGemms() {
    check(37, 11);
    check(2048, 1536);   // split over the threads
  }

  private static void check(int n, int c) {
    ParamStore.Layout layout = new ParamStore.Layout();
    layout.add("before", 5).add("t.bias", c);
    ParamStore store = new ParamStore(layout);
    INDArray b = store.param("t.bias");
    b.assign(Nd4j.rand(DataType.FLOAT, c).subi(0.5));
    INDArray db = store.grad("t.bias");
    Workspace ws = new Workspace();
    ws.view("first", 3, 7);   // the next view starts at an offset in the workspace's buffer
    INDArray y = ws.view("y", n, c);
    INDArray x = Nd4j.rand(DataType.FLOAT, n, c).subi(0.5);
    assertTrue(Elementwise.supports(b, y) && Elementwise.supports(x, db), "fused path not taken");

    y.assign(7f);
    RowOps.broadcastRow(b, y, 0.0);
    INDArray yRef = Nd4j.create(DataType.FLOAT, n, c).assign(7f);
    RowOps.referenceBroadcastRow(b, yRef, 0.0);
    assertEquals(0.0, Nd4j.math().abs(y.sub(yRef)).maxNumber().doubleValue(), "broadcast");

    db.assign(Nd4j.rand(DataType.FLOAT, c));
    INDArray dbRef = db.dup();
    RowOps.sumRows(x, db, 1.0);   // accumulates, as the backward pass does
    RowOps.referenceSumRows(x, dbRef, 1.0);
    double err = Nd4j.math().abs(db.sub(dbRef)).maxNumber().doubleValue();
    assertTrue(err < 1e-5 * Math.sqrt(n), "sum of rows: max |fused − GEMM| = " + err);
    RowOps.sumRows(x, db, 0.0);
    RowOps.referenceSumRows(x, dbRef, 0.0);
    err = Nd4j.math().abs(db.sub(dbRef)).maxNumber().doubleValue();
    assertTrue(err < 1e-5 * Math.sqrt(n), "sum of rows, beta 0: max |fused − GEMM| = " + err);
    assertTrue(Nd4j.math().abs(dbRef).maxNumber().doubleValue() > 1, "the sums are not trivial");
  }
}
