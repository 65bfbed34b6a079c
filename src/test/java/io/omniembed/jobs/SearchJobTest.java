package io.omniembed.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.omniembed.config.ModelConfig;
import io.omniembed.data.text.TextTokenizer;
import io.omniembed.io.Checkpoint;
import io.omniembed.io.EmbeddingParquet;
import io.omniembed.model.Encoder;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The search job end to end on local Spark over a real embed output (36 sentences embedded by
 * the pretrained model into three Parquet files): exact top-k against a brute-force ranking of
 * the stored vectors, the HNSW index against exact search, stale indexes, Matryoshka-cut indexes,
 * media queries, and the refusals.
 */
class SearchJobTest {

  static final String MODEL = EmbedJobTest.MODEL;
  private static final ObjectMapper JSON = new ObjectMapper();

  static final String[] SENTENCES = {
      "The quick brown fox jumps over the lazy dog.",
      "Spark runs batch jobs on large clusters.",
      "A cup of green tea in the morning.",
      "The stock market fell sharply on Monday.",
      "Photosynthesis turns sunlight into chemical energy.",
      "She plays the violin in the city orchestra.",
      "Heavy rain flooded the streets overnight.",
      "The recipe needs two eggs and a cup of flour.",
      "Electric cars are charged from the grid.",
      "The museum opens a new exhibition of Dutch paintings.",
      "Parquet stores columns of data efficiently.",
      "The goalkeeper saved a penalty in the final minute.",
      "Volcanoes release gas and ash when they erupt.",
      "He repaired the bicycle chain with a small tool.",
      "The library lends books, films and music.",
      "A neural network learns weights from examples.",
      "The train to Berlin leaves at seven.",
      "Bees pollinate flowers while collecting nectar.",
      "The patient was given antibiotics for the infection.",
      "Mountains are covered with snow in winter.",
      "The company hired twenty new engineers.",
      "A telescope shows the rings of Saturn.",
      "The children built a sandcastle on the beach.",
      "Interest rates were raised by the central bank.",
      "The old castle stands on a hill above the river.",
      "Compilers translate source code into machine code.",
      "The baker sells fresh bread every morning.",
      "Whales migrate thousands of kilometres each year.",
      "The election results were announced at midnight.",
      "A thunderstorm knocked out power in the village.",
      "The chess player sacrificed her queen to win.",
      "Solar panels were installed on the school roof.",
      "The hikers followed a trail through the forest.",
      "Vaccines train the immune system to fight disease.",
      "The garden is full of roses and tulips.",
      "A database index makes lookups faster."};

  @TempDir
  static Path shared;
  static Path vectors;
  static Path queries;

  /** What one run printed and returned. */
  record Run(int exitCode, String err, String out) {}

  @BeforeAll
  static void embedTheSentences() throws Exception {
    Path items = shared.resolve("sentences.jsonl");
    List<String> lines = new ArrayList<>();
    List<String> queryLines = new ArrayList<>();
    for (int i = 0; i < SENTENCES.length; i++) {
      lines.add(JSON.writeValueAsString(Map.of("id", id(i), "text", SENTENCES[i])));
      queryLines.add(JSON.writeValueAsString(Map.of("id", "q-" + id(i), "text", SENTENCES[i])));
    }
    Files.write(items, lines);
    queries = shared.resolve("queries.jsonl");
    Files.write(queries, queryLines);
    vectors = shared.resolve("vectors");
    JobRunner.Result r = JobRunner.run("embed", "--model", MODEL, "--input", items.toString(),
        "--out", vectors.toString(), "--partitions", "3", "--master", "local[2]");
    assertEquals(0, r.exitCode(), r.err());
    assertEquals(3, parquetFiles(vectors).size());
  }

  static String id(int i) {
    return String.format("s%02d", i);
  }

