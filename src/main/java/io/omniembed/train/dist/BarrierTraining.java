package io.omniembed.train.dist;

import io.omniembed.config.TaskConfig;
import io.omniembed.config.TrainConfig;
import io.omniembed.data.TrainingExample;
import io.omniembed.data.text.TextTokenizer;
import io.omniembed.io.HadoopConf;
import io.omniembed.io.HadoopFiles;
import io.omniembed.io.TrainingData;
import io.omniembed.model.Checkpoint;
import io.omniembed.model.Encoder;
import io.omniembed.model.Models;
import io.omniembed.train.AdamW;
import io.omniembed.train.BatchSchedule;
import io.omniembed.train.StepRows;
import io.omniembed.train.TokenizedExample;
import io.omniembed.config.MediaSpec;
import io.omniembed.data.Seeds;
import io.omniembed.model.ItemSequencer;
import io.omniembed.data.media.MediaSource;
import io.omniembed.train.TrainingRun;
import io.omniembed.train.TrainingState;
import io.omniembed.train.TrainingStopped;
import java.io.IOException;
import java.io.Serializable;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Function1;
import scala.Tuple2;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag$;

/**
 * Training as one Spark barrier stage of W tasks, one model replica per task. Each task:
 * <ol>
 *   <li>listens on a TCP port and exchanges {@code host:port} with the others through
 *       {@link BarrierTaskContext#allGather}; task 0 also announces the step to start from — the
 *       latest complete checkpoint under OUT, or 0 — so every replica starts from the same
 *       state;</li>
 *   <li>joins the {@link TcpCollective} ring, loads that state (or {@code --init}), and streams its
 *       partition, which holds exactly its rows of every global batch in step order
 *       ({@link TrainingData#shard});</li>
 *   <li>runs the {@link TrainingRun} loop; task 0 writes checkpoints and metrics.</li>
 * </ol>
 * If a task or its executor dies, its peers' collectives fail, Spark fails the stage and runs it
 * again, and step 1 resumes every replica from the last checkpoint: no manual step. Errors that a
 * retry cannot fix (a non-finite loss, inconsistent rows) are returned to the driver as results
 * instead, so the job stops at once with their message.
 */
public final class BarrierTraining {

  private static final Logger LOG = LoggerFactory.getLogger(BarrierTraining.class);
  private static final String OK = "ok ";
  private static final String ERROR = "error ";

  private BarrierTraining() {}

  /**
   * Everything a task needs, shipped in its closure. {@code media}, when set, adds media towers
   * (initialised from the seed) to a text-only {@code init} model.
   */
  public record Job(TrainConfig config, String init, String out, int workers, HadoopConf conf,
      MediaSpec media) implements Serializable {

    public Job(TrainConfig config, String init, String out, int workers, HadoopConf conf) {
      this(config, init, out, workers, conf, null);
    }
  }

  /**
   * Runs the stage over {@code shards} (W partitions from {@link TrainingData#shard}) and returns
   * the final loss; throws {@link TrainingStopped} with a task's message if training stopped.
   */
  public static double run(JavaPairRDD<Long, String> shards, Job job) {
    Function1<scala.collection.Iterator<Tuple2<Long, String>>, scala.collection.Iterator<String>>
        task = (Function1<scala.collection.Iterator<Tuple2<Long, String>>,
            scala.collection.Iterator<String>> & Serializable) rows ->
            CollectionConverters.asScala(work(CollectionConverters.asJava(rows), job));
    // The barrier stage must end in a shuffle: Spark retries a failed barrier stage only when it
    // is a shuffle-map stage ("Could not recover from a failed barrier ResultStage").
    List<String> results = JavaRDD.fromRDD(shards.rdd().barrier()
        .mapPartitions(task, false, ClassTag$.MODULE$.apply(String.class)),
        ClassTag$.MODULE$.apply(String.class)).coalesce(1, true).collect();
    double loss = Double.NaN;
    for (String r : results) {
      if (r.startsWith(ERROR)) {
        throw new TrainingStopped(r.substring(ERROR.length()));
      }
      loss = Double.parseDouble(r.substring(OK.length()));
    }
    return loss;
  }

