package io.omniembed.loss;

/**
 * Multilingual knowledge distillation (Reimers &amp; Gurevych, 2020, "Making Monolingual Sentence
 * Embeddings Multilingual using Knowledge Distillation", eq. 1): the student M̂ learns to put a
 * source sentence s_i and its translation t_i where the frozen teacher M puts the source,
 * <pre>
 *   L = 1/B Σ_i ( ‖M(s_i) − M̂(s_i)‖² + ‖M(s_i) − M̂(t_i)‖² )
 * </pre>
 * on the full output dimension only. An exact match of the full vectors is already an exact
 * match of every Matryoshka prefix coordinate by coordinate, and a teacher that was not trained
 * with Matryoshka prefixes has no re-normalised prefixes worth copying; the prefixes stay the
 * business of the contrastive tasks of the same run.
 *
 * <p>The squared distance is summed over the D coordinates, as the paper writes it; the
 * sentence-transformers {@code MSELoss} of the authors' code also divides by D, a constant factor
 * that would make the distillation gradient D times smaller than that of the NCE batches it is
 * mixed with.
 *
 * <p>Inputs: the student's embeddings of the sources and of the translations (as the encoder
 * gives them, L2-normalised) and the teacher's embeddings of the sources, each [B][D]. Output:
 * the loss and its gradient with respect to both student embeddings.
 */
public final class DistillationMseLoss {

  /** The loss and dL/d(embedding) of every source and translation row. */
  public record Result(double loss, float[][] dSources, float[][] dTranslations) {}

  /**
   * The loss of {@code sources}/{@code translations} against {@code teacher}, each [B][D]. The
   * rows must have the teacher's dimension: a mismatch fails naming both dimensions.
   */
  public Result compute(float[][] sources, float[][] translations, float[][] teacher) {
    int b = sources.length;
    if (b == 0 || translations.length != b || teacher.length != b) {
      throw new IllegalArgumentException("sources, translations and teacher embeddings must have"
          + " the same non-zero number of rows: " + b + ", " + translations.length + ", "
          + teacher.length);
    }
    float[][] ds = new float[b][];
    float[][] dt = new float[b][];
    double loss = 0;
    for (int i = 0; i < b; i++) {
      int d = teacher[i].length;
      if (sources[i].length != d || translations[i].length != d) {
        throw new IllegalArgumentException("row " + i + ": the teacher embedding has dimension "
            + d + ", the student's output " + sources[i].length);
      }
      ds[i] = new float[d];
      dt[i] = new float[d];
      for (int c = 0; c < d; c++) {
        double es = (double) sources[i][c] - teacher[i][c];
        double et = (double) translations[i][c] - teacher[i][c];
        loss += es * es + et * et;
        // dL/dM̂(x) = 2 (M̂(x) − M(s)) / B
        ds[i][c] = (float) (2 * es / b);
        dt[i][c] = (float) (2 * et / b);
      }
    }
    return new Result(loss / b, ds, dt);
  }
}
