package io.omniembed.loss;

import java.util.List;

/**
 * Noise-contrastive estimation with in-batch and hard negatives, the loss of Gemini Embedding
 * (Lee et al., 2025, "Gemini Embedding: Generalizable Embeddings from Gemini", eq. 1; the same
 * objective in Gemini Embedding 2), summed over Matryoshka prefixes (Kusupati et al., 2022):
 * <pre>
 *   L = Σ_k w_k · 1/B Σ_i −log( e^{s(q_i,p_i)/τ} / ( e^{s(q_i,p_i)/τ} + Σ_{n ∈ N_i} e^{s(q_i,n)/τ}
 *                                                   + Σ_{j≠i} mask(i,j)·e^{s(q_i,p_j)/τ} ) )
 *   mask(i,j) = 0 if q_i = q_j or p_i = p_j (by content), else 1
 * </pre>
 * where s is the cosine similarity of the first k dimensions (each prefix re-normalised), N_i the
 * hard negatives of query i, and — when {@code shareHardNegatives} is on — also the other queries'
 * hard negatives; in both cases without those with the same content as p_i. The mask keeps
 * duplicates (frequent in classification-like tasks with few distinct targets) from acting as
 * negatives of each other, and a mined "negative" that is the positive itself from pushing the
 * query away from its own target; {@link Result#maskedHardNegatives} counts those.
 *
 * <p>Inputs: a {@link ContrastiveBatch}. Output: the loss and its gradient with respect to every
 * query, positive and negative embedding (full dimension), for the encoder's backward pass.
 */
public final class InBatchNceLoss {

  /**
   * The loss value, dL/d(embedding) for every row of the batch, and the number of hard negatives
   * masked out of their own query's candidates for having its positive's content.
   */
  public record Result(double loss, double[] perDimLoss, float[][] dQueries, float[][] dPositives,
      float[][] dNegatives, int maskedHardNegatives) {}

  private final double temperature;
  private final List<Integer> dims;
  private final List<Double> weights;
  private final boolean shareHardNegatives;

  /**
   * @param temperature        τ &gt; 0
   * @param dims               Matryoshka prefix dimensions (increasing)
   * @param weights            one weight per prefix
   * @param shareHardNegatives also score each query against the other queries' hard negatives
   */
  public InBatchNceLoss(double temperature, List<Integer> dims, List<Double> weights,
      boolean shareHardNegatives) {
    if (!(temperature > 0)) {
      throw new IllegalArgumentException("temperature must be > 0, got " + temperature);
    }
    if (dims.isEmpty() || dims.size() != weights.size()) {
      throw new IllegalArgumentException("need one weight per Matryoshka dimension: " + dims
          + " vs " + weights);
    }
    this.temperature = temperature;
    this.dims = List.copyOf(dims);
    this.weights = List.copyOf(weights);
    this.shareHardNegatives = shareHardNegatives;
  }

