package io.omniembed.train;

import io.omniembed.data.Item;
import io.omniembed.data.Part;
import io.omniembed.data.TrainingExample;
import io.omniembed.data.media.MediaException;
import io.omniembed.data.text.TextTokenizer;
import io.omniembed.model.ItemSequencer;
import io.omniembed.model.layer.Sequence;
import java.util.ArrayList;
import java.util.List;

/**
 * A training example as the encoder reads it, prepared once: the query with and without its task
 * string, the positive, the hard negatives, and content keys (hashes of what the encoder sees,
 * task string excluded) for the loss's duplicate mask. Items of any modality: media parts are
 * read and cut into patches here. A distillation example keeps the teacher's embedding of its
 * source ({@code queryBare}, the source; {@code positive}, the translation) and gets no task
 * string: the teacher embedded the source as it is. A locked-text example ({@code lit-*}) keeps
 * the teacher's embedding of its text side, which stands in for that side's embedding; the text
 * is still tokenised, for its content key, but never encoded, and no side gets a task string
 * (the teacher embedded the text as it is).
 */
public record TokenizedExample(Sequence queryWithTask, Sequence queryBare, Sequence positive,
    List<Sequence> negatives, long queryKey, long positiveKey, long[] negativeKeys,
    float[] teacher) {

  /** A contrastive example. */
  public TokenizedExample(Sequence queryWithTask, Sequence queryBare, Sequence positive,
      List<Sequence> negatives, long queryKey, long positiveKey, long[] negativeKeys) {
    this(queryWithTask, queryBare, positive, negatives, queryKey, positiveKey, negativeKeys,
        null);
  }

  /** Tokenises a text-only example (media parts are refused). */
  public static TokenizedExample of(TrainingExample e, String taskString, TextTokenizer tok,
      int maxLength) {
    return of(e, taskString, new ItemSequencer(tok, null, "text model", maxLength, maxLength),
        part -> {
          throw new MediaException("no media reader");
        });
  }

  /**
   * Prepares {@code e} with {@code sequencer}, reading media through {@code reader}; a part that
   * cannot be read fails with an IllegalArgumentException naming the role and the reason.
   */
  public static TokenizedExample of(TrainingExample e, String taskString,
      ItemSequencer sequencer, ItemSequencer.MediaReader reader) {
    Sequence bare = sequence(sequencer, e.query(), reader, "query");
    Sequence withTask = e.teacher() != null ? bare
        : sequence(sequencer, withTask(e.query(), taskString), reader, "query");
    Sequence positive = sequence(sequencer, e.positive(), reader, "positive");
    Sequence[] negatives = new Sequence[e.negatives().size()];
    long[] negativeKeys = new long[negatives.length];
    for (int i = 0; i < negatives.length; i++) {
      negatives[i] = sequence(sequencer, e.negatives().get(i), reader, "negatives[" + i + "]");
      negativeKeys[i] = negatives[i].contentKey();
    }
    return new TokenizedExample(withTask, bare, positive, List.of(negatives), bare.contentKey(),
        positive.contentKey(), negativeKeys, e.teacher());
  }

  /**
   * The query as the model sees it with its task string: for a text query the string is
   * prepended to its text (as always), for one with media it is a leading text part.
   */
  static Item withTask(Item query, String taskString) {
    return query.withPrompt(taskString);
  }

  private static Sequence sequence(ItemSequencer sequencer, Item item,
      ItemSequencer.MediaReader reader, String what) {
    try {
      return sequencer.sequence(item, reader);
    } catch (MediaException ex) {
      throw new IllegalArgumentException(what + ": " + ex.getMessage(), ex);
    }
  }
}
