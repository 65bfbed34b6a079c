package io.omniembed.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class InBatchNceLossTest extends LossGradientTestBase {

  /** 4 queries (0 and 2 share content), 3 hard negatives (two for query 1), D = 8. */
  private static ContrastiveBatch batch(Random r) {
    return new ContrastiveBatch(randomRows(r, 4, 8), randomRows(r, 4, 8), randomRows(r, 3, 8),
        new int[] {1, 1, 3}, new long[] {10, 11, 10, 13}, new long[] {20, 21, 22, 23},
        new long[] {30, 22, 31});
  }

  private void checkAll(InBatchNceLoss loss, ContrastiveBatch b) {
    InBatchNceLoss.Result res = loss.compute(b);
    checkGradient("queries", b.queries(), res.dQueries(), v -> loss.compute(b).loss());
    checkGradient("positives", b.positives(), res.dPositives(), v -> loss.compute(b).loss());
    checkGradient("negatives", b.negatives(), res.dNegatives(), v -> loss.compute(b).loss());
  }

  @Test
  void gradientWithHardNegativesDuplicatesAndMatryoshka() {
    checkAll(new InBatchNceLoss(0.1, List.of(4, 8), List.of(1.0, 0.5), false), batch(new Random(1)));
  }

  @Test
  void gradientWithSharedHardNegatives() {
    checkAll(new InBatchNceLoss(0.05, List.of(8), List.of(1.0), true), batch(new Random(2)));
  }

  /**
   * The batch of {@link #batch} but hard negative 1, of query 1, has the content of query 1's own
   * positive (key 21), as a mined negative that is the positive itself.
   */
  private static ContrastiveBatch withOwnPositiveAsNegative(Random r) {
    ContrastiveBatch b = batch(r);
    return new ContrastiveBatch(b.queries(), b.positives(), b.negatives(), b.negativeOwner(),
        b.queryKeys(), b.positiveKeys(), new long[] {30, 21, 31});
  }

  @Test
  void gradientWithANegativeEqualToItsPositive() {
    checkAll(new InBatchNceLoss(0.1, List.of(4, 8), List.of(1.0, 0.5), false),
        withOwnPositiveAsNegative(new Random(4)));
    checkAll(new InBatchNceLoss(0.05, List.of(8), List.of(1.0), true),
        withOwnPositiveAsNegative(new Random(5)));
  }

  @Test
  void aNegativeEqualToItsPositiveIsMaskedAndCounted() {
    for (boolean share : new boolean[] {false, true}) {
      InBatchNceLoss loss = new InBatchNceLoss(0.1, List.of(4, 8), List.of(1.0, 0.5), share);
      ContrastiveBatch masked = withOwnPositiveAsNegative(new Random(6));
      // Without sharing: the same batch without that negative at all. With sharing: the same
      // negative given to query 3, so that it still counts for the other queries.
      ContrastiveBatch without = share
          ? new ContrastiveBatch(masked.queries(), masked.positives(), masked.negatives(),
              new int[] {1, 3, 3}, masked.queryKeys(), masked.positiveKeys(), masked.negativeKeys())
          : new ContrastiveBatch(masked.queries(), masked.positives(),
              new float[][] {masked.negatives()[0], masked.negatives()[2]}, new int[] {1, 3},
              masked.queryKeys(), masked.positiveKeys(), new long[] {30, 31});
      InBatchNceLoss.Result r = loss.compute(masked);
      assertEquals(loss.compute(without).loss(), r.loss(), 1e-12, "share " + share);
      assertEquals(1, r.maskedHardNegatives());
      assertEquals(0, loss.compute(without).maskedHardNegatives());
      if (!share) {
        for (float g : r.dNegatives()[1]) {
          assertEquals(0f, g, "the masked negative gets no gradient");
        }
      }
    }
  }

  @Test
  void identicalEmbeddingsGiveLogB() {
    int b = 6;
    float[][] same = new float[b][4];
    for (float[] row : same) {
      row[0] = 1;
    }
    long[] keys = {1, 2, 3, 4, 5, 6};
    long[] pkeys = {11, 12, 13, 14, 15, 16};
    ContrastiveBatch batch = new ContrastiveBatch(same, same, new float[0][4], new int[0], keys,
        pkeys, new long[0]);
    InBatchNceLoss.Result r = new InBatchNceLoss(0.05, List.of(2, 4), List.of(1.0, 1.0), false)
        .compute(batch);
    assertEquals(Math.log(b), r.perDimLoss()[0], 1e-12);
    assertEquals(2 * Math.log(b), r.loss(), 1e-12);
  }

  @Test
  void perfectlySeparatedPositivesAtLowTemperatureGiveZeroLoss() {
    int b = 5;
    float[][] basis = new float[b][b];
    for (int i = 0; i < b; i++) {
      basis[i][i] = 1;
    }
    ContrastiveBatch batch = new ContrastiveBatch(basis, basis, new float[0][b], new int[0],
        new long[] {1, 2, 3, 4, 5}, new long[] {6, 7, 8, 9, 10}, new long[0]);
    double loss = new InBatchNceLoss(0.01, List.of(b), List.of(1.0), false).compute(batch).loss();
    // Each wrong candidate is e^{-1/0.01} = e^{-100} relative to the positive.
    assertTrue(loss < 1e-40, "loss " + loss);
  }

  @Test
  void duplicatesAreNotNegativesOfEachOther() {
    // Both rows have the same query content: each query then sees only its own positive, so the
    // loss is exactly 0 whatever the embeddings.
    Random r = new Random(3);
    ContrastiveBatch batch = new ContrastiveBatch(randomRows(r, 2, 4), randomRows(r, 2, 4),
        new float[0][4], new int[0], new long[] {7, 7}, new long[] {1, 2}, new long[0]);
    assertEquals(0.0, new InBatchNceLoss(0.05, List.of(4), List.of(1.0), false).compute(batch)
        .loss(), 1e-12);
    ContrastiveBatch samePositive = new ContrastiveBatch(randomRows(r, 2, 4), randomRows(r, 2, 4),
        new float[0][4], new int[0], new long[] {1, 2}, new long[] {9, 9}, new long[0]);
    assertEquals(0.0, new InBatchNceLoss(0.05, List.of(4), List.of(1.0), false)
        .compute(samePositive).loss(), 1e-12);
  }
}
