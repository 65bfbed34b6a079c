package io.omniembed.data;

/**
 * The kinds of content an item's parts can hold. Each modality has a row in the encoder's
 * modality-type table ({@link #typeId}), added to every token of that modality so one sequence can
 * mix them.
 */
public enum Modality {
  TEXT(0),
  IMAGE(1),
  AUDIO(2),
  VIDEO(3);

  private final int typeId;

  Modality(int typeId) {
    this.typeId = typeId;
  }

  /** Row of the modality-type embedding table. */
  public int typeId() {
    return typeId;
  }

  /** The lower-case name used in data files ({@code "type": "image"}). */
  public String key() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  /** Parses a data-file type name, or returns null when it names no modality. */
  public static Modality fromKey(String key) {
    for (Modality m : values()) {
      if (m.key().equals(key)) {
        return m;
      }
    }
    return null;
  }
}
