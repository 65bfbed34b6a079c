package io.omniembed.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.omniembed.io.Checkpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train end to end with the tiny preset on real files (soup: SoupJobTest). */
class TrainJobTest {

  static final String[] THINGS = {"apple", "river", "engine", "violin", "glacier", "castle",
      "pepper", "rocket", "forest", "ladder", "mirror", "candle", "harbor", "pencil", "tunnel",
      "garden", "bridge", "wallet", "island", "helmet"};

  /** Two tasks of pairs built from a word list; "define" has a hard negative per example. */
  static Path data(Path dir) throws IOException {
    ObjectMapper json = new ObjectMapper();
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < THINGS.length; i++) {
      String t = THINGS[i];
      String other = THINGS[(i + 7) % THINGS.length];
      b.append(json.createObjectNode().put("task", "define").put("query", "what is a " + t)
          .put("positive", "a " + t + " is a common thing called " + t)
          .set("negatives", json.createArrayNode().add("a " + other + " is something else"))
          .toString()).append('\n');
      b.append(json.createObjectNode().put("task", "name").put("query", "the word " + t)
          .put("positive", t)).append('\n');
    }
    Path p = dir.resolve("pairs.jsonl");
    Files.writeString(p, b);
    return p;
  }

  static List<String> args(Path data, Path out, String... more) {
    List<String> a = new ArrayList<>(List.of("train", "--data", data.toString(), "--init",
        "random:tiny", "--out", out.toString(), "--master", "local[2]", "--set", "train.steps=6",
        "--set", "train.batch_size=4", "--set", "train.checkpoint_every=2", "--set",
        "train.log_every=1", "--set", "train.lr=1e-3", "--set", "train.warmup_steps=2"));
    a.addAll(List.of(more));
    return a;
  }

  static float[] params(Path ckpt) throws IOException {
    return Checkpoint.load(ckpt.toString(), new Configuration()).encoder().store().toFloatArray();
  }

  @Test
  void aResumedRunEndsWithTheSameParametersAsAnUninterruptedOne(@TempDir Path dir)
      throws Exception {
    Path data = data(dir);
    Path a = dir.resolve("a");
    JobRunner.Result ra = JobRunner.run(args(data, a).toArray(new String[0]));
    assertEquals(0, ra.exitCode(), ra.err());
    for (String f : List.of("step-2", "step-4", "step-6", "final", "train.conf", "metrics.jsonl")) {
      assertTrue(Files.exists(a.resolve(f)), f);
    }
    assertEquals(6, Files.readAllLines(a.resolve("metrics.jsonl")).size());

    // "Interrupt" a second run after step 4: keep only its step-2 and step-4 checkpoints.
    Path b = dir.resolve("b");
    assertEquals(0, JobRunner.run(args(data, b).toArray(new String[0])).exitCode());
    deleteTree(b.resolve("step-6"));
    deleteTree(b.resolve("final"));
    JobRunner.Result rb = JobRunner.run(args(data, b, "--resume").toArray(new String[0]));
    assertEquals(0, rb.exitCode(), rb.err());
    assertArrayEquals(params(a.resolve("final")), params(b.resolve("final")), 0f);
    assertEquals(Files.readAllLines(a.resolve("metrics.jsonl")).size(),
        Files.readAllLines(b.resolve("metrics.jsonl")).size());
    float[] start = Checkpoint.load(a.resolve("step-2").toString(), new Configuration()).encoder()
        .store().toFloatArray();
    assertTrue(!java.util.Arrays.equals(start, params(a.resolve("final"))), "training moved");
  }

  @Test
  void aResumeMustKeepTheSeedDataTaskMixAndStepsUnlessAllowed(@TempDir Path dir)
      throws Exception {
    Path data = data(dir);
    Path a = dir.resolve("a");
    assertEquals(0, JobRunner.run(args(data, a).toArray(new String[0])).exitCode());
    String conf = a.resolve("train.conf").toString();
    assertEquals("omniembed train: error: --resume: the config differs from " + conf + " in"
        + " seed: 0 -> 1, train.steps: 6 -> 8, tasks.define.batch_size: 4 -> 2,"
        + " tasks.name.batch_size: 4 -> 2; these decide the"
        + " examples of every step and the learning-rate schedule (add --allow-config-change to"
        + " resume with them anyway)", JobRunner.run(args(data, a, "--resume", "--set", "seed=1",
            "--set", "train.steps=8", "--set", "train.batch_size=2")
            .toArray(new String[0])).err());
    assertTrue(Files.notExists(a.resolve("step-8")));
    // The learning rate is no part of the schedule: it may change on resume.
    JobRunner.Result lr = JobRunner.run(args(data, a, "--resume", "--set", "train.lr=5e-4")
        .toArray(new String[0]));
    assertEquals(0, lr.exitCode(), lr.err());
    JobRunner.Result longer = JobRunner.run(args(data, a, "--resume", "--allow-config-change",
        "--set", "train.steps=8").toArray(new String[0]));
    assertEquals(0, longer.exitCode(), longer.err());
    assertTrue(Files.exists(a.resolve("step-8")));
    assertTrue(Files.readString(a.resolve("train.conf")).contains("\"steps\" : 8"));
  }

  @Test
  void badInputsGiveClearErrors(@TempDir Path dir) throws Exception {
    Path data = data(dir);
    Path bad = dir.resolve("bad.jsonl");
    Files.writeString(bad, "{\"task\": \"x\", \"query\": \"q\"}\n");
    assertEquals("omniembed train: error: file://" + bad + " record 1: missing column 'positive'",
        JobRunner.run("train", "--data", bad.toString(), "--init", "random:tiny", "--out",
            dir.resolve("o1").toString()).err());

    assertEquals("omniembed train: error: unknown task 'nope' in the config: the data has tasks"
        + " [define, name]", JobRunner.run(args(data, dir.resolve("o2"), "--set",
            "tasks.nope.rate=1").toArray(new String[0])).err());

    assertEquals("omniembed train: error: task 'define' has 20 examples, fewer than its batch"
        + " size 64", JobRunner.run(args(data, dir.resolve("o3"), "--set",
            "train.batch_size=64").toArray(new String[0])).err());

    assertEquals("omniembed train: error: --set train.stepz: unknown key (see"
        + " conf/train/defaults.conf)", JobRunner.run(args(data, dir.resolve("o4"), "--set",
            "train.stepz=3").toArray(new String[0])).err());

    JobRunner.Result nan = JobRunner.run(args(data, dir.resolve("o5"), "--set", "train.lr=1e30",
        "--set", "train.checkpoint_every=1", "--set", "train.warmup_steps=0")
        .toArray(new String[0]));
    assertEquals(1, nan.exitCode());
    assertTrue(nan.err().matches("omniembed train: error: step \\d \\(task \\w+\\): loss NaN,"
        + " gradient norm .*; training stopped, the last good checkpoint is .*o5/step-\\d"),
        nan.err());
  }

  static void deleteTree(Path p) throws IOException {
    try (var walk = Files.walk(p)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(q -> q.toFile().delete());
    }
  }
}
