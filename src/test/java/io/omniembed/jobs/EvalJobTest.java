package io.omniembed.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The eval job end to end, with the project's model and both baselines, and its error cases. */
class EvalJobTest {

  static final String[][] DOCS = {
      {"d0", "Photosynthesis", "Plants convert sunlight, water and carbon dioxide into glucose."},
      {"d1", "Volcano", "Molten rock erupts from a vent in the earth's crust."},
      {"d2", "Binary search", "Find an item in a sorted array by halving the interval."},
      {"d3", "Espresso", "Coffee brewed by forcing hot water through finely ground beans."},
      {"d4", "Marathon", "A long-distance running race of about 42 kilometres."},
      {"d5", "Violin", "A string instrument played with a bow."},
      {"d6", "Glacier", "A slowly moving mass of ice formed from compacted snow."},
      {"d7", "Hash map", "A data structure mapping keys to values via a hash function."},
      {"d8", "Sourdough", "Bread leavened with a fermented starter of flour and water."},
      {"d9", "Eclipse", "The moon passes between the sun and the earth, blocking light."}};
  static final String[][] QUERIES = {
      {"q0", "how do plants make food from light"},
      {"q1", "lava coming out of a mountain"},
      {"q2", "searching a sorted list efficiently"},
      {"q3", "strong coffee made under pressure"},
      {"q4", "the sun is hidden by the moon"},
      {"q5", "key value lookup table"}};
  static final String[] QRELS = {"q0\td0\t1", "q1\td1\t1", "q2\td2\t1", "q3\td3\t1", "q4\td9\t1",
      "q5\td7\t1"};

  static Path benchmark(Path root) throws IOException {
    Path dir = root.resolve("bench");
    Files.createDirectories(dir.resolve("qrels"));
    ObjectMapper json = new ObjectMapper();
    StringBuilder corpus = new StringBuilder();
    for (String[] d : DOCS) {
      corpus.append(json.createObjectNode().put("_id", d[0]).put("title", d[1]).put("text", d[2]))
          .append('\n');
    }
    Files.writeString(dir.resolve("corpus.jsonl"), corpus);
    StringBuilder queries = new StringBuilder();
    for (String[] q : QUERIES) {
      queries.append(json.createObjectNode().put("_id", q[0]).put("text", q[1])).append('\n');
    }
    Files.writeString(dir.resolve("queries.jsonl"), queries);
    Files.writeString(dir.resolve("qrels/test.tsv"),
        "query-id\tcorpus-id\tscore\n" + String.join("\n", QRELS) + "\n");
    return dir;
  }

  @Test
  void pretrainedMatchesOnnxRuntimeAndBm25Runs(@TempDir Path tmp) throws Exception {
    Path bench = benchmark(tmp);
    JsonNode ours = eval(bench, "pretrained:all-MiniLM-L6-v2", tmp.resolve("ours.json"));
    JsonNode onnx = eval(bench, "onnx:all-MiniLM-L6-v2", tmp.resolve("onnx.json"));
    JsonNode bm25 = eval(bench, "bm25", tmp.resolve("bm25.json"));
    for (String m : new String[] {"ndcg@10", "recall@1", "recall@10", "recall@100", "mrr@10"}) {
      assertEquals(onnx.get("metrics").get(m).asDouble(), ours.get("metrics").get(m).asDouble(),
          1e-9, m);
      double b = bm25.get("metrics").get(m).asDouble();
      assertTrue(b >= 0 && b <= 1, m + " = " + b);
    }
    assertTrue(ours.get("metrics").get("ndcg@10").asDouble() > 0.9, ours.toString());
    assertEquals(1.0, ours.get("metrics").get("recall@10").asDouble(), 1e-9);
    assertEquals(6, ours.get("queries").asInt());
    assertEquals(10, ours.get("corpus").asInt());

    JsonNode small = evalDim(bench, tmp.resolve("d64.json"));
    assertEquals(64, small.get("dim").asInt());
  }

  /** Several benchmarks in one run (one Spark session, one model): the reports of single runs. */
  @Test
  void severalBenchmarksInOneRunGiveTheReportsOfSingleRuns(@TempDir Path tmp) throws Exception {
    Path a = benchmark(tmp.resolve("a"));
    Path b = benchmark(tmp.resolve("b"));
    Files.writeString(b.resolve("qrels/test.tsv"), "query-id\tcorpus-id\tscore\nq0\td0\t1\n"
        + "q2\td2\t1\n");
    Path outA = tmp.resolve("a.json");
    Path outB = tmp.resolve("b.json");
    JobRunner.Result r = JobRunner.run("eval", "--model", "bm25", "--benchmark", a.toString(),
        "--out", outA.toString(), "--benchmark", b.toString(), "--out", outB.toString());
    assertEquals(0, r.exitCode(), r.err());
    ObjectMapper json = new ObjectMapper();
    assertEquals(eval(a, "bm25", tmp.resolve("a1.json")).get("metrics"),
        json.readTree(outA.toFile()).get("metrics"));
    assertEquals(eval(b, "bm25", tmp.resolve("b1.json")).get("metrics"),
        json.readTree(outB.toFile()).get("metrics"));
    assertEquals(b.toString(), json.readTree(outB.toFile()).get("benchmark").asText());

    JobRunner.Result mismatch = JobRunner.run("eval", "--model", "bm25", "--benchmark",
        a.toString(), "--benchmark", b.toString(), "--out", outA.toString());
    assertEquals(1, mismatch.exitCode(), mismatch.err());
    assertEquals("omniembed eval: error: eval: give one --out per --benchmark (2 benchmarks,"
        + " 1 outs)", mismatch.err());
  }

