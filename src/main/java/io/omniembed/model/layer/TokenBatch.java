package io.omniembed.model.layer;

import io.omniembed.data.Modality;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A padded batch of sequences, row-major: {@code ids[b * len + t]}. Padding uses id 0 and is
 * excluded by the attention mask and by pooling.
 *
 * @param batch   number of sequences B
 * @param len     padded length L (the longest sequence of the batch)
 * @param ids     token ids [B·L] (0 at media positions)
 * @param types   modality-type ids [B·L] (text is 0)
 * @param lengths real length of each sequence [B]
 * @param patches patch values at media positions [B·L], null elsewhere; null when no sequence of
 *                the batch has media
 * @param times   frame index of each video patch [B·L]; null when {@code patches} is
 */
public record TokenBatch(int batch, int len, int[] ids, int[] types, int[] lengths,
    float[][] patches, int[] times) {

  public TokenBatch {
    if (batch <= 0 || len <= 0) {
      throw new IllegalArgumentException("empty batch");
    }
    if (ids.length != batch * len || types.length != batch * len || lengths.length != batch
        || (patches != null && (patches.length != batch * len || times.length != batch * len))) {
      throw new IllegalArgumentException("token batch arrays do not match " + batch + "x" + len);
    }
    for (int l : lengths) {
      if (l <= 0 || l > len) {
        throw new IllegalArgumentException("sequence length " + l + " outside 1.." + len);
      }
    }
  }

  /** A text-only batch. */
  public TokenBatch(int batch, int len, int[] ids, int[] types, int[] lengths) {
    this(batch, len, ids, types, lengths, null, null);
  }

  public boolean hasMedia() {
    return patches != null;
  }

  /** Pads text token sequences to the longest of them. */
  public static TokenBatch ofText(List<int[]> sequences) {
    List<Sequence> s = new ArrayList<>(sequences.size());
    for (int[] ids : sequences) {
      s.add(Sequence.text(ids, false));
    }
    return of(s);
  }

  /** Pads sequences of any modality to the longest of them. */
  public static TokenBatch of(List<Sequence> sequences) {
    int batch = sequences.size();
    int len = 0;
    boolean media = false;
    for (Sequence s : sequences) {
      len = Math.max(len, s.length());
      media |= s.hasMedia();
    }
    int[] ids = new int[batch * len];
    int[] types = new int[batch * len];
    int[] lengths = new int[batch];
    float[][] patches = media ? new float[batch * len][] : null;
    int[] times = media ? new int[batch * len] : null;
    Arrays.fill(types, Modality.TEXT.typeId());
    for (int b = 0; b < batch; b++) {
      Sequence s = sequences.get(b);
      System.arraycopy(s.ids(), 0, ids, b * len, s.length());
      System.arraycopy(s.types(), 0, types, b * len, s.length());
      if (s.hasMedia()) {
        System.arraycopy(s.patches(), 0, patches, b * len, s.length());
        System.arraycopy(s.times(), 0, times, b * len, s.length());
      }
      lengths[b] = s.length();
    }
    return new TokenBatch(batch, len, ids, types, lengths, patches, times);
  }
}
