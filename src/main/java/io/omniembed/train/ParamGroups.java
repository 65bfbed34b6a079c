package io.omniembed.train;

import io.omniembed.config.FrozenParameters;
import io.omniembed.data.Modality;
import io.omniembed.model.layer.ParamStore;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * How {@link AdamW} treats each parameter, decided from the names of the {@link ParamStore}'s
 * slots — the per-parameter groups of PyTorch's optimizers:
 * <ul>
 *   <li><b>weight decay</b> applies to the weight matrices; never to biases ({@code *.bias}) nor
 *       to LayerNorm gains and shifts ({@code *.ln*.weight}, {@code *.ln*.bias}), as BERT and
 *       sentence-transformers do; to the embedding tables (token, position, modality type, video
 *       time) only with {@code decayEmbeddings} (those recipes decay them);</li>
 *   <li><b>learning-rate scale</b>: {@code mediaScale} for every parameter of the media towers
 *       ({@code media.*}) and the image, audio and video rows of the modality-type table, which
 *       start from random when towers are added to a pretrained text model; 1 elsewhere. The
 *       decay of a scaled parameter scales with its learning rate;</li>
 *   <li><b>frozen</b> ({@link FrozenParameters}): scale 0, so neither the update nor the decay
 *       moves them (the optimizer skips them: {@link #spans}), and their gradients are dropped
 *       before clipping ({@link #dropFrozen}) so that the clip norm is that of the parameters
 *       that train. With {@code text}: the
 *       WordPiece table and the text row of the modality table; with {@code all-but-media}:
 *       everything but {@code media.*} and the media rows of the modality table.</li>
 * </ul>
 * Held as runs of consecutive elements that share a treatment, a few dozen per model, so a step
 * costs one operation per run.
 */
public final class ParamGroups {

  /** Elements {@code from .. to−1} of the flat buffer: decayed or not, at {@code scale} × lr. */
  public record Run(long from, long to, boolean decay, double scale) {}

  /** The embedding tables (rows looked up by id, not multiplied). */
  static final List<String> TABLES = List.of("embeddings.token", "embeddings.position",
      "embeddings.modality", "media.time");
  private static final String MODALITY_TABLE = "embeddings.modality";
  private static final String TOKEN_TABLE = "embeddings.token";

  private final List<Run> runs;

  private ParamGroups(List<Run> runs) {
    this.runs = List.copyOf(runs);
  }

  /** Every element decayed at the learning rate (plain AdamW). */
  public static ParamGroups uniform(ParamStore store) {
    return new ParamGroups(List.of(new Run(0, store.size(), true, 1.0)));
  }

  /** The groups of a model's parameters, none frozen; see the class comment. */
  public static ParamGroups of(ParamStore store, boolean decayEmbeddings, double mediaScale) {
    return of(store, decayEmbeddings, mediaScale, FrozenParameters.NONE);
  }

  /** The groups of a model's parameters with {@code frozen} fixed; see the class comment. */
  public static ParamGroups of(ParamStore store, boolean decayEmbeddings, double mediaScale,
      FrozenParameters frozen) {
    boolean media = store.slots().stream().anyMatch(s -> s.name().startsWith("media."));
    double shared = frozen.fixesShared() ? 0.0 : 1.0;
    double text = frozen.fixesText() ? 0.0 : 1.0;
    List<Run> runs = new ArrayList<>();
    for (ParamStore.Slot s : store.slots()) {
      boolean decay = TABLES.contains(s.name()) ? decayEmbeddings : decays(s.name());
      if (s.name().startsWith("media.")) {
        add(runs, new Run(s.offset(), s.offset() + s.size(), decay, mediaScale));
      } else if (s.name().equals(MODALITY_TABLE)) {
        long width = s.shape()[1];
        for (int row = 0; row < s.shape()[0]; row++) {
          long from = s.offset() + row * width;
          double scale = row == Modality.TEXT.typeId() ? text
              : media && isMediaRow(row) ? mediaScale : shared;
          add(runs, new Run(from, from + width, decay, scale));
        }
      } else if (s.name().equals(TOKEN_TABLE)) {
        add(runs, new Run(s.offset(), s.offset() + s.size(), decay, text));
      } else {
        add(runs, new Run(s.offset(), s.offset() + s.size(), decay, shared));
      }
    }
    return new ParamGroups(runs);
  }

  /** Sets the gradients of the frozen parameters (scale 0) to 0. */
  public void dropFrozen(ParamStore store) {
    for (Run run : runs) {
      if (run.scale() == 0.0) {
        store.grads().get(NDArrayIndex.interval(run.from(), run.to())).assign(0);
      }
    }
  }

  /** Elements {@code from .. to−1} of the flat buffer, all of them trained. */
  public record Span(long from, long to) {}

  /** The maximal ranges of consecutive trained (not frozen) runs, in order. */
  public List<Span> spans() {
    List<Span> spans = new ArrayList<>();
    for (Run r : runs) {
      if (r.scale() == 0.0) {
        continue;
      }
      Span last = spans.isEmpty() ? null : spans.get(spans.size() - 1);
      if (last != null && last.to() == r.from()) {
        spans.set(spans.size() - 1, new Span(last.from(), r.to()));
      } else {
        spans.add(new Span(r.from(), r.to()));
      }
    }
    return spans;
  }

  /** Whether some parameter is frozen. */
  public boolean anyFrozen() {
    return runs.stream().anyMatch(r -> r.scale() == 0.0);
  }

  /** Weight matrices decay; biases and LayerNorm parameters do not. */
  static boolean decays(String name) {
    return !name.endsWith(".bias") && !name.matches("(.*\\.)?ln\\d*\\.weight");
  }

  private static boolean isMediaRow(int row) {
    for (Modality m : Modality.values()) {
      if (m != Modality.TEXT && m.typeId() == row) {
        return true;
      }
    }
    return false;
  }

  /** Appends {@code run}, merged into the last one when it continues it with the same treatment. */
  private static void add(List<Run> runs, Run run) {
    if (!runs.isEmpty()) {
      Run last = runs.get(runs.size() - 1);
      if (last.to() == run.from() && last.decay() == run.decay()
          && last.scale() == run.scale()) {
        runs.set(runs.size() - 1, new Run(last.from(), run.to(), run.decay(), run.scale()));
        return;
      }
    }
    runs.add(run);
  }

  public List<Run> runs() {
    return runs;
  }

  /** The run that holds element {@code index}. */
  public Run at(long index) {
    for (Run r : runs) {
      if (index >= r.from() && index < r.to()) {
        return r;
      }
    }
    throw new IllegalArgumentException("element " + index + " is in no run");
  }
}
