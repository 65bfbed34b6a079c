package io.omniembed.io;

import io.omniembed.model.LoadedModel;

import io.omniembed.model.Encoder;
import io.omniembed.model.MiniLmImport;
import io.omniembed.model.ModelSpec;
import io.omniembed.model.NativeEmbedder;
import io.omniembed.model.OnnxEmbedder;
import io.omniembed.model.TextEmbedder;
import io.omniembed.model.onnx.ExportedEmbedder;
import io.omniembed.model.onnx.Inference;
import io.omniembed.model.onnx.Precision;

import io.omniembed.config.ModelConfig;
import io.omniembed.data.text.TextTokenizer;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a {@link ModelSpec} into a loaded {@link TextEmbedder}, once per JVM: Spark tasks on one
 * executor share the instance (loading MiniLM costs a second and 90 MB; doing it per batch or per
 * task would dominate an embedding job).
 */
public final class Models {

  private static final Logger LOG = LoggerFactory.getLogger(Models.class);
  private static final Map<String, TextEmbedder> CACHE = new ConcurrentHashMap<>();

  private Models() {}

  /**
   * The embedder for {@code spec} ({@code pretrained:}, {@code onnx:}, {@code hf:PATH} or a
   * checkpoint) on the project's own encoder, shared by every caller in this JVM.
   * {@code onnxThreads} is ONNX Runtime's intra-op thread count for {@code onnx:}.
   */
  public static TextEmbedder embedder(String spec, Configuration conf, int onnxThreads) {
    return embedder(spec, Inference.NATIVE, conf, onnxThreads);
  }

  /**
   * The embedder for {@code spec} run as {@code inference} says (engine, precision, device),
   * shared by every caller in this JVM: a model is loaded, and for ONNX Runtime exported
   * ({@link OnnxGraphCache}), once per JVM, never per task or batch. {@code onnxThreads} picks
   * ONNX Runtime's session of that many threads ({@link TextEmbedder#withThreads}), and a model
   * on CUDA runs inside a Spark task on the GPU Spark assigned the task ({@link TaskGpu},
   * {@link TextEmbedder#onGpu}): the driver's and the tasks' sessions differ, their parameters
   * and graph do not.
   */
  public static TextEmbedder embedder(String spec, Inference inference, Configuration conf,
      int onnxThreads) {
    String key = spec + "|" + inference.key();
    return CACHE.computeIfAbsent(key, k -> load(ModelSpec.parse(spec), inference, conf,
        onnxThreads)).withThreads(onnxThreads).onGpu(TaskGpu.ordinal());
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

  /** Loads on the own encoder without caching (tests, benchmarks). */
  public static TextEmbedder load(ModelSpec spec, Configuration conf, int onnxThreads) {
    return load(spec, Inference.NATIVE, conf, onnxThreads);
  }

  /** Loads as {@code inference} says, without caching in this JVM (tests, benchmarks). */
  public static TextEmbedder load(ModelSpec spec, Inference inference, Configuration conf,
      int onnxThreads) {
    if (spec instanceof ModelSpec.Onnx) {
      if (inference.engine() == Inference.Engine.ND4J || inference.precision() != Precision.FP32
          || inference.device() != Inference.Device.CPU) {
        throw new IllegalArgumentException(spec.id() + " is the published ONNX file, run as it"
            + " is (ONNX Runtime, fp32, cpu), not " + inference.key() + "; for other settings"
            + " give pretrained:" + MiniLmImport.NAME);
      }
      return new OnnxEmbedder(TextTokenizer.bundledMiniLm(),
          ModelConfig.preset("minilm-l6").maxLength(), onnxThreads);
    }
    if (spec instanceof ModelSpec.Pretrained || spec instanceof ModelSpec.CheckpointDir
        || spec instanceof ModelSpec.Hf) {
      LoadedModel loaded;
      try {
        loaded = loaded(spec, 0, conf);
      } catch (FileNotFoundException e) {
        throw new IllegalArgumentException(e.getMessage(), e);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      TextTokenizer tokenizer = spec instanceof ModelSpec.Pretrained
          ? TextTokenizer.bundledMiniLm() : TextTokenizer.fromJson(loaded.tokenizerJson());
      if (inference.engine() != Inference.Engine.ND4J) {
        TextEmbedder onnx = onOnnxRuntime(spec.id(), loaded, tokenizer, inference, onnxThreads);
        if (onnx != null) {
          return onnx;
        }
      }
      return new NativeEmbedder(loaded.encoder(), tokenizer, spec.id(), loaded.hash(),
          loaded.card());
    }
    if (spec instanceof ModelSpec.Random r) {
      throw new IllegalArgumentException("random:" + r.preset() + " is only valid as train --init;"
          + " embed and eval need a trained checkpoint, hf:PATH or pretrained:"
          + MiniLmImport.NAME);
    }
    throw new IllegalArgumentException("bm25 is a lexical baseline for eval, not an embedding"
        + " model");
  }

  /**
   * The model's exported graph on ONNX Runtime; for {@code auto}, null (the own encoder then
   * runs) when the model cannot be exported or ONNX Runtime cannot start here, with the reason
   * logged. An explicit {@code --engine onnx} fails instead, naming the reason.
   */
  private static TextEmbedder onOnnxRuntime(String id, LoadedModel loaded,
      TextTokenizer tokenizer, Inference inference, int threads) {
    try {
      byte[] graph = OnnxGraphCache.graph(loaded, inference.precision());
      return new ExportedEmbedder(graph, loaded.encoder().config(), tokenizer, id, loaded.hash(),
          loaded.card(), inference.precision(), inference.device(), threads);
    } catch (RuntimeException | LinkageError e) {
      boolean fallBack = inference.engine() == Inference.Engine.AUTO
          && inference.device() == Inference.Device.CPU
          && inference.precision() == Precision.FP32;
      if (!fallBack) {
        throw e instanceof IllegalArgumentException iae ? iae
            : new IllegalArgumentException(id + ": cannot run on ONNX Runtime ("
                + e.getMessage() + ")", e);
      }
      LOG.warn("{}: ONNX Runtime is not available for this model ({}); embedding with the own"
          + " encoder (--engine nd4j)", id, e.getMessage());
      return null;
    }
  }
}
