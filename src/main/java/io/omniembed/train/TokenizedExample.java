package io.omniembed.train;

import io.omniembed.data.Seeds;
import io.omniembed.data.Item;
import io.omniembed.data.TrainingExample;
import io.omniembed.data.text.TextTokenizer;
import java.util.List;

/**
 * A training example tokenised once: the query with and without its task string, the positive,
 * the hard negatives, and content keys (hashes of the tokens the encoder sees, task string
 * excluded) for the loss's duplicate mask.
 */
public record TokenizedExample(int[] queryWithTask, int[] queryBare, int[] positive,
    List<int[]> negatives, long queryKey, long positiveKey, long[] negativeKeys) {

  /** Tokenises {@code e}; text items only in this version. */
  public static TokenizedExample of(TrainingExample e, String taskString, TextTokenizer tok,
      int maxLength) {
    String query = text(e.query(), "query");
    int[] bare = tok.encode(query, maxLength).ids();
    int[] withTask = tok.encode(taskString + query, maxLength).ids();
    int[] positive = tok.encode(text(e.positive(), "positive"), maxLength).ids();
    int[][] negatives = new int[e.negatives().size()][];
    long[] negativeKeys = new long[negatives.length];
    for (int i = 0; i < negatives.length; i++) {
      negatives[i] = tok.encode(text(e.negatives().get(i), "negatives[" + i + "]"), maxLength)
          .ids();
      negativeKeys[i] = key(negatives[i]);
    }
    return new TokenizedExample(withTask, bare, positive, List.of(negatives), key(bare),
        key(positive), negativeKeys);
  }

  private static String text(Item item, String what) {
    if (!item.isTextOnly()) {
      throw new IllegalArgumentException(what + " has non-text parts; training takes text items"
          + " in this version");
    }
    return item.joinedText();
  }

  /** A 64-bit content hash of token ids. */
  static long key(int[] ids) {
    long h = ids.length;
    for (int id : ids) {
      h = Seeds.mix(h, id);
    }
    return h;
  }
}
