package io.omniembed.train;

import io.omniembed.data.Modality;
import io.omniembed.model.layer.ParamStore;
import java.util.ArrayList;
import java.util.List;

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
 *       decay of a scaled parameter scales with its learning rate.</li>
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

  private final List<Run> runs;

  private ParamGroups(List<Run> runs) {
    this.runs = List.copyOf(runs);
  }

  /** Every element decayed at the learning rate (plain AdamW). */
  public static ParamGroups uniform(ParamStore store) {
    return new ParamGroups(List.of(new Run(0, store.size(), true, 1.0)));
  }

  /** The groups of a model's parameters; see the class comment. */
  public static ParamGroups of(ParamStore store, boolean decayEmbeddings, double mediaScale) {
    boolean media = store.slots().stream().anyMatch(s -> s.name().startsWith("media."));
    List<Run> runs = new ArrayList<>();
    for (ParamStore.Slot s : store.slots()) {
      boolean decay = TABLES.contains(s.name()) ? decayEmbeddings : decays(s.name());
      if (s.name().startsWith("media.")) {
        add(runs, new Run(s.offset(), s.offset() + s.size(), decay, mediaScale));
      } else if (media && s.name().equals(MODALITY_TABLE)) {
        long width = s.shape()[1];
        for (int row = 0; row < s.shape()[0]; row++) {
          long from = s.offset() + row * width;
          add(runs, new Run(from, from + width, decay, isMediaRow(row) ? mediaScale : 1.0));
        }
      } else {
        add(runs, new Run(s.offset(), s.offset() + s.size(), decay, 1.0));
      }
    }
    return new ParamGroups(runs);
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
