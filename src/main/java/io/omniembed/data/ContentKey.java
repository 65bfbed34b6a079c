package io.omniembed.data;

import java.util.Locale;

/**
 * A 64-bit key of a text's content for deduplication and leakage checks: case and runs of
 * whitespace do not count ("The  Cat" and "the cat" are the same content), everything else does.
 */
public final class ContentKey {

  private ContentKey() {}

  public static long of(String text) {
    String norm = text.strip().replaceAll("\\s+", " ").toLowerCase(Locale.ROOT);
    long h = 0xcbf29ce484222325L;   // FNV-1a over UTF-16 units, then a SplitMix finaliser
    for (int i = 0; i < norm.length(); i++) {
      h ^= norm.charAt(i);
      h *= 0x100000001b3L;
    }
    return Seeds.mix(h, norm.length());
  }

  /** The key of an item: its text parts, and the URIs of its media parts. */
  public static long of(Item item) {
    StringBuilder b = new StringBuilder(item.joinedText());
    for (Part p : item.parts()) {
      if (p instanceof Part.Media m) {
        b.append(" \u0000").append(m.modality()).append(m.uri() != null ? m.uri()
            : java.util.Arrays.hashCode(m.bytes()));
      }
    }
    return of(b.toString());
  }
}
