package io.omniembed.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train --workers W} end to end: one barrier stage, data sharded by the schedule, TCP ring
 * between the tasks; in local[2] (threads of one JVM) and local-cluster[2,1,1024] (two executor
 * JVMs), and with an executor killed in the middle of training.
 */
class DistributedTrainJobTest {

  @BeforeAll
  static void sparkHome() throws Exception {
    // local-cluster's Worker builds executor command lines from SPARK_HOME/jars (empty here:
    // the executors get this JVM's classpath).
    Files.createDirectories(Path.of(System.getenv("SPARK_HOME"), "jars"));
  }

  static List<String> args(Path data, Path out, String master, int workers, int steps,
      String... more) {
    List<String> a = new ArrayList<>(List.of("train", "--data", data.toString(), "--init",
        "random:tiny", "--out", out.toString(), "--master", master, "--workers",
        Integer.toString(workers), "--set", "train.steps=" + steps, "--set",
        "train.batch_size=5", "--set", "train.checkpoint_every=5", "--set", "train.log_every=5",
        "--set", "train.lr=1e-3", "--set", "train.warmup_steps=2"));
    a.addAll(List.of(more));
    return a;
  }

  static void train(List<String> args) {
    JobRunner.Result r = JobRunner.run(args.toArray(new String[0]));
    assertEquals(0, r.exitCode(), r.err());
  }

  static double relativeDiff(Path a, Path b) throws Exception {
    float[] x = TrainJobTest.params(a);
    float[] y = TrainJobTest.params(b);
    double diff = 0;
    double scale = 0;
    for (int i = 0; i < x.length; i++) {
      diff = Math.max(diff, Math.abs(x[i] - y[i]));
      scale = Math.max(scale, Math.abs(x[i]));
    }
    return diff / scale;
  }

  /** An executor JVM (ProcessHandle.Info truncates long command lines; /proc does not). */
  static boolean isExecutor(ProcessHandle p) {
    try {
      return new String(Files.readAllBytes(Path.of("/proc/" + p.pid() + "/cmdline")))
          .contains("CoarseGrainedExecutorBackend");
    } catch (java.io.IOException e) {
      return false;   // already gone
    }
  }

  @Test
  void twoWorkersTrainLikeOne(@TempDir Path dir) throws Exception {
    Path data = TrainJobTest.data(dir);
    train(args(data, dir.resolve("w1"), "local[2]", 1, 6));
    train(args(data, dir.resolve("w2"), "local[2]", 2, 6));
    double d = relativeDiff(dir.resolve("w1/final"), dir.resolve("w2/final"));
    assertTrue(d <= 1e-5, "W=2 vs W=1: max |Δθ| / max |θ| = " + d);
    assertTrue(relativeDiff(dir.resolve("w1/step-5"), dir.resolve("w1/final")) > 1e-4,
        "training moved the parameters");

    List<String> lines = Files.readAllLines(dir.resolve("w2/metrics.jsonl"));
    assertEquals(6, lines.size());
    JsonNode m = new ObjectMapper().readTree(lines.get(5));
    assertEquals(2, m.get("workers").asInt());
    assertTrue(m.get("all_reduce_bytes").asLong() > 0, m.toString());
    assertTrue(m.get("all_gather_bytes").asLong() > 0, m.toString());

    assertEquals("omniembed train: error: --workers 3 needs 3 task slots at once; master"
        + " local[2] has 2", JobRunner.run(args(data, dir.resolve("w3"), "local[2]", 3, 6)
            .toArray(new String[0])).err());
    assertEquals("omniembed train: error: task 'define' has batch size 1, smaller than"
        + " --workers 2 (every worker needs at least one example of every batch)",
        JobRunner.run(args(data, dir.resolve("w4"), "local[2]", 2, 6, "--set",
            "train.batch_size=1").toArray(new String[0])).err());
  }

