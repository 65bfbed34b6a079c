package io.omniembed.model.layer;

import static io.omniembed.model.FiniteDifferences.check;
import static io.omniembed.model.FiniteDifferences.checkParams;
import static io.omniembed.model.FiniteDifferences.dot;
import static io.omniembed.model.FiniteDifferences.gaussian;
import static io.omniembed.model.FiniteDifferences.randomize;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Each layer's backward against central finite differences of L = Σ forward(x) ⊙ R, in double
 * precision, for every parameter slot and for the input.
 */
class LayerGradientTest {

  private static final DataType D = DataType.DOUBLE;

  @Test
  void linear() {
    ParamStore.Layout layout = new ParamStore.Layout();
    Linear.declare(layout, "lin", 5, 3);
    ParamStore store = new ParamStore(layout, D);
    randomize(store, 1, 0.5);
    Linear lin = new Linear(store, "lin");
    INDArray x = gaussian(2, 1, 4, 5);
    INDArray r = gaussian(3, 1, 4, 3);
    INDArray y = Nd4j.create(D, 4, 3);
    INDArray dx = Nd4j.create(D, 4, 5);
    lin.backward(x, r, dx);
    java.util.function.DoubleSupplier loss = () -> {
      lin.forward(x, y);
      return dot(y, r);
    };
    checkParams(store, loss, 15);
    check("x", x, dx, loss, 20);
  }

  @Test
  void layerNorm() {
    ParamStore.Layout layout = new ParamStore.Layout();
    LayerNorm.declare(layout, "x.ln", 6);
    ParamStore store = new ParamStore(layout, D);
    randomize(store, 4, 0.5);
    LayerNorm ln = new LayerNorm(store, "x.ln", 1e-5);
    INDArray x = gaussian(5, 2, 3, 6);
    INDArray r = gaussian(6, 1, 3, 6);
    Workspace ws = new Workspace(D);
    INDArray y = Nd4j.create(D, 3, 6);
    ln.forward(x, y, ws);
    INDArray dx = Nd4j.create(D, 3, 6);
    ln.backward(r, dx, ws);
    java.util.function.DoubleSupplier loss = () -> {
      ln.forward(x, y, new Workspace(D));
      return dot(y, r);
    };
    checkParams(store, loss, 6);
    check("x", x, dx, loss, 18);
  }

  @Test
  void gelu() {
    INDArray u = gaussian(7, 2, 4, 5);
    INDArray r = gaussian(8, 1, 4, 5);
    Workspace ws = new Workspace(D);
    INDArray g = Nd4j.create(D, 4, 5);
    Gelu.forward(u, g, ws);
    INDArray du = Nd4j.create(D, 4, 5);
    Gelu.backward(r, du, ws);
    check("u", u, du, () -> {
      INDArray out = Nd4j.create(D, 4, 5);
      Gelu.forward(u, out, new Workspace(D));
      return dot(out, r);
    }, 20);
  }

