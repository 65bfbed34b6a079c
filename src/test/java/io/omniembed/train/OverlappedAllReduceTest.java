package io.omniembed.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.omniembed.config.ModelConfig;
import io.omniembed.config.TaskConfig;
import io.omniembed.config.TrainConfig;
import io.omniembed.data.text.TextTokenizer;
import io.omniembed.model.Encoder;
import io.omniembed.model.GradientGroup;
import io.omniembed.train.collective.Collective;
import io.omniembed.train.collective.CollectiveTest;
import io.omniembed.train.collective.InProcessCollective;
import io.omniembed.train.collective.WireFormat;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gradient all-reduce in buckets overlapped with the backward pass: the same parameters, bit
 * for bit, as the all-reduce after it (W = 2, 3; in-process and TCP; with and without GradCache);
 * bfloat16 transfers within their bound; a peer lost during the overlapped all-reduce fails the
 * step on the training thread instead of hanging it.
 */
class OverlappedAllReduceTest {

  static TrainConfig config(int chunk, boolean overlap, boolean bf16) {
    TrainConfig c = TrainConfig.resolve(null, null, List.of("train.steps=4", "train.batch_size=7",
        "train.lr=1e-3", "train.warmup_steps=1", "train.checkpoint_every=100",
        "train.log_every=100", "train.task_string_dropout=0.5", "train.grad_cache_chunk=" + chunk,
        "train.allreduce_overlap=" + overlap, "train.allreduce_bf16=" + bf16, "seed=3"), null);
    Map<String, TaskConfig> tasks = new LinkedHashMap<>();
    tasks.put("t", new TaskConfig("t", "task: t | query: ", 1.0, 7));
    return c.withTasks(tasks);
  }

  /** Runs the real training loop on {@code ring}; returns every worker's final parameters. */
  static List<float[]> train(List<Collective> ring, TrainConfig cfg, Path out) throws Exception {
    Map<String, List<TokenizedExample>> pools = DataParallelParityTest.pools(true);
    return CollectiveTest.onEach(ring, c -> {
      Encoder encoder = Encoder.randomInit(ModelConfig.preset("tiny"), 11);
      AdamW adam = AdamW.of(encoder.store(), cfg);
      new TrainingRun(cfg, encoder, TextTokenizer.readBundled(), "test",
          out.resolve("r" + c.rank()).toString(), new Configuration(), c)
          .run(0, adam, new ArrayList<>(), TrainingRun.fromPools(cfg, pools, 0, c.rank(),
              ring.size()));
      c.close();
      return encoder.store().toFloatArray();
    });
  }

  static List<Collective> ring(int workers, boolean tcp) throws Exception {
    return tcp ? CollectiveTest.tcpRing(workers, 70 + workers) : InProcessCollective.ring(workers);
  }

  @Test
  void overlapGivesTheBitsOfTheAllReduceAfterTheBackward(@TempDir Path out) throws Exception {
    for (boolean tcp : new boolean[] {false, true}) {
      for (int w = 2; w <= 3; w++) {
        for (int chunk : new int[] {0, 2}) {
          String what = (tcp ? "TCP" : "in-process") + " W=" + w + " chunk=" + chunk;
          float[] after = train(ring(w, tcp), config(chunk, false, false),
              out.resolve(what + " after")).get(0);
          List<float[]> overlapped = train(ring(w, tcp), config(chunk, true, false),
              out.resolve(what + " overlapped"));
          for (float[] worker : overlapped) {
            assertArrayEquals(after, worker, 0f, what);
          }
        }
      }
    }
  }

  @Test
  void bucketsAreTheLayerGroupsInBackwardOrderAndCoverTheBuffer() {
    Encoder encoder = Encoder.randomInit(ModelConfig.preset("tiny"), 1);
    List<GradientGroup> groups = encoder.gradientGroups();
    int layers = encoder.config().layers();
    assertEquals(layers + 2, groups.size());
    assertEquals("projection", groups.get(0).name());
    assertEquals("blocks." + (layers - 1), groups.get(1).name());
    assertEquals("embeddings", groups.get(layers + 1).name());
    long covered = 0;
    for (GradientGroup g : groups) {
      covered += g.size();
    }
    assertEquals(encoder.store().size(), covered);
    // Reverse layer order is reverse buffer order: each group ends where the next one starts.
    for (int i = 0; i + 1 < groups.size(); i++) {
      assertEquals(groups.get(i + 1).to(), groups.get(i).from(), groups.get(i).name());
    }
  }

  /** A collective that hands everything but the all-reduce to {@code inner}. */
  abstract static class Forwarding implements Collective {
    final Collective inner;

    Forwarding(Collective inner) {
      this.inner = inner;
    }

    @Override
    public int rank() {
      return inner.rank();
    }

    @Override
    public int size() {
      return inner.size();
    }

    @Override
    public byte[][] allGather(byte[] mine) throws IOException {
      return inner.allGather(mine);
    }

    @Override
    public Stats stats() {
      return inner.stats();
    }

    @Override
    public void close() throws IOException {
      inner.close();
    }
  }

  /** Records each range's values before and after the all-reduce. */
  static final class Recording extends Forwarding {
    final List<float[]> before = new ArrayList<>();
    final List<float[]> after = new ArrayList<>();
    final List<int[]> ranges = new ArrayList<>();

    Recording(Collective inner) {
      super(inner);
    }

