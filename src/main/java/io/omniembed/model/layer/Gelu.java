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
 * <p>Two paths. The fused float32 path computes g, Φ and φ over each chunk of elements in four
 * short loops that HotSpot's C2 compiles to SIMD code (a single loop with the float-to-int work
 * of the exponential stays scalar and runs 5× slower): erf by a rational function, exp(−u²/2) by
 * {@link Elementwise#expNonPositive}; the backward is one more loop. The reference path, a chain of
 * ND4J ops with ND4J's erf, serves other precisions (the double gradient checks) and device
 * backends ({@link KernelPath#ND4J}), and is the baseline of the fused path's parity test.
 */
public final class Gelu {

  private static final float INV_SQRT2 = (float) (1.0 / Math.sqrt(2.0));
  private static final float INV_SQRT_2PI = (float) (1.0 / Math.sqrt(2.0 * Math.PI));
  private static final double INV_SQRT2_D = 1.0 / Math.sqrt(2.0);
  private static final double INV_SQRT_2PI_D = 1.0 / Math.sqrt(2.0 * Math.PI);

  // erf(x) ≈ x·P(x²)/Q(x²) on [−4, 4] (±1 beyond, in float): the float32 rational approximation
  // of Eigen and XLA (generic_fast_erf_float), |error of Φ| ≤ 2·10⁻⁷ (GeluParityTest).
  private static final float ERF_A1 = -1.60960333262415e-02f;
  private static final float ERF_A3 = -2.95459980854025e-03f;
  private static final float ERF_A5 = -7.34990630326855e-04f;
  private static final float ERF_A7 = -5.69250639462346e-05f;
  private static final float ERF_A9 = -2.10102402082508e-06f;
  private static final float ERF_A11 = 2.77068142495902e-08f;
  private static final float ERF_A13 = -2.72614225801306e-10f;
  private static final float ERF_B0 = -1.42647390514189e-02f;
  private static final float ERF_B2 = -7.37332916720468e-03f;
  private static final float ERF_B4 = -1.68282697438203e-03f;
  private static final float ERF_B6 = -2.13374055278905e-04f;
  private static final float ERF_B8 = -1.45660718464996e-05f;

  private Gelu() {}

  /** u → g, both [N, F], distinct arrays. Keeps u, Φ(u) (and φ(u)) for backward. */
  public static void forward(INDArray u, INDArray g, Workspace ws) {
    INDArray phi = ws.view("Phi", u.shape());
    ws.keep("u", u);
    ws.keep("Phi", phi);
    if (Elementwise.supports(u, g, phi)) {
      INDArray density = ws.view("density", u.shape());
      ws.keep("density", density);
      Elementwise.map(new INDArray[] {u}, new INDArray[] {g, phi, density}, 1,
          Gelu::fusedForward);
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

  /**
   * g = u·Φ(u), Φ and φ kept: loops over the chunk, each simple enough for C2's SIMD code (Φ and
   * g; then φ through {@link Elementwise#expNonPositive}).
   */
  private static void fusedForward(float[][] in, float[][] out, int len) {
    float[] u = in[0];
    float[] g = out[0];
    float[] cdf = out[1];
    float[] density = out[2];
    float[] scratch = out[3];
    for (int i = 0; i < len; i++) {
      float x = Math.max(Math.min(u[i] * INV_SQRT2, 4f), -4f);
      float x2 = x * x;
      float p = x2 * ERF_A13 + ERF_A11;
      p = x2 * p + ERF_A9;
      p = x2 * p + ERF_A7;
      p = x2 * p + ERF_A5;
      p = x2 * p + ERF_A3;
      p = x2 * p + ERF_A1;
      float q = x2 * ERF_B8 + ERF_B6;
      q = x2 * q + ERF_B4;
      q = x2 * q + ERF_B2;
      q = x2 * q + ERF_B0;
      float c = 0.5f + 0.5f * (x * p / q);
      cdf[i] = c;
      g[i] = u[i] * c;
    }
    for (int i = 0; i < len; i++) {
      density[i] = -0.5f * u[i] * u[i];
    }
    Elementwise.expNonPositive(density, scratch, len);
    for (int i = 0; i < len; i++) {
      density[i] *= INV_SQRT_2PI;
    }
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
    phi.assign(u).muli(INV_SQRT2_D);
    Nd4j.exec(new Erf(phi, phi));
    phi.addi(1.0).muli(0.5);
    g.assign(phi).muli(u);
  }

  static void referenceBackward(INDArray u, INDArray phi, INDArray dg, INDArray du,
      INDArray density) {
    density.assign(u).muli(u).muli(-0.5);
    Transforms.exp(density, false);
    density.muli(u).muli(INV_SQRT_2PI_D).addi(phi);            // Φ(u) + u·φ(u)
    if (du != dg) {
      du.assign(dg);
    }
    du.muli(density);
  }
}
