package io.omniembed.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.omniembed.config.ModelConfig;
import io.omniembed.data.text.TextTokenizer;
import io.omniembed.io.Checkpoint;
import io.omniembed.model.Encoder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code embed} killed with SIGKILL (the whole driver process, as {@code kill -9} does) at random
 * points several times, then re-run: the final output holds every input id exactly once with
 * the same vectors as a clean run, and a finished output is left alone.
 */
class EmbedResumeTest {

  static final int UNITS = 16;

  static Path tinyModel(Path dir) throws IOException {
    Path model = dir.resolve("model");
    Checkpoint.save(Encoder.randomInit(ModelConfig.preset("tiny"), 7), TextTokenizer.readBundled(),
        "random:tiny", model.toString(), new Configuration());
    return model;
  }

  static Path input(Path dir, int items) throws IOException {
    Path in = dir.resolve("items");
    Files.createDirectories(in);
    Random r = new Random(3);
    String[] words = {"spark", "vector", "embedding", "parquet", "cluster", "query", "token",
        "model", "batch", "shard", "index", "search"};
    for (int f = 0; f < 3; f++) {
      StringBuilder lines = new StringBuilder();
      for (int i = f; i < items; i += 3) {
        StringBuilder text = new StringBuilder();
        for (int w = 0, n = 3 + r.nextInt(40); w < n; w++) {
          text.append(words[r.nextInt(words.length)]).append(' ');
        }
        lines.append("{\"id\": \"doc-").append(i).append("\", \"text\": \"").append(text)
            .append("\"}\n");
        if (i % 97 == 0) {
          lines.append("{\"id\": \"bad-").append(i).append("\", \"text\": 5}\n");
        }
      }
      Files.writeString(in.resolve("part-" + f + ".jsonl"), lines);
    }
    return in;
  }

  static List<String> embedArgs(Path model, Path in, Path out) {
    return List.of("embed", "--model", model.toString(), "--input", in.toString(), "--out",
        out.toString(), "--partitions", Integer.toString(UNITS), "--batch-size", "4",
        "--master", "local[2]");
  }

  static long markers(Path out) throws IOException {
    Path units = out.resolve("_units");
    if (!Files.isDirectory(units)) {
      return 0;
    }
    try (Stream<Path> s = Files.list(units)) {
      return s.filter(p -> p.getFileName().toString().endsWith(".json")).count();
    }
  }

  /** Every (id, vector) of the Parquet units, read with the plain Parquet reader. */
  static Map<String, float[]> vectors(Path out) throws IOException {
    Map<String, float[]> all = new HashMap<>();
    try (Stream<Path> files = Files.list(out)) {
      for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".parquet")).toList()) {
        try (ParquetReader<Group> reader = ParquetReader.builder(new GroupReadSupport(),
            new org.apache.hadoop.fs.Path(f.toString())).build()) {
          for (Group g = reader.read(); g != null; g = reader.read()) {
            Group list = g.getGroup("embedding", 0);
            float[] v = new float[list.getFieldRepetitionCount("list")];
            for (int i = 0; i < v.length; i++) {
              v[i] = list.getGroup("list", i).getFloat("element", 0);
            }
            String id = g.getString("id", 0);
            assertTrue(all.put(id, v) == null, "id twice: " + id);
          }
        }
      }
    }
    return all;
  }

  @Test
  void killedThreeTimesThenResumedEqualsACleanRun(@TempDir Path dir) throws Exception {
    Path model = tinyModel(dir);
    Path in = input(dir, 2400);
    Path clean = dir.resolve("clean");
    JobRunner.Result c = JobRunner.run(embedArgs(model, in, clean).toArray(String[]::new));
    assertEquals(0, c.exitCode(), c.err());
    Map<String, float[]> want = vectors(clean);
    assertEquals(2400, want.size());

    Path out = dir.resolve("killed");
    Random random = new Random(11);
    int killedMidway = 0;
    long[] killAt = {-1, 3 + random.nextInt(4), 9 + random.nextInt(4)};   // -1: a random time
    for (int k = 0; k < killAt.length; k++) {
      Process p = JobProcess.start(embedArgs(model, in, out), Map.of(),
          dir.resolve("run-" + k + ".log"));
      long deadline = System.nanoTime() + 120_000_000_000L;
      long delay = 1500 + random.nextInt(3000);
      long started = System.nanoTime();
      while (p.isAlive() && System.nanoTime() < deadline) {
        boolean due = killAt[k] < 0 ? System.nanoTime() - started > delay * 1_000_000L
            : markers(out) >= killAt[k];
        if (due) {
          break;
        }
        Thread.sleep(10);
      }
      boolean alive = p.isAlive();
      p.destroyForcibly();   // SIGKILL: no shutdown hooks, nothing cleaned up
      p.waitFor();
      if (alive && !Files.exists(out.resolve("_SUCCESS"))) {
        killedMidway++;
      }
    }
    assertTrue(killedMidway >= 2, "killed before the end " + killedMidway + " times");
    assertTrue(markers(out) < UNITS, "some units were left for the re-run");

    JobRunner.Result resumed = JobRunner.run(embedArgs(model, in, out).toArray(String[]::new));
    assertEquals(0, resumed.exitCode(), resumed.err());
    Map<String, float[]> got = vectors(out);
    assertEquals(want.keySet(), got.keySet());
    for (var e : want.entrySet()) {
      assertArrayEquals(e.getValue(), got.get(e.getKey()), 1e-5f, e.getKey());
    }
    JsonNode summary = new ObjectMapper().readTree(out.resolve("_summary.json").toFile());
    JsonNode cleanSummary = new ObjectMapper().readTree(clean.resolve("_summary.json").toFile());
    for (String field : List.of("records", "embedded", "failed", "truncated", "tokens")) {
      assertEquals(cleanSummary.get(field).asLong(), summary.get(field).asLong(), field);
    }
    assertEquals(25, summary.get("failed").asInt());
    assertEquals(countLines(clean.resolve("_errors")), countLines(out.resolve("_errors")));
    assertFalse(Files.exists(out.resolve("_temporary")));
    assertEquals(sampleIds(clean), sampleIds(out));

    // idempotent: the same command again does nothing; another plan is refused
    JobRunner.Result again = JobRunner.run(embedArgs(model, in, out).toArray(String[]::new));
    assertEquals(0, again.exitCode(), again.err());
    List<String> otherDim = new ArrayList<>(embedArgs(model, in, out));
    otherDim.addAll(List.of("--dim", "16"));
    JobRunner.Result refused = JobRunner.run(otherDim.toArray(String[]::new));
    assertEquals(1, refused.exitCode());
    assertEquals("omniembed embed: error: output " + out + " holds another embed run (dim: 32 vs"
        + " 16); remove it or choose another --out", refused.err());
  }

  private static long countLines(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    long n = 0;
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : s.toList()) {
        n += Files.readAllLines(p).size();
      }
    }
    return n;
  }

  private static List<String> sampleIds(Path out) throws IOException {
    List<String> ids = new ArrayList<>();
    for (String line : Files.readAllLines(out.resolve("_sample.jsonl"))) {
      ids.add(new ObjectMapper().readTree(line).get("id").asText());
    }
    return ids;
  }
}
