package io.omniembed.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.omniembed.data.parallel.MoWriter;
import io.omniembed.data.parallel.ParallelPair;
import io.omniembed.eval.Benchmark;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code make-benchmark --parallel DIR --language L} end to end: a generated locale tree (catalogs
 * written by {@link MoWriter}), {@code make-parallel} on a local[2] Spark, then the X → English
 * benchmark of its held-out pairs, read back in the {@link Benchmark} layout.
 */
class CrossLingualBenchmarkJobTest {

  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  static Path dir;
  static Path parallel;

  @BeforeAll
  static void makeParallel() throws Exception {
    Path locales = dir.resolve("locale");
    List<String> held = MakeParallelJobTest.packages(true, 2);
    String train = MakeParallelJobTest.packages(false, 1).get(0);
    Map<String, String> de = Map.of("Language", "de");
    MakeParallelJobTest.catalog(locales, "de", held.get(0), de, List.of(
        MakeParallelJobTest.m("Open", "Öffnen"),
        MakeParallelJobTest.m("Open…", "Öffnen"),
        MakeParallelJobTest.m("Save the file", "Datei speichern"),
        MakeParallelJobTest.m("Close the window", "Fenster schließen"),
        MakeParallelJobTest.m("Quit the program", "Programm beenden")), ByteOrder.LITTLE_ENDIAN);
    MakeParallelJobTest.catalog(locales, "de", held.get(1), de, List.of(
        MakeParallelJobTest.m("Save the file", "Die Datei speichern")), ByteOrder.BIG_ENDIAN);
    MakeParallelJobTest.catalog(locales, "de", train, de, List.of(
        MakeParallelJobTest.m("No such file", "Datei nicht gefunden")), ByteOrder.LITTLE_ENDIAN);
    MakeParallelJobTest.catalog(locales, "fr", held.get(0), Map.of("Language", "fr"), List.of(
        MakeParallelJobTest.m("Print the page", "Imprimer la page")), ByteOrder.LITTLE_ENDIAN);
    parallel = dir.resolve("parallel");
    JobRunner.Result r = JobRunner.run("make-parallel", "--locales", locales.toString(),
        "--out", parallel.toString(), "--holdout-fraction", "0.5", "--master", "local[2]");
    assertEquals(0, r.exitCode(), r.err());
  }

  /** The three files as the eval job reads them: id -> text of corpus and queries; qrels. */
  record Bench(Map<String, String> corpus, Map<String, String> queries,
      Map<String, Map<String, Integer>> qrels) {}

  static Map<String, String> texts(Path file) throws Exception {
    Map<String, String> out = new TreeMap<>();
    for (String line : Files.readAllLines(file)) {
      JsonNode n = JSON.readTree(line);
      out.put(n.get("_id").asText(), n.get("text").asText());
    }
    return out;
  }

  static Bench make(String out, String... extra) throws Exception {
    List<String> args = new ArrayList<>(List.of("make-benchmark", "--parallel",
        parallel.toString(), "--out", dir.resolve(out).toString()));
    args.addAll(List.of(extra));
    JobRunner.Result r = JobRunner.run(args.toArray(String[]::new));
    assertEquals(0, r.exitCode(), r.err());
    Path b = dir.resolve(out);
    Map<String, String> corpus = texts(b.resolve(Benchmark.CORPUS));
    Map<String, String> queries = texts(b.resolve(Benchmark.QUERIES));
    Map<String, Map<String, Integer>> qrels = new TreeMap<>();
    List<String> lines = Files.readAllLines(b.resolve(Benchmark.QRELS));
    assertEquals("query-id\tcorpus-id\tscore", lines.get(0));
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split("\t");
      assertTrue(queries.containsKey(f[0]) && corpus.containsKey(f[1]), line);
      qrels.computeIfAbsent(f[0], k -> new TreeMap<>()).put(f[1], Integer.parseInt(f[2]));
    }
    assertEquals(queries.keySet(), qrels.keySet());
    return new Bench(corpus, queries, qrels);
  }

  @Test
  void translationsRetrieveTheirEnglishSources() throws Exception {
    Bench b = make("bench-de", "--language", "de");
    // The de held-out English, nothing of fr and nothing of the training package.
    assertEquals(new TreeSet<>(List.of("Open", "Open…", "Save the file", "Close the window",
        "Quit the program")), new TreeSet<>(b.corpus().values()));
    // "Öffnen" renders two sources: not a query; the second rendering of "Save the file" is.
    assertEquals(new TreeSet<>(List.of("Datei speichern", "Die Datei speichern",
        "Fenster schließen", "Programm beenden")), new TreeSet<>(b.queries().values()));
    for (var q : b.queries().entrySet()) {
      assertEquals("q" + ParallelPair.sourceId(q.getValue()), q.getKey());
    }
    String save = ParallelPair.sourceId("Save the file");
    assertEquals(Map.of(save, 1), b.qrels().get("q" + ParallelPair.sourceId("Datei speichern")));
    assertEquals(Map.of(save, 1), b.qrels().get("q" + ParallelPair.sourceId(
        "Die Datei speichern")));
  }

  @Test
  void aSeededSampleOfQueriesWithStableFiles() throws Exception {
    Bench a = make("sample-a", "--language", "de", "--max-queries", "2", "--seed", "5");
    make("sample-b", "--language", "de_DE", "--max-queries", "2", "--seed", "5");
    assertEquals(2, a.queries().size());
    assertEquals(5, a.corpus().size());
    for (String f : List.of("corpus.jsonl", "queries.jsonl", "qrels/test.tsv")) {
      assertEquals(Files.readString(dir.resolve("sample-a").resolve(f)),
          Files.readString(dir.resolve("sample-b").resolve(f)), f);
    }
    Bench fr = make("bench-fr", "--language", "fr");
    assertEquals(List.of("Print the page"), List.copyOf(fr.corpus().values()));
  }

  @Test
  void refusesAnUnknownLanguageAndAnEmptyHeldOutSet() throws Exception {
    String heldout = parallel.resolve("heldout").toString();
    assertEquals("omniembed make-benchmark: error: --language it: no held-out pairs in " + heldout
        + " (languages there: de, fr)", JobRunner.run("make-benchmark", "--parallel",
        parallel.toString(), "--language", "it", "--out", dir.resolve("it").toString()).err());
    assertEquals("omniembed make-benchmark: error: --language: 'qq' is not a language code (ISO"
        + " 639, optionally with a territory: de, pt_BR, zh-TW)", JobRunner.run("make-benchmark",
        "--parallel", parallel.toString(), "--language", "qq", "--out", dir.resolve("qq")
        .toString()).err());
    Path empty = dir.resolve("empty");
    Files.createDirectories(empty.resolve("heldout"));
    Files.writeString(empty.resolve("heldout/part-00000.jsonl"), "");
    assertEquals("omniembed make-benchmark: error: no held-out pairs in " + empty.resolve(
        "heldout") + " (make-parallel with --holdout-fraction above 0 writes them)",
        JobRunner.run("make-benchmark", "--parallel", empty.toString(), "--language", "de",
            "--out", dir.resolve("e").toString()).err());
    assertEquals(1, JobRunner.run("make-benchmark", "--parallel", parallel.toString(), "--out",
        dir.resolve("x").toString()).exitCode());
    assertTrue(!Files.exists(dir.resolve("it")));
  }
}
