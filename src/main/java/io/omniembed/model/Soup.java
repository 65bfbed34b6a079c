package io.omniembed.model;

import io.omniembed.model.layer.ParamStore;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Model soups (Wortsman et al., 2022, "Model soups: averaging weights of multiple fine-tuned
 * models improves accuracy without increasing inference time"): the element-wise mean of the
 * parameters of checkpoints that share one architecture.
 */
public final class Soup {

  private Soup() {}

  /**
   * Fails unless every checkpoint has the first one's model config (every setting but the name:
   * media settings, LayerNorm epsilon and Matryoshka dimensions included), its parameter layout
   * (names and shapes, in order) and its tokenizer. The soup is saved with the first one's config
   * and tokenizer, so any other difference would be lost without a word, or end in a shape error.
   * The message names both checkpoints and the first difference.
   */
  public static void checkCompatible(List<String> names, List<LoadedModel> loaded) {
    if (loaded.isEmpty()) {
      throw new IllegalArgumentException("soup needs at least one checkpoint");
    }
    LoadedModel first = loaded.get(0);
    for (int i = 1; i < loaded.size(); i++) {
      Optional<String> difference = firstDifference(first, loaded.get(i));
      if (difference.isPresent()) {
        throw new IllegalArgumentException("checkpoint " + names.get(i) + " differs from "
            + names.get(0) + " in " + difference.get());
      }
    }
  }

  /** The first difference of {@code other} from {@code first}, as "what (other vs first)". */
  static Optional<String> firstDifference(LoadedModel first, LoadedModel other) {
    Optional<String> config = first.encoder().config().firstDifference(other.encoder().config());
    if (config.isPresent()) {
      return config;
    }
    Optional<String> layout = firstDifference(first.encoder().store().slots(),
        other.encoder().store().slots());
    if (layout.isPresent()) {
      return layout;
    }
    if (!Arrays.equals(first.tokenizerJson(), other.tokenizerJson())) {
      return Optional.of("tokenizer.json (SHA-256 " + ModelHash.sha256(other.tokenizerJson())
          + " vs " + ModelHash.sha256(first.tokenizerJson()) + ")");
    }
    return Optional.empty();
  }

  /**
   * The first parameter whose name or shape differs. The layout follows from the config, so this
   * only fires for checkpoints whose parameters were laid out by another version of the code.
   */
  private static Optional<String> firstDifference(List<ParamStore.Slot> first,
      List<ParamStore.Slot> other) {
    for (int i = 0; i < Math.min(first.size(), other.size()); i++) {
      ParamStore.Slot a = first.get(i);
      ParamStore.Slot b = other.get(i);
      if (!a.name().equals(b.name())) {
        return Optional.of("parameter " + i + " (" + b.name() + " vs " + a.name() + ")");
      }
      if (!Arrays.equals(a.shape(), b.shape())) {
        return Optional.of("parameter " + a.name() + " (" + Arrays.toString(b.shape()) + " vs "
            + Arrays.toString(a.shape()) + ")");
      }
    }
    if (first.size() != other.size()) {
      return Optional.of("number of parameters (" + other.size() + " vs " + first.size() + ")");
    }
    return Optional.empty();
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
}
