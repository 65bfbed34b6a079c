package io.omniembed.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.omniembed.io.EmbeddingParquet;
import io.omniembed.model.ModelSpec;
import io.omniembed.io.Models;
import io.omniembed.model.TextEmbedder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embed job end to end on local Spark: real JSONL and Parquet in, real Parquet out. */
class EmbedJobTest {

  static final String MODEL = "pretrained:all-MiniLM-L6-v2";

  static Path items(Path dir) throws IOException {
    Path p = dir.resolve("items.jsonl");
    Files.writeString(p, String.join("\n",
        "{\"id\": \"a\", \"text\": \"The quick brown fox jumps over the lazy dog.\"}",
        "{\"id\": \"b\", \"text\": \"Spark runs batch jobs on clusters.\"}",
        "{\"id\": 3, \"title\": \"Embeddings\", \"text\": \"vectors for retrieval\"}",
        "{\"id\": \"empty\", \"text\": \"\"}",
        "this line is not json",
        "{\"id\": \"img\", \"image\": \"cat.png\"}",
        "{\"text\": \"no id\"}",
        "{\"id\": \"long\", \"text\": \"" + "word ".repeat(600) + "\"}",
        "",
        "{\"id\": \"u\", \"text\": \"Über den Wolken\"}") + "\n");
    return p;
  }

