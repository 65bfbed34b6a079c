package io.omniembed.model;

import io.omniembed.model.layer.Sequence;

import io.omniembed.data.text.TextTokenizer;
import java.util.List;

/**
 * A dense text embedding model seen from the jobs: it tokenises with its own tokenizer and turns
 * a batch of token sequences into L2-normalised vectors. Implementations: the project's encoder
 * ({@link NativeEmbedder}), ONNX Runtime on the model's exported graph ({@code
 * model.onnx.ExportedEmbedder}) and on the published all-MiniLM-L6-v2 file ({@link
 * OnnxEmbedder}), so all run through exactly the same batching and comparisons between them are
 * fair.
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

  /**
   * This model run with {@code threads} intra-op threads where its engine has a thread pool of
   * its own (ONNX Runtime: another session over the same graph and parameters); the own encoder,
   * whose threads are ND4J's, is returned as it is.
   */
  default TextEmbedder withThreads(int threads) {
    return this;
  }

  /**
   * This model on CUDA device {@code ordinal} where it runs on a GPU (ONNX Runtime's CUDA
   * provider: another session over the same graph); a CPU model is returned as it is.
   */
  default TextEmbedder onGpu(int ordinal) {
    return this;
  }

  /** What runs the forward pass: {@code nd4j} (the own encoder) or {@code onnx} (ONNX Runtime). */
  default String engine() {
    return "nd4j";
  }

  /** The number format it runs in: {@code fp32} or {@code int8}. */
  default String precision() {
    return "fp32";
  }

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