  public Result compute(ContrastiveBatch batch) {
    int b = batch.size();
    int m = batch.negatives().length;
    int d = batch.dim();
    double[][] dq = new double[b][d];
    double[][] dp = new double[b][d];
    double[][] dn = new double[m][d];
    double total = 0;
    double[] perDim = new double[dims.size()];
    for (int di = 0; di < dims.size(); di++) {
      int k = dims.get(di);
      if (k > d) {
        throw new IllegalArgumentException("Matryoshka dimension " + k + " exceeds the embedding's "
            + d);
      }
      double w = weights.get(di);
      Prefix q = new Prefix(batch.queries(), k);
      Prefix p = new Prefix(batch.positives(), k);
      Prefix n = new Prefix(batch.negatives(), k);
      double[][] gq = new double[b][k];
      double[][] gp = new double[b][k];
      double[][] gn = new double[m][k];
      double loss = 0;
      double[] logits = new double[b + m];
      boolean[] used = new boolean[b + m];
      for (int i = 0; i < b; i++) {
        // Candidates: positives 0..B-1 (j = i is the target), then hard negatives B..B+M-1.
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < b; j++) {
          used[j] = j == i || (batch.queryKeys()[j] != batch.queryKeys()[i]
              && batch.positiveKeys()[j] != batch.positiveKeys()[i]);
          if (used[j]) {
            logits[j] = dot(q.unit[i], p.unit[j]) / temperature;
            max = Math.max(max, logits[j]);
          }
        }
        for (int x = 0; x < m; x++) {
          boolean own = batch.negativeOwner()[x] == i;
          used[b + x] = (own || shareHardNegatives)
              && batch.negativeKeys()[x] != batch.positiveKeys()[i];
          if (used[b + x]) {
            logits[b + x] = dot(q.unit[i], n.unit[x]) / temperature;
            max = Math.max(max, logits[b + x]);
          }
        }
        double sum = 0;
        for (int x = 0; x < b + m; x++) {
          if (used[x]) {
            sum += Math.exp(logits[x] - max);
          }
        }
        double logZ = max + Math.log(sum);
        loss += logZ - logits[i];
        // dL_i/dlogit_x = softmax_x − [x = i]; dlogit/ds = 1/τ.
        for (int x = 0; x < b + m; x++) {
          if (!used[x]) {
            continue;
          }
          double g = (Math.exp(logits[x] - logZ) - (x == i ? 1 : 0)) / temperature / b * w;
          double[] other = x < b ? p.unit[x] : n.unit[x - b];
          double[] gOther = x < b ? gp[x] : gn[x - b];
          for (int c = 0; c < k; c++) {
            gq[i][c] += g * other[c];
            gOther[c] += g * q.unit[i][c];
          }
        }
      }
      perDim[di] = loss / b;
      total += w * loss / b;
      q.backward(gq, dq);
      p.backward(gp, dp);
      n.backward(gn, dn);
    }
    int masked = 0;
    for (int x = 0; x < m; x++) {
      if (batch.negativeKeys()[x] == batch.positiveKeys()[batch.negativeOwner()[x]]) {
        masked++;
      }
    }
    return new Result(total, perDim, toFloat(dq), toFloat(dp), toFloat(dn), masked);
  }

  /** The first k dimensions of each row, re-normalised, and the way back. */
  private static final class Prefix {
    final double[][] unit;
    final double[] norm;

    Prefix(float[][] rows, int k) {
      unit = new double[rows.length][k];
      norm = new double[rows.length];
      for (int r = 0; r < rows.length; r++) {
        double s = 0;
        for (int c = 0; c < k; c++) {
          s += (double) rows[r][c] * rows[r][c];
        }
        norm[r] = Math.max(Math.sqrt(s), 1e-12);
        for (int c = 0; c < k; c++) {
          unit[r][c] = rows[r][c] / norm[r];
        }
      }
    }

    /** d(prefix) = (d(unit) − unit·⟨unit, d(unit)⟩)/‖prefix‖, added into the first k of out. */
    void backward(double[][] dUnit, double[][] out) {
      for (int r = 0; r < unit.length; r++) {
        double dot = dot(unit[r], dUnit[r]);
        for (int c = 0; c < unit[r].length; c++) {
          out[r][c] += (dUnit[r][c] - unit[r][c] * dot) / norm[r];
        }
      }
    }
  }

  private static double dot(double[] a, double[] b) {
    double s = 0;
    for (int c = 0; c < a.length; c++) {
      s += a[c] * b[c];
    }
    return s;
  }

  private static float[][] toFloat(double[][] a) {
    float[][] out = new float[a.length][];
    for (int r = 0; r < a.length; r++) {
      out[r] = new float[a[r].length];
      for (int c = 0; c < a[r].length; c++) {
        out[r][c] = (float) a[r][c];
      }
    }
    return out;
  }
}
