package io.omniembed.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omniembed.config.TaskConfig;
import io.omniembed.config.TrainConfig;
import io.omniembed.io.HadoopFiles;
import io.omniembed.loss.InBatchNceLoss;
import io.omniembed.model.Checkpoint;
import io.omniembed.model.Encoder;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The training loop on one worker: for each step, the sampler's single-task batch, the
 * {@link ContrastiveStep}, gradient clipping, the learning rate of the schedule and an AdamW
 * update; metrics to {@code OUT/metrics.jsonl} and the log; checkpoints to {@code OUT/step-N/}
 * every {@code checkpoint_every} steps and at the end, the last also as {@code OUT/final/}.
 */
public final class TrainingRun {

  private static final Logger LOG = LoggerFactory.getLogger(TrainingRun.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final TrainConfig config;
  private final Encoder encoder;
  private final byte[] tokenizerJson;
  private final String modelId;
  private final Map<String, List<TokenizedExample>> pools;
  private final String out;
  private final Configuration conf;

  public TrainingRun(TrainConfig config, Encoder encoder, byte[] tokenizerJson, String modelId,
      Map<String, List<TokenizedExample>> pools, String out, Configuration conf) {
    this.config = config;
    this.encoder = encoder;
    this.tokenizerJson = tokenizerJson;
    this.modelId = modelId;
    this.pools = pools;
    this.out = out;
    this.conf = conf;
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
   * Runs steps {@code from + 1 .. steps}; {@code optimizer} and {@code metrics} hold the state of
   * step {@code from}.
   */
  public void run(int from, AdamW optimizer, List<String> metrics) throws IOException {
    List<TaskConfig> tasks = new ArrayList<>(config.tasks().values());
    int[] sizes = tasks.stream().mapToInt(t -> pools.get(t.name()).size()).toArray();
    TaskSampler sampler = new TaskSampler(tasks, sizes, config.seed());
    ContrastiveStep step = new ContrastiveStep(encoder, loss(config, encoder),
        config.taskStringDropout(), config.seed());
    String lastGood = from > 0 ? HadoopFiles.child(out, "step-" + from) : "none (no checkpoint"
        + " written yet)";
    long start = System.nanoTime();
    long examples = 0;
    for (int s = from + 1; s <= config.steps(); s++) {
      TaskSampler.Draw draw = sampler.draw(s);
      List<TokenizedExample> pool = pools.get(draw.task());
      List<TokenizedExample> batch = new ArrayList<>(draw.indices().length);
      for (int i : draw.indices()) {
        batch.add(pool.get(i));
      }
      ContrastiveStep.Result r = step.run(s, batch);
      double gradNorm = AdamW.clip(encoder.store(), config.gradClip());
      if (!Double.isFinite(r.loss()) || !Double.isFinite(gradNorm)) {
        throw new IllegalStateException("step " + s + " (task " + draw.task() + "): loss "
            + r.loss() + ", gradient norm " + gradNorm + "; training stopped, the last good"
            + " checkpoint is " + lastGood);
      }
      double lr = LearningRate.at(config, s);
      optimizer.step(encoder.store(), lr);
      examples += r.examples();
      double seconds = (System.nanoTime() - start) / 1e9;
      metrics.add(metricsLine(s, draw.task(), r, lr, gradNorm, examples / seconds));
      if (s % config.logEvery() == 0 || s == config.steps()) {
        double perStep = seconds / (s - from);
        LOG.info(String.format("train: step %d/%d task %s loss %.4f lr %.2e grad-norm %.3f"
                + " %.1f examples/s, ETA %.0f s", s, config.steps(), draw.task(), r.loss(), lr,
            gradNorm, examples / seconds, perStep * (config.steps() - s)));
      }
      if (s % config.checkpointEvery() == 0 || s == config.steps()) {
        String dir = HadoopFiles.child(out, "step-" + s);
        Checkpoint.save(encoder, tokenizerJson, modelId, dir,
            TrainingState.files(s, config.seed(), optimizer), conf);
        HadoopFiles.writeString(HadoopFiles.child(out, "metrics.jsonl"),
            String.join("\n", metrics) + "\n", conf);
        lastGood = dir;
        LOG.info("train: checkpoint {}", dir);
      }
    }
    Checkpoint.save(encoder, tokenizerJson, modelId, HadoopFiles.child(out, "final"),
        TrainingState.files(config.steps(), config.seed(), optimizer), conf);
  }

  private static String metricsLine(int step, String task, ContrastiveStep.Result r, double lr,
      double gradNorm, double examplesPerSecond) {
    ObjectNode n = JSON.createObjectNode();
    n.put("step", step);
    n.put("task", task);
    n.put("loss", r.loss());
    var dims = n.putArray("loss_by_dim");
    for (double d : r.perDimLoss()) {
      dims.add(d);
    }
    n.put("lr", lr);
    n.put("grad_norm", gradNorm);
    n.put("examples_per_s", examplesPerSecond);
    return n.toString();
  }
}
