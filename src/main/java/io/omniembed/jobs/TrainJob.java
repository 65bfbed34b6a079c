package io.omniembed.jobs;

import io.omniembed.train.Replica;

import io.omniembed.config.MediaSpec;
import io.omniembed.config.ModelConfig;
import io.omniembed.io.Models;
import io.omniembed.config.TaskConfig;
import io.omniembed.config.TrainConfig;
import io.omniembed.io.HadoopConf;
import io.omniembed.io.HadoopFiles;
import io.omniembed.pipeline.TrainingData;
import io.omniembed.io.Checkpoint;
import io.omniembed.model.MiniLmImport;
import io.omniembed.model.ModelSpec;
import io.omniembed.train.TrainingState;
import io.omniembed.pipeline.BarrierTraining;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code train}: contrastive training of the encoder on W data-parallel workers, one Spark barrier
 * stage ({@link BarrierTraining}); W = 1 runs the same path.
 */
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
      description = "Start from a checkpoint, hf:PATH (a Hugging Face encoder folder),"
          + " pretrained:all-MiniLM-L6-v2 or random:PRESET (tiny, small, minilm-l6). Not needed"
          + " with --resume.")
  String init;

  @Option(names = "--media", paramLabel = "PRESET|FILE.conf",
      description = "Add image, audio and video towers to a text model (--init): a media preset"
          + " (default, tiny) or a HOCON file of media settings. The text path is kept as it"
          + " is; the towers start from the seed.")
  String media;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory.")
  String out;

  @Option(names = "--workers", defaultValue = "1", paramLabel = "W",
      description = "Data-parallel workers: barrier tasks that each hold a model replica and"
          + " encode their share of every global batch (default: ${DEFAULT-VALUE}).")
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
    if (workers < 1) {
      throw new IllegalArgumentException("--workers must be >= 1, got " + workers);
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
        throw new IllegalArgumentException("--init is required (a checkpoint, hf:PATH,"
            + " pretrained:" + MiniLmImport.NAME + " or random:PRESET)");
      }
      HadoopFiles.requireEmptyOutput(out, conf,
          "use --resume to continue it, or choose another --out");
    }
    if (resumeFrom == null) {
      checkInit(init, conf);
    }
    checkSlots(session, workers);

    TrainingData.Scan scan = TrainingData.scan(session, cfg.data());
    cfg = cfg.withTasks(mix(cfg, scan.perTask(), workers));
    HadoopFiles.writeString(HadoopFiles.child(out, "train.conf"), cfg.render(), conf);
    List<TaskConfig> tasks = new ArrayList<>(cfg.tasks().values());
    TrainingData.Plan plan = TrainingData.plan(scan, tasks, cfg.seed(), cfg.steps(), workers);
    LOG.info("train: {} steps on {} worker(s), tasks {} (examples {}), from {}", cfg.steps(),
        workers, cfg.tasks().keySet(), scan.perTask(),
        resumeFrom != null ? resumeFrom : init);
    MediaSpec mediaSpec = media == null ? null : MediaSpec.load(media,
        path -> HadoopFiles.readString(path, conf));
    if (mediaSpec != null && resumeFrom == null) {
      Replica.withMedia(Models.trainable(init, cfg.seed(), conf).encoder(), mediaSpec,
          cfg.seed(), init);   // fails here, before any Spark work, if the model has others
    }
    BarrierTraining.Job job = new BarrierTraining.Job(
        new Replica.Spec(cfg, init, out, mediaSpec), workers, new HadoopConf(conf));
    double loss = BarrierTraining.run(TrainingData.shard(scan, plan), job);
    System.out.printf("train: %d steps done on %d worker(s), final loss %.4f -> %s/final%n",
        cfg.steps(), workers, loss, out);
    return 0;
  }

  /** Fails fast on an --init that cannot load, before any Spark work. */
  private static void checkInit(String init, Configuration conf) throws java.io.IOException {
    ModelSpec spec = ModelSpec.parse(init, ModelSpec.Use.INIT);
    if (spec instanceof ModelSpec.Random r) {
      ModelConfig.preset(r.preset());
    } else if (spec instanceof ModelSpec.CheckpointDir c) {
      if (!HadoopFiles.exists(HadoopFiles.child(c.path(), Checkpoint.MANIFEST_FILE), conf)) {
        throw new IllegalArgumentException("--init " + c.path() + ": not a checkpoint (no "
            + Checkpoint.MANIFEST_FILE + ")");
      }
    } else if (spec instanceof ModelSpec.Hf) {
      Models.trainable(init, 0, conf);   // the whole import checked here, before any Spark work
    } else if (!(spec instanceof ModelSpec.Pretrained)) {
      throw new IllegalArgumentException("--init " + init + ": not a model to train (give a"
          + " checkpoint, hf:PATH, pretrained:" + MiniLmImport.NAME + " or random:PRESET)");
    }
  }

  private static final java.util.regex.Pattern LOCAL =
      java.util.regex.Pattern.compile("local\\[(\\*|\\d+)(,\\s*\\d+)?]");
  private static final java.util.regex.Pattern LOCAL_CLUSTER =
      java.util.regex.Pattern.compile("local-cluster\\[(\\d+),\\s*(\\d+),.*]");

  /**
   * A barrier stage needs all W tasks running at once: on local masters, say so before Spark
   * would wait for slots that never come.
   */
  private static void checkSlots(SparkSession session, int workers) {
    String master = session.sparkContext().master();
    java.util.regex.Matcher local = LOCAL.matcher(master);
    java.util.regex.Matcher cluster = LOCAL_CLUSTER.matcher(master);
    int slots;
    if (master.equals("local")) {
      slots = 1;
    } else if (local.matches()) {
      slots = local.group(1).equals("*") ? Runtime.getRuntime().availableProcessors()
          : Integer.parseInt(local.group(1));
    } else if (cluster.matches()) {
      slots = Integer.parseInt(cluster.group(1)) * Integer.parseInt(cluster.group(2));
    } else {
      return;   // a cluster manager: Spark checks the barrier stage's slots itself
    }
    if (workers > slots) {
      throw new IllegalArgumentException("--workers " + workers + " needs " + workers + " task"
          + " slots at once; master " + master + " has " + slots);
    }
  }

  /** The task mix: the config's tasks (each must be in the data), or every task in the data. */
  static Map<String, TaskConfig> mix(TrainConfig cfg, Map<String, Long> data, int workers) {
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
      long n = data.get(t.name());
      if (t.batchSize() > n) {
        throw new IllegalArgumentException("task '" + t.name() + "' has " + n + " examples,"
            + " fewer than its batch size " + t.batchSize());
      }
      if (t.batchSize() < workers) {
        throw new IllegalArgumentException("task '" + t.name() + "' has batch size "
            + t.batchSize() + ", smaller than --workers " + workers + " (every worker needs at"
            + " least one example of every batch)");
      }
    }
    return tasks;
  }
}
