package io.omniembed.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omniembed.config.TaskConfig;
import io.omniembed.config.TrainConfig;
import io.omniembed.data.TrainingExample;
import io.omniembed.io.HadoopFiles;
import io.omniembed.loss.InBatchNceLoss;
import io.omniembed.io.Checkpoint;
import io.omniembed.model.Encoder;
import io.omniembed.model.ModelCard;
import io.omniembed.train.collective.Collective;
import io.omniembed.train.collective.WireFormat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.hadoop.conf.Configuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The training loop on one worker of W: for each step, this worker's {@link StepRows}, the
 * {@link ContrastiveStep} — or the {@link DistillationStep} for a batch of a {@code distill-*}
 * task — (gradients summed over the workers), the frozen parameters' gradients dropped
 * ({@code train.frozen}, {@link ParamGroups#dropFrozen}), gradient clipping, the learning
 * rate of the schedule and an AdamW update — the same update on every worker, so the replicas
 * stay identical. Worker 0 writes metrics to {@code OUT/metrics.jsonl} and the log, and
 * checkpoints to {@code OUT/step-N/} every {@code checkpoint_every} steps and at the end, the last
 * also as {@code OUT/final/}.
 */
public final class TrainingRun {

  private static final Logger LOG = LoggerFactory.getLogger(TrainingRun.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final TrainConfig config;
  private final Encoder encoder;
  private final byte[] tokenizerJson;
  private final ModelCard card;
  private final String modelId;
  private final String out;
  private final Configuration conf;
  private final Collective collective;

  public TrainingRun(TrainConfig config, Encoder encoder, byte[] tokenizerJson, String modelId,
      String out, Configuration conf, Collective collective) {
    this(config, encoder, tokenizerJson, ModelCard.NONE, modelId, out, conf, collective);
  }

  /** A run whose checkpoints keep {@code card} (the prompts and notes of the starting model). */
  public TrainingRun(TrainConfig config, Encoder encoder, byte[] tokenizerJson, ModelCard card,
      String modelId, String out, Configuration conf, Collective collective) {
    this.config = config;
    this.encoder = encoder;
    this.tokenizerJson = tokenizerJson;
    this.card = card;
    this.modelId = modelId;
    this.out = out;
    this.conf = conf;
    this.collective = collective;
  }

  /** The loss of the run's Matryoshka dimensions and weights. */
  public static InBatchNceLoss loss(TrainConfig c, Encoder e) {
    List<Integer> dims = c.matryoshkaDims().isEmpty() ? e.config().matryoshkaDims()
        : c.matryoshkaDims();
    List<Double> weights = new ArrayList<>(c.matryoshkaWeights());
    while (weights.size() < dims.size()) {
      weights.add(1.0);
    }
    return new InBatchNceLoss(c.temperature(), dims, weights, c.shareHardNegatives());
  }

  /**
   * Runs steps {@code from + 1 .. steps}, taking each step's rows from {@code batches} (which
   * yields exactly those steps, in order); {@code optimizer} and {@code metrics} hold the state of
   * step {@code from}. Returns the last step's loss.
   */
  public double run(int from, AdamW optimizer, List<String> metrics, Iterator<StepRows> batches)
      throws IOException {
    boolean lead = collective.rank() == 0;
    ContrastiveStep step = new ContrastiveStep(encoder, loss(config, encoder),
        config.taskStringDropout(), config.seed(), config.gradCacheChunk(), collective,
        config.allreduceOverlap(), config.allreduceBf16() ? WireFormat.BF16 : WireFormat.FP32);
    DistillationStep distill = new DistillationStep(encoder, config.gradCacheChunk(), collective);
    boolean frozen = optimizer.groups().anyFrozen();
    String lastGood = from > 0 ? HadoopFiles.child(out, "step-" + from) : "none (no checkpoint"
        + " written yet)";
    long start = System.nanoTime();
    long examples = 0;
    double lastLoss = Double.NaN;
    for (int s = from + 1; s <= config.steps(); s++) {
      StepRows rows = null;
      String problem = null;
      try {
        if (!batches.hasNext()) {
          problem = "worker " + collective.rank() + " has no rows for step " + s;
        } else {
          rows = batches.next();
          if (rows.step() != s) {
            problem = "worker " + collective.rank() + " got rows of step " + rows.step()
                + " where step " + s + " was due";
          }
        }
      } catch (TrainingStopped e) {
        problem = e.getMessage();
      }
      agree(problem);
      long t0 = System.nanoTime();
      Collective.Stats before = collective.stats();
      // Every batch is of one task: a distillation task's takes the MSE to the teacher, any
      // other the NCE loss.
      ContrastiveStep.Result r = TrainingExample.isDistillation(rows.task())
          ? distill.run(s, rows.rows(), rows.offset(), rows.globalSize())
          : step.run(s, rows.rows(), rows.offset(), rows.globalSize());
      if (frozen) {
        optimizer.groups().dropFrozen(encoder.store());
      }
      double gradNorm = AdamW.clip(encoder.store(), config.gradClip());
      if (!Double.isFinite(r.loss()) || !Double.isFinite(gradNorm)) {
        throw new TrainingStopped("step " + s + " (task " + rows.task() + "): loss "
            + r.loss() + ", gradient norm " + gradNorm + "; training stopped, the last good"
            + " checkpoint is " + lastGood);
      }
      double lr = LearningRate.at(config, s);
      optimizer.step(encoder.store(), lr);
      double stepSeconds = (System.nanoTime() - t0) / 1e9;
      Collective.Stats comm = collective.stats().minus(before);
      examples += r.examples();
      lastLoss = r.loss();
      double seconds = (System.nanoTime() - start) / 1e9;
      metrics.add(metricsLine(s, rows.task(), r, lr, gradNorm, examples / seconds, stepSeconds,
          comm));
      if (lead && (s % config.logEvery() == 0 || s == config.steps())) {
        double perStep = seconds / (s - from);
        LOG.info(String.format("train: step %d/%d task %s loss %.4f lr %.2e grad-norm %.3f"
                + " %.1f examples/s (%d workers; all-gather %.0f ms, backward %.0f ms,"
                + " all-reduce %.0f ms of which exposed %.0f ms), ETA %.0f s", s,
            config.steps(), rows.task(), r.loss(), lr, gradNorm, examples / seconds,
            collective.size(), comm.allGatherSeconds() * 1e3, r.backwardSeconds() * 1e3,
            comm.allReduceSeconds() * 1e3, r.exposedAllReduceSeconds() * 1e3,
            perStep * (config.steps() - s)));
      }
      if (s % config.checkpointEvery() == 0 || s == config.steps()) {
        String dir = HadoopFiles.child(out, "step-" + s);
        if (lead) {
          // Metrics first: whenever step-N exists, the metrics up to N exist too.
          HadoopFiles.writeString(HadoopFiles.child(out, "metrics.jsonl"),
              String.join("\n", metrics) + "\n", conf);
          Checkpoint.save(encoder, tokenizerJson, card, modelId, dir,
              TrainingState.files(s, config.seed(), optimizer), conf);
          LOG.info("train: checkpoint {}", dir);
        }
        lastGood = dir;
      }
    }
    if (lead) {
      Checkpoint.save(encoder, tokenizerJson, card, modelId, HadoopFiles.child(out, "final"),
          TrainingState.files(config.steps(), config.seed(), optimizer), conf);
    }
    return lastLoss;
  }

  /**
   * Shares whether each worker could prepare its rows of the step ({@code problem} null) or not,
   * before any of them starts the step's collectives: if one could not, every worker stops with
   * its message (the lowest rank's, if several), and the barrier stage ends with that error
   * instead of peers failing on a closed connection and Spark retrying what would fail again.
   */
  private void agree(String problem) throws IOException {
    byte[][] all = collective.allGather(problem == null ? new byte[0]
        : problem.getBytes(StandardCharsets.UTF_8));
    for (byte[] p : all) {
      if (p.length > 0) {
        throw new TrainingStopped(new String(p, StandardCharsets.UTF_8));
      }
    }
  }

  /**
   * The rows of worker {@code rank} of {@code workers} for steps {@code from+1 .. steps}, drawn
   * from in-memory pools by the {@link TaskSampler} (single-process runs and tests; the Spark job
   * ships each worker its rows instead, by {@link BatchSchedule}).
   */
  public static Iterator<StepRows> fromPools(TrainConfig config,
      Map<String, List<TokenizedExample>> pools, int from, int rank, int workers) {
    List<TaskConfig> tasks = new ArrayList<>(config.tasks().values());
    int[] sizes = tasks.stream().mapToInt(t -> pools.get(t.name()).size()).toArray();
    TaskSampler sampler = new TaskSampler(tasks, sizes, config.seed());
    return new Iterator<>() {
      int next = from + 1;

      @Override
      public boolean hasNext() {
        return next <= config.steps();
      }

      @Override
      public StepRows next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        TaskSampler.Draw d = sampler.draw(next);
        int b = d.indices().length;
        int lo = BatchSchedule.shareStart(b, workers, rank);
        int hi = BatchSchedule.shareStart(b, workers, rank + 1);
        List<TokenizedExample> pool = pools.get(d.task());
        List<TokenizedExample> rows = new ArrayList<>();
        for (int i = lo; i < hi; i++) {
          rows.add(pool.get(d.indices()[i]));
        }
        return new StepRows(next++, d.task(), lo, b, rows);
      }
    };
  }

  private String metricsLine(int step, String task, ContrastiveStep.Result r, double lr,
      double gradNorm, double examplesPerSecond, double stepSeconds, Collective.Stats comm) {
    ObjectNode n = JSON.createObjectNode();
    n.put("step", step);
    n.put("task", task);
    n.put("loss", r.loss());
    var dims = n.putArray("loss_by_dim");
    for (double d : r.perDimLoss()) {
      dims.add(d);
    }
    n.put("masked_hard_negatives", r.maskedHardNegatives());
    n.put("lr", lr);
    n.put("grad_norm", gradNorm);
    n.put("examples_per_s", examplesPerSecond);
    n.put("workers", collective.size());
    n.put("step_s", stepSeconds);
    // With overlap the all-reduce runs during the backward pass: only its exposed part (the wait
    // after the backward) is time the step did not compute.
    n.put("compute_s", stepSeconds - comm.allGatherSeconds() - r.exposedAllReduceSeconds());
    n.put("backward_s", r.backwardSeconds());
    n.put("all_gather_s", comm.allGatherSeconds());
    n.put("all_gather_bytes", comm.allGatherBytes());
    n.put("all_reduce_s", comm.allReduceSeconds());
    n.put("all_reduce_exposed_s", r.exposedAllReduceSeconds());
    n.put("all_reduce_bytes", comm.allReduceBytes());
    return n.toString();
  }
}
