package io.omniembed.model.layer;

import java.nio.FloatBuffer;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Layer normalisation over the last axis (Ba et al., 2016): y = γ·x̂ + β with
 * x̂ = (x − mean(x)) / sqrt(var(x) + ε).
 *
 * <p>Backward, per row with r = 1/sqrt(var + ε) and g = dy·γ:
 * dx = r · (g − mean(g) − x̂ · mean(g·x̂)); dγ += Σ_rows dy·x̂; dβ += Σ_rows dy.
 */
public final class LayerNorm {

  /** Rows summed in float before the dγ, dβ sums move to double. */
  private static final int FLUSH_ROWS = 32;

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
    INDArray rstdRows = ws.view("rstd", n, 1);
    if (Elementwise.supports(x, y, xhat, rstdRows, gamma, beta)) {
      fusedForward(x, y, xhat, rstdRows);
      ws.keep("rstd", rstdRows);
      ws.keep("xhat", xhat);
      return;
    }
    referenceForward(x, y, xhat, ws);
  }

  /**
   * One pass per row in plain Java: mean and variance, x̂, y. The sums run in eight float
   * accumulators (independent additions, and each sums only h/8 values), the element loops are
   * simple enough for C2's SIMD code; the ND4J chain of the reference path makes nine passes over
   * [N, H].
   */
  private void fusedForward(INDArray x, INDArray y, INDArray xhat, INDArray rstdRows) {
    int h = (int) x.size(1);
    float[] g = gamma.toFloatVector();
    float[] b = beta.toFloatVector();
    FloatBuffer xb = x.data().asNioFloat();
    FloatBuffer yb = y.data().asNioFloat();
    FloatBuffer hb = xhat.data().asNioFloat();
    FloatBuffer rb = rstdRows.data().asNioFloat();
    long xo = x.offset();
    long yo = y.offset();
    long ho = xhat.offset();
    long ro = rstdRows.offset();
    Elementwise.rows(x.size(0), h, (from, to) -> {
      float[] row = new float[h];
      float[] xh = new float[h];
      for (long r = from; r < to; r++) {
        xb.get((int) (xo + r * h), row, 0, h);
        float mean = Elementwise.sum(row, 0, h) / h;
        for (int c = 0; c < h; c++) {
          xh[c] = row[c] - mean;
        }
        float var = Elementwise.dot(xh, xh, 0, h) / h;
        float rstd = (float) (1.0 / Math.sqrt(var + eps));
        rb.put((int) (ro + r), rstd);
        for (int c = 0; c < h; c++) {
          float v = xh[c] * rstd;
          xh[c] = v;
          row[c] = v * g[c] + b[c];
        }
        hb.put((int) (ho + r * h), xh, 0, h);
        yb.put((int) (yo + r * h), row, 0, h);
      }
      return null;
    });
  }

  /**
   * The chain of ND4J ops the fused path is tested against, and the path for doubles and for
   * device backends ({@link KernelPath#ND4J}).
   */
  void referenceForward(INDArray x, INDArray y, INDArray xhat, Workspace ws) {
    long n = x.size(0);
    long h = x.size(1);
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
    if (Elementwise.supports(dy, dx, xhat, rstd, gamma, dgamma, dbeta)) {
      fusedBackward(dy, dx, xhat, rstd);
      return;
    }
    referenceBackward(dy, dx, xhat, rstd, ws);
  }

  /**
   * One pass per row. dγ and dβ are summed per thread in float arrays (a loop C2 turns into SIMD
   * code) that are emptied into double sums every {@value #FLUSH_ROWS} rows, then added once.
   */
  private void fusedBackward(INDArray dy, INDArray dx, INDArray xhat, INDArray rstd) {
    int h = (int) dy.size(1);
    float[] g = gamma.toFloatVector();
    FloatBuffer dyb = dy.data().asNioFloat();
    FloatBuffer dxb = dx.data().asNioFloat();
    FloatBuffer hb = xhat.data().asNioFloat();
    FloatBuffer rb = rstd.data().asNioFloat();
    long dyo = dy.offset();
    long dxo = dx.offset();
    long ho = xhat.offset();
    long ro = rstd.offset();
    List<double[][]> partials = Elementwise.rows(dy.size(0), h, (from, to) -> {
      double[] sumGamma = new double[h];
      double[] sumBeta = new double[h];
      float[] blockGamma = new float[h];
      float[] blockBeta = new float[h];
      float[] d = new float[h];
      float[] xh = new float[h];
      float[] dg = new float[h];
      for (long r = from; r < to; r++) {
        dyb.get((int) (dyo + r * h), d, 0, h);
        hb.get((int) (ho + r * h), xh, 0, h);
        float rs = rb.get((int) (ro + r));
        for (int c = 0; c < h; c++) {
          blockGamma[c] += d[c] * xh[c];
          blockBeta[c] += d[c];
          dg[c] = d[c] * g[c];
        }
        float mg = Elementwise.sum(dg, 0, h) / h;
        float mgx = Elementwise.dot(dg, xh, 0, h) / h;
        for (int c = 0; c < h; c++) {
          d[c] = rs * (dg[c] - mg - xh[c] * mgx);
        }
        dxb.put((int) (dxo + r * h), d, 0, h);
        if ((r - from) % FLUSH_ROWS == FLUSH_ROWS - 1 || r == to - 1) {
          for (int c = 0; c < h; c++) {
            sumGamma[c] += blockGamma[c];
            sumBeta[c] += blockBeta[c];
            blockGamma[c] = 0;
            blockBeta[c] = 0;
          }
        }
      }
      return new double[][] {sumGamma, sumBeta};
    });
    double[] sg = new double[h];
    double[] sb = new double[h];
    for (double[][] p : partials) {
      for (int c = 0; c < h; c++) {
        sg[c] += p[0][c];
        sb[c] += p[1][c];
      }
    }
    dgamma.addi(Nd4j.createFromArray(sg).castTo(dgamma.dataType()));
    dbeta.addi(Nd4j.createFromArray(sb).castTo(dbeta.dataType()));
  }

  /** The ND4J reference of {@link #backward}. */
  void referenceBackward(INDArray dy, INDArray dx, INDArray xhat, INDArray rstd, Workspace ws) {
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
