package io.omniembed.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.omniembed.config.ModelConfig;
import io.omniembed.loss.InBatchNceLoss;
import io.omniembed.model.Encoder;
import io.omniembed.model.FiniteDifferences;
import io.omniembed.model.layer.ParamStore;
import io.omniembed.model.layer.Sequence;
import io.omniembed.train.collective.Collective;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * A whole contrastive step — task-string dropout, encoding of queries, positives and hard
 * negatives, the masked NCE loss over Matryoshka prefixes, back-propagation through the encoder,
 * with and without GradCache chunks — against finite differences of the step's loss, on a tiny
 * encoder in float64 (the embeddings reach the loss as float32, which bounds the precision).
 */
class ContrastiveStepTest {

  static final ModelConfig CONFIG = ModelConfig.parse("""
      name = step-check, vocab_size = 30, hidden = 8, layers = 1, heads = 2, ffn = 12,
      max_positions = 8, modalities = 2, output_dim = 6, layer_norm_eps = 1e-5, max_length = 8,
      matryoshka_dims = [3, 6]
      """, "test");

  private static Sequence text(int... ids) {
    int[] all = new int[ids.length + 2];
    all[0] = 1;
    System.arraycopy(ids, 0, all, 1, ids.length);
    all[all.length - 1] = 2;
    return Sequence.text(all, false);
  }

  private static TokenizedExample example(int[] query, int[] positive, long queryKey,
      long positiveKey, long[] negativeKeys, int[]... negatives) {
    int[] withTask = new int[query.length + 1];
    withTask[0] = 3;   // the task string's token
    System.arraycopy(query, 0, withTask, 1, query.length);
    List<Sequence> n = new ArrayList<>();
    for (int[] ids : negatives) {
      n.add(text(ids));
    }
    return new TokenizedExample(text(withTask), text(query), text(positive), n, queryKey,
        positiveKey, negativeKeys);
  }

  /** Five examples: a duplicate query, a duplicate positive, a negative that is its positive. */
  static List<TokenizedExample> batch() {
    return List.of(
        example(new int[] {5, 6}, new int[] {7, 8, 9}, 100, 200, new long[] {300},
            new int[] {10, 11}),
        example(new int[] {12}, new int[] {13, 14}, 101, 201, new long[0]),
        example(new int[] {5, 6}, new int[] {15}, 100, 202, new long[] {302},
            new int[] {16, 17, 18}),
        example(new int[] {19, 20, 21}, new int[] {22}, 103, 200, new long[0]),
        example(new int[] {23}, new int[] {24, 25}, 104, 204, new long[] {204},
            new int[] {24, 25}));
  }

  @Test
  void theStepsGradientMatchesFiniteDifferencesOfItsLoss() throws Exception {
    for (int chunk : new int[] {0, 2}) {
      Encoder encoder = Encoder.randomInit(CONFIG, 1, DataType.DOUBLE);
      FiniteDifferences.randomize(encoder.store(), 2, 0.3);
      ContrastiveStep step = new ContrastiveStep(encoder,
          new InBatchNceLoss(0.1, List.of(3, 6), List.of(1.0, 0.5), false), 0.5, 7, chunk,
          Collective.single());
      List<TokenizedExample> batch = batch();
      step.run(1, batch);
      ParamStore store = encoder.store();
      double[] analytic = store.grads().toDoubleVector();
      // Per parameter, its coordinate with the largest gradient and one at random.
      SplittableRandom random = new SplittableRandom(3);
      List<Long> coordinates = new ArrayList<>();
      for (ParamStore.Slot s : store.slots()) {
        long best = s.offset();
        for (long i = s.offset(); i < s.offset() + s.size(); i++) {
          if (Math.abs(analytic[(int) i]) > Math.abs(analytic[(int) best])) {
            best = i;
          }
        }
        coordinates.add(best);
        coordinates.add(s.offset() + random.nextLong(s.size()));
      }
      double h = 1e-3;
      double worst = 0;
      for (long i : coordinates) {
        double numeric = FiniteDifferences.centralDifference(store.params(), i, h,
            FiniteDifferences.unchecked(() -> step.run(1, batch).loss()));
        double a = analytic[(int) i];
        double err = Math.abs(numeric - a);
        worst = Math.max(worst, err / (1e-4 + Math.abs(a)));
        // Float32 embeddings leave ~5e-4 relative error here (measured); 2e-3 allows for other
        // BLAS kernels, and a missing or mis-scaled term is far larger.
        assertTrue(err <= 1e-5 + 2e-3 * Math.abs(a), "chunk " + chunk + ", parameter "
            + slotOf(store, i) + " [" + i + "]: analytic " + a + " vs numeric " + numeric);
      }
      assertTrue(worst < 2e-3, "worst relative error " + worst);
    }
  }

  private static String slotOf(ParamStore store, long i) {
    for (ParamStore.Slot s : store.slots()) {
      if (i >= s.offset() && i < s.offset() + s.size()) {
        return s.name();
      }
    }
    return "?";
  }
}
