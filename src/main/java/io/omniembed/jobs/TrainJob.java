package io.omniembed.jobs;

import io.omniembed.config.ModelConfig;
import io.omniembed.config.TaskConfig;
import io.omniembed.config.TrainConfig;
import io.omniembed.data.TrainingExample;
import io.omniembed.data.text.TextTokenizer;
import io.omniembed.io.HadoopFiles;
import io.omniembed.io.TrainingData;
import io.omniembed.model.Checkpoint;
import io.omniembed.model.Encoder;
import io.omniembed.model.MiniLmImport;
import io.omniembed.model.ModelSpec;
import io.omniembed.train.AdamW;
import io.omniembed.train.TokenizedExample;
import io.omniembed.train.TrainingRun;
import io.omniembed.train.TrainingState;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code train}: contrastive training of the encoder on one worker. */
@Command(name = "train", mixinStandardHelpOptions = true,
    description = {"Train the encoder with the NCE loss (in-batch and hard negatives, duplicate"
        + " masking, Matryoshka dimensions), every batch from one task.",
        "Writes OUT/train.conf (the resolved config), OUT/step-N/ checkpoints, OUT/final/ and"
            + " OUT/metrics.jsonl."})
public final class TrainJob implements Callable<Integer> {

  private static final Logger LOG = LoggerFactory.getLogger(TrainJob.class);

  @Option(names = "--config", paramLabel = "FILE.conf",
      description = "Stage config (for example conf/train/pft.conf); defaults apply without one.")
  String config;

  @Option(names = "--data", paramLabel = "PATH",
      description = "Training pairs/triplets (JSONL or Parquet): task, query, positive,"
          + " negatives. Overrides the config's data.")
  String data;

  @Option(names = "--init", paramLabel = "M",
      description = "Start from a checkpoint, pretrained:all-MiniLM-L6-v2 or random:PRESET"
          + " (tiny, small, minilm-l6). Not needed with --resume.")
  String init;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory.")
  String out;

  @Option(names = "--workers", defaultValue = "1", paramLabel = "W",
      description = "Data-parallel workers (default: ${DEFAULT-VALUE}).")
  int workers;

  @Option(names = "--resume", description = "Continue from the latest OUT/step-N checkpoint.")
  boolean resume;

  @Option(names = "--set", paramLabel = "KEY=VALUE",
      description = "Override a config key (train.steps, train.batch_size, train.lr, seed, ...);"
          + " repeatable.")
  List<String> sets = new ArrayList<>();

  @Mixin
  SparkOptions spark;

  @Override
  public Integer call() throws Exception {
    if (config == null && data == null) {
      throw new IllegalArgumentException("give --config FILE.conf or --data PATH");
    }
    if (workers != 1) {
      throw new IllegalArgumentException("--workers " + workers + ": this version trains on one"
          + " worker");
    }
    SparkSession session = spark.session("train");
    Configuration conf = session.sparkContext().hadoopConfiguration();
    String stageText = config == null ? null : HadoopFiles.readString(config, conf);
    TrainConfig cfg = TrainConfig.resolve(stageText, config, sets, data);

    String resumeFrom = null;
    if (resume) {
      resumeFrom = TrainingState.latest(out, conf);
      if (resumeFrom == null && init == null) {
        throw new IllegalArgumentException("--resume: no checkpoint under " + out + " and no"
            + " --init to start from");
      }
    } else {
      if (init == null) {
        throw new IllegalArgumentException("--init is required (a checkpoint, pretrained:"
            + MiniLmImport.NAME + " or random:PRESET)");
      }
      Path p = new Path(out);
      FileSystem fs = HadoopFiles.fs(out, conf);
      if (fs.exists(p) && fs.listStatus(p).length > 0) {
        throw new IllegalArgumentException("output " + out + " already exists and is not empty;"
            + " use --resume to continue it, or choose another --out");
      }
    }

    Checkpoint.Loaded start = resumeFrom != null ? Checkpoint.load(resumeFrom, conf)
        : initial(init, cfg.seed(), conf);
    Encoder encoder = start.encoder();
    TextTokenizer tokenizer = TextTokenizer.fromJson(start.tokenizerJson());
    int maxLength = Math.min(cfg.maxLength(), encoder.config().maxPositions());

    Map<String, List<TrainingExample>> examples = TrainingData.read(session, cfg.data());
    cfg = cfg.withTasks(mix(cfg, examples));
    Map<String, List<TokenizedExample>> pools = new LinkedHashMap<>();
    for (TaskConfig t : cfg.tasks().values()) {
      List<TokenizedExample> pool = new ArrayList<>();
      for (TrainingExample e : examples.get(t.name())) {
        pool.add(TokenizedExample.of(e, t.taskString(), tokenizer, maxLength));
      }
      pools.put(t.name(), pool);
    }
    HadoopFiles.writeString(HadoopFiles.child(out, "train.conf"), cfg.render(), conf);

    AdamW optimizer = new AdamW(encoder.store(), cfg.beta1(), cfg.beta2(), cfg.eps(),
        cfg.weightDecay());
    int from = 0;
    List<String> metrics = new ArrayList<>();
    if (resumeFrom != null) {
      TrainingState.Position pos = TrainingState.read(resumeFrom, conf);
      optimizer.restore(pos.firstMoment(), pos.secondMoment(), pos.optimizerSteps());
      from = pos.step();
      metrics = previousMetrics(conf, from);
      LOG.info("train: resuming from {} (step {})", resumeFrom, from);
    }
    LOG.info("train: {} steps, tasks {}, model {} ({} parameters)", cfg.steps(),
        cfg.tasks().keySet(), start.modelId(), encoder.store().size());
    String modelId = HadoopFiles.child(out, "final");
    new TrainingRun(cfg, encoder, start.tokenizerJson(), modelId, out, conf,
        io.omniembed.train.dist.Collective.single())
        .run(from, optimizer, metrics, TrainingRun.fromPools(cfg, pools, from, 0, 1));
    System.out.printf("train: %d steps done -> %s/final%n", cfg.steps(), out);
    return 0;
  }