  /** The body of one barrier task. */
  static Iterator<String> work(Iterator<Tuple2<Long, String>> rows, Job job) {
    BarrierTaskContext ctx = BarrierTaskContext.get();
    int rank = ctx.partitionId();
    Configuration conf = job.conf().get();
    try {
      ServerSocket server = TcpCollective.listen("0.0.0.0");
      String host = SparkEnv.get().blockManager().blockManagerId().host();
      String proposal = rank == 0 ? Integer.toString(resumeStep(job.out(), conf)) : "-";
      String[] all = ctx.allGather(host + ":" + server.getLocalPort() + " " + proposal);
      List<String> addresses = new ArrayList<>();
      for (String a : all) {
        addresses.add(a.substring(0, a.indexOf(' ')));
      }
      int from = Integer.parseInt(all[0].substring(all[0].indexOf(' ') + 1));
      long token = ((long) ctx.stageId() << 32) | ctx.stageAttemptNumber();
      if (rank == 0) {
        LOG.info("train: barrier stage {} attempt {}: {} workers at {}, starting after step {}",
            ctx.stageId(), ctx.stageAttemptNumber(), addresses.size(), addresses, from);
      }
      try (Collective c = TcpCollective.connect(rank, addresses, server, token,
          job.config().collectiveTimeoutSeconds() * 1000)) {
        return List.of(OK + train(rows, job, c, from, conf)).iterator();
      }
    } catch (TrainingStopped | IllegalArgumentException e) {
      return List.of(ERROR + e.getMessage()).iterator();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** The step to start after: that of the latest complete checkpoint under {@code out}, or 0. */
  static int resumeStep(String out, Configuration conf) throws IOException {
    String latest = TrainingState.latest(out, conf);
    return latest == null ? 0 : TrainingState.read(latest, conf).step();
  }

  /**
   * Loads the replica at step {@code from} and trains it to the end; returns the last loss.
   * Also the single-process path's body, with {@link Collective#single()}.
   */
  public static double train(Iterator<Tuple2<Long, String>> rows, Job job, Collective c,
      int from, Configuration conf) throws IOException {
    TrainConfig cfg = job.config();
    Checkpoint.Loaded start = from > 0
        ? Checkpoint.load(HadoopFiles.child(job.out(), "step-" + from), conf)
        : Models.trainable(job.init(), cfg.seed(), conf);
    Encoder encoder = start.encoder();
    if (from == 0 && job.media() != null) {
      encoder = withMedia(encoder, job.media(), cfg.seed(), job.init());
    }
    AdamW optimizer = new AdamW(encoder.store(), cfg.beta1(), cfg.beta2(), cfg.eps(),
        cfg.weightDecay());
    if (encoder.config().hasMedia()) {
      optimizer.scaleTail(encoder.store().slot("media.image.weight").offset(),
          cfg.mediaLrScale());
    }
    List<String> metrics = new ArrayList<>();
    if (from > 0) {
      TrainingState.Position pos = TrainingState.read(HadoopFiles.child(job.out(),
          "step-" + from), conf);
      optimizer.restore(pos.firstMoment(), pos.secondMoment(), pos.optimizerSteps());
      if (c.rank() == 0) {
        metrics = previousMetrics(job.out(), from, conf);
      }
    }
    TextTokenizer tokenizer = TextTokenizer.fromJson(start.tokenizerJson());
    int maxLength = Math.min(cfg.maxLength(), encoder.config().maxPositions());
    ItemSequencer sequencer = new ItemSequencer(tokenizer, encoder.config().media(),
        job.init(), maxLength, encoder.config().maxPositions());
    Iterator<StepRows> batches = stepRows(rows, cfg, c.rank(), c.size(), from, sequencer, conf);
    return new TrainingRun(cfg, encoder, start.tokenizerJson(), HadoopFiles.child(job.out(),
        "final"), job.out(), conf, c).run(from, optimizer, metrics, batches);
  }

  /**
   * {@code encoder} with the media towers of {@code media}: added to a text-only model, kept when
   * the model already has exactly these, refused when it has others.
   */
  public static Encoder withMedia(Encoder encoder, MediaSpec media, long seed, String init) {
    MediaSpec has = encoder.config().media();
    if (has == null) {
      return encoder.withMedia(media, Seeds.mix(seed, 0x6d65646961L));
    }
    if (!has.equals(media)) {
      throw new IllegalArgumentException("--media: model " + init + " already has media towers"
          + " with other settings (" + has + "); leave --media out to keep them");
    }
    return encoder;
  }

  /**
   * Groups a worker's sorted rows {@code (key, record)} into {@link StepRows}, skipping steps up
   * to {@code from} and tokenising as it goes; checks that every step holds exactly this worker's
   * slots of one task.
   */
  public static Iterator<StepRows> stepRows(Iterator<Tuple2<Long, String>> rows, TrainConfig cfg,
      int rank, int workers, int from, ItemSequencer sequencer, Configuration conf) {
    long maxBytes = sequencer.media() == null ? Long.MAX_VALUE
        : sequencer.media().maxMediaBytes();
    return new Iterator<>() {
      Tuple2<Long, String> pending = advance();

      private Tuple2<Long, String> advance() {
        while (rows.hasNext()) {
          Tuple2<Long, String> r = rows.next();
          if (TrainingData.Plan.step(r._1()) > from) {
            return r;
          }
        }
        return null;
      }

      @Override
      public boolean hasNext() {
        return pending != null;
      }

      @Override
      public StepRows next() {
        if (pending == null) {
          throw new NoSuchElementException();
        }
        int step = TrainingData.Plan.step(pending._1());
        String task = null;
        List<TokenizedExample> examples = new ArrayList<>();
        int offset = -1;
        int batch = 0;
        while (pending != null && TrainingData.Plan.step(pending._1()) == step) {
          String source = TrainingData.source(pending._2());
          TrainingExample e = TrainingExample.parse(TrainingData.record(pending._2()));
          if (task == null) {
            task = e.task();
            TaskConfig t = cfg.tasks().get(task);
            batch = t.batchSize();
            offset = BatchSchedule.shareStart(batch, workers, rank);
          } else if (!task.equals(e.task())) {
            throw new TrainingStopped("worker " + rank + ": step " + step + " mixes tasks "
                + task + " and " + e.task());
          }
          int slot = TrainingData.Plan.slot(pending._1());
          if (slot != offset + examples.size()) {
            throw new TrainingStopped("worker " + rank + ": step " + step + " expected slot "
                + (offset + examples.size()) + ", got " + slot);
          }
          examples.add(TokenizedExample.of(e, cfg.tasks().get(task).taskString(), sequencer,
              part -> MediaSource.read(part, source, conf, maxBytes)));
          pending = advance();
        }
        int expected = BatchSchedule.shareStart(batch, workers, rank + 1) - offset;
        if (examples.size() != expected) {
          throw new TrainingStopped("worker " + rank + ": step " + step + " has "
              + examples.size() + " rows, expected " + expected);
        }
        return new StepRows(step, task, offset, batch, examples);
      }
    };
  }

  private static List<String> previousMetrics(String out, int upTo, Configuration conf)
      throws IOException {
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
