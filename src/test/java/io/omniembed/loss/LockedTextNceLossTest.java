package io.omniembed.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.omniembed.loss.LockedTextNceLoss.TextSide;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LockedTextNceLossTest extends LossGradientTestBase {

  private static final InBatchNceLoss NCE = new InBatchNceLoss(0.1, List.of(4, 8),
      List.of(1.0, 0.5), false);

  /**
   * 5 pairs, D = 8: texts 0 and 3 are the same caption (key 10) of two images, images 1 and 4
   * the same image (key 21) under two captions.
   */
  private static ContrastiveBatch batch(TextSide side, float[][] text, float[][] media) {
    long[] textKeys = {10, 11, 12, 10, 14};
    long[] mediaKeys = {20, 21, 22, 23, 21};
    return side == TextSide.QUERY
        ? new ContrastiveBatch(text, media, new float[0][8], new int[0], textKeys, mediaKeys,
            new long[0])
        : new ContrastiveBatch(media, text, new float[0][8], new int[0], mediaKeys, textKeys,
            new long[0]);
  }

  @Test
  void gradientWithRespectToTheMediaEmbeddings() {
    for (TextSide side : TextSide.values()) {
      Random r = new Random(side.ordinal() + 1);
      float[][] text = randomRows(r, 5, 8);
      float[][] media = randomRows(r, 5, 8);
      LockedTextNceLoss loss = new LockedTextNceLoss(NCE);
      LockedTextNceLoss.Result res = loss.compute(batch(side, text, media), side);
      checkGradient("media (text as " + side + ")", media, res.dMedia(),
          v -> loss.compute(batch(side, text, media), side).loss());
    }
  }

  @Test
  void itIsTheInBatchNceLossWithTheTextSideHeldFixed() {
    for (TextSide side : TextSide.values()) {
      Random r = new Random(7);
      ContrastiveBatch b = batch(side, randomRows(r, 5, 8), randomRows(r, 5, 8));
      InBatchNceLoss.Result nce = NCE.compute(b);
      LockedTextNceLoss.Result locked = new LockedTextNceLoss(NCE).compute(b, side);
      assertEquals(nce.loss(), locked.loss(), 0.0);
      assertArrayEquals(nce.perDimLoss(), locked.perDimLoss(), 0.0);
      float[][] media = side == TextSide.QUERY ? nce.dPositives() : nce.dQueries();
      for (int i = 0; i < media.length; i++) {
        assertArrayEquals(media[i], locked.dMedia()[i], 0f);
      }
    }
  }

  @Test
  void mediaOnTheirTextsAtLowTemperatureGiveZeroLoss() {
    int b = 4;
    float[][] basis = new float[b][b];
    for (int i = 0; i < b; i++) {
      basis[i][i] = 1;
    }
    ContrastiveBatch batch = new ContrastiveBatch(basis, basis, new float[0][b], new int[0],
        new long[] {1, 2, 3, 4}, new long[] {5, 6, 7, 8}, new long[0]);
    double loss = new LockedTextNceLoss(new InBatchNceLoss(0.01, List.of(b), List.of(1.0), false))
        .compute(batch, TextSide.QUERY).loss();
    assertTrue(loss < 1e-40, "loss " + loss);
  }

  @Test
  void hardNegativesAreRefused() {
    Random r = new Random(3);
    ContrastiveBatch withNegative = new ContrastiveBatch(randomRows(r, 2, 4), randomRows(r, 2, 4),
        randomRows(r, 1, 4), new int[] {0}, new long[] {1, 2}, new long[] {3, 4},
        new long[] {5});
    assertEquals("a locked-text batch has no hard negatives, got 1",
        assertThrows(IllegalArgumentException.class, () -> new LockedTextNceLoss(NCE)
            .compute(withNegative, TextSide.QUERY)).getMessage());
  }
}
