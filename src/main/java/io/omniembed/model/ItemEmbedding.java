package io.omniembed.model;

import io.omniembed.model.layer.Sequence;

import io.omniembed.data.Item;
import io.omniembed.data.ItemParser;
import io.omniembed.data.Part;
import io.omniembed.data.media.MediaException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;

/**
 * Embeds a stream of parsed records the way the {@code embed} and {@code eval} jobs do, with no
 * Spark in sight: tokenise, sort a window of items by token count, cut it into batches (so each
 * batch pads little), embed, truncate to the requested Matryoshka dimension. Records that cannot
 * be embedded come out as {@link Failed} with the reason; none is dropped.
 */
public final class ItemEmbedding {

  /** One input record, parsed or not, with the file it came from. */
  public record Input(String source, ItemParser.Result result) {}

  public record Embedded(String id, float[] vector, int tokens, boolean truncated) {}

  public record Failed(String id, String source, String reason) {}

  /** Receives results; called from the thread that runs {@link #run}. */
  public interface Sink {
    void embedded(Embedded e);

    void failed(Failed f);
  }

  /** Reads a media part's bytes, resolving its URI against the data file it came from. */
  public interface MediaLoader extends java.io.Serializable {
    byte[] read(Part.Media part, String source) throws MediaException;
  }

  /** Pending media patches held before a window is embedded early (bounds memory). */
  private static final long MAX_PENDING_VALUES = 32L << 20;

  private final TextEmbedder embedder;
  private final ItemSequencer sequencer;
  private final MediaLoader loader;
  private final int batchSize;
  private final int dim;
  private final int window;
  private final int maxLength;
  private String prompt = "";

  /**
   * @param batchSize sequences per forward pass
   * @param dim       output dimension (≤ the model's; smaller re-normalises a prefix)
   * @param window    items sorted together by length; bounds memory, larger pads less
   * @param maxLength tokens kept per text, 0 for the model's default
   */
  public ItemEmbedding(TextEmbedder embedder, int batchSize, int dim, int window, int maxLength) {
    this(embedder, batchSize, dim, window, maxLength, (part, source) -> {
      throw new MediaException("no media reader configured");
    });
  }

  /** As above, with {@code loader} reading the media of items that have some. */
  public ItemEmbedding(TextEmbedder embedder, int batchSize, int dim, int window, int maxLength,
      MediaLoader loader) {
    if (batchSize <= 0) {
      throw new IllegalArgumentException("batch size must be > 0, got " + batchSize);
    }
    resolveDim(embedder, dim);
    this.embedder = embedder;
    this.batchSize = batchSize;
    this.dim = dim;
    this.window = Math.max(window, batchSize);
    this.maxLength = resolveMaxLength(embedder, maxLength);
    this.loader = loader;
    this.sequencer = new ItemSequencer(embedder.tokenizer(), embedder.media(), embedder.modelId(),
        this.maxLength, embedder.maxPositions());
  }

  /** {@code requested} dimensions if the model has them, all of them for 0. */
  public static int resolveDim(TextEmbedder embedder, int requested) {
    if (requested == 0) {
      return embedder.dim();
    }
    if (requested < 0 || requested > embedder.dim()) {
      throw new IllegalArgumentException("--dim " + requested + " is outside 1.."
          + embedder.dim() + ", the dimensions of model " + embedder.modelId());
    }
    return requested;
  }

  /** {@code requested} tokens if the model can take them, the model's default for 0. */
  public static int resolveMaxLength(TextEmbedder embedder, int requested) {
    if (requested == 0) {
      return embedder.maxLength();
    }
    if (requested < 2 || requested > embedder.maxPositions()) {
      throw new IllegalArgumentException("--max-length " + requested + " is outside 2.."
          + embedder.maxPositions() + ", the positions of model " + embedder.modelId());
    }
    return requested;
  }

  /**
   * Puts {@code text} before every item's content ({@link Item#withPrompt}), as the model's
   * prompts and task strings are used; empty or null for none. Returns this.
   */
  public ItemEmbedding withPrompt(String text) {
    this.prompt = text == null ? "" : text;
    return this;
  }

  public void run(Iterator<Input> inputs, Sink sink) {
    List<Tokenized> pending = new ArrayList<>();
    long pendingValues = 0;
    while (inputs.hasNext()) {
      Input in = inputs.next();
      if (in.result() instanceof ItemParser.Bad bad) {
        sink.failed(new Failed(bad.id(), in.source(), bad.reason()));
        continue;
      }
      Item item = ((ItemParser.Ok) in.result()).item().withPrompt(prompt);
      Sequence sequence;
      try {
        sequence = sequencer.sequence(item, part -> loader.read(part, in.source()));
      } catch (MediaException e) {
        sink.failed(new Failed(item.id(), in.source(), e.getMessage()));
        continue;
      } catch (RuntimeException e) {
        sink.failed(new Failed(item.id(), in.source(), "tokenizer failed: " + e.getMessage()));
        continue;
      }
      pending.add(new Tokenized(item.id(), in.source(), sequence));
      pendingValues += sequence.hasMedia() ? (long) sequence.length() * 256 : 0;
      if (pending.size() >= window || pendingValues >= MAX_PENDING_VALUES) {
        flush(pending, sink);
        pendingValues = 0;
      }
    }
    flush(pending, sink);
  }

  private void flush(List<Tokenized> pending, Sink sink) {
    pending.sort(Comparator.comparingInt(t -> t.sequence().length()));
    for (int start = 0; start < pending.size(); start += batchSize) {
      List<Tokenized> batch = pending.subList(start, Math.min(pending.size(), start + batchSize));
      List<Sequence> sequences = new ArrayList<>(batch.size());
      for (Tokenized t : batch) {
        sequences.add(t.sequence());
      }
      float[][] vectors = embedder.embedSequences(sequences);
      for (int i = 0; i < batch.size(); i++) {
        Tokenized t = batch.get(i);
        float[] v = vectors[i];
        if (dim < v.length) {
          v = Matryoshka.truncate(v, dim);
        }
        if (!allFinite(v)) {
          sink.failed(new Failed(t.id(), t.source(), "model produced a non-finite embedding"));
          continue;
        }
        sink.embedded(new Embedded(t.id(), v, t.sequence().length(), t.sequence().truncated()));
      }
    }
    pending.clear();
  }

  private static boolean allFinite(float[] v) {
    for (float x : v) {
      if (!Float.isFinite(x)) {
        return false;
      }
    }
    return true;
  }

  private record Tokenized(String id, String source, Sequence sequence) {}
}