  /**
   * Image pairs, one of whose images is corrupt, every example in every batch: the worker that
   * holds it cannot prepare step 1. Training stops once, on every worker, with that row's file and
   * the reason — no task fails, so Spark does not retry the stage.
   */
  @Test
  void aBadRowStopsTrainingOnceNamingItsFile(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("data");
    Files.createDirectories(data.resolve("media"));
    String[] colors = {"red", "green", "blue", "gray", "pink", "cyan"};
    java.awt.Color[] rgb = {java.awt.Color.RED, java.awt.Color.GREEN, java.awt.Color.BLUE,
        java.awt.Color.GRAY, java.awt.Color.PINK, java.awt.Color.CYAN};
    ObjectMapper json = new ObjectMapper();
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < colors.length; i++) {
      String image = i == 4 ? "media/broken.png" : "media/" + colors[i] + ".png";
      Files.write(data.resolve(image), i == 4
          ? "\u0089PNG garbage, not an image".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)
          : MultimodalJobTest.png(rgb[i], 16, 16));
      lines.add(json.writeValueAsString(java.util.Map.of("task", "text2image", "query",
          "a " + colors[i] + " square", "positive", java.util.Map.of("image", image))));
    }
    Files.write(data.resolve("pairs.jsonl"), lines);
    Path out = dir.resolve("out");
    StageAttempts.reset();
    JobRunner.Result r = JobRunner.run(args(data.resolve("pairs.jsonl"), out, "local[2]", 2, 4,
        "--media", "tiny", "--set", "train.batch_size=6", "--set", "train.checkpoint_every=1",
        "--conf", "spark.extraListeners=" + StageAttempts.class.getName())
        .toArray(new String[0]));
    assertEquals(1, r.exitCode(), r.err());
    assertTrue(r.err().matches("omniembed train: error: file://" + data.resolve("pairs.jsonl")
        + ": the example of step 1 slot \\d cannot be used: positive: image 'media/broken.png':"
        + " .*\\(record \\{.*"), r.err());
    assertEquals(0, StageAttempts.RETRIES.get(), "stage retries");
    assertEquals(0, StageAttempts.FAILED_TASKS.get(), "failed tasks");
    assertFalse(Files.exists(out.resolve("step-1")));
  }

  @Test
  void executorJvmsMatchThreadsAndSurviveAKilledExecutor(@TempDir Path dir) throws Exception {
    Path data = TrainJobTest.data(dir);
    int steps = 24;
    train(args(data, dir.resolve("threads"), "local[2]", 2, steps));
    String[] jvms = JobProcess.executorConf().toArray(new String[0]);
    train(args(data, dir.resolve("jvms"), "local-cluster[2,1,1024]", 2, steps, jvms));
    double d = relativeDiff(dir.resolve("threads/final"), dir.resolve("jvms/final"));
    assertTrue(d <= 1e-5, "local-cluster vs local: " + d);

    // Kill one executor JVM once step-10 is saved; Spark retries the barrier stage and the
    // workers resume from the latest checkpoint on their own.
    Path killed = dir.resolve("killed");
    AtomicBoolean killedMidway = new AtomicBoolean();
    Thread killer = new Thread(() -> {
      try {
        while (!Files.exists(killed.resolve("step-10"))) {
          Thread.sleep(5);
        }
        Optional<ProcessHandle> executor = ProcessHandle.current().descendants()
            .filter(DistributedTrainJobTest::isExecutor).findFirst();
        boolean midway = !Files.exists(killed.resolve("final"));
        executor.ifPresent(ProcessHandle::destroyForcibly);
        killedMidway.set(executor.isPresent() && midway);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    killer.setDaemon(true);
    killer.start();
    train(args(data, killed, "local-cluster[2,1,1024]", 2, steps, jvms));
    killer.join(1000);
    assertTrue(killedMidway.get(), "an executor was killed before the end");
    assertEquals(steps, Files.readAllLines(killed.resolve("metrics.jsonl")).size());
    double k = relativeDiff(dir.resolve("threads/final"), killed.resolve("final"));
    assertTrue(k <= 1e-5, "killed-and-resumed vs uninterrupted: " + k);
    assertFalse(Files.exists(killed.resolve("step-" + (steps + 1))));
  }
}