  private static JsonNode eval(Path bench, String model, Path out) throws IOException {
    JobRunner.Result r = JobRunner.run("eval", "--model", model, "--benchmark", bench.toString(),
        "--out", out.toString(), "--master", "local[2]");
    assertEquals(0, r.exitCode(), r.err());
    return new ObjectMapper().readTree(out.toFile());
  }

  private static JsonNode evalDim(Path bench, Path out) throws IOException {
    JobRunner.Result r = JobRunner.run("eval", "--model", "pretrained:all-MiniLM-L6-v2",
        "--benchmark", bench.toString(), "--out", out.toString(), "--dim", "64");
    assertEquals(0, r.exitCode(), r.err());
    return new ObjectMapper().readTree(out.toFile());
  }

  @Test
  void benchmarkErrorsNameTheFileAndLine(@TempDir Path tmp) throws Exception {
    Path bench = benchmark(tmp);
    String out = tmp.resolve("m.json").toString();

    Files.writeString(bench.resolve("qrels/test.tsv"), "query-id\tcorpus-id\tscore\nq0\td0\t1\n"
        + "q1\td404\t1\n");
    assertEquals("omniembed eval: error: " + bench + "/qrels/test.tsv line 3: corpus id 'd404' is"
        + " not in corpus.jsonl", fail(bench, out));

    Files.writeString(bench.resolve("qrels/test.tsv"), "query-id\tcorpus-id\tscore\nq9\td0\t1\n");
    assertEquals("omniembed eval: error: " + bench + "/qrels/test.tsv line 2: query id 'q9' is not"
        + " in queries.jsonl", fail(bench, out));

    Files.writeString(bench.resolve("qrels/test.tsv"), "query-id\tcorpus-id\tscore\nq0 d0 1\n");
    assertEquals("omniembed eval: error: " + bench + "/qrels/test.tsv line 2: expected 3"
        + " tab-separated columns (query-id, corpus-id, score), found 1", fail(bench, out));

    Files.writeString(bench.resolve("qrels/test.tsv"), "query-id\tcorpus-id\tscore\nq0\td0\t1\n");
    Files.writeString(bench.resolve("queries.jsonl"), "{\"_id\": \"q0\", \"text\": \"x\"}\n"
        + "{\"_id\": \"q1\", \"text\": \n");
    assertTrue(fail(bench, out).startsWith("omniembed eval: error: " + bench
        + "/queries.jsonl line 2: malformed JSON"), fail(bench, out));

    Files.writeString(bench.resolve("queries.jsonl"), "{\"_id\": \"q0\", \"text\": \"x\"}\n");
    Files.writeString(bench.resolve("corpus.jsonl"), "");
    assertEquals("omniembed eval: error: benchmark " + bench + ": corpus.jsonl has no documents",
        fail(bench, out));

    Files.delete(bench.resolve("qrels/test.tsv"));
    assertEquals("omniembed eval: error: benchmark " + bench + ": missing qrels/test.tsv (BEIR"
        + " layout: corpus.jsonl, queries.jsonl, qrels/test.tsv)", fail(bench, out));

    JobRunner.Result noModel = JobRunner.run("eval", "--model", "pretrained:gpt-9",
        "--benchmark", bench.toString(), "--out", out);
    assertEquals("omniembed eval: error: eval --model: unknown pretrained model in"
        + " 'pretrained:gpt-9' (known: all-MiniLM-L6-v2)", noModel.err());
  }

  /**
   * Documents the model cannot embed (here an image and an audio clip for a text model) do not
   * stop eval: they are counted, listed with their reasons and never retrieved, so the metrics
   * equal those of the benchmark without them.
   */
  @Test
  void documentsThatCannotBeEmbeddedAreCountedNotFatal(@TempDir Path tmp) throws Exception {
    Path bench = benchmark(tmp);
    JsonNode clean = eval(bench, "pretrained:all-MiniLM-L6-v2", tmp.resolve("clean.json"));
    Files.writeString(bench.resolve("corpus.jsonl"), Files.readString(bench.resolve(
        "corpus.jsonl")) + "{\"_id\": \"img\", \"image\": \"photo.png\"}\n"
        + "{\"_id\": \"clip\", \"audio\": \"call.wav\"}\n");
    JsonNode withBad = eval(bench, "pretrained:all-MiniLM-L6-v2", tmp.resolve("bad.json"));
    assertEquals(2, withBad.get("corpus_failed").asInt(), withBad.toString());
    assertEquals(12, withBad.get("corpus").asInt());
    String failures = withBad.get("corpus_failures").toString();
    assertTrue(failures.contains("img: ") && failures.contains("embeds text only"), failures);
    assertTrue(failures.contains("clip: "), failures);
    assertEquals(clean.get("metrics"), withBad.get("metrics"));
  }

  private static String fail(Path bench, String out) {
    JobRunner.Result r = JobRunner.run("eval", "--model", "bm25", "--benchmark", bench.toString(),
        "--out", out);
    assertEquals(1, r.exitCode(), r.err());
    return r.err();
  }
}
