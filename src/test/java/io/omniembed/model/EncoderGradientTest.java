package io.omniembed.model;

import io.omniembed.model.layer.Sequence;
import io.omniembed.model.layer.TokenBatch;
import io.omniembed.model.layer.Workspace;

import static io.omniembed.model.FiniteDifferences.checkParams;
import static io.omniembed.model.FiniteDifferences.dot;
import static io.omniembed.model.FiniteDifferences.gaussian;
import static io.omniembed.model.FiniteDifferences.randomize;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.omniembed.config.ModelConfig;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The whole encoder's backward (embeddings → blocks → pooling → projection → L2) vs finite
 * differences: mean pooling, CLS pooling with a position offset (an imported BGE or XLM-RoBERTa
 * layout), and media towers.
 */
class EncoderGradientTest {

  @Test
  void everyParameterOfATinyEncoder() {
    ModelConfig config = ModelConfig.parse("""
        name = grad-check, vocab_size = 20, hidden = 8, layers = 2, heads = 2, ffn = 12,
        max_positions = 6, modalities = 2, output_dim = 5, layer_norm_eps = 1e-5, max_length = 6,
        matryoshka_dims = [5]
        """, "test");
    Encoder encoder = Encoder.randomInit(config, 1, DataType.DOUBLE);
    randomize(encoder.store(), 2, 0.3);
    // Token 3 repeats within and across sequences, so the scatter-add of the table is exercised.
    TokenBatch batch = TokenBatch.ofText(List.of(new int[] {1, 3, 4, 3, 2}, new int[] {1, 3, 2}));
    INDArray r = gaussian(3, 1, 2, 5);

    Workspace ws = new Workspace(DataType.DOUBLE);
    encoder.store().zeroGrads();
    encoder.forward(batch, ws, true);
    encoder.backward(batch, r, ws);

    checkParams(encoder.store(), () -> dot(encoder.forward(batch, new Workspace(DataType.DOUBLE),
        false), r), 10);
  }

  /**
   * CLS pooling (pooled = the first token's state) with positions read from row 2 on, as an
   * imported XLM-RoBERTa or BGE model trains: every parameter against finite differences. Position
   * rows below the offset are never read and must get no gradient; the gradient still reaches
   * every token of the sequence through attention.
   */
  @Test
  void everyParameterWithClsPoolingAndAPositionOffset() {
    ModelConfig config = ModelConfig.parse("""
        name = grad-check-cls, vocab_size = 20, hidden = 8, layers = 2, heads = 2, ffn = 12,
        max_positions = 8, modalities = 2, output_dim = 5, layer_norm_eps = 1e-5, max_length = 6,
        matryoshka_dims = [5], pooling = cls, position_offset = 2
        """, "test");
    assertEquals(ModelConfig.Pooling.CLS, config.pooling());
    assertEquals(6, config.maxSequence());
    Encoder encoder = Encoder.randomInit(config, 7, DataType.DOUBLE);
    randomize(encoder.store(), 8, 0.3);
    TokenBatch batch = TokenBatch.ofText(List.of(new int[] {1, 3, 4, 3, 5, 2},
        new int[] {1, 3, 2}));
    INDArray r = gaussian(9, 1, 2, 5);

    Workspace ws = new Workspace(DataType.DOUBLE);
    encoder.store().zeroGrads();
    encoder.forward(batch, ws, true);
    encoder.backward(batch, r, ws);

    INDArray dPositions = encoder.store().grad("embeddings.position");
    for (int row = 0; row < 2; row++) {
      assertEquals(0.0, dPositions.getRow(row).norm2Number().doubleValue(), 0.0,
          "position row " + row + " lies below the offset");
    }
    for (int row = 2; row < 8; row++) {
      assertTrue(dPositions.getRow(row).norm2Number().doubleValue() > 0,
          "position row " + row + " is read by token " + (row - 2));
    }
    checkParams(encoder.store(), () -> dot(encoder.forward(batch, new Workspace(DataType.DOUBLE),
        false), r), 10);
  }

