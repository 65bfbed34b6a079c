package io.omniembed.train;

import io.omniembed.train.collective.Collective;
import io.omniembed.train.collective.CollectiveTest;
import io.omniembed.train.collective.InProcessCollective;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.omniembed.config.ModelConfig;
import io.omniembed.config.TaskConfig;
import io.omniembed.config.TrainConfig;
import io.omniembed.data.TrainingExample;
import io.omniembed.data.text.TextTokenizer;
import io.omniembed.model.Encoder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * W workers equal one worker on the same global batch: W = 1, 2, 3 (7 rows: 4+3 and 2+2+3),
 * GradCache chunks of 1, 3 and the whole share, with and without hard negatives, with duplicate
 * queries and positives in the batches. Five full steps (loss, clipping, AdamW) each.
 */
class DataParallelParityTest {

  static final String[] WORDS = {"apple", "river", "engine", "violin", "glacier", "castle",
      "pepper", "rocket", "forest", "ladder", "mirror", "candle"};

  static Map<String, List<TokenizedExample>> pools(boolean hardNegatives) {
    TextTokenizer tok = TextTokenizer.bundledMiniLm();
    List<TokenizedExample> pool = new ArrayList<>();
    for (int i = 0; i < WORDS.length; i++) {
      String w = WORDS[i];
      // Every third example repeats a positive, every fourth a query: the mask must hold
      // across workers.
      String query = i % 4 == 3 ? "what is a " + WORDS[i - 1] : "what is a " + w;
      String positive = i % 3 == 2 ? "a thing called " + WORDS[i - 1] : "a thing called " + w;
      // Example 5's hard negative is its own positive: masked, and counted.
      String negative = i == 5 ? positive : "not a " + w + " but a "
          + WORDS[(i + 5) % WORDS.length];
      String json = "{\"task\":\"t\",\"query\":\"" + query + "\",\"positive\":\"" + positive
          + "\"" + (hardNegatives ? ",\"negatives\":[\"" + negative + "\"]" : "") + "}";
      pool.add(TokenizedExample.of(TrainingExample.parse(json), "task: t | query: ", tok, 16));
    }
    return Map.of("t", pool);
  }

  static TrainConfig config(int chunk) {
    TrainConfig c = TrainConfig.resolve(null, null, List.of("train.steps=5", "train.batch_size=7",
        "train.lr=1e-3", "train.warmup_steps=1", "train.checkpoint_every=100",
        "train.log_every=100", "train.task_string_dropout=0.5", "train.grad_cache_chunk=" + chunk,
        "seed=3"), null);
    Map<String, TaskConfig> tasks = new LinkedHashMap<>();
    tasks.put("t", new TaskConfig("t", "task: t | query: ", 1.0, 7));
    return c.withTasks(tasks);
  }

  /** Trains W in-process workers; returns every worker's final parameters. */
  static List<float[]> train(int workers, int chunk, boolean hardNegatives, Path out)
      throws Exception {
    TrainConfig cfg = config(chunk);
    Map<String, List<TokenizedExample>> pools = pools(hardNegatives);
    List<Collective> ring = InProcessCollective.ring(workers);
    return CollectiveTest.onEach(ring, c -> {
      Encoder encoder = Encoder.randomInit(ModelConfig.preset("tiny"), 11);
      AdamW adam = AdamW.of(encoder.store(), cfg);
      new TrainingRun(cfg, encoder, TextTokenizer.readBundled(), "test",
          out.resolve("w" + workers + "c" + chunk + hardNegatives).toString(),
          new Configuration(), c)
          .run(0, adam, new ArrayList<>(), TrainingRun.fromPools(cfg, pools, 0, c.rank(),
              workers));
      c.close();
      return encoder.store().toFloatArray();
    });
  }

