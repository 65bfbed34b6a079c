package io.omniembed.model.layer;

import io.omniembed.model.Workspace;
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
 */
public final class Gelu {

  private static final double INV_SQRT2 = 1.0 / Math.sqrt(2.0);
  private static final double INV_SQRT_2PI = 1.0 / Math.sqrt(2.0 * Math.PI);

  private Gelu() {}

  /** u → g, both [N, F], distinct arrays. Keeps u and Φ(u) for backward. */
  public static void forward(INDArray u, INDArray g, Workspace ws) {
    INDArray phi = ws.view("Phi", u.shape());
    phi.assign(u).muli(INV_SQRT2);
    Nd4j.exec(new Erf(phi, phi));
    phi.addi(1.0).muli(0.5);
    g.assign(phi).muli(u);
    ws.keep("u", u);
    ws.keep("Phi", phi);
  }

  /** dg → du; du may alias dg. */
  public static void backward(INDArray dg, INDArray du, Workspace ws) {
    INDArray u = ws.kept("u");
    INDArray phi = ws.kept("Phi");
    INDArray density = ws.view("density", u.shape());
    density.assign(u).muli(u).muli(-0.5);
    Transforms.exp(density, false);
    density.muli(u).muli(INV_SQRT_2PI).addi(phi);            // Φ(u) + u·φ(u)
    if (du != dg) {
      du.assign(dg);
    }
    du.muli(density);
  }
}
