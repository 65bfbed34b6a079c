package io.omniembed.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.omniembed.io.EmbeddingParquet;
import io.omniembed.io.Models;
import io.omniembed.io.OutputPrecision;
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
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.hadoop.metadata.FileMetaData;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code embed} on a table as it is: the id, text or item column under any name, kept columns
 * passed through with their types, and each output precision read back with the plain Parquet
 * reader against the float32 vectors.
 */
class EmbedTableTest {

  static final String[] BODIES = {"spark runs batch jobs", "vectors for retrieval",
      "parquet files on a cluster", "a query and its index", "token batches of text"};

  /** doc_id bigint, body string, lang string, year int, and a title for the item struct. */
  static Path table(Path dir, boolean stringIds) {
    Path p = dir.resolve("docs.parquet");
    StructType schema = new StructType()
        .add("doc_id", stringIds ? DataTypes.StringType : DataTypes.LongType)
        .add("body", DataTypes.StringType)
        .add("lang", DataTypes.StringType)
        .add("year", DataTypes.IntegerType)
        .add("item", new StructType().add("title", DataTypes.StringType)
            .add("text", DataTypes.StringType))
        .add("parts", DataTypes.createArrayType(new StructType()
            .add("type", DataTypes.StringType).add("text", DataTypes.StringType)))
        .add("score", DataTypes.DoubleType)
        .add("meta", new StructType().add("a", DataTypes.IntegerType));
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < BODIES.length; i++) {
      Object id = stringIds ? "doc-" + i : (Object) (100L + i);
      rows.add(RowFactory.create(id, BODIES[i], i == 2 ? null : (i % 2 == 0 ? "en" : "de"),
          2000 + i, RowFactory.create(null, BODIES[i]),
          List.of(RowFactory.create("text", BODIES[i])), 0.5 * i, RowFactory.create(i)));
    }
    // a row without text: reported with its id, never dropped
    Object id = stringIds ? "doc-empty" : (Object) 999L;
    rows.add(RowFactory.create(id, null, "fr", 1999, null, null, 0.0, null));
    SparkSession spark = LocalSpark.start();
    try {
      spark.createDataFrame(rows, schema).coalesce(1).write().parquet(p.toString());
    } finally {
      spark.stop();
    }
    return p;
  }

  static JobRunner.Result embed(Path model, Path input, Path out, String... more) {
    List<String> args = new ArrayList<>(List.of("embed", "--model", model.toString(), "--input",
        input.toString(), "--out", out.toString(), "--master", "local[2]", "--partitions", "2"));
    args.addAll(List.of(more));
    return JobRunner.run(args.toArray(String[]::new));
  }

  @Test
  void keptColumnsKeepTheirValuesAndTypes(@TempDir Path dir) throws Exception {
    Path model = EmbedResumeTest.tinyModel(dir);
    Path out = dir.resolve("out");
    JobRunner.Result r = embed(model, table(dir, false), out, "--id-col", "doc_id",
        "--text-col", "body", "--keep-cols", "lang,year");
    assertEquals(0, r.exitCode(), r.err());

    TextEmbedder direct = Models.embedder(model.toString(), new Configuration(), 1);
    SparkSession spark = LocalSpark.start();
    try {
      Dataset<Row> df = spark.read().parquet(out.toString());
      assertEquals("struct<id:string,embedding:array<float>,lang:string,year:int>",
          df.schema().simpleString());
      Map<String, Row> byId = new HashMap<>();
      df.collectAsList().forEach(row -> byId.put(row.getString(0), row));
      assertEquals(BODIES.length, byId.size());
      for (int i = 0; i < BODIES.length; i++) {
        Row row = byId.get(Long.toString(100 + i));
        assertEquals(i == 2 ? null : (i % 2 == 0 ? "en" : "de"), row.getString(2), "lang " + i);
        assertEquals(2000 + i, row.getInt(3));
        float[] want = direct.embed(List.of(direct.tokenizer().encode(BODIES[i],
            direct.maxLength()).ids()))[0];
        assertArrayEquals(want, floats(row.getList(1)), 1e-5f, BODIES[i]);
      }
    } finally {
      spark.stop();
    }
    MessageType schema = footer(out).getSchema();
    assertEquals(Type.Repetition.OPTIONAL, schema.getType("year").getRepetition());
    assertEquals(PrimitiveTypeName.INT32, schema.getType("year").asPrimitiveType()
        .getPrimitiveTypeName());
    assertEquals(LogicalTypeAnnotation.stringType(),
        schema.getType("lang").getLogicalTypeAnnotation());

    List<JsonNode> errors = EmbedJobTest.errorRows(out);
    assertEquals(1, errors.size());
    assertEquals("999", errors.get(0).get("id").asText());
    assertTrue(errors.get(0).get("reason").asText().startsWith("no content"), errors.toString());
    JsonNode summary = new ObjectMapper().readTree(out.resolve("_summary.json").toFile());
    assertEquals(List.of("id", "embedding", "lang", "year"),
        new ObjectMapper().convertValue(summary.get("columns"), List.class));
    assertEquals("float32", summary.get("precision").asText());
    assertEquals(5, summary.get("embedded").asInt());
  }

  @Test
  void eachPrecisionReadsBackCloseToFloat32(@TempDir Path dir) throws Exception {
    Path model = EmbedResumeTest.tinyModel(dir);
    Path input = table(dir, true);
    String[] table = {"--id-col", "doc_id", "--text-col", "body", "--keep-cols", "lang",
        "--dim", "20"};   // 20: the sign bits do not fill the last byte
    Path f32 = dir.resolve("float32");
    assertEquals(0, embed(model, input, f32, table).exitCode());
    Map<String, float[]> want = vectors(f32, OutputPrecision.FLOAT32);
    assertEquals(BODIES.length, want.size());
    String hash = Models.embedder(model.toString(), new Configuration(), 1).modelHash();

    for (OutputPrecision p : List.of(OutputPrecision.FLOAT16, OutputPrecision.INT8,
        OutputPrecision.BINARY)) {
      Path out = dir.resolve(p.key());
      List<String> args = new ArrayList<>(List.of(table));
      args.addAll(List.of("--output-precision", p.key()));
      JobRunner.Result r = embed(model, input, out, args.toArray(String[]::new));
      assertEquals(0, r.exitCode(), r.err());

      FileMetaData footer = footer(out);
      Map<String, String> meta = footer.getKeyValueMetaData();
      assertEquals(p.key(), meta.get(EmbeddingParquet.PRECISION));
      assertEquals("20", meta.get(EmbeddingParquet.DIM));
      assertEquals(hash, meta.get(EmbeddingParquet.MODEL_HASH));
      assertEquals("l2", meta.get(EmbeddingParquet.NORMALIZATION));
      assertEquals(p == OutputPrecision.INT8 ? Double.toString(1.0 / 127) : null,
          meta.get(EmbeddingParquet.SCALE));
      assertEquals(p.encoding(), meta.get(EmbeddingParquet.QUANTIZATION));
      JsonNode summary = new ObjectMapper().readTree(out.resolve("_summary.json").toFile());
      assertEquals(p.key(), summary.get("precision").asText());
      assertEquals(p == OutputPrecision.INT8, summary.has("scale"));

      MessageType schema = footer.getSchema();
      if (p == OutputPrecision.BINARY) {
        assertEquals(List.of("id", "embedding", "bits", "lang"), names(schema));
        assertEquals(PrimitiveTypeName.BINARY,
            schema.getType("embedding").asPrimitiveType().getPrimitiveTypeName());
      } else {
        PrimitiveType element = schema.getType("embedding").asGroupType().getType(0)
            .asGroupType().getType(0).asPrimitiveType();
        if (p == OutputPrecision.FLOAT16) {
          assertEquals(PrimitiveTypeName.FIXED_LEN_BYTE_ARRAY, element.getPrimitiveTypeName());
          assertEquals(2, element.getTypeLength());
          assertEquals(LogicalTypeAnnotation.float16Type(), element.getLogicalTypeAnnotation());
        } else {
          assertEquals(PrimitiveTypeName.INT32, element.getPrimitiveTypeName());
          assertEquals(LogicalTypeAnnotation.intType(8, true), element.getLogicalTypeAnnotation());
        }
      }

      Map<String, float[]> got = vectors(out, p);
      assertEquals(want.keySet(), got.keySet());
      for (var e : want.entrySet()) {
        float[] w = e.getValue();
        float[] g = got.get(e.getKey());
        assertEquals(20, g.length);
        for (int i = 0; i < w.length; i++) {
          switch (p) {
            case FLOAT16 -> assertEquals(w[i], g[i], 1e-3, e.getKey() + "[" + i + "]");
            case INT8 -> assertEquals(w[i], g[i], 1.0 / 127, e.getKey() + "[" + i + "]");
            default -> assertEquals(w[i] > 0 ? 1f : -1f, g[i], e.getKey() + "[" + i + "]");
          }
        }
      }
    }

    // a rerun with other options is refused, naming each difference, before any work
    JobRunner.Result other = embed(model, input, f32, "--id-col", "doc_id", "--text-col",
        "body", "--keep-cols", "lang,year", "--dim", "20", "--output-precision", "int8");
    assertEquals(1, other.exitCode());
    assertEquals("omniembed embed: error: output " + f32 + " holds another embed run"
        + " (--output-precision: float32 vs int8; --keep-cols: lang vs lang,year); remove it or"
        + " choose another --out", other.err());
    assertEquals(want.keySet(), vectors(f32, OutputPrecision.FLOAT32).keySet());
  }

  @Test
  void anItemColumnGivesTheVectorsOfItsText(@TempDir Path dir) throws Exception {
    Path model = EmbedResumeTest.tinyModel(dir);
    Path input = table(dir, false);
    Path text = dir.resolve("text");
    assertEquals(0, embed(model, input, text, "--id-col", "doc_id", "--text-col", "body")
        .exitCode());
    Map<String, float[]> want = vectors(text, OutputPrecision.FLOAT32);
    for (String column : List.of("item", "parts", "body")) {   // a struct, parts, a string
      Path out = dir.resolve("item-" + column);
      JobRunner.Result r = embed(model, input, out, "--id-col", "doc_id", "--item-col", column);
      assertEquals(0, r.exitCode(), r.err());
      Map<String, float[]> got = vectors(out, OutputPrecision.FLOAT32);
      assertEquals(want.keySet(), got.keySet(), column);
      for (var e : want.entrySet()) {
        // the same tokens; batches may pad differently, hence not bit for bit
        assertArrayEquals(e.getValue(), got.get(e.getKey()), 1e-6f, column + " " + e.getKey());
      }
      assertEquals(1, EmbedJobTest.errorRows(out).size(), column);
    }
  }

  @Test
  void jsonlIsReadAsATableToo(@TempDir Path dir) throws Exception {
    Path model = EmbedResumeTest.tinyModel(dir);
    Path input = dir.resolve("docs.jsonl");
    Files.writeString(input, String.join("\n",
        "{\"doc\": 7, \"body\": \"spark runs batch jobs\", \"lang\": \"en\"}",
        "{\"doc\": 8, \"body\": \"vectors for retrieval\", \"lang\": \"de\"}",
        "not json at all") + "\n");
    Path out = dir.resolve("out");
    JobRunner.Result r = embed(model, input, out, "--id-col", "doc", "--text-col", "body",
        "--keep-cols", "lang");
    assertEquals(0, r.exitCode(), r.err());
    SparkSession spark = LocalSpark.start();
    try {
      Dataset<Row> df = spark.read().parquet(out.toString());
      assertEquals("struct<id:string,embedding:array<float>,lang:string>",
          df.schema().simpleString());
      Map<String, String> lang = new HashMap<>();
      df.collectAsList().forEach(row -> lang.put(row.getString(0), row.getString(2)));
      assertEquals(Map.of("7", "en", "8", "de"), lang);
    } finally {
      spark.stop();
    }
    List<JsonNode> errors = EmbedJobTest.errorRows(out);
    assertEquals(1, errors.size());
    assertTrue(errors.get(0).get("reason").asText().startsWith("malformed JSON"),
        errors.toString());
  }

  @Test
  void anUnreadableParquetFileIsReportedLikeABadRow(@TempDir Path dir) throws Exception {
    Path model = EmbedResumeTest.tinyModel(dir);
    Path input = table(dir, false);
    Files.writeString(input.resolve("broken.parquet"), "not a Parquet file");
    Path out = dir.resolve("out");
    JobRunner.Result r = embed(model, input, out, "--id-col", "doc_id", "--text-col", "body",
        "--keep-cols", "lang");
    assertEquals(0, r.exitCode(), r.err());
    assertEquals(BODIES.length, vectors(out, OutputPrecision.FLOAT32).size());
    List<JsonNode> errors = EmbedJobTest.errorRows(out);
    assertEquals(2, errors.size(), errors.toString());   // the row without text, the file
    JsonNode broken = errors.stream().filter(e -> e.get("source").asText()
        .endsWith("broken.parquet")).findFirst().orElseThrow();
    assertTrue(broken.get("id").isNull());
    assertTrue(broken.get("reason").asText().startsWith("unreadable Parquet file"),
        broken.toString());
  }

  @Test
  void badTableOptionsFailWithOneLineBeforeAnyWork(@TempDir Path dir) throws Exception {
    Path model = EmbedResumeTest.tinyModel(dir);
    Path input = table(dir, false);
    String columns = "[doc_id, body, lang, year, item, parts, score, meta]";
    String[][] cases = {
        {"--id-col docid: input " + input + " has no such column; the columns are " + columns,
            "--id-col", "docid", "--text-col", "body"},
        {"--id-col score has type double; an id column must be a string or an integer"
            + " (tinyint, smallint, int, bigint)", "--id-col", "score", "--text-col", "body"},
        {"--text-col year has type int; a text column must be a string (--item-col takes an"
            + " item struct or an array of parts)", "--id-col", "doc_id", "--text-col", "year"},
        {"--item-col meta is a struct without item fields; it needs at least one of "
            + io.omniembed.data.ItemParser.CONTENT_FIELDS + ", has [a]",
            "--id-col", "doc_id", "--item-col", "meta"},
        {"give --text-col or --item-col, not both",
            "--id-col", "doc_id", "--text-col", "body", "--item-col", "item"},
        {"input " + input + " has no 'id' or '_id' column; the columns are " + columns
            + "; name the id column with --id-col", "--text-col", "body"},
        {"--keep-cols yr: input " + input + " has no such column; the columns are "
            + columns, "--id-col", "doc_id", "--text-col", "body", "--keep-cols", "lang,yr"},
        {"--keep-cols meta has type struct<a:int>; a kept column must be string, boolean,"
            + " tinyint, smallint, int, bigint, float, double, decimal, binary, date, timestamp,"
            + " timestamp_ntz, or an array of one of these",
            "--id-col", "doc_id", "--text-col", "body", "--keep-cols", "meta"},
        {"--keep-cols names lang twice",
            "--id-col", "doc_id", "--text-col", "body", "--keep-cols", "lang,lang"},
        {"--output-precision must be one of float32, float16, int8, binary; got 'fp16'",
            "--id-col", "doc_id", "--text-col", "body", "--output-precision", "fp16"},
    };
    for (int i = 0; i < cases.length; i++) {
      Path out = dir.resolve("out-" + i);
      String[] args = java.util.Arrays.copyOfRange(cases[i], 1, cases[i].length);
      JobRunner.Result r = embed(model, input, out, args);
      assertEquals(1, r.exitCode(), String.join(" ", args));
      assertEquals("omniembed embed: error: " + cases[i][0], r.err());
      assertFalse(Files.exists(out), "nothing written for " + String.join(" ", args));
    }
  }

  @Test
  void keptColumnsMayNotShadowOutputColumns(@TempDir Path dir) throws Exception {
    Path model = EmbedResumeTest.tinyModel(dir);
    Path input = dir.resolve("t.parquet");
    SparkSession spark = LocalSpark.start();
    try {
      spark.sql("SELECT 'a' AS doc, 'some text' AS text, 'old' AS embedding, 3 AS bits")
          .write().parquet(input.toString());
    } finally {
      spark.stop();
    }
    JobRunner.Result embedding = embed(model, input, dir.resolve("o1"), "--id-col", "doc",
        "--keep-cols", "embedding");
    assertEquals(1, embedding.exitCode());
    assertEquals("omniembed embed: error: --keep-cols embedding: the output has a column"
        + " embedding of its own (id, embedding)", embedding.err());
    JobRunner.Result bits = embed(model, input, dir.resolve("o2"), "--id-col", "doc",
        "--keep-cols", "bits", "--output-precision", "binary");
    assertEquals("omniembed embed: error: --keep-cols bits: the output has a column bits of its"
        + " own (id, embedding, bits)", bits.err());
    // with float32 there is no bits column: it is kept
    Path out = dir.resolve("o3");
    JobRunner.Result kept = embed(model, input, out, "--id-col", "doc", "--keep-cols", "bits");
    assertEquals(0, kept.exitCode(), kept.err());
    assertEquals(List.of("id", "embedding", "bits"), names(footer(out).getSchema()));
    assertFalse(Files.exists(out.resolve("_errors")), "no row failed");
  }

  static float[] floats(List<Float> list) {
    float[] v = new float[list.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = list.get(i);
    }
    return v;
  }

  static List<String> names(MessageType schema) {
    return schema.getFields().stream().map(Type::getName).toList();
  }

  static List<Path> parts(Path out) throws IOException {
    try (Stream<Path> files = Files.list(out)) {
      return files.filter(p -> p.getFileName().toString().endsWith(".parquet")).sorted().toList();
    }
  }

  /** The footer of the first non-empty part file. */
  static FileMetaData footer(Path out) throws IOException {
    for (Path f : parts(out)) {
      try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(
          new org.apache.hadoop.fs.Path(f.toString()), new Configuration()))) {
        if (reader.getRecordCount() > 0) {
          return reader.getFooter().getFileMetaData();
        }
      }
    }
    throw new AssertionError("no rows in " + out);
  }

  /** Every (id, vector) of the part files, dequantised: sign bits read as +1 and -1. */
  static Map<String, float[]> vectors(Path out, OutputPrecision p) throws IOException {
    Map<String, float[]> all = new HashMap<>();
    for (Path f : parts(out)) {
      try (ParquetReader<Group> reader = ParquetReader.builder(new GroupReadSupport(),
          new org.apache.hadoop.fs.Path(f.toString())).build()) {
        for (Group g = reader.read(); g != null; g = reader.read()) {
          float[] v;
          if (p == OutputPrecision.BINARY) {
            byte[] packed = g.getBinary("embedding", 0).getBytes();
            v = new float[g.getInteger("bits", 0)];
            assertEquals((v.length + 7) / 8, packed.length);
            for (int i = 0; i < v.length; i++) {
              v[i] = OutputPrecision.sign(packed, i) ? 1f : -1f;
            }
          } else {
            Group list = g.getGroup("embedding", 0);
            v = new float[list.getFieldRepetitionCount("list")];
            for (int i = 0; i < v.length; i++) {
              Group e = list.getGroup("list", i);
              v[i] = switch (p) {
                case FLOAT16 -> {
                  byte[] b = e.getBinary("element", 0).getBytes();   // little-endian
                  yield OutputPrecision.fromFloat16((short) ((b[0] & 0xff) | (b[1] << 8)));
                }
                case INT8 -> (float) (e.getInteger("element", 0) * OutputPrecision.INT8_SCALE);
                default -> e.getFloat("element", 0);
              };
            }
          }
          assertNull(all.put(g.getString("id", 0), v));
        }
      }
    }
    return all;
  }
}
