package io.omniembed.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;

class DistillationMseLossTest extends LossGradientTestBase {

  private final DistillationMseLoss loss = new DistillationMseLoss();

  @Test
  void gradientOfSourcesAndTranslations() {
    Random r = new Random(7);
    float[][] s = randomRows(r, 5, 8);
    float[][] t = randomRows(r, 5, 8);
    float[][] teacher = randomRows(r, 5, 8);
    DistillationMseLoss.Result res = loss.compute(s, t, teacher);
    checkGradient("sources", s, res.dSources(), v -> loss.compute(s, t, teacher).loss());
    checkGradient("translations", t, res.dTranslations(),
        v -> loss.compute(s, t, teacher).loss());
  }

  @Test
  void aStudentThatCopiesTheTeacherHasZeroLoss() {
    float[][] teacher = randomRows(new Random(8), 3, 6);
    assertEquals(0.0, loss.compute(teacher, teacher, teacher).loss(), 0.0);
  }

  @Test
  void theValueIsTheMeanOverRowsOfBothSquaredDistances() {
    // Row 0: source off by (1, 0), translation by (0, 2): 1 + 4. Row 1: both exact. Mean 5 / 2.
    float[][] teacher = {{0, 0}, {1, 1}};
    float[][] s = {{1, 0}, {1, 1}};
    float[][] t = {{0, 2}, {1, 1}};
    assertEquals(2.5, loss.compute(s, t, teacher).loss(), 1e-12);
  }

  @Test
  void aTeacherOfAnotherDimensionIsRefusedNamingBoth() {
    Random r = new Random(9);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> loss.compute(randomRows(r, 2, 4), randomRows(r, 2, 4),
            new float[][] {new float[4], new float[6]}));
    assertEquals("row 1: the teacher embedding has dimension 6, the student's output 4",
        e.getMessage());
  }
}