  @Test
  void selfAttentionWithPadding() {
    int batch = 2;
    int len = 4;
    int hidden = 8;
    ParamStore.Layout layout = new ParamStore.Layout();
    SelfAttention.declare(layout, "att", hidden);
    ParamStore store = new ParamStore(layout, D);
    randomize(store, 9, 0.4);
    SelfAttention att = new SelfAttention(store, "att", 2);
    INDArray x = gaussian(10, 1, batch * len, hidden);
    // Sequence 1 has 2 real tokens: padded keys masked, padded query rows weighted 0 in R.
    INDArray mask = Nd4j.createFromArray(new double[] {0, 0, 0, 0, 0, 0, -1e9, -1e9})
        .reshape(batch, len);
    INDArray r = gaussian(11, 1, batch * len, hidden);
    r.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(6, 8),
        org.nd4j.linalg.indexing.NDArrayIndex.all()).assign(0);
    Workspace ws = new Workspace(D);
    INDArray y = Nd4j.create(D, batch * len, hidden);
    att.forward(x, mask, batch, len, y, ws);
    INDArray dx = Nd4j.create(D, batch * len, hidden);
    att.backward(r, batch, len, dx, ws);
    java.util.function.DoubleSupplier loss = () -> {
      att.forward(x, mask, batch, len, y, new Workspace(D));
      return dot(y, r);
    };
    checkParams(store, loss, 24);
    check("x", x, dx, loss, 40);
  }

  @Test
  void transformerBlock() {
    int batch = 2;
    int len = 3;
    int hidden = 8;
    ParamStore.Layout layout = new ParamStore.Layout();
    TransformerBlock.declare(layout, "b", hidden, 12);
    ParamStore store = new ParamStore(layout, D);
    randomize(store, 12, 0.3);
    TransformerBlock block = new TransformerBlock(store, "b", 2, 1e-5);
    INDArray x = gaussian(13, 1, batch * len, hidden);
    INDArray mask = Nd4j.createFromArray(new double[] {0, 0, 0, 0, 0, -1e9}).reshape(batch, len);
    INDArray r = gaussian(14, 1, batch * len, hidden);
    r.getRow(5).assign(0);
    Workspace ws = new Workspace(D);
    INDArray y = Nd4j.create(D, batch * len, hidden);
    block.forward(x, mask, batch, len, y, ws);
    INDArray dx = Nd4j.create(D, batch * len, hidden);
    block.backward(r, batch, len, dx, ws);
    java.util.function.DoubleSupplier loss = () -> {
      block.forward(x, mask, batch, len, y, new Workspace(D));
      return dot(y, r);
    };
    checkParams(store, loss, 12);
    check("x", x, dx, loss, 30);
  }

  @Test
  void clsPoolingAndL2() {
    int len = 3;
    INDArray x = gaussian(17, 1, 6, 4);
    INDArray r = gaussian(18, 1, 2, 4);
    Workspace ws = new Workspace(D);
    INDArray pooled = Nd4j.create(D, 2, 4);
    ClsPooling.forward(x, 2, len, pooled, ws.child("p"));
    assertEquals(x.getRow(0), pooled.getRow(0));
    assertEquals(x.getRow(3), pooled.getRow(1));
    INDArray y = Nd4j.create(D, 2, 4);
    L2Normalize.forward(pooled, y, ws.child("l2"));
    INDArray dPooled = Nd4j.create(D, 2, 4);
    L2Normalize.backward(r, dPooled, ws.child("l2"));
    INDArray dx = Nd4j.create(D, 6, 4);
    ClsPooling.backward(dPooled, dx, ws.child("p"));
    check("x", x, dx, () -> {
      Workspace w = new Workspace(D);
      INDArray p = Nd4j.create(D, 2, 4);
      ClsPooling.forward(x, 2, len, p, w.child("p"));
      INDArray out = Nd4j.create(D, 2, 4);
      L2Normalize.forward(p, out, w.child("l2"));
      return dot(out, r);
    }, 24);
  }

  @Test
  void meanPoolingAndL2() {
    int[] lengths = {3, 1};
    int len = 3;
    INDArray x = gaussian(15, 1, 6, 4);
    INDArray r = gaussian(16, 1, 2, 4);
    Workspace ws = new Workspace(D);
    INDArray pooled = Nd4j.create(D, 2, 4);
    MeanPooling.forward(x, lengths, len, pooled, ws.child("p"));
    INDArray y = Nd4j.create(D, 2, 4);
    L2Normalize.forward(pooled, y, ws.child("l2"));
    INDArray dPooled = Nd4j.create(D, 2, 4);
    L2Normalize.backward(r, dPooled, ws.child("l2"));
    INDArray dx = Nd4j.create(D, 6, 4);
    MeanPooling.backward(dPooled, dx, ws.child("p"));
    check("x", x, dx, () -> {
      Workspace w = new Workspace(D);
      INDArray p = Nd4j.create(D, 2, 4);
      MeanPooling.forward(x, lengths, len, p, w.child("p"));
      INDArray out = Nd4j.create(D, 2, 4);
      L2Normalize.forward(p, out, w.child("l2"));
      return dot(out, r);
    }, 24);
  }
}
