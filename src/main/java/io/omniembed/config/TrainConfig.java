package io.omniembed.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import java.io.File;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A training run's settings, resolved from three layers: {@code conf/train/defaults.conf} (in the
 * jar), a stage file ({@code --config}, for example {@code conf/train/pft.conf}) and
 * {@code --set key=value} overrides. Any key that the defaults do not define is an error, so a
 * typo never silently trains with a default. {@link #render} is written beside the checkpoints.
 */
public record TrainConfig(
    long seed,
    String data,
    int steps,
    int batchSize,
    double lr,
    int warmupSteps,
    String schedule,
    double minLrRatio,
    double weightDecay,
    boolean decayEmbeddings,
    double beta1,
    double beta2,
    double eps,
    double gradClip,
    int checkpointEvery,
    int logEvery,
    int maxLength,
    double temperature,
    double taskStringDropout,
    boolean shareHardNegatives,
    int gradCacheChunk,
    int collectiveTimeoutSeconds,
    boolean allreduceOverlap,
    boolean allreduceBf16,
    double mediaLrScale,
    FrozenParameters frozen,
    List<Integer> matryoshkaDims,
    List<Double> matryoshkaWeights,
    Map<String, TaskConfig> tasks,
    String rendered) implements java.io.Serializable {

  private static final Set<String> TASK_KEYS = Set.of("task_string", "rate", "batch_size");
  private static final List<String> SCHEDULES = List.of("cosine", "linear", "constant");

  public TrainConfig {
    matryoshkaDims = List.copyOf(matryoshkaDims);
    matryoshkaWeights = List.copyOf(matryoshkaWeights);
    tasks = Collections.unmodifiableMap(new LinkedHashMap<>(tasks));
    check(steps >= 1, "train.steps must be >= 1, got " + steps);
    check(batchSize >= 1, "train.batch_size must be >= 1, got " + batchSize);
    check(lr > 0, "train.lr must be > 0, got " + lr);
    check(warmupSteps >= 0, "train.warmup_steps must be >= 0, got " + warmupSteps);
    check(SCHEDULES.contains(schedule), "train.schedule must be one of " + SCHEDULES + ", got "
        + schedule);
    check(minLrRatio >= 0 && minLrRatio <= 1, "train.min_lr_ratio must be in [0, 1]");
    check(weightDecay >= 0, "train.weight_decay must be >= 0");
    check(mediaLrScale > 0, "train.media_lr_scale must be > 0");
    check(frozen != null, "train.frozen must be set");
    check(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1, "train.beta1/beta2 must be in [0, 1)");
    check(eps > 0, "train.eps must be > 0");
    check(gradClip >= 0, "train.grad_clip must be >= 0");
    check(checkpointEvery >= 1, "train.checkpoint_every must be >= 1");
    check(logEvery >= 1, "train.log_every must be >= 1");
    check(maxLength >= 2, "train.max_length must be >= 2");
    check(temperature > 0, "train.temperature must be > 0");
    check(taskStringDropout >= 0 && taskStringDropout <= 1,
        "train.task_string_dropout must be in [0, 1]");
    check(gradCacheChunk >= 0, "train.grad_cache_chunk must be >= 0 (0: off), got "
        + gradCacheChunk);
    check(collectiveTimeoutSeconds >= 1, "train.collective_timeout_s must be >= 1");
    check(matryoshkaWeights.isEmpty() || matryoshkaWeights.size() == matryoshkaDims.size(),
        "train.matryoshka_weights needs one weight per matryoshka_dims entry");
  }

  /**
   * Resolves the layers. {@code stageText}/{@code stageOrigin} may be null (no --config);
   * {@code sets} are "key=value" strings; {@code dataOverride} (may be null) replaces {@code data}.
   */
  public static TrainConfig resolve(String stageText, String stageOrigin, List<String> sets,
      String dataOverride) {
    Config defaults = defaults();
    Config merged = defaults;
    if (stageText != null) {
      Config stage = parseStage(stageText, stageOrigin);
      checkKeys(stage, defaults, stageOrigin);
      merged = stage.withFallback(defaults);
    }
    for (String set : sets) {
      int eq = set.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("--set " + set + ": expected key=value");
      }
      String key = set.substring(0, eq).strip();
      String value = set.substring(eq + 1).strip();
      Config one;
      try {
        one = ConfigFactory.parseString(key + " = " + value);
      } catch (ConfigException e) {
        one = ConfigFactory.parseMap(Map.of(key, value));
      }
      if (!merged.hasPath(key) && !isTaskKey(key, merged)) {
        throw new IllegalArgumentException("--set " + key + ": unknown key (see"
            + " conf/train/defaults.conf)");
      }
      merged = one.withFallback(merged);
    }
    if (dataOverride != null) {
      merged = ConfigFactory.parseMap(Map.of("data", dataOverride)).withFallback(merged);
    }
    return fromConfig(merged.resolve());
  }

  private static boolean isTaskKey(String key, Config merged) {
    String[] parts = key.split("\\.");
    return parts.length == 3 && parts[0].equals("tasks") && TASK_KEYS.contains(parts[2]);
  }

  private static Config defaults() {
    String resource = "conf/train/defaults.conf";
    InputStream in = TrainConfig.class.getClassLoader().getResourceAsStream(resource);
    if (in == null) {
      throw new IllegalStateException(resource + " is missing from the classpath");
    }
    try (InputStreamReader r = new InputStreamReader(in, StandardCharsets.UTF_8)) {
      return ConfigFactory.parseReader(r);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Config parseStage(String text, String origin) {
    try {
      File f = new File(origin);
      if (f.isFile()) {
        // A local file: includes resolve next to it (conf/train/defaults.conf).
        return ConfigFactory.parseFile(f, ConfigParseOptions.defaults().setAllowMissing(false));
      }
      return ConfigFactory.parseString(text,
          ConfigParseOptions.defaults().setOriginDescription(origin));
    } catch (ConfigException e) {
      throw new IllegalArgumentException(origin + ": " + e.getMessage(), e);
    }
  }

  private static void checkKeys(Config stage, Config defaults, String origin) {
    for (Map.Entry<String, ConfigValue> e : stage.entrySet()) {
      String key = e.getKey();
      if (key.startsWith("tasks.")) {
        String[] parts = key.split("\\.");
        if (parts.length != 3 || !TASK_KEYS.contains(parts[2])) {
          throw new IllegalArgumentException(origin + ": unknown task setting '" + key
              + "' (a task takes task_string, rate and batch_size)");
        }
      } else if (!defaults.hasPath(key)) {
        throw new IllegalArgumentException(origin + ": unknown key '" + key + "' (see"
            + " conf/train/defaults.conf)");
      }
    }
  }

  /**
   * A config that {@link #render} wrote (OUT/train.conf), read back; keys added to the defaults
   * since it was written take their default.
   */
  public static TrainConfig parseResolved(String text, String origin) {
    try {
      return fromConfig(ConfigFactory.parseString(text,
          ConfigParseOptions.defaults().setOriginDescription(origin)).withFallback(defaults())
          .resolve());
    } catch (ConfigException e) {
      throw new IllegalArgumentException(origin + ": " + e.getMessage(), e);
    }
  }

  static TrainConfig fromConfig(Config c) {
    try {
      Config t = c.getConfig("train");
      int batch = t.getInt("batch_size");
      Map<String, TaskConfig> tasks = new LinkedHashMap<>();
      Config tc = c.getConfig("tasks");
      for (String name : tc.root().keySet()) {
        Config one = tc.getConfig(com.typesafe.config.ConfigUtil.joinPath(name));
        tasks.put(name, new TaskConfig(name,
            one.hasPath("task_string") ? one.getString("task_string")
                : TaskConfig.defaultTaskString(name),
            one.hasPath("rate") ? one.getDouble("rate") : 1.0,
            one.hasPath("batch_size") ? one.getInt("batch_size") : batch));
      }
      List<Double> weights = new ArrayList<>(t.getDoubleList("matryoshka_weights"));
      return new TrainConfig(c.getLong("seed"), c.getString("data"), t.getInt("steps"), batch,
          t.getDouble("lr"), t.getInt("warmup_steps"), t.getString("schedule"),
          t.getDouble("min_lr_ratio"), t.getDouble("weight_decay"),
          t.getBoolean("decay_embeddings"), t.getDouble("beta1"),
          t.getDouble("beta2"), t.getDouble("eps"), t.getDouble("grad_clip"),
          t.getInt("checkpoint_every"), t.getInt("log_every"), t.getInt("max_length"),
          t.getDouble("temperature"), t.getDouble("task_string_dropout"),
          t.getBoolean("share_hard_negatives"), t.getInt("grad_cache_chunk"),
          t.getInt("collective_timeout_s"), t.getBoolean("allreduce_overlap"),
          t.getBoolean("allreduce_bf16"), t.getDouble("media_lr_scale"),
          FrozenParameters.parse(t.getString("frozen")),
          t.getIntList("matryoshka_dims"), weights, tasks,
          c.root().render(ConfigRenderOptions.concise().setFormatted(true)));
    } catch (ConfigException e) {
      throw new IllegalArgumentException("training config: " + e.getMessage(), e);
    }
  }

  /** The resolved config as HOCON (written to OUT/train.conf). */
  public String render() {
    return rendered;
  }

  /** A copy whose task mix is {@code newTasks}, rendered with them. */
  public TrainConfig withTasks(Map<String, TaskConfig> newTasks) {
    Map<String, Object> mix = new LinkedHashMap<>();
    for (TaskConfig t : newTasks.values()) {
      Map<String, Object> one = new LinkedHashMap<>();
      one.put("task_string", t.taskString());
      one.put("rate", t.rate());
      one.put("batch_size", t.batchSize());
      mix.put(t.name(), one);
    }
    String withMix = ConfigFactory.parseString(rendered)
        .withValue("tasks", com.typesafe.config.ConfigValueFactory.fromMap(mix)).root()
        .render(ConfigRenderOptions.concise().setFormatted(true));
    return new TrainConfig(seed, data, steps, batchSize, lr, warmupSteps, schedule, minLrRatio,
        weightDecay, decayEmbeddings, beta1, beta2, eps, gradClip, checkpointEvery, logEvery,
        maxLength, temperature, taskStringDropout, shareHardNegatives, gradCacheChunk,
        collectiveTimeoutSeconds, allreduceOverlap, allreduceBf16, mediaLrScale, frozen,
        matryoshkaDims,
        matryoshkaWeights, newTasks,
        withMix);
  }

  private static void check(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }
}
