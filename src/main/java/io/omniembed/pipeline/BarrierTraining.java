package io.omniembed.pipeline;

import io.omniembed.train.Replica;
import io.omniembed.train.ScheduledExample;
import io.omniembed.io.SourcedRecord;

import io.omniembed.train.collective.Collective;
import io.omniembed.train.collective.TcpCollective;

import io.omniembed.config.TaskConfig;
import io.omniembed.config.TrainConfig;
import io.omniembed.data.TrainingExample;
import io.omniembed.data.text.TextTokenizer;
import io.omniembed.io.HadoopConf;
import io.omniembed.io.HadoopFiles;
import io.omniembed.io.Checkpoint;
import io.omniembed.model.Encoder;
import io.omniembed.model.layer.Backend;
import io.omniembed.io.Models;
import io.omniembed.train.AdamW;
import io.omniembed.train.BatchSchedule;
import io.omniembed.train.StepRows;
import io.omniembed.train.TokenizedExample;
import io.omniembed.config.MediaSpec;
import io.omniembed.data.Seeds;
import io.omniembed.model.ItemSequencer;
import io.omniembed.io.MediaSource;
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
 *   <li>puts its ND4J on its device: the CPU, or with {@code --device cuda} the GPU Spark
 *       assigned the task ({@link GpuScheduling});</li>
 *   <li>listens on a TCP port and exchanges {@code host:port} with the others through
 *       {@link BarrierTaskContext#allGather}; task 0 also announces the step to start from — the
 *       latest complete checkpoint under OUT, or 0 — so every replica starts from the same
 *       state;</li>
 *   <li>joins the {@link TcpCollective} ring, loads that state (or {@code --init}), and streams its
 *       partition, which holds exactly its rows of every global batch in step order
 *       ({@link TrainingData#shard});</li>
 *   <li>trains its {@link Replica}; task 0 writes checkpoints and metrics.</li>
 * </ol>
 * If a task or its executor dies, its peers' collectives fail, Spark fails the stage and runs it
 * again, and step 1 resumes every replica from the last checkpoint: no manual step. Errors that a
 * retry cannot fix (a non-finite loss, inconsistent rows, a row whose media cannot be read or
 * decoded) stop every worker alike — the workers share whether their rows of a step are usable
 * before computing it — and are returned to the driver as results instead of task failures, so
 * the job stops at once, with their message, and the stage is not retried.
 */
public final class BarrierTraining {

  private static final Logger LOG = LoggerFactory.getLogger(BarrierTraining.class);
  private static final String OK = "ok ";
  private static final String ERROR = "error ";

  private BarrierTraining() {}

  /**
   * Everything a task needs, shipped in its closure. {@code device}: where the replicas run, the
   * CPU or, with {@link Backend#CUDA}, the GPU Spark assigned each task ({@link GpuScheduling}).
   */
  public record Job(Replica.Spec replica, int workers, HadoopConf conf, Backend device)
      implements Serializable {}

  /** The final loss, and each worker's device in rank order ("cpu", "cuda:1"). */
  public record Result(double loss, List<String> devices) {}

  private static final java.util.regex.Pattern LOCAL =
      java.util.regex.Pattern.compile("local\\[(\\*|\\d+)(,\\s*\\d+)?]");
  private static final java.util.regex.Pattern LOCAL_CLUSTER =
      java.util.regex.Pattern.compile("local-cluster\\[(\\d+),\\s*(\\d+),.*]");

  /**
   * The stage needs all W tasks running at once: on local masters, says so before Spark would
   * wait for slots that never come. A cluster manager checks the slots of a barrier stage itself.
   */
  public static void checkSlots(String master, int workers) {
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
      return;
    }
    if (workers > slots) {
      throw new IllegalArgumentException("--workers " + workers + " needs " + workers + " task"
          + " slots at once; master " + master + " has " + slots);
    }
  }

  /**
   * Runs the stage over {@code shards} (W partitions from {@link TrainingData#shard}) and returns
   * the final loss and the workers' devices; throws {@link TrainingStopped} with a task's message
   * if training stopped.
   */
  public static Result run(JavaPairRDD<Long, SourcedRecord> shards, Job job) {
    Function1<scala.collection.Iterator<Tuple2<Long, SourcedRecord>>, scala.collection.Iterator<String>>
        task = (Function1<scala.collection.Iterator<Tuple2<Long, SourcedRecord>>,
            scala.collection.Iterator<String>> & Serializable) rows ->
            CollectionConverters.asScala(work(CollectionConverters.asJava(rows), job));
    // The barrier stage must end in a shuffle: Spark retries a failed barrier stage only when it
    // is a shuffle-map stage ("Could not recover from a failed barrier ResultStage").
    List<String> results = JavaRDD.fromRDD(shards.rdd().barrier()
        .mapPartitions(task, false, ClassTag$.MODULE$.apply(String.class)),
        ClassTag$.MODULE$.apply(String.class)).coalesce(1, true).collect();
    double loss = Double.NaN;
    String[] devices = new String[job.workers()];
    for (String r : results) {
      if (r.startsWith(ERROR)) {
        throw new TrainingStopped(r.substring(ERROR.length()));
      }
      String[] f = r.substring(OK.length()).split(" ");   // rank, device, loss
      devices[Integer.parseInt(f[0])] = f[1];
      loss = Double.parseDouble(f[2]);
    }
    return new Result(loss, List.of(devices));
  }

  /** The body of one barrier task. */
  static Iterator<String> work(Iterator<Tuple2<Long, SourcedRecord>> rows, Job job) {
    BarrierTaskContext ctx = BarrierTaskContext.get();
    int rank = ctx.partitionId();
    Configuration conf = job.conf().get();
    try {
      String device = useDevice(ctx, job.device());
      ServerSocket server = TcpCollective.listen("0.0.0.0");
      String host = SparkEnv.get().blockManager().blockManagerId().host();
      String proposal = rank == 0 ? Integer.toString(Replica.resumeStep(job.replica().out(), conf)) : "-";
      String[] all = ctx.allGather(host + ":" + server.getLocalPort() + " " + proposal + " "
          + device);
      List<String> addresses = new ArrayList<>();
      List<String> devices = new ArrayList<>();
      for (String a : all) {
        String[] f = a.split(" ");                           // host:port, proposal, device
        addresses.add(f[0]);
        devices.add(f[2]);
      }
      int from = Integer.parseInt(all[0].split(" ")[1]);
      long token = ((long) ctx.stageId() << 32) | ctx.stageAttemptNumber();
      if (rank == 0) {
        LOG.info("train: barrier stage {} attempt {}: {} workers at {} on {}, starting after"
            + " step {}", ctx.stageId(), ctx.stageAttemptNumber(), addresses.size(), addresses,
            devices, from);
      }
      try (Collective c = TcpCollective.connect(rank, addresses, server, token,
          job.replica().config().collectiveTimeoutSeconds() * 1000)) {
        Iterator<ScheduledExample> mine = new Iterator<>() {
          @Override
          public boolean hasNext() {
            return rows.hasNext();
          }

          @Override
          public ScheduledExample next() {
            Tuple2<Long, SourcedRecord> r = rows.next();
            return new ScheduledExample(TrainingData.Plan.step(r._1()),
                TrainingData.Plan.slot(r._1()), r._2());
          }
        };
        double loss = Replica.train(mine, job.replica(), c, from, conf);
        return List.of(OK + rank + " " + device + " " + loss).iterator();
      }
    } catch (TrainingStopped | IllegalArgumentException e) {
      return List.of(ERROR + e.getMessage()).iterator();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * Puts this task's ND4J on its device before anything allocates an array: on CUDA, the GPU
   * Spark assigned the task ({@link GpuScheduling#assignedGpu}). Returns the device's name for
   * the log and the driver's summary ("cpu", "cuda:1").
   */
  private static String useDevice(BarrierTaskContext ctx, Backend device) {
    if (device == Backend.CPU) {
      return "cpu";
    }
    int gpu = GpuScheduling.assignedGpu(ctx);
    Backend.useGpu(gpu);
    LOG.info("train: worker {} on GPU {}", ctx.partitionId(), gpu);
    return "cuda:" + gpu;
  }
}