    @Override
    public void allReduceSum(FloatBuffer data, int from, int to, WireFormat wire)
        throws IOException {
      ranges.add(new int[] {from, to});
      before.add(copy(data, from, to));
      inner.allReduceSum(data, from, to, wire);
      after.add(copy(data, from, to));
    }

    static float[] copy(FloatBuffer data, int from, int to) {
      float[] out = new float[to - from];
      data.get(from, out);
      return out;
    }

    @Override
    public void allReduceSum(FloatBuffer data) throws IOException {
      throw new AssertionError("the whole-buffer all-reduce is not expected here");
    }
  }

  /**
   * With bfloat16 transfers every element of every bucket of every step is within
   * W·2^-8 (+ float32's W·2^-24) of Σ_r |g_r| of the exact sum of the workers' gradients, and
   * the replicas stay identical.
   */
  @Test
  void bf16GradientsStayWithinTheirBound(@TempDir Path out) throws Exception {
    for (int w = 2; w <= 3; w++) {
      List<Recording> recorded = new ArrayList<>();
      List<Collective> ring = new ArrayList<>();
      for (Collective c : InProcessCollective.ring(w)) {
        Recording r = new Recording(c);
        recorded.add(r);
        ring.add(r);
      }
      List<float[]> params = train(ring, config(0, true, true), out.resolve("bf16-" + w));
      for (float[] worker : params) {
        assertArrayEquals(params.get(0), worker, 0f, "replicas stay identical");
      }
      Recording first = recorded.get(0);
      assertTrue(first.ranges.size() >= 4 * 4, "four steps of at least four buckets");
      double bound = w * WireFormat.BF16_UNIT_ROUNDOFF + w * 0x1p-24;
      int rounded = 0;
      for (int k = 0; k < first.ranges.size(); k++) {
        for (int i = 0; i < first.before.get(k).length; i++) {
          double exact = 0;
          double abs = 0;
          for (Recording r : recorded) {
            exact += r.before.get(k)[i];
            abs += Math.abs(r.before.get(k)[i]);
          }
          double got = first.after.get(k)[i];
          double err = Math.abs(got - exact);
          assertTrue(err <= bound * abs * 1.001 + 1e-38, "W=" + w + " bucket " + k + " element "
              + i + ": error " + err + " beyond " + bound + " · " + abs);
          if (err > 0x1p-20 * abs) {
            rounded++;
          }
        }
      }
      assertTrue(rounded > 0, "the transfers were rounded to bfloat16");
      float[] fp32 = train(InProcessCollective.ring(w), config(0, true, false),
          out.resolve("fp32-" + w)).get(0);
      double diff = DataParallelParityTest.maxAbsDiff(fp32, params.get(0));
      // An AdamW step moves an element by about lr at most, whatever its gradient (near-zero
      // gradients may change sign under rounding): 4 steps of lr = 1e-3, with a factor 2 slack.
      assertTrue(diff > 0 && diff <= 2 * 4 * 1e-3, "W=" + w + ": bfloat16 moved the parameters"
          + " by " + diff);
    }
  }

  /** Closes itself at the first all-reduce, as a worker that fails there would. */
  static final class Dies extends Forwarding {
    Dies(Collective inner) {
      super(inner);
    }

    private IOException die() throws IOException {
      inner.close();
      return new IOException("worker " + inner.rank() + " stopped");
    }

    @Override
    public void allReduceSum(FloatBuffer data, int from, int to, WireFormat wire)
        throws IOException {
      throw die();
    }

    @Override
    public void allReduceSum(FloatBuffer data) throws IOException {
      throw die();
    }
  }

  /** Worker 0's error when worker 1 dies at the all-reduce of the first step. */
  static IOException peerDies(boolean overlap, boolean tcp) throws Exception {
    TrainConfig cfg = config(0, overlap, false);
    Map<String, List<TokenizedExample>> pools = DataParallelParityTest.pools(true);
    List<Collective> ring = new ArrayList<>(ring(2, tcp));
    ring.set(1, new Dies(ring.get(1)));
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> CollectiveTest.onEach(ring, c -> {
          try {
            Encoder encoder = Encoder.randomInit(ModelConfig.preset("tiny"), 11);
            ContrastiveStep step = new ContrastiveStep(encoder, TrainingRun.loss(cfg, encoder),
                cfg.taskStringDropout(), cfg.seed(), 0, c, overlap, WireFormat.FP32);
            StepRows rows = TrainingRun.fromPools(cfg, pools, 0, c.rank(), 2).next();
            try {
              step.run(1, rows.rows(), rows.offset(), rows.globalSize());
            } catch (IOException err) {
              if (c.rank() == 0) {
                throw err;
              }
            }
            return null;
          } finally {
            c.close();
          }
        }));
    assertTrue(e.getCause() instanceof IOException, e.toString());
    return (IOException) e.getCause();
  }

  @Test
  void aPeerLostDuringTheOverlappedAllReduceFailsTheStep() {
    assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
      IOException after = peerDies(false, false);
      IOException overlapped = peerDies(true, false);
      assertEquals("collective: rank 1 closed the connection (it failed or was stopped)",
          overlapped.getMessage());
      assertEquals(after.getMessage(), overlapped.getMessage());
      // Over TCP the socket reports the loss in its own words; it must still fail the step.
      assertTrue(peerDies(true, true) != null);
    });
  }
}
