package io.omniembed.model;

import io.omniembed.data.Item;
import io.omniembed.data.ItemParser;
import io.omniembed.data.text.TextTokenizer;
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

  private final TextEmbedder embedder;
  private final int batchSize;
  private final int dim;
  private final int window;
  private final int maxLength;

  /**
   * @param batchSize sequences per forward pass
   * @param dim       output dimension (≤ the model's; smaller re-normalises a prefix)
   * @param window    items sorted together by length; bounds memory, larger pads less
   * @param maxLength tokens kept per text, 0 for the model's default
   */
  public ItemEmbedding(TextEmbedder embedder, int batchSize, int dim, int window, int maxLength) {
    if (batchSize <= 0) {
      throw new IllegalArgumentException("batch size must be > 0, got " + batchSize);
    }
    if (dim <= 0 || dim > embedder.dim()) {
      throw new IllegalArgumentException("--dim " + dim + " is outside 1.." + embedder.dim()
          + ", the dimensions of model " + embedder.modelId());
    }
    this.embedder = embedder;
    this.batchSize = batchSize;
    this.dim = dim;
    this.window = Math.max(window, batchSize);
    this.maxLength = resolveMaxLength(embedder, maxLength);
  }

  /** {@code requested} if the model can take it, the model's default for 0. */
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

  public void run(Iterator<Input> inputs, Sink sink) {
    List<Tokenized> pending = new ArrayList<>();
    while (inputs.hasNext()) {
      Input in = inputs.next();
      if (in.result() instanceof ItemParser.Bad bad) {
        sink.failed(new Failed(bad.id(), in.source(), bad.reason()));
        continue;
      }
      Item item = ((ItemParser.Ok) in.result()).item();
      if (!item.isTextOnly()) {
        String kinds = item.parts().stream().filter(p -> !(p instanceof io.omniembed.data.Part.Text))
            .map(p -> p.modality().key()).distinct().reduce((a, b) -> a + ", " + b).orElse("");
        sink.failed(new Failed(item.id(), in.source(), "model " + embedder.modelId()
            + " embeds text only; this item has " + kinds + " parts"));
        continue;
      }
      TextTokenizer.Tokens tokens;
      try {
        tokens = embedder.tokenizer().encode(item.joinedText(), maxLength);
      } catch (RuntimeException e) {
        sink.failed(new Failed(item.id(), in.source(), "tokenizer failed: " + e.getMessage()));
        continue;
      }
      pending.add(new Tokenized(item.id(), in.source(), tokens));
      if (pending.size() >= window) {
        flush(pending, sink);
      }
    }
    flush(pending, sink);
  }

  private void flush(List<Tokenized> pending, Sink sink) {
    pending.sort(Comparator.comparingInt(t -> t.tokens().length()));
    for (int start = 0; start < pending.size(); start += batchSize) {
      List<Tokenized> batch = pending.subList(start, Math.min(pending.size(), start + batchSize));
      List<int[]> ids = new ArrayList<>(batch.size());
      for (Tokenized t : batch) {
        ids.add(t.tokens().ids());
      }
      float[][] vectors = embedder.embed(ids);
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
        sink.embedded(new Embedded(t.id(), v, t.tokens().length(), t.tokens().truncated()));
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

  private record Tokenized(String id, String source, TextTokenizer.Tokens tokens) {}
}