  /**
   * CLS pooling embeds normalize(x_N[b, 0]·W + b) and nothing else: checked against the last
   * hidden states the forward pass keeps, and against mean pooling of the same parameters.
   */
  @Test
  void clsPoolingReadsTheFirstTokenOfEachSequence() {
    String base = """
        name = pool, vocab_size = 20, hidden = 8, layers = 1, heads = 2, ffn = 12,
        max_positions = 6, modalities = 2, output_dim = 5, layer_norm_eps = 1e-5, max_length = 6,
        matryoshka_dims = [5]
        """;
    Encoder mean = Encoder.randomInit(ModelConfig.parse(base, "test"), 11, DataType.DOUBLE);
    randomize(mean.store(), 12, 0.3);
    Encoder cls = new Encoder(ModelConfig.parse(base + ", pooling = cls", "test"), mean.store());
    TokenBatch batch = TokenBatch.ofText(List.of(new int[] {1, 3, 2}, new int[] {1, 4, 5, 2}));
    Workspace ws = new Workspace(DataType.DOUBLE);
    INDArray c = cls.forward(batch, ws, false).dup();
    INDArray last = ws.kept("last");   // [B·L, H], L = 4
    INDArray w = cls.store().param("projection.weight");
    INDArray bias = cls.store().param("projection.bias");
    for (int b = 0; b < 2; b++) {
      INDArray p = last.getRow((long) b * batch.len()).reshape(1, 8).mmul(w).addRowVector(bias);
      INDArray expected = p.div(p.norm2Number());
      assertEquals(0.0, expected.sub(c.getRow(b).reshape(1, 5)).norm2Number().doubleValue(),
          1e-12, "sequence " + b);
    }
    INDArray m = mean.forward(batch, new Workspace(DataType.DOUBLE), false);
    assertTrue(m.sub(c).norm2Number().doubleValue() > 1e-3, "mean and cls pooling agree");
  }

  /**
   * With media towers: an interleaved batch (text, image, audio and video patches in one
   * sequence; a text-only row beside it; padding), every parameter — the three patch projections
   * and the time table included — against finite differences. Token rows of media positions must
   * get no gradient.
   */
  @Test
  void everyParameterWithMediaTowers() {
    ModelConfig config = ModelConfig.parse("""
        name = grad-check-media, vocab_size = 20, hidden = 8, layers = 1, heads = 2, ffn = 12,
        max_positions = 16, modalities = 4, output_dim = 5, layer_norm_eps = 1e-5,
        max_length = 16, matryoshka_dims = [5],
        media { image_size = 4, image_patch = 2, audio_mel_bins = 3, audio_frames_per_patch = 2,
          max_audio_patches = 4, video_size = 2, video_patch = 2, video_frames = 3,
          max_media_bytes = 1M }
        """, "test");
    Encoder encoder = Encoder.randomInit(config, 3, DataType.DOUBLE);
    randomize(encoder.store(), 4, 0.3);
    java.util.SplittableRandom random = new java.util.SplittableRandom(5);
    // [CLS] tok image×2 audio×2 video×3 (frames 0, 2, 2) tok [SEP]
    int[] types = {0, 0, 1, 1, 2, 2, 3, 3, 3, 0, 0};
    int[] dims = {0, 0, 12, 12, 6, 6, 12, 12, 12, 0, 0};
    int[] times = {0, 0, 0, 0, 0, 0, 0, 2, 2, 0, 0};
    int[] ids = {1, 5, 0, 0, 0, 0, 0, 0, 0, 7, 2};
    float[][] patches = new float[ids.length][];
    for (int t = 0; t < ids.length; t++) {
      if (dims[t] > 0) {
        patches[t] = new float[dims[t]];
        for (int k = 0; k < dims[t]; k++) {
          patches[t][k] = (float) (random.nextDouble() * 2 - 1);
        }
      }
    }
    Sequence media = new Sequence(ids, types, patches, times, false);
    TokenBatch batch = TokenBatch.of(List.of(media, Sequence.text(new int[] {1, 3, 2}, false)));
    INDArray r = gaussian(6, 1, 2, 5);

    Workspace ws = new Workspace(DataType.DOUBLE);
    encoder.store().zeroGrads();
    encoder.forward(batch, ws, true);
    encoder.backward(batch, r, ws);

    // Media positions carry token id 0 only as a placeholder: its row must get no gradient.
    assertEquals(0.0, encoder.store().grad("embeddings.token").getRow(0).norm2Number()
        .doubleValue(), 1e-12);
    checkParams(encoder.store(), () -> dot(encoder.forward(batch, new Workspace(DataType.DOUBLE),
        false), r), 10);
  }
}
