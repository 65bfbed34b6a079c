package io.omniembed.io;

import io.omniembed.model.LoadedModel;

import io.omniembed.model.Encoder;
import io.omniembed.model.MiniLmImport;
import io.omniembed.model.ModelSpec;
import io.omniembed.model.NativeEmbedder;
import io.omniembed.model.OnnxEmbedder;
import io.omniembed.model.TextEmbedder;

import io.omniembed.config.ModelConfig;
import io.omniembed.data.text.TextTokenizer;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;

/**
 * Turns a {@link ModelSpec} into a loaded {@link TextEmbedder}, once per JVM: Spark tasks on one
 * executor share the instance (loading MiniLM costs a second and 90 MB; doing it per batch or per
 * task would dominate an embedding job).
 */
public final class Models {

  private static final Map<String, TextEmbedder> CACHE = new ConcurrentHashMap<>();

  private Models() {}

  /**
   * The embedder for {@code spec} ({@code pretrained:}, {@code onnx:}, {@code hf:PATH} or a
   * checkpoint), shared by every caller in this JVM. {@code onnxThreads} is ONNX Runtime's
   * intra-op thread count.
   */
  public static TextEmbedder embedder(String spec, Configuration conf, int onnxThreads) {
    String key = spec + "|" + onnxThreads;
    return CACHE.computeIfAbsent(key, k -> load(ModelSpec.parse(spec), conf, onnxThreads));
  }

  /**
   * The starting point of training, {@code train --init}: a checkpoint, {@code hf:PATH},
   * {@code pretrained:} or {@code random:PRESET} (initialised from {@code seed}), each with its
   * tokenizer. Not cached: every training replica owns its parameters.
   */
  public static LoadedModel trainable(String init, long seed, Configuration conf)
      throws IOException {
    try {
      return parameters(init, ModelSpec.Use.INIT, seed, conf);
    } catch (FileNotFoundException e) {
      throw new IllegalArgumentException("--init " + e.getMessage(), e);
    }
  }

  /**
   * The parameters, tokenizer and card of a model that has them: a checkpoint, {@code hf:PATH},
   * {@code pretrained:} or {@code random:PRESET} (from {@code seed}). Not cached. A missing
   * checkpoint or folder is a FileNotFoundException; a bad Hugging Face file an
   * IllegalArgumentException naming it.
   */
  public static LoadedModel loaded(ModelSpec spec, long seed, Configuration conf)
      throws IOException {
    if (spec instanceof ModelSpec.Pretrained) {
      Encoder e = MiniLmImport.load();
      return new LoadedModel(e, TextTokenizer.readBundled(), spec.id(),
          Checkpoint.hash(e.store()));
    }
    if (spec instanceof ModelSpec.Random r) {
      Encoder e = Encoder.randomInit(ModelConfig.preset(r.preset()), seed);
      return new LoadedModel(e, TextTokenizer.readBundled(), spec.id(),
          Checkpoint.hash(e.store()));
    }
    if (spec instanceof ModelSpec.CheckpointDir c) {
      return Checkpoint.load(c.path(), conf);
    }
    if (spec instanceof ModelSpec.Hf h) {
      try {
        return HfFolder.load(h.path(), h.id(), conf);
      } catch (FileNotFoundException e) {
        throw e;
      } catch (IOException e) {
        throw new IllegalArgumentException(e.getMessage(), e);
      }
    }
    throw new IllegalArgumentException(spec.id() + ": not a model with parameters (give a"
        + " checkpoint, hf:PATH, pretrained:" + MiniLmImport.NAME + " or random:PRESET)");
  }

  /**
   * The parameters, tokenizer, id and hash that {@code arg} names, for an option {@code use}
   * that takes them ({@code train --init}, {@code export --model}); {@code seed} initialises a
   * {@code random:PRESET}. Not cached. A checkpoint that is not there is a
   * FileNotFoundException whose message names it.
   */
  public static LoadedModel parameters(String arg, ModelSpec.Use use, long seed,
      Configuration conf) throws IOException {
    return loaded(ModelSpec.parse(arg, use), seed, conf);
  }

  /** Loads without caching (tests, benchmarks). */
  public static TextEmbedder load(ModelSpec spec, Configuration conf, int onnxThreads) {
    if (spec instanceof ModelSpec.Pretrained p) {
      Encoder encoder = MiniLmImport.load();
      return new NativeEmbedder(encoder, TextTokenizer.bundledMiniLm(), p.id(),
          Checkpoint.hash(encoder.store()));
    }
    if (spec instanceof ModelSpec.Onnx) {
      return new OnnxEmbedder(TextTokenizer.bundledMiniLm(),
          ModelConfig.preset("minilm-l6").maxLength(), onnxThreads);
    }
    if (spec instanceof ModelSpec.CheckpointDir || spec instanceof ModelSpec.Hf) {
      try {
        LoadedModel loaded = loaded(spec, 0, conf);
        return new NativeEmbedder(loaded.encoder(), TextTokenizer.fromJson(loaded.tokenizerJson()),
            spec.id(), loaded.hash(), loaded.card());
      } catch (FileNotFoundException e) {
        throw new IllegalArgumentException(e.getMessage(), e);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    if (spec instanceof ModelSpec.Random r) {
      throw new IllegalArgumentException("random:" + r.preset() + " is only valid as train --init;"
          + " embed and eval need a trained checkpoint, hf:PATH or pretrained:"
          + MiniLmImport.NAME);
    }
    throw new IllegalArgumentException("bm25 is a lexical baseline for eval, not an embedding"
        + " model");
  }
}
