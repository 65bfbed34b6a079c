package io.omniembed.model.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import io.omniembed.config.MediaSpec;
import io.omniembed.config.ModelConfig;
import io.omniembed.data.Modality;
import io.omniembed.data.text.TextTokenizer;
import io.omniembed.model.ModelCard;
import io.omniembed.model.OrtSessions;
import io.omniembed.model.TextEmbedder;
import io.omniembed.model.layer.Sequence;
import io.omniembed.model.layer.TokenBatch;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An exported graph ({@link EncoderGraph}) run by ONNX Runtime behind {@link TextEmbedder}: the
 * same batches as the project's encoder ({@link TokenBatch}), turned into the graph's inputs.
 * The graph pools and normalises itself, so the output is used as it comes.
 */
public final class ExportedEmbedder implements TextEmbedder, AutoCloseable {

  private final OrtEnvironment env;
  private final OrtSessions sessions;
  private final int threads;
  private final ModelConfig config;
  private final TextTokenizer tokenizer;
  private final String modelId;
  private final String hash;
  private final ModelCard card;
  private final Precision precision;
  private final Inference.Device device;
  private final int gpu;

  /** An fp32 graph on the CPU, without prompts (tests and benchmarks). */
  public ExportedEmbedder(byte[] graph, ModelConfig config, TextTokenizer tokenizer,
      String modelId, String hash, int threads) {
    this(graph, config, tokenizer, modelId, hash, ModelCard.NONE, Precision.FP32,
        Inference.Device.CPU, threads);
  }

