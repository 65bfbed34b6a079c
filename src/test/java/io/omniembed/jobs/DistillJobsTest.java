package io.omniembed.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distillation chain end to end on the fixture locale tree: make-parallel, the teacher
 * (the pretrained model) embedding the sources with embed, join-teacher, then train on the
 * joined pairs mixed with an NCE task; pairs without a teacher embedding and a student of another
 * dimension than the teacher refused with their reasons.
 */
class DistillJobsTest {

  static List<JsonNode> json(Path dir, String ext) throws Exception {
    List<JsonNode> out = new java.util.ArrayList<>();
    ObjectMapper m = new ObjectMapper();
    try (var files = Files.list(dir)) {
      for (Path p : files.filter(f -> f.getFileName().toString().endsWith(ext)).sorted()
          .toList()) {
        for (String line : Files.readAllLines(p)) {
          out.add(m.readTree(line));
        }
      }
    }
    return out;
  }

  @Test
  void makeParallelEmbedJoinAndTrain(@TempDir Path dir) throws Exception {
    MakeParallelJobTest.locales(dir.resolve("locale"));
    Path parallel = dir.resolve("parallel");
    assertEquals(0, JobRunner.run("make-parallel", "--locales", dir.resolve("locale").toString(),
        "--languages", "de", "--holdout-fraction", "0.5", "--out", parallel.toString(),
        "--master", "local[2]").exitCode());
    Path teacher = dir.resolve("teacher");
    JobRunner.Result e = JobRunner.run("embed", "--model", "pretrained:all-MiniLM-L6-v2",
        "--input", parallel.resolve("sources").toString(), "--out", teacher.toString(),
        "--master", "local[2]");
    assertEquals(0, e.exitCode(), e.err());

    Path data = dir.resolve("data");
    JobRunner.Result j = JobRunner.run("join-teacher", "--pairs",
        parallel.resolve("train").toString(), "--teacher", teacher.toString(), "--out",
        data.resolve("distill").toString(), "--master", "local[2]");
    assertEquals(0, j.exitCode(), j.err());
    List<JsonNode> joined = json(data.resolve("distill"), ".json");
    assertEquals(4, joined.size());
    for (JsonNode r : joined) {
      assertEquals("distill-de", r.get("task").asText());
      assertEquals(384, r.get("teacher").size());
    }
    Files.createDirectories(data.resolve("nce"));
    StringBuilder nce = new StringBuilder();
    for (String w : TrainJobWords.WORDS) {
      nce.append("{\"task\":\"words\",\"query\":\"which word is ").append(w)
          .append("\",\"positive\":\"").append(w).append("\"}\n");
    }
    Files.writeString(data.resolve("nce/pairs.jsonl"), nce);

    // Both directories at once through a glob.
    JobRunner.Result t = JobRunner.run("train", "--data", data + "/*/*.json*", "--init",
        "pretrained:all-MiniLM-L6-v2", "--out", dir.resolve("student").toString(), "--set",
        "train.steps=4", "--set", "train.batch_size=2", "--master", "local[2]");
    assertEquals(0, t.exitCode(), t.err());
    List<JsonNode> metrics = json(dir.resolve("student"), "metrics.jsonl");
    assertEquals(4, metrics.size());
    assertTrue(metrics.stream().allMatch(m -> Double.isFinite(m.get("loss").asDouble())));

    // A student whose output is not the teacher's dimension: stopped, naming the row.
    JobRunner.Result tiny = JobRunner.run("train", "--data", data.resolve("distill").toString(),
        "--init", "random:tiny", "--out", dir.resolve("tiny").toString(), "--set",
        "train.steps=1", "--set", "train.batch_size=2", "--master", "local[2]");
    assertEquals(1, tiny.exitCode());
    assertTrue(tiny.err().startsWith("omniembed train: error: file://" + data.resolve("distill")),
        tiny.err());
    assertTrue(tiny.err().contains("cannot be used: the teacher embedding has dimension 384,"
        + " the student's output 32 (record {"), tiny.err());

    // Embeddings missing for some pairs: those go to _errors with their source_id.
    SparkSession spark = LocalSpark.start();
    Path partial = dir.resolve("teacher-partial");
    spark.read().parquet(teacher.toString()).filter("id != '"
        + io.omniembed.data.parallel.ParallelPair.sourceId("Open file") + "'")
        .write().mode(SaveMode.ErrorIfExists).parquet(partial.toString());
    Path out2 = dir.resolve("joined2");
    JobRunner.Result j2 = JobRunner.run("join-teacher", "--pairs",
        parallel.resolve("train").toString(), "--teacher", partial.toString(), "--out",
        out2.toString(), "--master", "local[2]");
    assertEquals(0, j2.exitCode(), j2.err());
    assertEquals(3, json(out2, ".json").size());
    List<JsonNode> errors = json(out2.resolve("_errors"), ".json");
    assertEquals(1, errors.size());
    assertEquals("Open file", errors.get(0).get("source").asText());
    assertEquals("no teacher embedding for source_id "
        + io.omniembed.data.parallel.ParallelPair.sourceId("Open file") + " in " + partial,
        errors.get(0).get("reason").asText());

    assertEquals("omniembed join-teacher: error: --pairs " + data.resolve("nce")
        + ": missing column 'source' (found [positive, query, task]; make-parallel writes them)",
        JobRunner.run("join-teacher", "--pairs", data.resolve("nce").toString(), "--teacher",
            teacher.toString(), "--out", dir.resolve("o3").toString()).err());
  }

  /** Words for a small NCE task. */
  static final class TrainJobWords {
    static final String[] WORDS = {"apple", "river", "engine", "violin", "glacier", "castle"};
  }
}
