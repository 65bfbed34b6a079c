package io.omniembed.data;

/**
 * One piece of an item's content, in the order it appears: text, or a media reference (an image,
 * audio clip or video, by URI or inline bytes).
 */
public sealed interface Part permits Part.Text, Part.Media {

  Modality modality();

  /** A text part. */
  record Text(String text) implements Part {
    public Text {
      java.util.Objects.requireNonNull(text, "text");
    }

    @Override
    public Modality modality() {
      return Modality.TEXT;
    }
  }

  /**
   * A media part: exactly one of {@code uri} (resolved against the file the item came from) or
   * {@code bytes} (inline content) is set.
   */
  record Media(Modality modality, String uri, byte[] bytes) implements Part {
    public Media {
      if (modality == Modality.TEXT) {
        throw new IllegalArgumentException("a media part cannot have modality text");
      }
      if ((uri == null) == (bytes == null)) {
        throw new IllegalArgumentException("a " + modality.key() + " part needs exactly one of"
            + " uri or bytes");
      }
    }
  }
}