  @Test
  void workersAndChunksDoNotChangeTheResult(@TempDir Path out) throws Exception {
    for (boolean hard : new boolean[] {false, true}) {
      float[] reference = train(1, 0, hard, out).get(0);
      long masked = maskedHardNegatives(out, 1, 0, hard);
      assertTrue(hard ? masked > 0 : masked == 0, "masked hard negatives: " + masked);
      float[] start = Encoder.randomInit(ModelConfig.preset("tiny"), 11).store().toFloatArray();
      assertTrue(maxAbsDiff(reference, start) > 1e-4, "training moved the parameters");
      double scale = 0;
      for (float v : reference) {
        scale = Math.max(scale, Math.abs(v));
      }
      for (int w = 1; w <= 3; w++) {
        for (int chunk : new int[] {0, 1, 3}) {
          List<float[]> got = train(w, chunk, hard, out);
          for (float[] other : got) {
            assertArrayEquals(got.get(0), other, 0f, "replicas stay identical");
          }
          assertEquals(masked, maskedHardNegatives(out, w, chunk, hard));
          double diff = maxAbsDiff(reference, got.get(0));
          assertTrue(diff <= 1e-5 * scale, "W=" + w + " chunk=" + chunk + " hard=" + hard
              + ": max |Δθ| " + diff + " vs scale " + scale);
        }
      }
    }
  }

  /**
   * The all-reduced gradient buffer of every step, before clipping, on every worker of W: the
   * loop of {@link TrainingRun} (step, clip, AdamW) with the buffer read after each step.
   */
  static List<List<float[]>> gradients(int workers, int chunk, boolean hardNegatives)
      throws Exception {
    TrainConfig cfg = config(chunk);
    Map<String, List<TokenizedExample>> pools = pools(hardNegatives);
    List<Collective> ring = InProcessCollective.ring(workers);
    return CollectiveTest.onEach(ring, c -> {
      Encoder encoder = Encoder.randomInit(ModelConfig.preset("tiny"), 11);
      AdamW adam = AdamW.of(encoder.store(), cfg);
      ContrastiveStep step = new ContrastiveStep(encoder, TrainingRun.loss(cfg, encoder),
          cfg.taskStringDropout(), cfg.seed(), cfg.gradCacheChunk(), c);
      java.util.Iterator<StepRows> batches = TrainingRun.fromPools(cfg, pools, 0, c.rank(),
          workers);
      List<float[]> grads = new ArrayList<>();
      for (int s = 1; s <= cfg.steps(); s++) {
        StepRows rows = batches.next();
        step.run(s, rows.rows(), rows.offset(), rows.globalSize());
        grads.add(encoder.store().grads().toFloatVector());
        AdamW.clip(encoder.store(), cfg.gradClip());
        adam.step(encoder.store(), LearningRate.at(cfg, s));
      }
      c.close();
      return grads;
    });
  }

  /**
   * The summed gradient itself, not only the parameters it leads to: AdamW divides out any
   * constant factor and clipping caps the norm, so W workers that averaged instead of summing
   * (each gradient 1/W too small) would still end near the W = 1 parameters.
   */
  @Test
  void workersAllReduceTheSingleWorkerGradient() throws Exception {
    List<float[]> reference = gradients(1, 0, true).get(0);
    for (int w = 2; w <= 3; w++) {
      for (int chunk : new int[] {0, 3}) {
        List<List<float[]>> got = gradients(w, chunk, true);
        for (int s = 0; s < reference.size(); s++) {
          double scale = 0;
          for (float g : reference.get(s)) {
            scale = Math.max(scale, Math.abs(g));
          }
          assertTrue(scale > 0, "step " + (s + 1) + " has a gradient");
          for (List<float[]> worker : got) {
            assertArrayEquals(got.get(0).get(s), worker.get(s), 0f, "every worker holds the sum");
          }
          double diff = maxAbsDiff(reference.get(s), got.get(0).get(s));
          assertTrue(diff <= 1e-5 * scale, "W=" + w + " chunk=" + chunk + " step " + (s + 1)
              + ": max |Δg| " + diff + " vs max |g| " + scale);
        }
      }
    }
  }

  /** The sum over a run's steps of the hard negatives masked for equalling their positive. */
  static long maskedHardNegatives(Path out, int workers, int chunk, boolean hard)
      throws Exception {
    long sum = 0;
    com.fasterxml.jackson.databind.ObjectMapper json =
        new com.fasterxml.jackson.databind.ObjectMapper();
    for (String line : java.nio.file.Files.readAllLines(
        out.resolve("w" + workers + "c" + chunk + hard).resolve("metrics.jsonl"))) {
      sum += json.readTree(line).get("masked_hard_negatives").asLong();
    }
    return sum;
  }

  static double maxAbsDiff(float[] a, float[] b) {
    double m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs(a[i] - b[i]));
    }
    return m;
  }
}
