package io.omniembed.loss;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.function.ToDoubleFunction;

/**
 * The finite-difference check every loss test extends: the analytic gradient with respect to each
 * embedding coordinate against a central difference of the loss. Inputs are float32 (as the
 * encoder gives them), so each difference uses the step actually representable in float.
 */
abstract class LossGradientTestBase {

  static float[][] randomRows(Random r, int rows, int dim) {
    float[][] out = new float[rows][dim];
    for (int i = 0; i < rows; i++) {
      double norm = 0;
      for (int c = 0; c < dim; c++) {
        out[i][c] = (float) r.nextGaussian();
        norm += out[i][c] * out[i][c];
      }
      for (int c = 0; c < dim; c++) {
        out[i][c] /= (float) Math.sqrt(norm);
      }
    }
    return out;
  }

  static void checkGradient(String what, float[][] rows, float[][] analytic,
      ToDoubleFunction<Void> loss) {
    double worst = 0;
    for (int r = 0; r < rows.length; r++) {
      for (int c = 0; c < rows[r].length; c++) {
        float original = rows[r][c];
        float up = original + 1e-3f;
        float down = original - 1e-3f;
        rows[r][c] = up;
        double lossUp = loss.applyAsDouble(null);
        rows[r][c] = down;
        double lossDown = loss.applyAsDouble(null);
        rows[r][c] = original;
        double numeric = (lossUp - lossDown) / ((double) up - down);
        double a = analytic[r][c];
        double err = Math.abs(numeric - a) / (1e-4 + Math.abs(numeric) + Math.abs(a));
        worst = Math.max(worst, err);
        assertTrue(err < 1e-3, what + "[" + r + "][" + c + "]: analytic " + a + " vs numeric "
            + numeric);
      }
    }
    assertTrue(worst < 1e-3, what + ": worst relative error " + worst);
  }
}
