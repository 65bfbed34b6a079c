package io.omniembed.io;

import io.omniembed.model.ModelHash;

import io.omniembed.model.LoadedModel;

import io.omniembed.model.Encoder;
import io.omniembed.model.ModelCard;
import io.omniembed.model.layer.ParamStore;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValueFactory;
import io.omniembed.config.ModelConfig;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The checkpoint format: a directory on any Hadoop filesystem holding
 * <pre>
 *   model.conf        the architecture (ModelConfig, HOCON)
 *   tokenizer.json    the tokenizer the model was trained with
 *   params.bin        all parameters, float32 little-endian, in layout order
 *   checkpoint.json   format version, model id, parameter count, SHA-256 of params.bin, every
 *                     parameter's name and shape, and the model card when it has one (prompts,
 *                     default_prompt_name, notes; optional keys)
 * </pre>
 * Loading reads no Java objects: it parses the two text files, checks the layout the config
 * implies against the one recorded, and checks the parameter file's size and hash, so a
 * truncated, tampered or mismatched checkpoint fails with a message naming the file.
 */
public final class Checkpoint {

  public static final String FORMAT = "omniembed-checkpoint-v1";
  public static final String CONFIG_FILE = "model.conf";
  public static final String TOKENIZER_FILE = "tokenizer.json";
  public static final String PARAMS_FILE = "params.bin";
  public static final String MANIFEST_FILE = "checkpoint.json";

  private Checkpoint() {}

  /** Writes {@code encoder} to {@code dir}; the files appear under {@code dir} when all exist. */
  public static void save(Encoder encoder, byte[] tokenizerJson, String modelId, String dir,
      Configuration conf) throws IOException {
    save(encoder, tokenizerJson, modelId, dir, Map.of(), conf);
  }

  /**
   * As {@link #save(Encoder, byte[], String, String, Configuration)}, with {@code extraFiles}
   * (training state) written into the directory before it appears.
   */
  public static void save(Encoder encoder, byte[] tokenizerJson, String modelId, String dir,
      Map<String, byte[]> extraFiles, Configuration conf) throws IOException {
    save(encoder, tokenizerJson, ModelCard.NONE, modelId, dir, extraFiles, conf);
  }

  /**
   * Writes {@code encoder} with its tokenizer and {@code card} (prompts, notes) to {@code dir},
   * {@code extraFiles} (training state) beside them; the files appear under {@code dir} when all
   * exist.
   */
  public static void save(Encoder encoder, byte[] tokenizerJson, ModelCard card, String modelId,
      String dir, Map<String, byte[]> extraFiles, Configuration conf) throws IOException {
    float[] params = encoder.store().toFloatArray();
    byte[] bytes = toBytes(params);
    Path target = new Path(dir);
    FileSystem fs = HadoopFiles.fs(dir, conf);
    Path tmp = new Path(target.getParent(), "." + target.getName() + ".tmp-"
        + Long.toHexString(System.nanoTime()));
    fs.mkdirs(tmp);
    HadoopFiles.writeString(new Path(tmp, CONFIG_FILE).toString(), encoder.config().toHocon(),
        conf);
    HadoopFiles.writeBytes(new Path(tmp, TOKENIZER_FILE).toString(), tokenizerJson, conf);
    HadoopFiles.writeBytes(new Path(tmp, PARAMS_FILE).toString(), bytes, conf);
    for (Map.Entry<String, byte[]> extra : extraFiles.entrySet()) {
      HadoopFiles.writeBytes(new Path(tmp, extra.getKey()).toString(), extra.getValue(), conf);
    }
    HadoopFiles.writeString(new Path(tmp, MANIFEST_FILE).toString(),
        manifest(encoder.store(), modelId, sha256(bytes), card), conf);
    if (fs.exists(target)) {
      fs.delete(target, true);
    }
    if (!fs.rename(tmp, target)) {
      throw new IOException("could not move checkpoint into place at " + dir);
    }
  }

