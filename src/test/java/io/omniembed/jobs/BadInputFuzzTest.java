package io.omniembed.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.IntFunction;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hundreds of malformed records of many kinds, mixed with good ones, through {@code embed} and
 * {@code prepare}: the job succeeds, every good row comes out, every bad row is in the error
 * output with a reason, and the counts add up.
 */
class BadInputFuzzTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Bad records; {@code n} is a marker every one of them carries in its id or its first bytes. */
  static final List<IntFunction<String>> BAD_ITEMS = List.of(
      n -> "{\"id\": \"bad-" + n + "\", \"text\": \"cut off here",
      n -> "bad-" + n + " is not JSON at all {{{",
      n -> "[\"bad-" + n + "\", \"an array, not an object\"]",
      n -> "{\"id\": \"bad-" + n + "\", \"text\": " + n + "}",
      n -> "{\"id\": \"bad-" + n + "\", \"text\": [\"a\", \"list\"]}",
      n -> "{\"id\": \"bad-" + n + "\", \"text\": {\"nested\": true}}",
      n -> "{\"id\": \"bad-" + n + "\", \"text\": \"\"}",
      n -> "{\"id\": \"bad-" + n + "\", \"text\": \"   \\t  \"}",
      n -> "{\"id\": \"bad-" + n + "\"}",
      n -> "{\"id\": \"bad-" + n + "\", \"parts\": \"not a list\"}",
      n -> "{\"id\": \"bad-" + n + "\", \"parts\": []}",
      n -> "{\"id\": \"bad-" + n + "\", \"parts\": [{\"type\": \"smell\", \"text\": \"x\"}]}",
      n -> "{\"id\": \"bad-" + n + "\", \"parts\": [{\"type\": \"image\"}]}",
      n -> "{\"id\": \"bad-" + n + "\", \"parts\": [{\"type\": \"image\", \"bytes\": \"%%%\"}]}",
      n -> "{\"id\": \"bad-" + n + "\", \"parts\": [3, 4]}",
      n -> "{\"id\": \"bad-" + n + "\", \"image\": \"missing/nothing-" + n + ".png\"}",
      n -> "{\"id\": \"bad-" + n + "\", \"audio\": \"\"}",
      n -> "{\"id\": \"bad-" + n + "\", \"text\": \"both\", \"parts\": [{\"type\": \"text\","
          + " \"text\": \"x\"}]}",
      n -> "{\"id\": {\"bad\": \"bad-" + n + "\"}, \"text\": \"an object as id\"}",
      n -> "{\"id\": \"\", \"text\": \"bad-" + n + " empty id\"}",
      n -> "{\"id\": true, \"text\": \"bad-" + n + " boolean id\"}",
      n -> "{\"id\": null, \"text\": \"bad-" + n + " null id\"}",
      n -> "{\"id\": 1.5, \"text\": \"bad-" + n + " fractional id\"}",
      n -> "{\"text\": \"bad-" + n + " no id\"}");

  @Test
  void embedReportsEveryBadRowAndEmbedsEveryGoodOne(@TempDir Path dir) throws Exception {
    Path model = EmbedResumeTest.tinyModel(dir);
    Random r = new Random(2026);
    List<byte[]> lines = new ArrayList<>();
    Set<String> good = new TreeSet<>();
    Set<String> bad = new TreeSet<>();
    for (int i = 0; i < 320; i++) {
      String marker = "bad-" + i;
      bad.add(marker);
      lines.add(BAD_ITEMS.get(r.nextInt(BAD_ITEMS.size())).apply(i)
          .getBytes(StandardCharsets.UTF_8));
    }
    for (int i = 0; i < 180; i++) {
      String id = "good-" + i;
      good.add(id);
      String text = switch (i % 6) {
        case 0 -> "x ".repeat(150_000);                      // huge: truncated, still embedded
        case 1 -> "Über 東京 🚀 " + i;
        case 2 -> "plain text " + i;
        default -> "words " + i + " " + Long.toHexString(r.nextLong());
      };
      String line = i % 6 == 3
          ? "{\"id\": \"" + id + "\", \"parts\": [{\"type\": \"text\", \"text\": \"" + text + "\"}]}"
          : i % 6 == 4 ? "{\"_id\": \"" + id + "\", \"title\": \"T\", \"text\": \"" + text + "\"}"
          : "{\"id\": \"" + id + "\", \"text\": \"" + text + "\"}";
      lines.add(line.getBytes(StandardCharsets.UTF_8));
    }
    // invalid UTF-8 inside a string value is read as U+FFFD (like errors='replace'): embedded
    for (int i = 0; i < 10; i++) {
      String id = "good-utf8-" + i;
      good.add(id);
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      b.writeBytes(("{\"id\": \"" + id + "\", \"text\": \"caf").getBytes(StandardCharsets.UTF_8));
      b.writeBytes(new byte[] {(byte) 0xC3, (byte) 0x28, (byte) 0xFF});
      b.writeBytes(" au lait\"}".getBytes(StandardCharsets.UTF_8));
      lines.add(b.toByteArray());
    }
    Collections.shuffle(lines, r);
    Path in = dir.resolve("in");
    Files.createDirectories(in);
    for (int f = 0; f < 4; f++) {
      ByteArrayOutputStream file = new ByteArrayOutputStream();
      for (int i = f; i < lines.size(); i += 4) {
        file.writeBytes(lines.get(i));
        file.write('\n');
      }
      Files.write(in.resolve("items-" + f + ".jsonl"), file.toByteArray());
    }

    Path out = dir.resolve("vectors");
    JobRunner.Result res = JobRunner.run("embed", "--model", model.toString(), "--input",
        in.toString(), "--out", out.toString(), "--master", "local[2]");
    assertEquals(0, res.exitCode(), res.err());
    assertEquals(good, EmbedResumeTest.vectors(out).keySet());
    List<JsonNode> errors = EmbedJobTest.errorRows(out);
    assertEquals(bad.size(), errors.size());
    Set<String> found = new HashSet<>();
    for (JsonNode e : errors) {
      String reason = e.get("reason").asText();
      assertFalse(reason.isBlank(), e.toString());
      assertTrue(e.get("source").asText().contains("items-"), e.toString());
      String where = e.get("id").isNull() ? reason : e.get("id").asText() + " " + reason;
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("bad-\\d+").matcher(where);
      assertTrue(m.find(), "error names its record: " + e);
      found.add(m.group());
    }
    assertEquals(bad, found);
    JsonNode summary = JSON.readTree(out.resolve("_summary.json").toFile());
    assertEquals(good.size() + bad.size(), summary.get("records").asInt());
    assertEquals(good.size(), summary.get("embedded").asInt());
    assertEquals(bad.size(), summary.get("failed").asInt());
    assertEquals(30, summary.get("truncated").asInt());
  }

  @Test
  void truncatedAndFakeParquetFilesAreReportedAndTheRestEmbedded(@TempDir Path dir)
      throws Exception {
    Path model = EmbedResumeTest.tinyModel(dir);
    Path in = dir.resolve("parquet");
    SparkSession spark = LocalSpark.start();
    StructType schema = new StructType().add("id", DataTypes.StringType)
        .add("text", DataTypes.StringType);
    List<Row> rows = new ArrayList<>();
    Set<String> good = new TreeSet<>();
    for (int i = 0; i < 120; i++) {
      String id = "p-" + i;
      String text = i % 10 == 0 ? null : i % 10 == 1 ? "" : "row " + i + " text";
      rows.add(RowFactory.create(i % 17 == 0 ? null : id, text));
      if (i % 10 > 1 && i % 17 != 0) {
        good.add(id);
      }
    }
    spark.createDataFrame(rows, schema).repartition(3).write().parquet(in.toString());
    spark.createDataFrame(List.of(RowFactory.create("lost-1", "in a file about to be cut"),
        RowFactory.create("lost-2", "also lost")), schema).coalesce(1).write()
        .parquet(dir.resolve("cut").toString());
    Path cut;
    try (Stream<Path> s = Files.list(dir.resolve("cut"))) {
      cut = s.filter(p -> p.toString().endsWith(".parquet")).findFirst().orElseThrow();
    }
    byte[] whole = Files.readAllBytes(cut);
    Files.write(in.resolve("part-truncated.parquet"),
        java.util.Arrays.copyOf(whole, whole.length / 2));
    Files.writeString(in.resolve("part-fake.parquet"), "this is not a Parquet file\n");

    Path out = dir.resolve("vectors");
    JobRunner.Result res = JobRunner.run("embed", "--model", model.toString(), "--input",
        in.toString(), "--out", out.toString(), "--master", "local[2]");
    assertEquals(0, res.exitCode(), res.err());
    assertEquals(good, EmbedResumeTest.vectors(out).keySet());
    List<JsonNode> errors = EmbedJobTest.errorRows(out);
    long unreadable = errors.stream().filter(e -> e.get("reason").asText()
        .startsWith("unreadable Parquet file")).count();
    assertEquals(2, unreadable, errors.toString());
    assertTrue(errors.stream().anyMatch(e -> e.get("source").asText()
        .endsWith("part-truncated.parquet")), errors.toString());
    JsonNode summary = JSON.readTree(out.resolve("_summary.json").toFile());
    assertEquals(120 + 2, summary.get("records").asInt());
    assertEquals(good.size(), summary.get("embedded").asInt());
    assertEquals(120 - good.size() + 2, summary.get("failed").asInt());
  }

  @Test
  void prepareReportsEveryBadPair(@TempDir Path dir) throws Exception {
    List<IntFunction<String>> badPairs = List.of(
        n -> "{\"task\": \"t\", \"query\": \"bad-" + n + "\"",
        n -> "bad-" + n + " <- not JSON",
        n -> "{\"query\": \"bad-" + n + "\", \"positive\": \"p\"}",
        n -> "{\"task\": \"t\", \"query\": \"bad-" + n + "\"}",
        n -> "{\"task\": \"t\", \"positive\": \"bad-" + n + "\"}",
        n -> "{\"task\": 7, \"query\": \"bad-" + n + "\", \"positive\": \"p\"}",
        n -> "{\"task\": \"t\", \"query\": \"bad-" + n + "\", \"positive\": 5}",
        n -> "{\"task\": \"t\", \"query\": \"bad-" + n + "\", \"positive\": \"\"}",
        n -> "{\"task\": \"\", \"query\": \"bad-" + n + "\", \"positive\": \"p\"}",
        n -> "{\"task\": \"t\", \"query\": \"bad-" + n + "\", \"positive\": \"p\","
            + " \"negatives\": \"not a list\"}");
    Random r = new Random(9);
    List<String> lines = new ArrayList<>();
    int bad = 0;
    for (int i = 0; i < 240; i++) {
      lines.add(badPairs.get(r.nextInt(badPairs.size())).apply(i));
      bad++;
    }
    int good = 150;
    for (int i = 0; i < good; i++) {
      lines.add("{\"task\": \"task-" + (i % 3) + "\", \"query\": \"question " + i
          + "\", \"positive\": \"answer number " + i + " " + Long.toHexString(r.nextLong())
          + "\"}");
    }
    Collections.shuffle(lines, r);
    Path pairs = dir.resolve("pairs.jsonl");
    Files.writeString(pairs, String.join("\n", lines) + "\n");
    Path out = dir.resolve("prepared");
    JobRunner.Result res = JobRunner.run("prepare", "--pairs", pairs.toString(), "--negatives",
        "none", "--out", out.toString(), "--master", "local[2]");
    assertEquals(0, res.exitCode(), res.err());
    JsonNode summary = JSON.readTree(out.resolve("_summary.json").toFile());
    assertEquals(good + bad, summary.get("rows_read").asInt(), summary.toString());
    assertEquals(bad, summary.get("bad_rows").asInt(), summary.toString());
    List<String> errorLines = new ArrayList<>();
    try (Stream<Path> s = Files.list(out.resolve("_errors"))) {
      for (Path p : s.toList()) {
        errorLines.addAll(Files.readAllLines(p));
      }
    }
    assertEquals(bad, errorLines.size());
    Set<String> found = new HashSet<>();
    for (String line : errorLines) {
      JsonNode e = JSON.readTree(line);
      assertFalse(e.get("reason").asText().isBlank(), line);
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("bad-\\d+")
          .matcher(e.get("record").asText());
      assertTrue(m.find(), line);
      found.add(m.group());
    }
    assertEquals(bad, found.size());
    long triplets = 0;
    try (Stream<Path> s = Files.walk(out)) {
      for (Path p : s.filter(p -> p.getFileName().toString().startsWith("part-")
          && p.getParent().getFileName().toString().startsWith("task=")).toList()) {
        triplets += Files.readAllLines(p).size();
      }
    }
    assertEquals(good, triplets);
  }
}
