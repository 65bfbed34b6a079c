package io.omniembed.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.omniembed.model.layer.ParamStore;
import org.junit.jupiter.api.Test;

/** The flat-buffer AdamW against the update rule written out per parameter in plain Java. */
class AdamWTest {

  @Test
  void matchesTheScalarRuleOverSeveralSteps() {
    ParamStore store = new ParamStore(new ParamStore.Layout().add("w", 5));
    float[] p = {0.5f, -1f, 2f, 0f, 3f};
    store.load(p);
    AdamW opt = new AdamW(store, 0.9, 0.999, 1e-8, 0.01);
    double[] ref = {0.5, -1, 2, 0, 3};
    double[] m = new double[5];
    double[] v = new double[5];
    for (int t = 1; t <= 4; t++) {
      double lr = 0.1 / t;
      float[] g = {0.1f * t, -0.2f, 0.3f, 1f, -t};
      store.grads().assign(org.nd4j.linalg.factory.Nd4j.createFromArray(g));
      opt.step(store, lr);
      for (int i = 0; i < 5; i++) {
        m[i] = 0.9 * m[i] + 0.1 * g[i];
        v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i];
        double mh = m[i] / (1 - Math.pow(0.9, t));
        double vh = v[i] / (1 - Math.pow(0.999, t));
        ref[i] = ref[i] * (1 - lr * 0.01) - lr * mh / (Math.sqrt(vh) + 1e-8);
      }
    }
    float[] got = store.toFloatArray();
    for (int i = 0; i < 5; i++) {
      assertEquals(ref[i], got[i], 1e-5, "parameter " + i);
    }
  }

  @Test
  void theTailLearnsAtItsScaledRate() {
    ParamStore plain = new ParamStore(new ParamStore.Layout().add("w", 4));
    ParamStore scaled = new ParamStore(new ParamStore.Layout().add("w", 4));
    float[] g = {0.3f, -0.2f, 0.5f, -1f};
    plain.grads().assign(org.nd4j.linalg.factory.Nd4j.createFromArray(g));
    scaled.grads().assign(org.nd4j.linalg.factory.Nd4j.createFromArray(g));
    new AdamW(plain, 0.9, 0.999, 1e-8, 0).step(plain, 0.01);
    new AdamW(scaled, 0.9, 0.999, 1e-8, 0).scaleTail(2, 10).step(scaled, 0.01);
    float[] a = plain.toFloatArray();
    float[] b = scaled.toFloatArray();
    for (int i = 0; i < 4; i++) {
      assertEquals(i < 2 ? a[i] : 10 * a[i], b[i], 1e-6, "parameter " + i);
    }
  }

  @Test
  void clippingScalesToTheMaximumNorm() {
    ParamStore store = new ParamStore(new ParamStore.Layout().add("w", 2));
    store.grads().assign(org.nd4j.linalg.factory.Nd4j.createFromArray(3f, 4f));
    assertEquals(5.0, AdamW.clip(store, 1.0), 1e-6);
    assertEquals(1.0, store.grads().norm2Number().doubleValue(), 1e-6);
  }
}
