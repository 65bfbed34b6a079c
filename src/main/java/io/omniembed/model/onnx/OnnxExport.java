package io.omniembed.model.onnx;

import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValueFactory;
import io.omniembed.config.MediaSpec;
import io.omniembed.config.ModelConfig;
import io.omniembed.data.Modality;
import io.omniembed.model.LoadedModel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The files of an ONNX export, by name:
 * <pre>
 *   model.onnx       the whole encoder as one graph ({@link EncoderGraph}): inputs to the
 *                    L2-normalised embedding
 *   tokenizer.json   the tokenizer the model was trained with
 *   omniembed.json   what a runtime needs beside the graph: model id and hash, dimensions and
 *                    Matryoshka dimensions, max_length, media settings and patch layout, pooling,
 *                    normalisation, precision, and the graph's inputs and outputs
 * </pre>
 * Storage is the caller's: the files come back as bytes, and {@code io} writes them.
 */
public final class OnnxExport {

  public static final String FORMAT = "omniembed-onnx-v1";
  public static final String GRAPH_FILE = "model.onnx";
  public static final String TOKENIZER_FILE = "tokenizer.json";
  public static final String MANIFEST_FILE = "omniembed.json";
  public static final String PRODUCER = "omniembed";

  private OnnxExport() {}

  /** The export of {@code model} at {@code precision}: file name → bytes, in writing order. */
  public static Map<String, byte[]> files(LoadedModel model, Precision precision) {
    byte[] graph = graph(model, precision);
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put(GRAPH_FILE, graph);
    files.put(TOKENIZER_FILE, model.tokenizerJson());
    files.put(MANIFEST_FILE, manifest(model, precision, sha256(graph))
        .getBytes(StandardCharsets.UTF_8));
    return files;
  }

  /** The serialised graph alone, with the model id, hash and precision in its metadata. */
  public static byte[] graph(LoadedModel model, Precision precision) {
    Map<String, String> metadata = new LinkedHashMap<>();
    metadata.put("model_id", model.modelId());
    metadata.put("model_hash", model.hash());
    metadata.put("precision", precision.key());
    return EncoderGraph.build(model.encoder(), precision).toModel(EncoderGraph.IR_VERSION,
        PRODUCER, version(), metadata);
  }

  /** {@code omniembed.json}. */
  static String manifest(LoadedModel model, Precision precision, String graphSha256) {
    ModelConfig c = model.encoder().config();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("format", FORMAT);
    m.put("model_id", model.modelId());
    m.put("model_hash", model.hash());
    m.put("graph", Map.of("file", GRAPH_FILE, "sha256", graphSha256, "ir_version",
        EncoderGraph.IR_VERSION, "opset", EncoderGraph.OPSET, "producer", PRODUCER + " "
            + version()));
    m.put("tokenizer", TOKENIZER_FILE);
    m.put("precision", precision.key());
    if (precision == Precision.INT8) {
      m.put("quantization", Map.of(
          "weights", "8-bit, symmetric, one scale per output channel; stored as uint8 with zero"
              + " point 128",
          "activations", "8-bit, symmetric, one scale per row (token) computed at run time;"
              + " uint8 with zero point 128 (QuantizeLinear)",
          "ops", "MatMulInteger for every MatMul with a weight; attention scores and context"
              + " stay float32"));
    }
    Map<String, Object> arch = new LinkedHashMap<>();
    arch.put("name", c.name());
    arch.put("vocab_size", c.vocabSize());
    arch.put("hidden", c.hidden());
    arch.put("layers", c.layers());
    arch.put("heads", c.heads());
    arch.put("ffn", c.ffn());
    arch.put("max_positions", c.maxPositions());
    arch.put("layer_norm_eps", c.layerNormEps());
    m.put("architecture", arch);
    m.put("output_dim", c.outputDim());
    m.put("matryoshka_dims", c.matryoshkaDims());
    m.put("max_length", c.maxLength());
    m.put("max_positions", c.maxPositions());
    m.put("position_offset", c.positionOffset());
    m.put("pooling", c.pooling().key());
    m.put("normalization", "l2");
    m.put("inputs", inputs(c));
    m.put("outputs", List.of(tensor(EncoderGraph.EMBEDDING, "float32", "batch",
        c.outputDim())));
    m.put("media", c.hasMedia() ? media(c.media()) : null);
    return ConfigValueFactory.fromMap(m).render(ConfigRenderOptions.concise().setFormatted(true))
        + "\n";
  }

  private static List<Object> inputs(ModelConfig c) {
    List<Object> in = new ArrayList<>();
    in.add(tensor(EncoderGraph.INPUT_IDS, "int64", "batch", "sequence"));
    in.add(tensor(EncoderGraph.ATTENTION_MASK, "int64", "batch", "sequence"));
    if (c.hasMedia()) {
      in.add(tensor(EncoderGraph.PATCHES, "float32", "batch", "sequence",
          EncoderGraph.patchWidth(c.media())));
      in.add(tensor(EncoderGraph.MODALITY_IDS, "int64", "batch", "sequence"));
      in.add(tensor(EncoderGraph.FRAME_IDS, "int64", "batch", "sequence"));
    }
    return in;
  }

  private static Map<String, Object> media(MediaSpec s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("image_size", s.imageSize());
    m.put("image_patch", s.imagePatch());
    m.put("audio_mel_bins", s.audioMelBins());
    m.put("audio_frames_per_patch", s.audioFramesPerPatch());
    m.put("max_audio_patches", s.maxAudioPatches());
    m.put("video_size", s.videoSize());
    m.put("video_patch", s.videoPatch());
    m.put("video_frames", s.videoFrames());
    m.put("max_media_bytes", s.maxMediaBytes());
    m.put("patch_width", EncoderGraph.patchWidth(s));
    Map<String, Object> dims = new LinkedHashMap<>();
    Map<String, Object> ids = new LinkedHashMap<>();
    for (Modality mod : Modality.values()) {
      ids.put(mod.key(), mod.typeId());
      if (mod != Modality.TEXT) {
        dims.put(mod.key(), EncoderGraph.patchDim(s, mod));
      }
    }
    m.put("patch_dims", dims);
    m.put("modality_ids", ids);
    return m;
  }

  private static Map<String, Object> tensor(String name, String type, Object... shape) {
    Map<String, Object> t = new LinkedHashMap<>();
    t.put("name", name);
    t.put("type", type);
    t.put("shape", List.of(shape));
    return t;
  }

  /** The project version that wrote a graph (recorded in it and in cache keys). */
  public static String version() {
    String v = OnnxExport.class.getPackage().getImplementationVersion();
    return v != null ? v : "0.1.0-SNAPSHOT";
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
