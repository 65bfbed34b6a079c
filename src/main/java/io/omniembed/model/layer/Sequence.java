package io.omniembed.model.layer;

import io.omniembed.data.Modality;
import io.omniembed.data.Seeds;
import java.util.Arrays;

/**
 * One item as the encoder reads it: a row of positions, each a text token or a media patch, in
 * the order of the item's parts.
 *
 * @param ids       token id per position (0 at media positions, whose input is their patch)
 * @param types     modality-type id per position ({@link Modality#typeId})
 * @param patches   the patch values at media positions, null at text positions; null altogether
 *                  for a text-only sequence
 * @param times     the frame index of each video patch, 0 elsewhere; null when {@code patches} is
 * @param truncated whether a length limit cut the item
 */
public record Sequence(int[] ids, int[] types, float[][] patches, int[] times, boolean truncated) {

  public Sequence {
    if (ids.length == 0 || types.length != ids.length
        || (patches != null && (patches.length != ids.length || times.length != ids.length))) {
      throw new IllegalArgumentException("sequence arrays do not match " + ids.length
          + " positions");
    }
  }

  /** A text-only sequence of token ids. */
  public static Sequence text(int[] ids, boolean truncated) {
    int[] types = new int[ids.length];
    Arrays.fill(types, Modality.TEXT.typeId());
    return new Sequence(ids, types, null, null, truncated);
  }

  public int length() {
    return ids.length;
  }

  public boolean hasMedia() {
    return patches != null;
  }

  /**
   * A 64-bit hash of what the encoder sees (tokens, types and patch values), the content key of
   * the training loss's duplicate mask. A text-only sequence hashes as its token ids alone.
   */
  public long contentKey() {
    long h = ids.length;
    for (int id : ids) {
      h = Seeds.mix(h, id);
    }
    if (patches == null) {
      return h;
    }
    for (int t = 0; t < ids.length; t++) {
      h = Seeds.mix(h, types[t]);
      if (patches[t] != null) {
        h = Seeds.mix(h, Arrays.hashCode(patches[t]));
        h = Seeds.mix(h, times[t]);
      }
    }
    return h;
  }
}