  private static Checkpoint.Loaded initial(String init, long seed, Configuration conf)
      throws java.io.IOException {
    ModelSpec spec = ModelSpec.parse(init);
    if (spec instanceof ModelSpec.Pretrained) {
      Encoder e = MiniLmImport.load();
      return new Checkpoint.Loaded(e, TextTokenizer.readBundled(), spec.id(),
          Checkpoint.hash(e.store()));
    }
    if (spec instanceof ModelSpec.Random r) {
      Encoder e = Encoder.randomInit(ModelConfig.preset(r.preset()), seed);
      return new Checkpoint.Loaded(e, TextTokenizer.readBundled(), spec.id(),
          Checkpoint.hash(e.store()));
    }
    if (spec instanceof ModelSpec.CheckpointDir c) {
      try {
        return Checkpoint.load(c.path(), conf);
      } catch (java.io.FileNotFoundException e) {
        throw new IllegalArgumentException("--init " + e.getMessage(), e);
      }
    }
    throw new IllegalArgumentException("--init " + init + ": not a model to train (give a"
        + " checkpoint, pretrained:" + MiniLmImport.NAME + " or random:PRESET)");
  }

  /** The task mix: the config's tasks (each must be in the data), or every task in the data. */
  static Map<String, TaskConfig> mix(TrainConfig cfg, Map<String, List<TrainingExample>> data) {
    Map<String, TaskConfig> tasks = new LinkedHashMap<>();
    if (cfg.tasks().isEmpty()) {
      for (String name : data.keySet()) {
        tasks.put(name, new TaskConfig(name, TaskConfig.defaultTaskString(name), 1.0,
            cfg.batchSize()));
      }
    } else {
      for (TaskConfig t : cfg.tasks().values()) {
        if (!data.containsKey(t.name())) {
          throw new IllegalArgumentException("unknown task '" + t.name() + "' in the config: the"
              + " data has tasks " + data.keySet());
        }
        tasks.put(t.name(), t);
      }
    }
    for (TaskConfig t : tasks.values()) {
      int n = data.get(t.name()).size();
      if (t.batchSize() > n) {
        throw new IllegalArgumentException("task '" + t.name() + "' has " + n + " examples,"
            + " fewer than its batch size " + t.batchSize());
      }
    }
    return tasks;
  }

  private List<String> previousMetrics(Configuration conf, int upTo) throws java.io.IOException {
    String path = HadoopFiles.child(out, "metrics.jsonl");
    List<String> kept = new ArrayList<>();
    if (!HadoopFiles.exists(path, conf)) {
      return kept;
    }
    var json = new com.fasterxml.jackson.databind.ObjectMapper();
    for (String line : HadoopFiles.readString(path, conf).split("\n")) {
      if (!line.isBlank() && json.readTree(line).path("step").asInt() <= upTo) {
        kept.add(line);
      }
    }
    return kept;
  }
}