  /** The job's command line with stdout captured. */
  static Run search(String... args) {
    PrintStream before = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    JobRunner.Result r;
    try {
      List<String> all = new ArrayList<>(List.of("search", "--model", MODEL));
      all.addAll(List.of(args));
      all.addAll(List.of("--master", "local[2]"));
      r = JobRunner.run(all.toArray(new String[0]));
    } finally {
      System.setOut(before);
    }
    String out = captured.toString(StandardCharsets.UTF_8);
    before.print(out);
    return new Run(r.exitCode(), r.err(), out);
  }

  /** Query id → hits as "id" and score, read from a --out file. */
  static Map<String, List<JsonNode>> hits(Path json) throws IOException {
    Map<String, List<JsonNode>> out = new HashMap<>();
    for (JsonNode q : JSON.readTree(json.toFile()).get("queries")) {
      List<JsonNode> list = new ArrayList<>();
      q.get("hits").forEach(list::add);
      out.put(q.get("id").asText(), list);
    }
    return out;
  }

  static List<String> ids(List<JsonNode> hits) {
    return hits.stream().map(h -> h.get("id").asText()).toList();
  }

  static List<Path> parquetFiles(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().endsWith(".parquet")).sorted().toList();
    }
  }

  static void copy(Path from, Path to) throws IOException {
    try (Stream<Path> all = Files.walk(from)) {
      for (Path p : all.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }

  @Test
  void exactSearchRanksAsTheStoredVectorsDo(@TempDir Path dir) throws Exception {
    Path one = dir.resolve("one.json");
    Run r = search("--index", vectors.toString(), "--query", SENTENCES[7], "--k", "3",
        "--out", one.toString());
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("search: exact, 36 vectors in 3 files"), r.out());
    assertTrue(r.out().matches("(?s).*query query\n\\s+rank\\s+score\\s+id\n\\s+1\\s+1\\.0000\\s+"
        + "s07\n.*"), r.out());
    JsonNode report = JSON.readTree(one.toFile());
    assertEquals("exact", report.get("method").asText());
    assertEquals(MODEL, report.get("model").asText());
    assertEquals(384, report.get("dim").asInt());
    assertEquals(36, report.get("vectors").asInt());
    List<JsonNode> top = hits(one).get("query");
    assertEquals(3, top.size());
    assertEquals("s07", top.get(0).get("id").asText());
    assertEquals(1.0, top.get(0).get("score").asDouble(), 1e-5);

    // every sentence finds itself first, and the top 5 is the brute-force ranking of the
    // stored vectors (a query's vector is its sentence's vector: same model, same text)
    Path all = dir.resolve("all.json");
    r = search("--index", vectors.toString(), "--query-file", queries.toString(), "--k", "5",
        "--out", all.toString());
    assertEquals(0, r.exitCode(), r.err());
    Map<String, List<JsonNode>> found = hits(all);
    assertEquals(SENTENCES.length, found.size());
    Map<String, float[]> stored = EmbedJobTest.readWithSpark(vectors);
    for (int i = 0; i < SENTENCES.length; i++) {
      float[] q = stored.get(id(i));
      List<String> expected = stored.keySet().stream()
          .sorted(Comparator.comparingDouble((String d) -> -dot(q, stored.get(d)))
              .thenComparing(d -> d))
          .limit(5).toList();
      List<JsonNode> got = found.get("q-" + id(i));
      assertEquals(expected, ids(got), "query " + id(i));
      assertEquals(id(i), expected.get(0));
      for (JsonNode h : got) {
        assertEquals(dot(q, stored.get(h.get("id").asText())), h.get("score").asDouble(), 1e-5);
      }
    }
  }

  static double dot(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += (double) a[i] * b[i];
    }
    return s;
  }

  @Test
  void hnswIndexGivesTheExactResultsAndIsRefusedWhenStale(@TempDir Path dir) throws Exception {
    Path index = dir.resolve("vectors");
    copy(vectors, index);
    String[] common = {"--index", index.toString(), "--query-file", queries.toString(), "--k",
        "5"};
    Path exact = dir.resolve("exact.json");
    Run r = search(with(common, "--out", exact.toString()));
    assertEquals(0, r.exitCode(), r.err());

    Path built = dir.resolve("built.json");
    r = search(with(common, "--build-index", "--out", built.toString()));
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("search: built HNSW index " + index.resolve("_hnsw")
        + ": 36 vectors in "), r.out());
    assertTrue(r.out().contains("search: approximate, HNSW index " + index.resolve("_hnsw")
        + " (36 vectors, 100 candidates)"), r.out());
    JsonNode manifest = JSON.readTree(index.resolve("_hnsw/manifest.json").toFile());
    assertEquals(36, manifest.get("vectors").asInt());
    assertEquals(384, manifest.get("dim").asInt());
    assertEquals(3, manifest.get("files").size());
    assertEquals("hnsw", JSON.readTree(built.toFile()).get("method").asText());
    assertSameHits(hits(exact), hits(built));

    // a later search uses the index as it is; --build-index does not rebuild a current one
    Path again = dir.resolve("again.json");
    r = search(with(common, "--build-index", "--out", again.toString()));
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("search: HNSW index " + index.resolve("_hnsw")
        + " is up to date; not rebuilt"), r.out());
    assertFalse(r.out().contains("built HNSW"), r.out());
    assertSameHits(hits(exact), hits(again));
    r = search(common);
    assertTrue(r.out().contains("search: approximate"), r.out());

    // the vectors change under the index: refused, naming the file; --exact still works
    Path removed = parquetFiles(index).get(1);
    Files.delete(removed);
    r = search(common);
    assertEquals(1, r.exitCode());
    assertEquals("omniembed search: error: index " + index.resolve("_hnsw") + " is stale: "
        + removed.getFileName() + " removed; rebuild it with --build-index, or search with"
        + " --exact", r.err());
    Path rest = dir.resolve("rest.json");
    r = search(with(common, "--exact", "--out", rest.toString()));
    assertEquals(0, r.exitCode(), r.err());
    r = search(with(common, "--build-index", "--out", built.toString()));
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("search: built HNSW index"), r.out());
    assertSameHits(hits(rest), hits(built));
  }

  static String[] with(String[] args, String... more) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of(more));
    return all.toArray(new String[0]);
  }

  static void assertSameHits(Map<String, List<JsonNode>> expected,
      Map<String, List<JsonNode>> actual) {
    assertEquals(expected.keySet(), actual.keySet());
    for (String q : expected.keySet()) {
      assertEquals(ids(expected.get(q)), ids(actual.get(q)), q);
      for (int i = 0; i < expected.get(q).size(); i++) {
        assertEquals(expected.get(q).get(i).get("score").asDouble(),
            actual.get(q).get(i).get("score").asDouble(), 1e-5, q);
      }
    }
  }

  @Test
  void aMatryoshkaIndexTakesQueriesCutToItsDimension(@TempDir Path dir) throws Exception {
    Path cut = dir.resolve("cut");
    JobRunner.Result e = JobRunner.run("embed", "--model", MODEL, "--input",
        shared.resolve("sentences.jsonl").toString(), "--out", cut.toString(), "--dim", "64",
        "--master", "local[2]");
    assertEquals(0, e.exitCode(), e.err());
    Path out = dir.resolve("hits.json");
    Run r = search("--index", cut.toString(), "--query", SENTENCES[20], "--out",
        out.toString());
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("the index holds the first 64 of 384 dimensions"), r.out());
    assertEquals(64, JSON.readTree(out.toFile()).get("dim").asInt());
    List<JsonNode> top = hits(out).get("query");
    assertEquals(10, top.size());
    assertEquals("s20", top.get(0).get("id").asText());
    assertEquals(1.0, top.get(0).get("score").asDouble(), 1e-5);
  }

  @Test
  void anotherModelIsRefusedNamingBoth(@TempDir Path dir) throws Exception {
    Path model = dir.resolve("tiny");
    Encoder tiny = Encoder.randomInit(ModelConfig.preset("tiny"), 7);
    Checkpoint.save(tiny, TextTokenizer.readBundled(), "random:tiny", model.toString(),
        new Configuration());
    String indexHash;
    try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(
        new org.apache.hadoop.fs.Path(parquetFiles(vectors).get(0).toString()),
        new Configuration()))) {
      indexHash = reader.getFooter().getFileMetaData().getKeyValueMetaData()
          .get(EmbeddingParquet.MODEL_HASH);
    }
    JobRunner.Result r = JobRunner.run("search", "--model", model.toString(), "--index",
        vectors.toString(), "--query", "fox", "--master", "local[2]");
    assertEquals(1, r.exitCode());
    assertEquals("omniembed search: error: index " + vectors + " was embedded by model " + MODEL
        + " (parameters " + indexHash.substring(0, 12) + "…) but --model is " + model
        + " (parameters " + Checkpoint.hash(tiny.store()).substring(0, 12) + "…); search with"
        + " the model that embedded it", r.err());
  }

  @Test
  void mediaQueriesFindTheirImages(@TempDir Path dir) throws Exception {
    Path model = dir.resolve("tiny-media");
    Checkpoint.save(Encoder.randomInit(ModelConfig.preset("tiny-media"), 5),
        TextTokenizer.readBundled(), "random:tiny-media", model.toString(), new Configuration());
    Path data = dir.resolve("data");
    Files.createDirectories(data.resolve("img"));
    Color[] colors = {Color.RED, Color.GREEN, Color.BLUE, Color.ORANGE};
    List<String> items = new ArrayList<>();
    for (int i = 0; i < colors.length; i++) {
      Files.write(data.resolve("img/c" + i + ".png"), png(colors[i], i));
      items.add(JSON.writeValueAsString(Map.of("id", "c" + i, "image", "img/c" + i + ".png")));
    }
    items.add(JSON.writeValueAsString(Map.of("id", "words", "text", "a red square")));
    Files.write(data.resolve("items.jsonl"), items);
    Path index = dir.resolve("vectors");
    JobRunner.Result e = JobRunner.run("embed", "--model", model.toString(), "--input",
        data.resolve("items.jsonl").toString(), "--out", index.toString(), "--master",
        "local[2]");
    assertEquals(0, e.exitCode(), e.err());

    Path out = dir.resolve("image.json");
    JobRunner.Result r = JobRunner.run("search", "--model", model.toString(), "--index",
        index.toString(), "--query-file", data.resolve("img/c2.png").toString(), "--k", "2",
        "--out", out.toString(), "--master", "local[2]");
    assertEquals(0, r.exitCode(), r.err());
    List<JsonNode> top = hits(out).get("c2.png");
    assertEquals("c2", top.get(0).get("id").asText());
    assertEquals(1.0, top.get(0).get("score").asDouble(), 1e-5);

    // a JSONL query file: media relative to it, text and image queries side by side
    Files.writeString(data.resolve("queries.jsonl"),
        JSON.writeValueAsString(Map.of("id", "qi", "image", "img/c1.png")) + "\n"
            + JSON.writeValueAsString(Map.of("id", "qt", "text", "a red square")) + "\n");
    r = JobRunner.run("search", "--model", model.toString(), "--index", index.toString(),
        "--query-file", data.resolve("queries.jsonl").toString(), "--k", "1", "--out",
        out.toString(), "--master", "local[2]");
    assertEquals(0, r.exitCode(), r.err());
    assertEquals(List.of("c1"), ids(hits(out).get("qi")));
    assertEquals(List.of("words"), ids(hits(out).get("qt")));

    // an image query for a text-only model: refused with the reason
    Path minilmOut = dir.resolve("unused.json");
    Run text = search("--index", vectors.toString(), "--query-file",
        data.resolve("img/c0.png").toString(), "--out", minilmOut.toString());
    assertEquals(1, text.exitCode());
    assertEquals("omniembed search: error: " + data.resolve("img/c0.png") + ": query 'c0.png'"
        + " could not be embedded: model " + MODEL + " embeds text only; this item has image"
        + " parts", text.err());
    assertFalse(Files.exists(minilmOut));
  }

  /** A square of {@code c} on white, placed by {@code i}, so that no two images are alike. */
  static byte[] png(Color c, int i) throws IOException {
    BufferedImage img = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, 16, 16);
    g.setColor(c);
    g.fillRect(2 * i, 3 * i % 10, 6, 6);
    g.dispose();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(img, "png", out);
    return out.toByteArray();
  }

  @Test
  void clearErrorsForWhatCannotBeSearched(@TempDir Path dir) throws Exception {
    Path missing = dir.resolve("nope");
    Run r = search("--index", missing.toString(), "--query", "fox");
    assertEquals(1, r.exitCode());
    assertEquals("omniembed search: error: index " + missing + ": no such directory", r.err());

    Path noParquet = dir.resolve("not-vectors");
    Files.createDirectories(noParquet);
    Files.writeString(noParquet.resolve("items.jsonl"), "{\"id\": \"a\", \"text\": \"x\"}\n");
    r = search("--index", noParquet.toString(), "--query", "fox");
    assertEquals(1, r.exitCode());
    assertEquals("omniembed search: error: index " + noParquet + ": no Parquet vector files"
        + " (part-*.parquet); give the --out directory of an embed run", r.err());

    for (String k : new String[] {"0", "-3"}) {
      r = search("--index", vectors.toString(), "--query", "fox", "--k", k);
      assertEquals(1, r.exitCode());
      assertEquals("omniembed search: error: --k must be > 0, got " + k, r.err());
    }

    r = search("--index", vectors.toString(), "--query", "fox", "--k", "20",
        "--num-candidates", "10");
    assertEquals(1, r.exitCode());
    assertEquals("omniembed search: error: --num-candidates must be at least --k (20), got 10",
        r.err());

    Path other = dir.resolve("other.txt");
    Files.writeString(other, "fox\n");
    r = search("--index", vectors.toString(), "--query-file", other.toString());
    assertEquals(1, r.exitCode());
    assertEquals("omniembed search: error: --query-file " + other + ": expected a .jsonl file of"
        + " query items or an image, audio or video file (.png .jpg .jpeg .gif .bmp .wav .flac"
        + " .ogg .mp3 .mp4)", r.err());

    Path bad = dir.resolve("bad.jsonl");
    Files.writeString(bad, "{\"id\": \"a\", \"text\": \"fox\"}\n{\"id\": \"a\", \"text\": \"dog\"}\n");
    r = search("--index", vectors.toString(), "--query-file", bad.toString());
    assertEquals(1, r.exitCode());
    assertEquals("omniembed search: error: --query-file " + bad + " line 2: query id 'a' appears"
        + " twice", r.err());

    // Parquet without the metadata embed writes (here: written by Spark itself)
    Path plain = dir.resolve("plain");
    SparkSession spark = LocalSpark.start();
    try {
      spark.sql("SELECT 'a' AS id, array(CAST(1.0 AS FLOAT)) AS embedding").coalesce(1).write()
          .parquet(plain.toString());
    } finally {
      spark.stop();
    }
    r = search("--index", plain.toString(), "--query", "fox");
    assertEquals(1, r.exitCode());
    assertTrue(r.err().matches(Pattern.quote("omniembed search: error: index " + plain
        + ": part-") + "[^ ]+" + Pattern.quote(".parquet has no omniembed.model_id metadata; it"
        + " was not written by embed")), r.err());

    r = search("--index", vectors.toString());
    assertEquals(2, r.exitCode(), "usage error: neither --query nor --query-file");
    assertTrue(r.err().contains("--query"), r.err());
  }
}
