package io.omniembed.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.omniembed.data.parallel.ParallelPair;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The X → English benchmark of one language's held-out pairs, without Spark or files. */
class CrossLingualBenchmarkTest {

  static ParallelPair de(String source, String translation) {
    return new ParallelPair("de", source, translation, "pkg");
  }

  static final List<ParallelPair> PAIRS = List.of(
      de("Open", "Öffnen"),
      de("Open…", "Öffnen"),                        // the same translation: never a query
      de("Save the file", "Datei speichern"),
      de("Save the file", "Die Datei speichern"),   // another translation: a second query
      de("Close the window", "Fenster schließen"),
      new ParallelPair("fr", "Print the page", "Imprimer la page", "pkg"));

  static final CrossLingualBenchmark.Settings ALL = new CrossLingualBenchmark.Settings(100, 0, 17);

  @Test
  void queriesAreUnambiguousTranslationsAndTheCorpusTheLanguagesSources() {
    BenchmarkBuilder.Files f = CrossLingualBenchmark.build(PAIRS, "de", ALL);
    assertEquals(4, f.documentCount());                 // Open, Open…, Save, Close; no fr
    assertEquals(3, f.queryCount());
    assertTrue(f.corpus().contains("{\"_id\":\"" + ParallelPair.sourceId("Open…")
        + "\",\"title\":\"\",\"text\":\"Open…\"}"), f.corpus());
    assertTrue(!f.corpus().contains("Print the page"), f.corpus());
    assertTrue(!f.queries().contains("Öffnen"), f.queries());
    String save = ParallelPair.sourceId("Save the file");
    assertTrue(f.qrels().contains("q" + ParallelPair.sourceId("Datei speichern") + "\t" + save
        + "\t1\n"), f.qrels());
    assertTrue(f.qrels().contains("q" + ParallelPair.sourceId("Die Datei speichern") + "\t" + save
        + "\t1\n"), f.qrels());
    assertTrue(f.qrels().startsWith("query-id\tcorpus-id\tscore\n"));
  }

  @Test
  void theSampleDependsOnTheSeedNotOnTheOrderOfThePairs() {
    List<ParallelPair> many = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      many.add(de("Sentence number " + i, "Satz Nummer " + i));
    }
    CrossLingualBenchmark.Settings five = new CrossLingualBenchmark.Settings(5, 12, 3);
    BenchmarkBuilder.Files a = CrossLingualBenchmark.build(many, "de", five);
    List<ParallelPair> shuffled = new ArrayList<>(many);
    Collections.shuffle(shuffled, new Random(99));
    BenchmarkBuilder.Files b = CrossLingualBenchmark.build(shuffled, "de", five);
    assertEquals(a, b);
    assertEquals(5, a.queryCount());
    assertEquals(12, a.documentCount());                // the 5 targets and 7 others
    for (String line : a.qrels().strip().split("\n")) {
      if (!line.startsWith("query-id")) {
        assertTrue(a.corpus().contains("\"_id\":\"" + line.split("\t")[1] + "\""), line);
      }
    }
    BenchmarkBuilder.Files c = CrossLingualBenchmark.build(many, "de",
        new CrossLingualBenchmark.Settings(5, 12, 4));
    assertTrue(!a.queries().equals(c.queries()), "another seed, another sample");
  }

  @Test
  void aLanguageWithoutPairsGivesNothingAndBadSettingsAreRefused() {
    assertNull(CrossLingualBenchmark.build(PAIRS, "it", ALL));
    assertEquals(List.of("de", "fr"), List.copyOf(CrossLingualBenchmark.languages(PAIRS)));
    assertEquals("--max-queries must be at least 1, got 0", assertThrows(
        IllegalArgumentException.class, () -> new CrossLingualBenchmark.Settings(0, 0, 1))
        .getMessage());
  }
}