  public static LoadedModel load(String dir, Configuration conf) throws IOException {
    String manifestPath = HadoopFiles.child(dir, MANIFEST_FILE);
    if (!HadoopFiles.exists(dir, conf)) {
      throw new FileNotFoundException("model " + dir + ": no such checkpoint directory");
    }
    if (!HadoopFiles.exists(manifestPath, conf)) {
      throw new FileNotFoundException("model " + dir + ": not a checkpoint (no "
          + MANIFEST_FILE + ")");
    }
    Config manifest;
    try {
      manifest = ConfigFactory.parseString(HadoopFiles.readString(manifestPath, conf));
      if (!FORMAT.equals(manifest.getString("format"))) {
        throw new IOException(manifestPath + ": unknown checkpoint format '"
            + manifest.getString("format") + "'");
      }
    } catch (com.typesafe.config.ConfigException e) {
      throw new IOException(manifestPath + ": unreadable manifest: " + e.getMessage(), e);
    }
    String configPath = HadoopFiles.child(dir, CONFIG_FILE);
    ModelConfig config;
    try {
      config = ModelConfig.parse(HadoopFiles.readString(configPath, conf), configPath);
    } catch (IllegalArgumentException e) {
      throw new IOException(e.getMessage(), e);
    }
    ParamStore.Layout layout = Encoder.layout(config);
    checkLayout(layout, manifest, manifestPath);

    String paramsPath = HadoopFiles.child(dir, PARAMS_FILE);
    byte[] bytes = HadoopFiles.readBytes(paramsPath, conf);
    if (bytes.length != layout.total() * 4) {
      throw new IOException(paramsPath + ": " + bytes.length + " bytes, expected "
          + layout.total() * 4 + " (" + layout.total() + " float32 parameters); the file is"
          + " truncated or belongs to another model");
    }
    String hash = sha256(bytes);
    if (!hash.equals(manifest.getString("params_sha256"))) {
      throw new IOException(paramsPath + ": SHA-256 " + hash + " does not match the manifest's "
          + manifest.getString("params_sha256") + "; the file was modified or corrupted");
    }
    ParamStore store = new ParamStore(layout);
    store.load(toFloats(bytes));
    byte[] tokenizer = HadoopFiles.readBytes(HadoopFiles.child(dir, TOKENIZER_FILE), conf);
    return new LoadedModel(new Encoder(config, store), tokenizer, manifest.getString("model_id"),
        hash, card(manifest, manifestPath));
  }

  /** SHA-256 of the parameters as stored (the model hash recorded in embedding outputs). */
  public static String hash(ParamStore store) {
    return ModelHash.of(store);
  }

  private static void checkLayout(ParamStore.Layout layout, Config manifest, String path)
      throws IOException {
    List<? extends Config> slots = manifest.getConfigList("slots");
    List<ParamStore.Slot> expected = layout.slots();
    if (slots.size() != expected.size()) {
      throw new IOException(path + ": " + slots.size() + " parameters recorded, the config"
          + " implies " + expected.size());
    }
    for (int i = 0; i < slots.size(); i++) {
      Config s = slots.get(i);
      ParamStore.Slot e = expected.get(i);
      List<Long> shape = new ArrayList<>();
      for (long d : e.shape()) {
        shape.add(d);
      }
      if (!s.getString("name").equals(e.name()) || !s.getLongList("shape").equals(shape)) {
        throw new IOException(path + ": parameter " + i + " is " + s.getString("name")
            + s.getLongList("shape") + ", the config implies " + e.name() + shape);
      }
    }
  }

  private static ModelCard card(Config manifest, String path) throws IOException {
    try {
      Map<String, String> prompts = new LinkedHashMap<>();
      if (manifest.hasPath("prompts")) {
        manifest.getObject("prompts").unwrapped().forEach((k, v) -> prompts.put(k,
            String.valueOf(v)));
      }
      String defaultPrompt = manifest.hasPath("default_prompt_name")
          ? manifest.getString("default_prompt_name") : null;
      List<String> notes = manifest.hasPath("notes") ? manifest.getStringList("notes")
          : List.of();
      return new ModelCard(prompts, defaultPrompt, notes);
    } catch (com.typesafe.config.ConfigException | IllegalArgumentException e) {
      throw new IOException(path + ": unreadable model card: " + e.getMessage(), e);
    }
  }

  private static String manifest(ParamStore store, String modelId, String hash, ModelCard card) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("format", FORMAT);
    m.put("model_id", modelId);
    m.put("param_count", store.size());
    m.put("params_sha256", hash);
    List<Map<String, Object>> slots = new ArrayList<>();
    for (ParamStore.Slot s : store.slots()) {
      Map<String, Object> slot = new LinkedHashMap<>();
      slot.put("name", s.name());
      List<Long> shape = new ArrayList<>();
      for (long d : s.shape()) {
        shape.add(d);
      }
      slot.put("shape", shape);
      slots.add(slot);
    }
    m.put("slots", slots);
    if (!card.prompts().isEmpty()) {
      m.put("prompts", card.prompts());
    }
    if (card.defaultPromptName() != null) {
      m.put("default_prompt_name", card.defaultPromptName());
    }
    if (!card.notes().isEmpty()) {
      m.put("notes", card.notes());
    }
    return ConfigValueFactory.fromMap(m).render(ConfigRenderOptions.concise().setFormatted(true));
  }

  /** float32 little-endian bytes of {@code values} (the parameter file format). */
  public static byte[] toBytes(float[] values) {
    ByteBuffer bb = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    bb.asFloatBuffer().put(values);
    return bb.array();
  }

  /** The inverse of {@link #toBytes}. */
  public static float[] toFloats(byte[] bytes) {
    float[] values = new float[bytes.length / 4];
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
    return values;
  }

  /** Hex SHA-256 of {@code bytes}. */
  public static String sha256(byte[] bytes) {
    return ModelHash.sha256(bytes);
  }
}
