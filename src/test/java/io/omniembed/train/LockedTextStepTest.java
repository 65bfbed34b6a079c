package io.omniembed.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.omniembed.config.ModelConfig;
import io.omniembed.data.Modality;
import io.omniembed.loss.InBatchNceLoss;
import io.omniembed.model.Encoder;
import io.omniembed.model.FiniteDifferences;
import io.omniembed.model.layer.ParamStore;
import io.omniembed.model.layer.Sequence;
import io.omniembed.model.layer.TokenBatch;
import io.omniembed.model.layer.Workspace;
import io.omniembed.train.collective.Collective;
import io.omniembed.train.collective.CollectiveTest;
import io.omniembed.train.collective.InProcessCollective;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The locked-text step of {@link ContrastiveStep} (a batch of {@code lit-*} rows, whose text side
 * is the teacher's fixed vectors): its gradient against finite differences of its loss, with and
 * without GradCache chunks; equal, on the media towers, to the joint step's when the teacher's
 * vectors are the student's own text embeddings (both directions); the same on two workers as on
 * one; and mixed batches refused.
 */
class LockedTextStepTest {

  static final ModelConfig CONFIG = ModelConfig.parse("""
      name = lit-check, vocab_size = 30, hidden = 8, layers = 1, heads = 2, ffn = 12,
      max_positions = 12, modalities = 4, output_dim = 6, layer_norm_eps = 1e-5, max_length = 8,
      matryoshka_dims = [3, 6]
      media { image_size = 16, image_patch = 8, audio_mel_bins = 16, audio_frames_per_patch = 8,
        max_audio_patches = 4, video_size = 16, video_patch = 8, video_frames = 2,
        max_media_bytes = 1M }
      """, "test");
  private static final InBatchNceLoss NCE = new InBatchNceLoss(0.1, List.of(3, 6),
      List.of(1.0, 0.5), false);

  private static Sequence text(int... ids) {
    int[] all = new int[ids.length + 2];
    all[0] = 1;
    System.arraycopy(ids, 0, all, 1, ids.length);
    all[all.length - 1] = 2;
    return Sequence.text(all, false);
  }

  /** [CLS], four image patches of 8·8·3 values from {@code seed}, [SEP]. */
  private static Sequence image(long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    int n = 6;
    int[] ids = new int[n];
    int[] types = new int[n];
    float[][] patches = new float[n][];
    ids[0] = 1;
    ids[n - 1] = 2;
    for (int t = 1; t < n - 1; t++) {
      types[t] = Modality.IMAGE.typeId();
      patches[t] = new float[8 * 8 * 3];
      for (int c = 0; c < patches[t].length; c++) {
        patches[t][c] = (float) r.nextDouble();
      }
    }
    return new Sequence(ids, types, patches, new int[n], false);
  }

  /**
   * Five captions and images: captions 0 and 3 the same text (a duplicate query), images 1 and 4
   * the same image. {@code textIsQuery}: text→image pairs, else image→text.
   */
  private static List<Sequence[]> pairs() {
    Sequence[] texts = {text(5, 6), text(7), text(8, 9, 10), text(5, 6), text(11, 12)};
    Sequence[] images = {image(1), image(2), image(3), image(4), image(2)};
    List<Sequence[]> out = new ArrayList<>();
    for (int i = 0; i < texts.length; i++) {
      out.add(new Sequence[] {texts[i], images[i]});
    }
    return out;
  }

  private static TokenizedExample example(Sequence query, Sequence positive, float[] teacher) {
    return new TokenizedExample(query, query, positive, List.of(), query.contentKey(),
        positive.contentKey(), new long[0], teacher);
  }

  /** The batch with {@code teacher[i]} as the vector of pair i's text (null: a joint batch). */
  static List<TokenizedExample> batch(boolean textIsQuery, float[][] teacher) {
    List<TokenizedExample> rows = new ArrayList<>();
    List<Sequence[]> pairs = pairs();
    for (int i = 0; i < pairs.size(); i++) {
      Sequence t = pairs.get(i)[0];
      Sequence m = pairs.get(i)[1];
      float[] v = teacher == null ? null : teacher[i];
      rows.add(textIsQuery ? example(t, m, v) : example(m, t, v));
    }
    return rows;
  }

  private static float[][] randomUnitRows(long seed, int rows, int dim) {
    SplittableRandom r = new SplittableRandom(seed);
    float[][] out = new float[rows][dim];
    for (float[] row : out) {
      double norm = 0;
      for (int c = 0; c < dim; c++) {
        row[c] = (float) (r.nextDouble() - 0.5);
        norm += row[c] * row[c];
      }
      for (int c = 0; c < dim; c++) {
        row[c] /= (float) Math.sqrt(norm);
      }
    }
    return out;
  }

  /** The encoder's own embeddings of the five captions, [5, D]. */
  private static float[][] ownTextEmbeddings(Encoder e) {
    List<Sequence> texts = pairs().stream().map(p -> p[0]).toList();
    return e.forward(TokenBatch.of(texts), new Workspace(e.store().dataType()), false)
        .toFloatMatrix();
  }

  @Test
  void theGradientMatchesFiniteDifferencesOfTheLoss() throws Exception {
    for (int chunk : new int[] {0, 2}) {
      for (boolean textIsQuery : new boolean[] {true, false}) {
        checkGradient(chunk, textIsQuery);
      }
    }
  }

  /** {@code chunk}: GradCache chunks of the media side (0: one pass). */
  private static void checkGradient(int chunk, boolean textIsQuery) throws Exception {
    Encoder encoder = Encoder.randomInit(CONFIG, 1, DataType.DOUBLE);
    FiniteDifferences.randomize(encoder.store(), 2, 0.3);
    ContrastiveStep step = new ContrastiveStep(encoder, NCE, 0.0, 7, chunk,
        Collective.single());
    List<TokenizedExample> batch = batch(textIsQuery, randomUnitRows(5, 5, 6));
    step.run(1, batch);
    ParamStore store = encoder.store();
    double[] analytic = store.grads().toDoubleVector();
    double h = 1e-3;
    for (ParamStore.Slot s : store.slots()) {
      long best = s.offset();
      for (long i = s.offset(); i < s.offset() + s.size(); i++) {
        if (Math.abs(analytic[(int) i]) > Math.abs(analytic[(int) best])) {
          best = i;
        }
      }
      double numeric = FiniteDifferences.centralDifference(store.params(), best, h,
          FiniteDifferences.unchecked(() -> step.run(1, batch).loss()));
      double a = analytic[(int) best];
      // Float32 embeddings bound the precision, as in ContrastiveStepTest.
      assertTrue(Math.abs(numeric - a) <= 1e-5 + 2e-3 * Math.abs(a), "chunk " + chunk
          + ", text as " + (textIsQuery ? "query" : "positive") + ", " + s.name()
          + ": analytic " + a + " vs numeric " + numeric);
    }
    // A parameter only text reads (a caption token's row) gets no gradient: it is not encoded.
    long row5 = store.slot("embeddings.token").offset() + 5L * CONFIG.hidden();
    for (int c = 0; c < CONFIG.hidden(); c++) {
      assertEquals(0.0, analytic[(int) row5 + c]);
    }
  }

  @Test
  void onTheMediaTowersItIsTheJointStepWhenTheTeacherIsTheStudent() throws Exception {
    for (boolean textIsQuery : new boolean[] {true, false}) {
      Encoder encoder = Encoder.randomInit(CONFIG, 1, DataType.DOUBLE);
      FiniteDifferences.randomize(encoder.store(), 4, 0.3);
      float[][] own = ownTextEmbeddings(encoder);
      ContrastiveStep step = new ContrastiveStep(encoder, NCE, 0.0, 7, 0, Collective.single());
      double joint = step.run(1, batch(textIsQuery, null)).loss();
      double[] jointGrads = mediaGradients(encoder);
      double locked = step.run(1, batch(textIsQuery, own)).loss();
      assertEquals(joint, locked, 1e-12);
      assertArrayEquals(jointGrads, mediaGradients(encoder), 1e-12);
      assertTrue(Arrays.stream(jointGrads).anyMatch(g -> g != 0));
    }
  }

  private static double[] mediaGradients(Encoder e) {
    ParamStore.Slot first = e.store().slots().stream().filter(s -> s.name().startsWith("media."))
        .findFirst().orElseThrow();
    double[] all = e.store().grads().toDoubleVector();
    return Arrays.copyOfRange(all, (int) first.offset(), all.length);
  }

  @Test
  void twoWorkersGiveTheGradientOfOne() throws Exception {
    float[][] teacher = randomUnitRows(9, 5, 6);
    List<double[]> grads = new ArrayList<>();
    for (int workers : new int[] {1, 2}) {
      List<Collective> ring = InProcessCollective.ring(workers);
      List<double[]> each = CollectiveTest.onEach(ring, c -> {
        Encoder encoder = Encoder.randomInit(CONFIG, 1, DataType.FLOAT);
        ContrastiveStep step = new ContrastiveStep(encoder, NCE, 0.0, 7, 0, c);
        List<TokenizedExample> all = batch(true, teacher);
        int from = BatchSchedule.shareStart(all.size(), c.size(), c.rank());
        int to = BatchSchedule.shareStart(all.size(), c.size(), c.rank() + 1);
        step.run(1, all.subList(from, to), from, all.size());
        c.close();
        return encoder.store().grads().toDoubleVector();
      });
      grads.add(each.get(0));
      if (workers == 2) {
        assertArrayEquals(each.get(0), each.get(1), 0.0, "workers hold the same gradient");
      }
    }
    // Float32 sums in another order: equal to a few ulps of the largest gradient.
    double scale = Arrays.stream(grads.get(0)).map(Math::abs).max().orElseThrow();
    assertTrue(scale > 0);
    assertArrayEquals(grads.get(0), grads.get(1), 1e-5 * scale);
  }

  @Test
  void aBatchMixingLockedAndOrdinaryRowsOrDirectionsIsRefused() {
    Encoder encoder = Encoder.randomInit(CONFIG, 1, DataType.FLOAT);
    ContrastiveStep step = new ContrastiveStep(encoder, NCE, 0.0, 7, 0, Collective.single());
    List<TokenizedExample> mixed = new ArrayList<>(batch(true, randomUnitRows(1, 5, 6)));
    mixed.set(2, batch(true, null).get(2));
    assertEquals("step 3: row 2 has no teacher vector in a locked-text batch",
        assertThrows(IllegalStateException.class, () -> step.run(3, mixed)).getMessage());
    List<TokenizedExample> directions = new ArrayList<>(batch(true, randomUnitRows(1, 5, 6)));
    directions.set(1, batch(false, randomUnitRows(1, 5, 6)).get(1));
    assertEquals("step 3: row 1 of a locked-text batch has its text as the positive, row 0 as"
        + " the query (a lit-* task keeps one direction)",
        assertThrows(IllegalStateException.class, () -> step.run(3, directions)).getMessage());
  }
}
