package io.omniembed.model.layer;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Erf;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The exact GELU of BERT (Hendrycks and Gimpel, 2016): gelu(u) = u·Φ(u), Φ(u) = ½(1 + erf(u/√2)).
 * ND4J's own GELU ops are the sigmoid and tanh approximations; pretrained BERT weights were trained
 * with erf, so it is written out here.
 *
 * <p>Backward: d gelu/du = Φ(u) + u·φ(u), φ(u) = exp(−u²/2)/√(2π).
 *
 * <p>Two paths. The fused float32 path computes g, Φ and φ in one pass (erf by Abramowitz and
 * Stegun 7.1.26, |error| ≤ 1.5·10⁻⁷, whose exp(−u²/2) is φ's too) and the backward in another.
 * The reference path, a chain of ND4J ops with ND4J's erf, serves other precisions (the double
 * gradient checks) and device backends ({@link KernelPath#ND4J}), and is the baseline of the
 * fused path's parity test.
 */
public final class Gelu {

  private static final double INV_SQRT2 = 1.0 / Math.sqrt(2.0);
  private static final double INV_SQRT_2PI = 1.0 / Math.sqrt(2.0 * Math.PI);
  // Abramowitz and Stegun 7.1.26.
  private static final double P = 0.3275911;
  private static final double A1 = 0.254829592;
  private static final double A2 = -0.284496736;
  private static final double A3 = 1.421413741;
  private static final double A4 = -1.453152027;
  private static final double A5 = 1.061405429;

  private Gelu() {}

  /** u → g, both [N, F], distinct arrays. Keeps u, Φ(u) (and φ(u)) for backward. */
  public static void forward(INDArray u, INDArray g, Workspace ws) {
    INDArray phi = ws.view("Phi", u.shape());
    ws.keep("u", u);
    ws.keep("Phi", phi);
    if (Elementwise.supports(u, g, phi)) {
      INDArray density = ws.view("density", u.shape());
      ws.keep("density", density);
      Elementwise.map(new INDArray[] {u}, new INDArray[] {g, phi, density}, Gelu::fusedForward);
      return;
    }
    referenceForward(u, g, phi);
  }

  /** dg → du; du may alias dg. */
  public static void backward(INDArray dg, INDArray du, Workspace ws) {
    INDArray u = ws.kept("u");
    INDArray phi = ws.kept("Phi");
    if (Elementwise.supports(u, phi, dg, du)) {
      INDArray density = ws.kept("density");
      Elementwise.map(new INDArray[] {u, phi, density, dg}, new INDArray[] {du},
          Gelu::fusedBackward);
      return;
    }
    referenceBackward(u, phi, dg, du, ws.view("density", u.shape()));
  }

  /** g = u·Φ(u), Φ and φ kept; one pass. */
  private static void fusedForward(float[][] in, float[][] out, int len) {
    float[] u = in[0];
    float[] g = out[0];
    float[] cdf = out[1];
    float[] density = out[2];
    for (int i = 0; i < len; i++) {
      float x = u[i];
      float z = Math.abs(x) * (float) INV_SQRT2;
      float t = 1f / (1f + (float) P * z);
      float e = expNonPositive(-z * z);                        // exp(−u²/2)
      float erfAbs = 1f - t * ((float) A1 + t * ((float) A2 + t * ((float) A3 + t * ((float) A4
          + t * (float) A5)))) * e;
      float c = 0.5f * (1f + Math.copySign(erfAbs, x));
      cdf[i] = c;
      density[i] = e * (float) INV_SQRT_2PI;
      g[i] = x * c;
    }
  }

  /**
   * exp(y) for y ≤ 0 in float precision (relative error below 2·10⁻⁷): y = k·ln 2 + r with
   * |r| ≤ ln2/2, exp(r) by its degree-6 Taylor polynomial, 2^k by building the float's exponent.
   * About 7 ns against Math.exp's 10 ns here.
   */
  static float expNonPositive(float y) {
    float v = Math.max(y, -87f);                              // keeps 2^k above 2^−126
    int k = (int) (v * 1.44269504f - 0.5f);                   // nearest integer to v / ln 2
    float r = v - k * 0.693147181f;
    float p = 1f + r * (1f + r * (0.5f + r * (1f / 6 + r * (1f / 24 + r * (1f / 120
        + r * (1f / 720))))));
    return p * Float.intBitsToFloat((k + 127) << 23);
  }

  /** du = dg·(Φ + u·φ); one pass. */
  private static void fusedBackward(float[][] in, float[][] out, int len) {
    float[] u = in[0];
    float[] cdf = in[1];
    float[] density = in[2];
    float[] dg = in[3];
    float[] du = out[0];
    for (int i = 0; i < len; i++) {
      du[i] = dg[i] * (cdf[i] + u[i] * density[i]);
    }
  }

  static void referenceForward(INDArray u, INDArray g, INDArray phi) {
    phi.assign(u).muli(INV_SQRT2);
    Nd4j.exec(new Erf(phi, phi));
    phi.addi(1.0).muli(0.5);
    g.assign(phi).muli(u);
  }

  static void referenceBackward(INDArray u, INDArray phi, INDArray dg, INDArray du,
      INDArray density) {
    density.assign(u).muli(u).muli(-0.5);
    Transforms.exp(density, false);
    density.muli(u).muli(INV_SQRT_2PI).addi(phi);            // Φ(u) + u·φ(u)
    if (du != dg) {
      du.assign(dg);
    }
    du.muli(density);
  }
}
