package io.omniembed.loss;

/**
 * Contrastive tuning against a locked text tower: LiT (Zhai et al., 2022, "LiT: Zero-Shot
 * Transfer with Locked-image Text Tuning") with the roles of the towers swapped — there the
 * pretrained image tower is locked and the text tower learns; here the text side is the frozen
 * text teacher's embedding, computed once before training, and only the media side learns. With
 * t_i = T(text_i) the teacher's fixed embedding of pair i's text and m_i = M(media_i) the
 * student's embedding of its image, audio or video, the loss is {@link InBatchNceLoss} without
 * hard negatives on the pairs (q, p) = (t, m) for a text→media task, (m, t) for media→text:
 * <pre>
 *   L = Σ_k w_k · 1/B Σ_i −log( e^{s(q_i,p_i)/τ} / ( e^{s(q_i,p_i)/τ}
 *                                                   + Σ_{j≠i} mask(i,j)·e^{s(q_i,p_j)/τ} ) )
 *   mask(i,j) = 0 if q_i = q_j or p_i = p_j (by content), else 1
 * </pre>
 * s the cosine similarity of the first k dimensions (Matryoshka prefixes, each re-normalised),
 * and the gradient taken with respect to the m_i only: the t_i are constants, so a step costs
 * the media forward and backward alone. As in the joint recipe each task contrasts in one
 * direction (the paper sums both); text2audio and audio2text are two tasks of one mix.
 *
 * <p>Inputs: a {@link ContrastiveBatch} without hard negatives whose text side — the queries
 * ({@link TextSide#QUERY}) or the positives ({@link TextSide#POSITIVE}) — holds the teacher's
 * vectors and whose other side holds the student's media embeddings, each [B][D], with the
 * content keys of both sides (those of the texts and of the media). Output: the loss, its
 * Matryoshka parts and dL/d(media embedding) [B][D].
 */
public final class LockedTextNceLoss {

  /** Which side of the pairs is the locked text. */
  public enum TextSide {
    /** Text → media tasks (text2image, text2audio, text2video): the queries are the text. */
    QUERY,
    /** Media → text tasks (audio2text): the positives are the text. */
    POSITIVE
  }

  /** The loss, its part per Matryoshka dimension, and dL/d(media embedding) of every row. */
  public record Result(double loss, double[] perDimLoss, float[][] dMedia) {}

  private final InBatchNceLoss nce;

  /** @param nce the contrast: temperature, Matryoshka dimensions and weights */
  public LockedTextNceLoss(InBatchNceLoss nce) {
    this.nce = nce;
  }

  public Result compute(ContrastiveBatch batch, TextSide text) {
    if (batch.negatives().length > 0) {
      throw new IllegalArgumentException("a locked-text batch has no hard negatives, got "
          + batch.negatives().length);
    }
    InBatchNceLoss.Result r = nce.compute(batch);
    return new Result(r.loss(), r.perDimLoss(),
        text == TextSide.QUERY ? r.dPositives() : r.dQueries());
  }
}
