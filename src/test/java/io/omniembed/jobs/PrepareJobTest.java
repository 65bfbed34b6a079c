package io.omniembed.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** prepare end to end: filters, counts, mined negatives, and output train can read. */
class PrepareJobTest {

  static final ObjectMapper JSON = new ObjectMapper();

  static Path pairs(Path dir) throws Exception {
    StringBuilder b = new StringBuilder();
    String[] things = TrainJobTest.THINGS;
    for (int i = 0; i < things.length; i++) {
      String t = things[i];
      b.append(JSON.createObjectNode().put("task", "define")
          .put("query", "which common thing is called " + t)
          .put("positive", "a " + t + " is a common thing called " + t)).append('\n');
    }
    // The same query with a second positive: neither may become the other's negative.
    b.append(JSON.createObjectNode().put("task", "define")
        .put("query", "which common thing is called river")
        .put("positive", "a river is a common natural stream of water")).append('\n');
    // A duplicate (by content: case and spaces do not count), a bad row, and a leak.
    b.append(JSON.createObjectNode().put("task", "define")
        .put("query", "Which common thing is  called CASTLE")
        .put("positive", "a castle is a common thing called castle")).append('\n');
    b.append("{\"task\": \"define\", \"query\": \"no positive here\"}\n");
    b.append(JSON.createObjectNode().put("task", "define").put("query", "leaky")
        .put("positive", EvalJobTest.DOCS[1][2])).append('\n');
    Path p = dir.resolve("pairs.jsonl");
    Files.writeString(p, b);
    return p;
  }

  static List<JsonNode> triplets(Path out) throws Exception {
    List<JsonNode> rows = new ArrayList<>();
    try (Stream<Path> files = Files.walk(out)) {
      for (Path f : files.filter(x -> x.toString().endsWith(".jsonl")
          && !x.toString().contains("_errors")).toList()) {
        for (String line : Files.readAllLines(f)) {
          rows.add(JSON.readTree(line));
        }
      }
    }
    return rows;
  }

  @Test
  void bm25NegativesWithFalseNegativeControls(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("out");
    JobRunner.Result r = JobRunner.run("prepare", "--pairs", pairs(dir).toString(),
        "--negatives", "bm25", "--num-negatives", "2", "--rank-range", "1:10", "--exclude",
        EvalJobTest.benchmark(dir).toString(), "--corpus", dir.resolve("bench/corpus.jsonl")
            .toString(), "--out", out.toString(), "--master", "local[2]");
    assertEquals(0, r.exitCode(), r.err());
    JsonNode s = JSON.readTree(out.resolve("_summary.json").toFile());
    assertEquals(24, s.get("rows_read").asInt(), s.toString());
    assertEquals(1, s.get("bad_rows").asInt(), s.toString());
    assertEquals(1, s.get("removed_by_exclude").asInt(), s.toString());
    assertEquals(1, s.get("removed_duplicates").asInt(), s.toString());
    assertEquals(21, s.get("triplets_per_task").get("define").asInt());
    assertTrue(Files.exists(out.resolve("task=define")));
    assertTrue(Files.readString(out.resolve("_errors/part-00000.jsonl"))
        .contains("missing column 'positive'"));

    Map<String, List<String>> positivesOf = new HashMap<>();
    List<JsonNode> rows = triplets(out);
    assertEquals(21, rows.size());
    for (JsonNode t : rows) {
      positivesOf.computeIfAbsent(t.get("query").asText(), k -> new ArrayList<>())
          .add(t.get("positive").asText());
    }
    int mined = 0;
    for (JsonNode t : rows) {
      assertTrue(t.get("negatives").size() <= 2);
      for (JsonNode n : t.get("negatives")) {
        mined++;
        for (String[] d : EvalJobTest.DOCS) {
          assertFalse(n.asText().contains(d[2]), "no benchmark document as a negative: " + n);
        }
        assertFalse(positivesOf.get(t.get("query").asText()).contains(n.asText()),
            "a positive of the same query is not a negative: " + t);
      }
    }
    assertTrue(mined >= 30, "most queries get two negatives: " + mined);
    assertEquals(mined, s.get("negatives_mined").asInt());
    assertTrue(s.get("candidates_removed").get("same_content_as_query_or_positive").asInt() > 0);
    assertTrue(s.get("candidates_removed").get("known_positive_of_the_query").asInt() > 0);

    JobRunner.Result t = JobRunner.run("train", "--data", out.toString(), "--init",
        "random:tiny", "--out", dir.resolve("model").toString(), "--set", "train.steps=2",
        "--set", "train.batch_size=4", "--master", "local[2]");
    assertEquals(0, t.exitCode(), t.err());
  }

  @Test
  void modelNegativesAndClearErrors(@TempDir Path dir) throws Exception {
    Path in = pairs(dir);
    Path out = dir.resolve("out");
    JobRunner.Result r = JobRunner.run("prepare", "--pairs", in.toString(), "--negatives",
        "model", "--model", "pretrained:all-MiniLM-L6-v2", "--num-negatives", "1",
        "--rank-range", "2:5", "--out", out.toString(), "--master", "local[2]", "--shards", "3");
    assertEquals(0, r.exitCode(), r.err());
    int withNegative = 0;
    for (JsonNode t : triplets(out)) {
      assertTrue(t.get("negatives").size() <= 1, t.toString());
      for (JsonNode n : t.get("negatives")) {
        withNegative++;
        assertFalse(n.asText().equals(t.get("positive").asText()));
      }
    }
    // A query whose positive scores low ("leaky") may keep none: every candidate above 0.95 x
    // its positive's score is dropped as a likely false negative.
    assertTrue(withNegative >= 18, "negatives for most queries: " + withNegative);

    assertEquals("omniembed prepare: error: --negatives model needs --model M (a checkpoint"
        + " directory, hf:PATH, pretrained:all-MiniLM-L6-v2 or onnx:all-MiniLM-L6-v2)",
        JobRunner.run("prepare", "--pairs", in.toString(),
            "--negatives", "model", "--out", dir.resolve("o2").toString()).err());
    assertEquals("omniembed prepare: error: --model is only used with --negatives model",
        JobRunner.run("prepare", "--pairs", in.toString(), "--negatives", "bm25", "--model",
            "pretrained:all-MiniLM-L6-v2", "--out", dir.resolve("o3").toString()).err());
    assertEquals("omniembed prepare: error: rank range must be FROM:TO with 1 <= FROM <= TO,"
        + " got 5:2", JobRunner.run("prepare", "--pairs", in.toString(), "--negatives", "bm25",
            "--rank-range", "5:2", "--out", dir.resolve("o4").toString()).err());
  }
}