  @Test
  void embedsGoodRowsReportsBadOnesAndRecordsTheModel(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("vectors");
    JobRunner.Result r = JobRunner.run("embed", "--model", MODEL, "--input",
        items(dir).toString(), "--out", out.toString(), "--master", "local[2]");
    assertEquals(0, r.exitCode(), r.err());

    Map<String, float[]> vectors = readWithSpark(out);
    assertEquals(List.of("3", "a", "b", "long", "u"), vectors.keySet().stream().sorted().toList());
    TextEmbedder direct = Models.load(ModelSpec.parse(MODEL), new Configuration(), 1);
    float[] expected = direct.embed(List.of(direct.tokenizer().encode("Spark runs batch jobs on"
        + " clusters.", 256).ids()))[0];
    assertArrayEquals(expected, vectors.get("b"), 1e-6f);
    assertEquals(384, vectors.get("a").length);

    List<JsonNode> errors = errorRows(out);
    assertEquals(4, errors.size());
    Map<String, String> reasons = new HashMap<>();
    for (JsonNode e : errors) {
      reasons.put(e.get("id").isNull() ? e.get("reason").asText().substring(0, 14)
          : e.get("id").asText(), e.get("reason").asText());
      assertTrue(e.get("source").asText().endsWith("items.jsonl"));
    }
    assertEquals("empty text", reasons.get("empty"));
    assertEquals("model pretrained:all-MiniLM-L6-v2 embeds text only; this item has image parts",
        reasons.get("img"));
    assertTrue(reasons.containsKey("malformed JSON"), reasons.toString());
    assertTrue(reasons.containsKey("missing or emp"), reasons.toString());

    JsonNode summary = new ObjectMapper().readTree(out.resolve("_summary.json").toFile());
    assertEquals(9, summary.get("records").asInt());
    assertEquals(5, summary.get("embedded").asInt());
    assertEquals(4, summary.get("failed").asInt());
    assertEquals(1, summary.get("truncated").asInt());
    assertTrue(Files.exists(out.resolve("_SUCCESS")));
    assertTrue(Files.notExists(out.resolve("_temporary")));

    // the plot sample: every embedded row (fewer than --sample), same vectors as the Parquet
    List<String> sample = Files.readAllLines(out.resolve("_sample.jsonl"));
    assertEquals(5, sample.size());
    for (String line : sample) {
      JsonNode n = new ObjectMapper().readTree(line);
      float[] v = new float[n.get("embedding").size()];
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) n.get("embedding").get(i).asDouble();
      }
      assertArrayEquals(vectors.get(n.get("id").asText()), v, 0f);
      assertEquals("text", n.get("modality").asText());
    }

    try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(
        new org.apache.hadoop.fs.Path(out.resolve("part-00000.parquet").toString()),
        new Configuration()))) {
      Map<String, String> meta = reader.getFooter().getFileMetaData().getKeyValueMetaData();
      assertEquals(MODEL, meta.get(EmbeddingParquet.MODEL_ID));
      assertEquals(direct.modelHash(), meta.get(EmbeddingParquet.MODEL_HASH));
      assertEquals("384", meta.get(EmbeddingParquet.DIM));
      assertEquals("l2", meta.get(EmbeddingParquet.NORMALIZATION));
    }
  }

  @Test
  void parquetInputAndMatryoshkaDim(@TempDir Path dir) throws Exception {
    Path parquet = dir.resolve("items.parquet");
    SparkSession spark = LocalSpark.start();
    try {
      spark.createDataFrame(List.of(new Doc("p1", "first text"), new Doc("p2", "second text")),
          Doc.class).coalesce(1).write().parquet(parquet.toString());
    } finally {
      spark.stop();
    }
    Path out = dir.resolve("out");
    JobRunner.Result r = JobRunner.run("embed", "--model", MODEL, "--input", parquet.toString(),
        "--out", out.toString(), "--dim", "64", "--max-length", "3", "--master", "local[2]");
    assertEquals(0, r.exitCode(), r.err());
    JsonNode summary = new ObjectMapper().readTree(out.resolve("_summary.json").toFile());
    assertEquals(2, summary.get("truncated").asInt(), "two-word texts cut to 3 tokens");
    assertEquals(3, summary.get("max_tokens").asInt());
    Map<String, float[]> vectors = readWithSpark(out);
    assertEquals(2, vectors.size());
    for (float[] v : vectors.values()) {
      assertEquals(64, v.length);
      double norm = 0;
      for (float x : v) {
        norm += x * x;
      }
      assertEquals(1.0, norm, 1e-5);
    }
  }

  @Test
  void clearErrorsForBadArguments(@TempDir Path dir) throws Exception {
    Path input = items(dir);
    JobRunner.Result missing = JobRunner.run("embed", "--model", MODEL, "--input",
        dir.resolve("nope.jsonl").toString(), "--out", dir.resolve("o1").toString());
    assertEquals(1, missing.exitCode());
    assertEquals("omniembed embed: error: input " + dir.resolve("nope.jsonl")
        + ": no such file or directory", missing.err());

    JobRunner.Result noModel = JobRunner.run("embed", "--model", dir.resolve("no-model").toString(),
        "--input", input.toString(), "--out", dir.resolve("o2").toString());
    assertEquals(1, noModel.exitCode());
    assertEquals("omniembed embed: error: model " + dir.resolve("no-model")
        + ": no such checkpoint directory", noModel.err());

    JobRunner.Result bigDim = JobRunner.run("embed", "--model", MODEL, "--input",
        input.toString(), "--out", dir.resolve("o3").toString(), "--dim", "1000");
    assertEquals(1, bigDim.exitCode());
    assertEquals("omniembed embed: error: --dim 1000 is outside 1..384, the dimensions of model " + MODEL,
        bigDim.err());

    Files.createDirectories(dir.resolve("o4"));
    Files.writeString(dir.resolve("o4").resolve("part-00000.parquet"), "x");
    JobRunner.Result exists = JobRunner.run("embed", "--model", MODEL, "--input",
        input.toString(), "--out", dir.resolve("o4").toString());
    assertEquals(1, exists.exitCode());
    assertEquals("omniembed embed: error: output " + dir.resolve("o4") + " already exists and is"
        + " not empty; remove it or choose another --out", exists.err());

    JobRunner.Result longer = JobRunner.run("embed", "--model", MODEL, "--input",
        input.toString(), "--out", dir.resolve("o6").toString(), "--max-length", "600");
    assertEquals("omniembed embed: error: --max-length 600 is outside 2..512, the positions of"
        + " model " + MODEL, longer.err());

    JobRunner.Result bm25 = JobRunner.run("embed", "--model", "bm25", "--input",
        input.toString(), "--out", dir.resolve("o5").toString());
    assertEquals("omniembed embed: error: embed --model takes a checkpoint directory, hf:PATH,"
        + " pretrained:all-MiniLM-L6-v2 or onnx:all-MiniLM-L6-v2, not 'bm25'", bm25.err());
  }

  /** A bean for building a Parquet input. */
  public static final class Doc implements java.io.Serializable {
    private String id;
    private String text;

    public Doc() {}

    Doc(String id, String text) {
      this.id = id;
      this.text = text;
    }

    public String getId() {
      return id;
    }

    public void setId(String id) {
      this.id = id;
    }

    public String getText() {
      return text;
    }

    public void setText(String text) {
      this.text = text;
    }
  }

  static Map<String, float[]> readWithSpark(Path out) {
    SparkSession spark = LocalSpark.start();
    try {
      Dataset<Row> df = spark.read().parquet(out.toString());
      assertEquals("struct<id:string,embedding:array<float>>", df.schema().simpleString());
      Map<String, float[]> vectors = new HashMap<>();
      for (Row row : df.collectAsList()) {
        List<Float> list = row.getList(1);
        float[] v = new float[list.size()];
        for (int i = 0; i < v.length; i++) {
          v[i] = list.get(i);
        }
        vectors.put(row.getString(0), v);
      }
      return vectors;
    } finally {
      spark.stop();
    }
  }

  static List<JsonNode> errorRows(Path out) throws IOException {
    List<JsonNode> rows = new ArrayList<>();
    ObjectMapper json = new ObjectMapper();
    try (Stream<Path> files = Files.list(out.resolve("_errors"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".jsonl")).toList()) {
        for (String line : Files.readAllLines(f)) {
          rows.add(json.readTree(line));
        }
      }
    }
    return rows;
  }
}
