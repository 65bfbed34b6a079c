package io.omniembed.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValueFactory;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The architecture of an encoder: everything needed to allocate its parameters and run it.
 *
 * <p>Presets are data ({@code conf/models/NAME.conf}, also packaged in the jar); a checkpoint
 * stores the resolved config beside its parameters. Unknown keys fail, so a typo in a preset or a
 * tampered checkpoint never silently falls back to a default. Three keys are optional ({@code
 * media}, {@code pooling}, {@code position_offset}) and take their defaults when absent, so a
 * model.conf or checkpoint written without them loads as it always did; {@link #toHocon} writes
 * pooling and position_offset always.
 *
 * @param name            preset name this config came from (informational)
 * @param vocabSize       vocabulary size (rows of the token table)
 * @param hidden          model width d_M
 * @param layers          number of transformer blocks
 * @param heads           attention heads; must divide {@code hidden}
 * @param ffn             width of the feed-forward inner layer
 * @param maxPositions    rows of the position table (longest sequence the model can take)
 * @param modalities      rows of the modality-type table (text, image, audio, video)
 * @param outputDim       width of the projection, the largest embedding dimension
 * @param layerNormEps    epsilon of every LayerNorm
 * @param maxLength       tokens kept per text (including [CLS]/[SEP]); longer texts are truncated
 *                        and counted
 * @param matryoshkaDims  nested prefix dimensions that are valid embeddings; the last is outputDim
 * @param media           how the model sees images, audio and video ({@code media { ... }}); null
 *                        for a text-only model
 * @param pooling         how the last hidden states become one vector ({@code pooling = mean|cls},
 *                        optional, default mean): the mean over real tokens (sentence-transformers'
 *                        mean pooling, all-MiniLM-L6-v2, E5) or the state of the first token,
 *                        [CLS] or &lt;s&gt; (BGE)
 * @param positionOffset  the row of the position table that position 0 of a sequence reads
 *                        ({@code position_offset}, optional, default 0): 0 for BERT; RoBERTa and
 *                        XLM-RoBERTa number positions from padding_idx + 1, so 2 for them. A
 *                        sequence may have at most {@code maxPositions - positionOffset} tokens
 *                        ({@link #maxSequence()})
 */
public record ModelConfig(
    String name,
    int vocabSize,
    int hidden,
    int layers,
    int heads,
    int ffn,
    int maxPositions,
    int modalities,
    int outputDim,
    double layerNormEps,
    int maxLength,
    List<Integer> matryoshkaDims,
    MediaSpec media,
    Pooling pooling,
    int positionOffset) {

  private static final Set<String> KEYS = Set.of("name", "vocab_size", "hidden", "layers", "heads",
      "ffn", "max_positions", "modalities", "output_dim", "layer_norm_eps", "max_length",
      "matryoshka_dims", "media", "pooling", "position_offset");

  /** How the encoder turns its last hidden states [B·L, H] into one vector per sequence [B, H]. */
  public enum Pooling {
    /** The mean over each sequence's real tokens (padding excluded). */
    MEAN,
    /** The state of each sequence's first token ([CLS] or &lt;s&gt;). */
    CLS;

    /** The config value: {@code mean} or {@code cls}. */
    public String key() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The pooling named {@code key} ({@code mean} or {@code cls}); errors name {@code origin}. */
    public static Pooling parse(String key, String origin) {
      for (Pooling p : values()) {
        if (p.key().equals(key)) {
          return p;
        }
      }
      throw new IllegalArgumentException(origin + ": pooling must be mean or cls, got '" + key
          + "'");
    }
  }

  /** A text-only model with mean pooling and positions from 0. */
  public ModelConfig(String name, int vocabSize, int hidden, int layers, int heads, int ffn,
      int maxPositions, int modalities, int outputDim, double layerNormEps, int maxLength,
      List<Integer> matryoshkaDims) {
    this(name, vocabSize, hidden, layers, heads, ffn, maxPositions, modalities, outputDim,
        layerNormEps, maxLength, matryoshkaDims, null, Pooling.MEAN, 0);
  }

  public ModelConfig {
    matryoshkaDims = List.copyOf(matryoshkaDims);
    if (pooling == null) {
      throw new IllegalArgumentException("model config: pooling must be mean or cls");
    }
    positive("vocab_size", vocabSize);
    positive("hidden", hidden);
    positive("layers", layers);
    positive("heads", heads);
    positive("ffn", ffn);
    positive("max_positions", maxPositions);
    positive("modalities", modalities);
    positive("output_dim", outputDim);
    positive("max_length", maxLength);
    if (hidden % heads != 0) {
      throw new IllegalArgumentException(
          "model config: hidden (" + hidden + ") must be a multiple of heads (" + heads + ")");
    }
    if (positionOffset < 0 || positionOffset >= maxPositions) {
      throw new IllegalArgumentException("model config: position_offset must be in 0.."
          + (maxPositions - 1) + " (below max_positions), got " + positionOffset);
    }
    if (maxLength > maxPositions - positionOffset) {
      throw new IllegalArgumentException("model config: max_length (" + maxLength
          + ") exceeds max_positions (" + maxPositions + ")"
          + (positionOffset == 0 ? "" : " less position_offset (" + positionOffset + ")"));
    }
    if (!(layerNormEps > 0)) {
      throw new IllegalArgumentException("model config: layer_norm_eps must be > 0");
    }
    int previous = 0;
    for (int d : matryoshkaDims) {
      if (d <= previous || d > outputDim) {
        throw new IllegalArgumentException("model config: matryoshka_dims must increase and stay"
            + " within output_dim " + outputDim + ", got " + matryoshkaDims);
      }
      previous = d;
    }
    if (media != null && modalities < 4) {
      throw new IllegalArgumentException("model config: a model with media needs modalities >= 4"
          + " (text, image, audio, video), got " + modalities);
    }
  }

  /** True when the model has image, audio and video towers. */
  public boolean hasMedia() {
    return media != null;
  }

  /** This architecture with media towers ({@code media} null: text only). */
  public ModelConfig withMedia(MediaSpec media) {
    return new ModelConfig(name, vocabSize, hidden, layers, heads, ffn, maxPositions, modalities,
        outputDim, layerNormEps, maxLength, matryoshkaDims, media, pooling, positionOffset);
  }

  /** The longest sequence the model can take: the position rows after {@code positionOffset}. */
  public int maxSequence() {
    return maxPositions - positionOffset;
  }

  public int headDim() {
    return hidden / heads;
  }

  /** Loads a preset shipped in the jar under {@code conf/models/NAME.conf}. */
  public static ModelConfig preset(String name) {
    String resource = "conf/models/" + name + ".conf";
    InputStream in = ModelConfig.class.getClassLoader().getResourceAsStream(resource);
    if (in == null) {
      throw new IllegalArgumentException("unknown model preset '" + name + "' (known: tiny, tiny-media,"
          + " small, minilm-l6)");
    }
    try (InputStreamReader reader = new InputStreamReader(in, StandardCharsets.UTF_8)) {
      return fromConfig(ConfigFactory.parseReader(reader), resource);
    } catch (java.io.IOException e) {
      throw new IllegalStateException("cannot read " + resource, e);
    }
  }

  /** Parses HOCON text, naming {@code origin} in errors. */
  public static ModelConfig parse(String hocon, String origin) {
    try {
      return fromConfig(ConfigFactory.parseString(hocon), origin);
    } catch (com.typesafe.config.ConfigException e) {
      throw new IllegalArgumentException(origin + ": " + e.getMessage(), e);
    }
  }

  static ModelConfig fromConfig(Config c, String origin) {
    for (String key : c.root().keySet()) {
      if (!KEYS.contains(key)) {
        throw new IllegalArgumentException(origin + ": unknown model config key '" + key + "'");
      }
    }
    try {
      return new ModelConfig(c.getString("name"), c.getInt("vocab_size"), c.getInt("hidden"),
          c.getInt("layers"), c.getInt("heads"), c.getInt("ffn"), c.getInt("max_positions"),
          c.getInt("modalities"), c.getInt("output_dim"), c.getDouble("layer_norm_eps"),
          c.getInt("max_length"), c.getIntList("matryoshka_dims"),
          c.hasPath("media") ? MediaSpec.fromConfig(c.getConfig("media"), origin + " media")
              : null,
          c.hasPath("pooling") ? Pooling.parse(c.getString("pooling"), origin) : Pooling.MEAN,
          c.hasPath("position_offset") ? c.getInt("position_offset") : 0);
    } catch (com.typesafe.config.ConfigException e) {
      throw new IllegalArgumentException(origin + ": " + e.getMessage(), e);
    }
  }

  /** Renders as HOCON (JSON syntax) that {@link #parse} reads back to an equal record. */
  public String toHocon() {
    return ConfigValueFactory.fromMap(toMap())
        .render(ConfigRenderOptions.concise().setFormatted(true));
  }

  /**
   * The first setting in which {@code other} differs from this config, as {@code "key (other's
   * value vs this value)"}, or empty when none does. Keys are the config file's, in its order;
   * media settings are {@code media.KEY}, and a model with media against one without differs in
   * {@code media (present vs absent)}. {@code name} is not compared: it only records which preset
   * a config came from, and models of one architecture may carry different names.
   */
  public Optional<String> firstDifference(ModelConfig other) {
    Map<String, Object> mine = settings();
    Map<String, Object> theirs = other.settings();
    for (Map.Entry<String, Object> e : mine.entrySet()) {
      Object t = theirs.get(e.getKey());
      if (!Objects.equals(e.getValue(), t)) {
        return Optional.of(e.getKey() + " (" + t + " vs " + e.getValue() + ")");
      }
    }
    return Optional.empty();
  }

  /** Every setting but the name, flattened: media settings as {@code media.KEY}. */
  private Map<String, Object> settings() {
    Map<String, Object> m = toMap();
    m.remove("name");
    m.remove("media");
    m.put("media", media == null ? "absent" : "present");
    if (media != null) {
      media.toMap().forEach((k, v) -> m.put("media." + k, v));
    }
    return m;
  }

  private Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", name);
    m.put("vocab_size", vocabSize);
    m.put("hidden", hidden);
    m.put("layers", layers);
    m.put("heads", heads);
    m.put("ffn", ffn);
    m.put("max_positions", maxPositions);
    m.put("modalities", modalities);
    m.put("output_dim", outputDim);
    m.put("layer_norm_eps", layerNormEps);
    m.put("max_length", maxLength);
    m.put("matryoshka_dims", matryoshkaDims);
    m.put("pooling", pooling.key());
    m.put("position_offset", positionOffset);
    if (media != null) {
      m.put("media", media.toMap());
    }
    return m;
  }

  private static void positive(String key, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException("model config: " + key + " must be > 0, got " + value);
    }
  }
}
