package io.omniembed.config;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Which parameters a training run keeps fixed ({@code train.frozen}), for the locked-text phase
 * of media training ({@code lit-*} tasks, {@code io.omniembed.loss.LockedTextNceLoss}).
 *
 * <p>In this encoder the modalities share one transformer, so "the text tower" is not a set of
 * its own: a media item is read as [CLS] patches… [SEP], through the position table, the
 * embedding LayerNorm, every block and the projection, exactly like a text. The parameters fall
 * into three sets:
 * <ul>
 *   <li><b>text only</b>: the WordPiece table ({@code embeddings.token}) and the text row of the
 *       modality table. A media item reads the [CLS] and [SEP] rows too, with the text type;
 *       they count as text here, since a change there moves every text's embedding;</li>
 *   <li><b>shared</b>: the position table, the embedding LayerNorm, the blocks and the
 *       projection;</li>
 *   <li><b>media only</b>: the towers ({@code media.*}: patch projections, video time table) and
 *       the image, audio and video rows of the modality table.</li>
 * </ul>
 * The frozen text tower of a locked-text phase is a frozen <em>copy</em>: the teacher's vectors,
 * embedded once before training. What the student keeps fixed is a separate choice.
 */
public enum FrozenParameters {

  /** Every parameter trains. */
  NONE("none"),
  /**
   * The text-only parameters stay fixed; the shared ones train with the media towers, so the
   * student's own text embeddings drift from the teacher's while the media learn to meet the
   * teacher's.
   */
  TEXT("text"),
  /**
   * Only the media-only parameters train: the student's text path computes exactly what it did,
   * so when it starts from the teacher its text embeddings stay the teacher's vectors.
   */
  ALL_BUT_MEDIA("all-but-media");

  private final String key;

  FrozenParameters(String key) {
    this.key = key;
  }

  /** The value of {@code train.frozen}. */
  public String key() {
    return key;
  }

  /** Whether a parameter of the shared set (blocks, positions, LayerNorm, projection) is fixed. */
  public boolean fixesShared() {
    return this == ALL_BUT_MEDIA;
  }

  /** Whether the text-only parameters are fixed. */
  public boolean fixesText() {
    return this != NONE;
  }

  /** The setting named {@code key}, or an error listing the names. */
  public static FrozenParameters parse(String key) {
    for (FrozenParameters f : values()) {
      if (f.key.equals(key)) {
        return f;
      }
    }
    throw new IllegalArgumentException("train.frozen must be one of " + Arrays.stream(values())
        .map(FrozenParameters::key).collect(Collectors.joining(", ")) + ", got " + key);
  }
}
