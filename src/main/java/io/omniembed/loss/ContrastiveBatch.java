package io.omniembed.loss;

/**
 * The embeddings of one training batch as a contrastive loss sees them, row-major, each row
 * L2-normalised by the encoder at full dimension:
 *
 * @param queries         [B][D] query embeddings
 * @param positives       [B][D] positive embeddings, positives[i] belongs to queries[i]
 * @param negatives       [M][D] hard-negative embeddings of all queries
 * @param negativeOwner   [M] the query each hard negative belongs to
 * @param queryKeys       [B] content key of each query (equal keys = same content)
 * @param positiveKeys    [B] content key of each positive
 * @param negativeKeys    [M] content key of each hard negative
 */
public record ContrastiveBatch(float[][] queries, float[][] positives, float[][] negatives,
    int[] negativeOwner, long[] queryKeys, long[] positiveKeys, long[] negativeKeys) {

  public ContrastiveBatch {
    int b = queries.length;
    if (b == 0 || positives.length != b || queryKeys.length != b || positiveKeys.length != b) {
      throw new IllegalArgumentException("queries, positives and their keys must have the same"
          + " non-zero length");
    }
    if (negatives.length != negativeOwner.length || negatives.length != negativeKeys.length) {
      throw new IllegalArgumentException("negatives, owners and keys must have the same length");
    }
    for (int owner : negativeOwner) {
      if (owner < 0 || owner >= b) {
        throw new IllegalArgumentException("negative owner " + owner + " outside 0.." + (b - 1));
      }
    }
  }

  public int size() {
    return queries.length;
  }

  public int dim() {
    return queries[0].length;
  }
}
