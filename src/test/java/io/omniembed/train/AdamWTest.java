package io.omniembed.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.omniembed.model.layer.ParamStore;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The flat-buffer AdamW against the update rule written out per parameter in plain Java. */
class AdamWTest {

  @Test
  void matchesTheScalarRuleOverSeveralSteps() {
    ParamStore store = new ParamStore(new ParamStore.Layout().add("w", 5));
    float[] p = {0.5f, -1f, 2f, 0f, 3f};
    store.load(p);
    AdamW opt = new AdamW(store, 0.9, 0.999, 1e-8, 0.01, ParamGroups.uniform(store));
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

  /**
   * One step of a tiny model with media towers, every gradient 1: Adam's step is then lr in
   * every coordinate (m̂ = v̂ = 1), times the group's scale; decay (λ = 0.1) shrinks the decayed
   * parameters by s·lr·λ of their value first.
   */
  @Test
  void biasesAndLayerNormsDoNotDecayAndTheMediaPathLearnsAtItsScale() {
    io.omniembed.model.Encoder encoder = io.omniembed.model.Encoder.randomInit(
        io.omniembed.config.ModelConfig.preset("tiny-media"), 1);
    ParamStore store = encoder.store();
    float[] before = store.toFloatArray();
    store.grads().assign(1f);
    double lr = 0.01;
    double decay = 0.1;
    new AdamW(store, 0.9, 0.999, 1e-8, decay, ParamGroups.of(store, false, 10)).step(store, lr);
    float[] after = store.toFloatArray();
    int hidden = encoder.config().hidden();
    long modality = store.slot("embeddings.modality").offset();
    // name, an element of it, decayed?, scale
    Object[][] expected = {
        {"blocks.0.attention.qkv.weight", store.slot("blocks.0.attention.qkv.weight").offset(),
            true, 1.0},
        {"blocks.1.ffn_out.bias", store.slot("blocks.1.ffn_out.bias").offset() + 3, false, 1.0},
        {"blocks.0.ln1.weight", store.slot("blocks.0.ln1.weight").offset() + 1, false, 1.0},
        {"embeddings.ln.bias", store.slot("embeddings.ln.bias").offset(), false, 1.0},
        {"embeddings.token", store.slot("embeddings.token").offset() + 1000, false, 1.0},
        {"modality row 0 (text)", modality + 2, false, 1.0},
        {"modality row 1 (image)", modality + hidden + 2, false, 10.0},
        {"modality row 3 (video)", modality + 3L * hidden + 5, false, 10.0},
        {"media.image.weight", store.slot("media.image.weight").offset() + 7, true, 10.0},
        {"media.audio.bias", store.slot("media.audio.bias").offset(), false, 10.0},
        {"media.time", store.slot("media.time").offset() + 1, false, 10.0},
        {"projection.weight", store.slot("projection.weight").offset() + 2, true, 1.0},
    };
    for (Object[] e : expected) {
      int i = (int) (long) (Long) e[1];
      double s = (Double) e[3];
      double want = before[i] * ((Boolean) e[2] ? 1 - s * lr * decay : 1) - s * lr;
      assertEquals(want, after[i], 1e-6, (String) e[0]);
    }
  }

  @Test
  void embeddingTablesDecayWhenConfiguredSo() {
    ParamStore store = io.omniembed.model.Encoder.randomInit(
        io.omniembed.config.ModelConfig.preset("tiny"), 1).store();
    ParamGroups groups = ParamGroups.of(store, true, 10);
    for (String table : List.of("embeddings.token", "embeddings.position",
        "embeddings.modality")) {
      ParamGroups.Run r = groups.at(store.slot(table).offset());
      assertEquals(true, r.decay(), table);
      assertEquals(1.0, r.scale(), table + ": a text model scales nothing");
    }
    assertEquals(false, groups.at(store.slot("embeddings.ln.weight").offset()).decay());
    assertEquals(false, ParamGroups.of(store, false, 1).at(store.slot("embeddings.position")
        .offset()).decay());
    assertEquals(true, io.omniembed.config.TrainConfig.resolve(null, null, List.of(), null)
        .decayEmbeddings(), "conf/train/defaults.conf decays the tables, as BERT does");
  }

  @Test
  void clippingScalesToTheMaximumNorm() {
    ParamStore store = new ParamStore(new ParamStore.Layout().add("w", 2));
    store.grads().assign(org.nd4j.linalg.factory.Nd4j.createFromArray(3f, 4f));
    assertEquals(5.0, AdamW.clip(store, 1.0), 1e-6);
    assertEquals(1.0, store.grads().norm2Number().doubleValue(), 1e-6);
  }
}
