package io.omniembed.model;

import io.omniembed.data.Modality;
import java.util.List;

/**
 * A padded batch of token sequences, row-major: {@code ids[b * len + t]}. Padding uses id 0 and
 * is excluded by the attention mask and by pooling.
 *
 * @param batch   number of sequences B
 * @param len     padded length L (the longest sequence of the batch)
 * @param ids     token ids [B·L]
 * @param types   modality-type ids [B·L] (text is 0)
 * @param lengths real length of each sequence [B]
 */
public record TokenBatch(int batch, int len, int[] ids, int[] types, int[] lengths) {

  public TokenBatch {
    if (batch <= 0 || len <= 0) {
      throw new IllegalArgumentException("empty batch");
    }
    if (ids.length != batch * len || types.length != batch * len || lengths.length != batch) {
      throw new IllegalArgumentException("token batch arrays do not match " + batch + "x" + len);
    }
    for (int l : lengths) {
      if (l <= 0 || l > len) {
        throw new IllegalArgumentException("sequence length " + l + " outside 1.." + len);
      }
    }
  }

  /** Pads text token sequences to the longest of them. */
  public static TokenBatch ofText(List<int[]> sequences) {
    int batch = sequences.size();
    int len = 0;
    for (int[] s : sequences) {
      len = Math.max(len, s.length);
    }
    int[] ids = new int[batch * len];
    int[] types = new int[batch * len];
    int[] lengths = new int[batch];
    java.util.Arrays.fill(types, Modality.TEXT.typeId());
    for (int b = 0; b < batch; b++) {
      int[] s = sequences.get(b);
      System.arraycopy(s, 0, ids, b * len, s.length);
      lengths[b] = s.length;
    }
    return new TokenBatch(batch, len, ids, types, lengths);
  }
}