  /**
   * @param graph     a serialised graph of {@link OnnxExport#graph}
   * @param config    the architecture it was exported from (dims, limits, media settings)
   * @param card      the model's prompts
   * @param precision the graph's precision (reported, not changed)
   * @param device    where ONNX Runtime runs it: the CPU, or a CUDA device through the CUDA
   *                  execution provider (present only in a build with that provider): device
   *                  0 here, another with {@link #onGpu}
   * @param threads   ONNX Runtime's intra-op threads
   */
  public ExportedEmbedder(byte[] graph, ModelConfig config, TextTokenizer tokenizer,
      String modelId, String hash, ModelCard card, Precision precision, Inference.Device device,
      int threads) {
    this.config = config;
    this.tokenizer = tokenizer;
    this.modelId = modelId;
    this.hash = hash;
    this.card = card;
    this.precision = precision;
    this.device = device;
    this.gpu = 0;
    this.threads = threads;
    this.sessions = new OrtSessions(graph, "the exported graph of " + modelId,
        device == Inference.Device.CUDA ? ExportedEmbedder::cuda : (options, gpu) -> { });
    this.env = sessions.env();
    if (device == Inference.Device.CUDA) {
      // The driver of a cluster job may have no GPU: check here only that this ONNX Runtime has
      // the CUDA provider; each task makes its session on its own GPU with its first batch.
      if (!OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA)) {
        throw cudaMissing("this ONNX Runtime build has no CUDA provider", null);
      }
    } else {
      sessions.get(threads);   // a graph ONNX Runtime cannot take fails here, not in a task
    }
  }

  private ExportedEmbedder(ExportedEmbedder base, int threads, int gpu) {
    this.env = base.env;
    this.sessions = base.sessions;
    this.threads = threads;
    this.device = base.device;
    this.gpu = gpu;
    this.config = base.config;
    this.tokenizer = base.tokenizer;
    this.modelId = base.modelId;
    this.hash = base.hash;
    this.card = base.card;
    this.precision = base.precision;
  }

  /**
   * The same graph run with {@code threads} intra-op threads: its session is made on the first
   * batch and kept with this one's ({@link OrtSessions}).
   */
  @Override
  public ExportedEmbedder withThreads(int threads) {
    return threads == this.threads ? this : new ExportedEmbedder(this, threads, gpu);
  }

  /**
   * The same graph on CUDA device {@code ordinal} (its own session, made on the first batch);
   * a CPU model is returned as it is.
   */
  @Override
  public ExportedEmbedder onGpu(int ordinal) {
    return device != Inference.Device.CUDA || ordinal == gpu ? this
        : new ExportedEmbedder(this, threads, ordinal);
  }

  private static void cuda(OrtSession.SessionOptions options, int gpu) {
    try {
      options.addCUDA(gpu);
    } catch (OrtException | UnsatisfiedLinkError | RuntimeException e) {
      throw cudaMissing(e.getMessage() + ", CUDA device " + gpu, e);
    }
  }

  private static IllegalArgumentException cudaMissing(String reason, Throwable cause) {
    return new IllegalArgumentException("--device cuda: ONNX Runtime's CUDA execution provider"
        + " is not available (" + reason + "); it needs the jar built with -Pcuda-inference"
        + " (onnxruntime_gpu), a CUDA 12 runtime with cuDNN 9 and an NVIDIA GPU", cause);
  }

  @Override
  public String engine() {
    return "onnx";
  }

  @Override
  public String precision() {
    return precision.key();
  }

  @Override
  public ModelCard card() {
    return card;
  }

  @Override
  public String modelId() {
    return modelId;
  }

  @Override
  public String modelHash() {
    return hash;
  }

  @Override
  public int dim() {
    return config.outputDim();
  }

  @Override
  public int maxLength() {
    return config.maxLength();
  }

  @Override
  public int maxPositions() {
    return config.maxPositions();
  }

  @Override
  public TextTokenizer tokenizer() {
    return tokenizer;
  }

  @Override
  public MediaSpec media() {
    return config.media();
  }

  @Override
  public float[][] embed(List<int[]> sequences) {
    List<Sequence> s = new ArrayList<>(sequences.size());
    for (int[] ids : sequences) {
      s.add(Sequence.text(ids, false));
    }
    return embedSequences(s);
  }

  @Override
  public float[][] embedSequences(List<Sequence> sequences) {
    TokenBatch batch = TokenBatch.of(sequences);
    if (batch.hasMedia() && !config.hasMedia()) {
      throw new IllegalArgumentException("model " + modelId + " embeds text only");
    }
    int b = batch.batch();
    int len = batch.len();
    long[] shape = {b, len};
    long[] ids = new long[b * len];
    long[] mask = new long[b * len];
    for (int i = 0; i < b; i++) {
      for (int t = 0; t < batch.lengths()[i]; t++) {
        ids[i * len + t] = batch.ids()[i * len + t];
        mask[i * len + t] = 1;
      }
    }
    Map<String, OnnxTensor> inputs = new HashMap<>();
    try {
      inputs.put(EncoderGraph.INPUT_IDS, OnnxTensor.createTensor(env, LongBuffer.wrap(ids),
          shape));
      inputs.put(EncoderGraph.ATTENTION_MASK, OnnxTensor.createTensor(env,
          LongBuffer.wrap(mask), shape));
      if (config.hasMedia()) {
        mediaInputs(batch, inputs);
      }
      try (OrtSession.Result result = sessions.get(threads, gpu).run(inputs)) {
        return (float[][]) result.get(0).getValue();
      }
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime failed on the exported graph of " + modelId
          + ": " + e.getMessage(), e);
    } finally {
      inputs.values().forEach(OnnxTensor::close);
    }
  }

  /** patches [B, L, P] (zeros where there is no patch), modality_ids and frame_ids [B, L]. */
  private void mediaInputs(TokenBatch batch, Map<String, OnnxTensor> inputs)
      throws OrtException {
    int n = batch.batch() * batch.len();
    int width = EncoderGraph.patchWidth(config.media());
    long[] shape = {batch.batch(), batch.len()};
    float[] patches = new float[n * width];
    long[] types = new long[n];
    long[] frames = new long[n];
    for (int i = 0; i < n; i++) {
      types[i] = batch.types()[i];
      float[] p = batch.hasMedia() ? batch.patches()[i] : null;
      if (p == null) {
        continue;
      }
      Modality m = modality(batch.types()[i]);
      int dim = EncoderGraph.patchDim(config.media(), m);
      if (p.length != dim) {
        throw new IllegalArgumentException(m.key() + " patch of " + p.length + " values; the"
            + " model's " + m.key() + " tower takes " + dim);
      }
      System.arraycopy(p, 0, patches, i * width, dim);
      frames[i] = batch.times()[i];
    }
    inputs.put(EncoderGraph.PATCHES, OnnxTensor.createTensor(env, FloatBuffer.wrap(patches),
        new long[] {batch.batch(), batch.len(), width}));
    inputs.put(EncoderGraph.MODALITY_IDS, OnnxTensor.createTensor(env, LongBuffer.wrap(types),
        shape));
    inputs.put(EncoderGraph.FRAME_IDS, OnnxTensor.createTensor(env, LongBuffer.wrap(frames),
        shape));
  }

  private static Modality modality(int typeId) {
    for (Modality m : Modality.values()) {
      if (m.typeId() == typeId) {
        return m;
      }
    }
    throw new IllegalArgumentException("no modality has type id " + typeId);
  }

  @Override
  /** Closes the graph's sessions, those of the {@link #withThreads} copies too. */
  public void close() {
    sessions.close();
  }
}
