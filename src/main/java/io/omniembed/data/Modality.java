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

  /**
   * The media modality a file's extension stands for ({@code .png .jpg .jpeg .gif .bmp} image,
   * {@code .wav .flac .ogg .mp3} audio, {@code .mp4 .webm} video), or null for any other name.
   * A GIF counts as an image (its first frame), as the image decoder reads it; the decoders
   * still check the bytes, so a misnamed file is refused with what was found.
   */
  public static Modality ofFileName(String name) {
    int dot = name.lastIndexOf('.');
    String ext = dot < 0 ? "" : name.substring(dot + 1).toLowerCase(java.util.Locale.ROOT);
    return switch (ext) {
      case "png", "jpg", "jpeg", "gif", "bmp" -> IMAGE;
      case "wav", "flac", "ogg", "mp3" -> AUDIO;
      case "mp4", "webm" -> VIDEO;
      default -> null;
    };
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
