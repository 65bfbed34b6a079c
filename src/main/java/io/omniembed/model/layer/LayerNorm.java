package io.omniembed.model.layer;

import io.omniembed.model.ParamStore;
import io.omniembed.model.Workspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Layer normalisation over the last axis (Ba et al., 2016): y = γ·x̂ + β with
 * x̂ = (x − mean(x)) / sqrt(var(x) + ε).
 *
 * <p>Backward, per row with r = 1/sqrt(var + ε) and g = dy·γ:
 * dx = r · (g − mean(g) − x̂ · mean(g·x̂)); dγ += Σ_rows dy·x̂; dβ += Σ_rows dy.
 */
public final class LayerNorm {

  private final INDArray gamma;
  private final INDArray beta;
  private final INDArray dgamma;
  private final INDArray dbeta;
  private final double eps;

  public static void declare(ParamStore.Layout layout, String prefix, int width) {
    layout.add(prefix + ".weight", width).add(prefix + ".bias", width);
  }

  public LayerNorm(ParamStore store, String prefix, double eps) {
    this.gamma = store.param(prefix + ".weight");
    this.beta = store.param(prefix + ".bias");
    this.dgamma = store.grad(prefix + ".weight");
    this.dbeta = store.grad(prefix + ".bias");
    this.eps = eps;
  }

  /** x [N, H] → y [N, H]; x and y may be the same array. Keeps x̂ and 1/σ for backward. */
  public void forward(INDArray x, INDArray y, Workspace ws) {
    long n = x.size(0);
    long h = x.size(1);
    INDArray xhat = ws.view("xhat", n, h);
    INDArray mean = ws.view("mean", n, 1);
    RowOps.sumColumns(x, mean, 1.0 / h);
    xhat.assign(x);
    RowOps.addColumn(mean, xhat, -1.0);                      // x − mean
    INDArray rstd = xhat.norm2(true, 1);                     // [N, 1] = sqrt(Σ xc²)
    rstd.muli(rstd).divi(h).addi(eps);
    Transforms.sqrt(rstd, false).rdivi(1.0);                 // 1 / sqrt(var + ε)
    xhat.muliColumnVector(rstd);
    ws.keep("rstd", rstd);
    ws.keep("xhat", xhat);
    y.assign(xhat).muliRowVector(gamma);
    RowOps.broadcastRow(beta, y, 1.0);
  }

  /** dy [N, H] → dx [N, H] (dx must not alias dy); accumulates dγ, dβ. */
  public void backward(INDArray dy, INDArray dx, Workspace ws) {
    INDArray xhat = ws.kept("xhat");
    INDArray rstd = ws.kept("rstd");
    long n = dy.size(0);
    long h = dy.size(1);
    INDArray tmp = ws.view("tmp", n, h);
    tmp.assign(dy).muli(xhat);
    RowOps.sumRows(tmp, dgamma, 1.0);
    RowOps.sumRows(dy, dbeta, 1.0);
    dx.assign(dy).muliRowVector(gamma);                      // g = dy·γ
    INDArray meanG = ws.view("meanG", n, 1);
    RowOps.sumColumns(dx, meanG, 1.0 / h);
    tmp.assign(dx).muli(xhat);
    INDArray meanGx = ws.view("meanGx", n, 1);
    RowOps.sumColumns(tmp, meanGx, 1.0 / h);
    tmp.assign(xhat).muliColumnVector(meanGx);
    dx.subi(tmp);
    RowOps.addColumn(meanG, dx, -1.0);
    dx.muliColumnVector(rstd);
  }
}
