package io.omniembed.model;

import io.omniembed.config.ModelConfig;
import io.omniembed.data.text.TextTokenizer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Imports a Hugging Face encoder folder into the project's encoder, so that it gives the same
 * vectors as the original model:
 * <pre>
 *   config.json       the architecture ({@link HfConfig}: bert, roberta, xlm-roberta)
 *   tokenizer.json    the tokenizer, its special tokens and vocabulary checked against the table
 *   model.safetensors the weights (F32, F16 or BF16), or else
 *   model.onnx        an ONNX export of the same model (its initializers)
 *   modules.json, 1_Pooling/, 2_Dense/, config_sentence_transformers.json,
 *   sentence_bert_config.json
 *                     the sentence-transformers pipeline and prompts, when present
 *                     ({@link SentenceTransformerModules})
 * </pre>
 * Every refusal is one line naming the file and the reason.
 *
 * <p>The imported model's {@code max_length} is sentence_bert_config.json's max_seq_length when
 * present (capped at the positions), else the longest sequence the positions allow up to 512; its
 * Matryoshka dimensions are just its output dimension (nothing says its prefixes were trained to
 * be embeddings).
 */
public final class HfImport {

  public static final String CONFIG = "config.json";
  public static final String TOKENIZER = "tokenizer.json";
  public static final String SAFETENSORS = "model.safetensors";
  public static final String ONNX = "model.onnx";

  /**
   * A padded embedding table may have more rows than the tokenizer has ids (rounded up to a
   * multiple of 8, 64 or 128 for speed); fewer than this many extra rows are accepted.
   */
  static final int MAX_TABLE_PADDING = 128;

  /** The import: the encoder, the tokenizer it reads, and its card (prompts, notes). */
  public record Imported(Encoder encoder, byte[] tokenizerJson, ModelCard card) {}

  private HfImport() {}

  /** Imports the folder {@code files}; {@code name} becomes the config's name. */
  public static Imported load(ModelFiles files, String name) throws IOException {
    require(files, CONFIG);
    HfConfig hf = HfConfig.parse(files.read(CONFIG), files.path(CONFIG));
    require(files, TOKENIZER);
    byte[] tokenizerJson = files.read(TOKENIZER);
    try (TextTokenizer tokenizer = TextTokenizer.fromJson(tokenizerJson, files.path(TOKENIZER))) {
      int ids = tokenizer.vocabSize();
      if (ids > hf.vocabSize() || hf.vocabSize() - ids >= MAX_TABLE_PADDING) {
        throw new IOException(files.path(TOKENIZER) + ": its vocabulary has " + ids + " ids,"
            + " but the embedding table of config.json has vocab_size " + hf.vocabSize()
            + " rows; the tokenizer belongs to another model");
      }
    }
    SentenceTransformerModules modules = SentenceTransformerModules.read(files, hf.hidden());
    HfWeightMapping.Dense dense = modules.dense(files, hf.hidden());
    List<String> notes = new ArrayList<>(modules.notes());
    int maxLength = Math.min(hf.maxSequence(), 512);
    if (modules.maxSeqLength() > 0) {
      maxLength = Math.min(modules.maxSeqLength(), hf.maxSequence());
      if (modules.maxSeqLength() > hf.maxSequence()) {
        notes.add("max_seq_length " + modules.maxSeqLength() + " is above the "
            + hf.maxSequence() + " positions; max_length is " + maxLength);
      }
    }
    ModelConfig config;
    try {
      config = hf.toModelConfig(name, dense == null ? hf.hidden() : (int) dense.weight().dims()[1],
          maxLength, modules.pooling());
    } catch (IllegalArgumentException e) {
      throw new IOException(files.path(CONFIG) + ": " + e.getMessage(), e);
    }
    Encoder encoder = weights(files, config, dense);
    ModelCard card = new ModelCard(modules.prompts(), modules.defaultPromptName(), notes);
    return new Imported(encoder, tokenizerJson, card);
  }

  private static Encoder weights(ModelFiles files, ModelConfig config,
      HfWeightMapping.Dense dense) throws IOException {
    if (files.exists(SAFETENSORS)) {
      String origin = files.path(SAFETENSORS);
      try (Safetensors.Source source = files.open(SAFETENSORS)) {
        Safetensors st = Safetensors.open(source, origin);
        return HfWeightMapping.load(config, HfWeights.of(st, origin), dense, origin);
      }
    }
    if (files.exists(ONNX)) {
      String origin = files.path(ONNX);
      OnnxInitializers onnx = OnnxInitializers.read(files.read(ONNX), origin);
      return HfWeightMapping.load(config, HfWeights.of(onnx, origin), dense, origin);
    }
    String hint = files.exists("model.safetensors.index.json")
        ? "; sharded weights (model.safetensors.index.json) are not read"
        : files.exists("pytorch_model.bin")
            ? "; pytorch_model.bin is a Python pickle and is not read: convert it to safetensors"
            : files.exists("onnx/model.onnx") ? "; an ONNX export is read from model.onnx at the"
                + " top of the folder (move onnx/model.onnx there)" : "";
    throw new IOException(files.path(SAFETENSORS) + ": no such file, and no " + ONNX
        + " either: the folder holds no weights" + hint);
  }

  private static void require(ModelFiles files, String relative) throws IOException {
    if (!files.exists(relative)) {
      throw new java.io.FileNotFoundException(files.path(relative) + ": no such file (a Hugging"
          + " Face encoder folder holds config.json, tokenizer.json and model.safetensors or"
          + " model.onnx)");
    }
  }
}
