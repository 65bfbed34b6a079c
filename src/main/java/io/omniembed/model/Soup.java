package io.omniembed.model;

import io.omniembed.model.layer.ParamStore;


import java.util.List;

/**
 * Model soups (Wortsman et al., 2022, "Model soups: averaging weights of multiple fine-tuned
 * models improves accuracy without increasing inference time"): the element-wise mean of the
 * parameters of checkpoints that share one architecture.
 */
public final class Soup {

  private Soup() {}

  /** Fails, naming both checkpoints, unless all share the first one's architecture. */
  public static void checkCompatible(List<String> names, List<LoadedModel> loaded) {
    if (loaded.isEmpty()) {
      throw new IllegalArgumentException("soup needs at least one checkpoint");
    }
    var first = loaded.get(0).encoder().config();
    for (int i = 1; i < loaded.size(); i++) {
      var other = loaded.get(i).encoder().config();
      if (!sameArchitecture(first, other)) {
        throw new IllegalArgumentException("checkpoint " + names.get(i) + " has another"
            + " architecture than " + names.get(0) + ": " + describe(other) + " vs "
            + describe(first));
      }
    }
  }

  /** The mean of the checkpoints' parameters, as a new encoder of their architecture. */
  public static Encoder average(List<LoadedModel> loaded) {
    Encoder first = loaded.get(0).encoder();
    ParamStore store = new ParamStore(Encoder.layout(first.config()));
    store.params().assign(0f);
    for (LoadedModel l : loaded) {
      store.params().addi(l.encoder().store().params());
    }
    store.params().divi(loaded.size());
    return new Encoder(first.config(), store);
  }

  private static boolean sameArchitecture(io.omniembed.config.ModelConfig a,
      io.omniembed.config.ModelConfig b) {
    return a.vocabSize() == b.vocabSize() && a.hidden() == b.hidden() && a.layers() == b.layers()
        && a.heads() == b.heads() && a.ffn() == b.ffn() && a.maxPositions() == b.maxPositions()
        && a.modalities() == b.modalities() && a.outputDim() == b.outputDim()
        && a.pooling() == b.pooling() && a.positionOffset() == b.positionOffset();
  }

  private static String describe(io.omniembed.config.ModelConfig c) {
    return c.name() + " (hidden " + c.hidden() + ", " + c.layers() + " layers, output "
        + c.outputDim() + ")";
  }
}
