package io.omniembed.model;

import io.omniembed.model.layer.Sequence;

import io.omniembed.data.text.TextTokenizer;
import java.util.List;

/**
 * A dense text embedding model seen from the jobs: it tokenises with its own tokenizer and turns
 * a batch of token sequences into L2-normalised vectors. Implementations: the project's encoder
 * ({@link NativeEmbedder}) and ONNX Runtime on the same weights ({@link OnnxEmbedder}), so both
 * run through exactly the same batching and the comparison between them is fair.
 *
 * <p>Implementations are safe to call from several threads at once.
 */
public interface TextEmbedder {

  /** The {@code --model} value this embedder was loaded from. */
  String modelId();

  /** SHA-256 of the parameters (recorded in output metadata). */
  String modelHash();

  /** Full output dimension. */
  int dim();

  /** Default number of tokens kept per text, [CLS] and [SEP] included. */
  int maxLength();

  /** The longest sequence the model can take at all (its position table, less any offset). */
  int maxPositions();

  TextTokenizer tokenizer();

  /** Embeds one batch of token sequences → [B][dim], each row L2-normalised. */
  float[][] embed(List<int[]> sequences);

  /** The model's prompts and import notes ({@link ModelCard}). */
  default ModelCard card() {
    return ModelCard.NONE;
  }

  /** The prompts the model carries (name → text put before an input); empty for none. */
  default java.util.Map<String, String> prompts() {
    return card().prompts();
  }

  /** How the model sees images, audio and video; null when it embeds text only. */
  default io.omniembed.config.MediaSpec media() {
    return null;
  }

  /**
   * Embeds one batch of sequences of any modality ({@link ItemSequencer}) → [B][dim]. A text-only
   * model takes text-only sequences.
   */
  default float[][] embedSequences(List<Sequence> sequences) {
    List<int[]> ids = new java.util.ArrayList<>(sequences.size());
    for (Sequence s : sequences) {
      if (s.hasMedia()) {
        throw new IllegalArgumentException("model " + modelId() + " embeds text only");
      }
      ids.add(s.ids());
    }
    return embed(ids);
  }
}
