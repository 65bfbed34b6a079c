package io.omniembed.jobs;

import io.omniembed.config.MediaSpec;
import io.omniembed.config.TaskConfig;
import io.omniembed.config.TrainConfig;
import io.omniembed.io.HadoopConf;
import io.omniembed.io.HadoopFiles;
import io.omniembed.model.layer.Backend;
import io.omniembed.pipeline.BarrierTraining;
import io.omniembed.pipeline.GpuScheduling;
import io.omniembed.pipeline.TrainingData;
import io.omniembed.train.Replica;
import io.omniembed.train.RunConfig;
import io.omniembed.train.TaskMix;
import java.util.ArrayList;
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
        + " masking, Matryoshka dimensions), every batch from one task; distill-* tasks take the"
        + " MSE to a teacher's vectors, lit-* tasks the NCE of media against a frozen text"
        + " teacher's vectors (train.frozen).",
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

  @Option(names = "--device", paramLabel = "D", defaultValue = "cpu",
      description = "cpu, or cuda: each worker trains on a GPU of its own, which Spark"
          + " assigns (spark.executor.resource.gpu.amount=1, spark.task.resource.gpu.amount=1,"
          + " discovery by conf/gpu-discovery.sh unless"
          + " spark.executor.resource.gpu.discoveryScript is given); a jar built with -Pcuda."
          + " Default: ${DEFAULT-VALUE}.")
  String device;

  @Option(names = "--resume", description = "Continue from the latest OUT/step-N checkpoint."
      + " The seed, data, task mix and step count must be those of OUT/train.conf.")
  boolean resume;

  @Option(names = "--allow-config-change", description = "With --resume: continue even though"
      + " the seed, data, task mix or step count differ from OUT/train.conf.")
  boolean allowConfigChange;

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
    if (allowConfigChange && !resume) {
      throw new IllegalArgumentException("--allow-config-change goes with --resume");
    }
    Backend backend = backend(device);
    Map<String, String> gpuSettings = backend == Backend.CUDA
        ? GpuScheduling.settings(spark.master(), workers, spark.given(),
            System.getenv("OMNIEMBED_HOME"))
        : Map.of();
    SparkSession session = spark.session("train", gpuSettings);
    Configuration conf = session.sparkContext().hadoopConfiguration();
    String stageText = config == null ? null : HadoopFiles.readString(config, conf);
    TrainConfig cfg = TrainConfig.resolve(stageText, config, sets, data);
    String resumeFrom = Replica.start(out, init, resume, conf);
    BarrierTraining.checkSlots(session.sparkContext().master(), workers);
    if (backend == Backend.CUDA) {
      GpuScheduling.awaitGpus(session.sparkContext(), workers);
    }
    MediaSpec mediaSpec = media == null ? null : MediaSpec.load(media,
        path -> HadoopFiles.readString(path, conf));
    if (resumeFrom == null) {
      Replica.checkMedia(new Replica.Spec(cfg, init, out, mediaSpec), conf);
    }

    TrainingData.Scan scan = TrainingData.scan(session, cfg.data());
    cfg = cfg.withTasks(TaskMix.resolve(cfg, scan.perTask(), workers));
    Replica.checkLockedText(new Replica.Spec(cfg, init, out, mediaSpec), resumeFrom, conf);
    RunConfig.record(out, cfg, resumeFrom != null, allowConfigChange, conf);
    List<TaskConfig> tasks = new ArrayList<>(cfg.tasks().values());
    TrainingData.Plan plan = TrainingData.plan(scan, tasks, cfg.seed(), cfg.steps(), workers);
    LOG.info("train: {} steps on {} worker(s), tasks {} (examples {}), from {}", cfg.steps(),
        workers, cfg.tasks().keySet(), scan.perTask(),
        resumeFrom != null ? resumeFrom : init);
    BarrierTraining.Job job = new BarrierTraining.Job(
        new Replica.Spec(cfg, init, out, mediaSpec), workers, new HadoopConf(conf), backend);
    BarrierTraining.Result result = BarrierTraining.run(TrainingData.shard(scan, plan), job);
    System.out.printf("train: %d steps done on %d worker(s)%s, final loss %.4f -> %s/final%n",
        cfg.steps(), workers, backend == Backend.CUDA ? " " + result.devices() : "",
        result.loss(), out);
    return 0;
  }

  /**
   * The backend of {@code --device}, refused before any Spark work when this jar lacks it: the
   * driver looks at its classpath only, since it may have no GPU itself.
   */
  static Backend backend(String device) {
    Backend b = switch (device) {
      case "cpu" -> Backend.CPU;
      case "cuda" -> Backend.CUDA;
      default -> throw new IllegalArgumentException("--device takes cpu or cuda, not '" + device
          + "'");
    };
    if (b == Backend.CUDA && !Backend.cudaBuilt()) {
      throw new IllegalArgumentException("--device cuda needs ND4J's CUDA backend, and this jar"
          + " was built without it: build with mvn package -Pcuda");
    }
    return b;
  }
}
