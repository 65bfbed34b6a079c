package io.omniembed.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.omniembed.data.parallel.MoCatalog.Message;
import io.omniembed.data.parallel.MoWriter;
import io.omniembed.data.parallel.PackageSplit;
import io.omniembed.data.parallel.ParallelPair;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * make-parallel end to end on a generated locale tree (catalogs written by {@link MoWriter} in
 * both byte orders) on a local[2] Spark: every filter, the duplicate rules, the package split,
 * refused catalogs and locale names, and the sources for the teacher.
 */
class MakeParallelJobTest {

  static final PackageSplit HALF = new PackageSplit(0.5);

  /** The first package names of "pkg-a", "pkg-b", ... on the given side of a 50% split. */
  static List<String> packages(boolean heldOut, int n) {
    List<String> out = new ArrayList<>();
    for (char c = 'a'; out.size() < n; c++) {
      if (HALF.heldOut("pkg-" + c) == heldOut) {
        out.add("pkg-" + c);
      }
    }
    return out;
  }

  static void catalog(Path locales, String locale, String pkg, Map<String, String> header,
      List<Message> messages, ByteOrder order) throws Exception {
    Path dir = locales.resolve(locale).resolve("LC_MESSAGES");
    Files.createDirectories(dir);
    Files.write(dir.resolve(pkg + ".mo"), MoWriter.write(header, messages, order));
  }

  static Message m(String id, String str) {
    return new Message(null, id, null, List.of(str));
  }

  /** The fixture tree; returns {train package 1, train package 2, held-out package}. */
  static List<String> locales(Path locales) throws Exception {
    List<String> train = packages(false, 2);
    String held = packages(true, 1).get(0);
    String t1 = train.get(0);
    String t2 = train.get(1);
    Map<String, String> de = Map.of("Language", "de", "Content-Type",
        "text/plain; charset=UTF-8");
    catalog(locales, "de", t1, de, List.of(
        m("No such file", "Datei nicht gefunden"),
        m("Untranslated", ""),
        m("Linux kernel", "Linux kernel"),
        m("%s: %s", "%s : %s"),
        m("%s: cannot open %s", "%s: kann nicht öffnen"),
        m("No", "Nein"),
        m("Done", "Der Vorgang wurde erfolgreich abgeschlossen"),
        new Message(null, "%d file removed", "%d files removed",
            List.of("%d Datei entfernt", "%d Dateien entfernt")),
        new Message("menu", "Open file", null, List.of("Datei öffnen")),
        m("Shared sentence", "Geteilter Satz")), ByteOrder.LITTLE_ENDIAN);
    catalog(locales, "de_DE", t2, Map.of("Language", "de_DE"), List.of(
        m("No such file", "Datei nicht gefunden"),
        new Message("error", "No such file", null, List.of("Keine solche Datei"))),
        ByteOrder.BIG_ENDIAN);
    catalog(locales, "de", held, de, List.of(
        m("Shared sentence", "Gemeinsamer Satz"),
        m("Held out only", "Nur zurückgehalten")), ByteOrder.BIG_ENDIAN);
    catalog(locales, "pt_BR", t1, Map.of("Language", "pt_BR"), List.of(
        m("No such file", "Arquivo não encontrado")), ByteOrder.LITTLE_ENDIAN);
    catalog(locales, "fr", t1, Map.of("Language", "de"), List.of(
        m("No such file", "Datei nicht gefunden")), ByteOrder.LITTLE_ENDIAN);
    catalog(locales, "en_GB", t1, Map.of(), List.of(m("Color", "Colour")),
        ByteOrder.LITTLE_ENDIAN);
    catalog(locales, "xx", t1, Map.of(), List.of(m("No such file", "?")),
        ByteOrder.LITTLE_ENDIAN);
    Files.write(locales.resolve("de/LC_MESSAGES/broken.mo"), new byte[] {1, 2, 3, 4});
    Files.writeString(locales.resolve("locale.alias"), "german de_DE.ISO-8859-1\n");
    return List.of(t1, t2, held);
  }

  static List<JsonNode> rows(Path dir) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    ObjectMapper json = new ObjectMapper();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (Stream<Path> parts = Files.list(dir)) {
      for (Path p : parts.filter(f -> f.getFileName().toString().endsWith(".jsonl")).sorted()
          .toList()) {
        for (String line : Files.readAllLines(p)) {
          out.add(json.readTree(line));
        }
      }
    }
    return out;
  }

  static String pair(JsonNode r) {
    return r.get("lang").asText() + " | " + r.get("source").asText() + " | "
        + r.get("translation").asText() + " | " + r.get("package").asText();
  }

  @Test
  void makesFilteredDeduplicatedPairsSplitByPackage(@TempDir Path dir) throws Exception {
    List<String> pkgs = locales(dir.resolve("locale"));
    String t1 = pkgs.get(0);
    String t2 = pkgs.get(1);
    String held = pkgs.get(2);
    Path out = dir.resolve("out");
    JobRunner.Result r = JobRunner.run("make-parallel", "--locales",
        dir.resolve("locale").toString(), "--out", out.toString(), "--holdout-fraction", "0.5",
        "--master", "local[2]");
    assertEquals(0, r.exitCode(), r.err());

    List<String> train = rows(out.resolve("train")).stream().map(MakeParallelJobTest::pair)
        .toList();
    assertEquals(List.of(
        "de | %d file removed | %d Datei entfernt | " + t1,
        "de | No such file | Datei nicht gefunden | " + t1,      // also in t2: kept once
        "de | No such file | Keine solche Datei | " + t2,        // another translation: kept
        "de | Open file | Datei öffnen | " + t1,                  // context stripped
        "pt-BR | No such file | Arquivo não encontrado | " + t1), train);
    assertEquals(List.of(
        "de | Held out only | Nur zurückgehalten | " + held,
        "de | Shared sentence | Gemeinsamer Satz | " + held), rows(out.resolve("heldout"))
        .stream().map(MakeParallelJobTest::pair).toList());
    JsonNode first = rows(out.resolve("train")).get(0);
    assertEquals("distill-de", first.get("task").asText());
    assertEquals(ParallelPair.sourceId("%d file removed"), first.get("source_id").asText());

    // The English of both sides, once each, keyed as the pairs are.
    TreeSet<String> sources = new TreeSet<>();
    for (JsonNode s : rows(out.resolve("sources"))) {
      assertEquals(ParallelPair.sourceId(s.get("text").asText()), s.get("id").asText());
      sources.add(s.get("text").asText());
    }
    assertEquals(new TreeSet<>(List.of("%d file removed", "No such file", "Open file",
        "Held out only", "Shared sentence")), sources);

    JsonNode summary = new ObjectMapper().readTree(out.resolve("_summary.json").toFile());
    JsonNode deCounts = summary.get("languages").get("de");
    assertEquals(4, deCounts.get("train").asInt());
    assertEquals(2, deCounts.get("heldout").asInt());
    assertEquals(4, deCounts.get("catalogs").asInt());          // de and de_DE, broken.mo too
    assertEquals(1, deCounts.get("catalogs_refused").asInt());
    assertEquals(3, deCounts.get("packages").asInt());
    assertEquals(14, deCounts.get("messages").asInt());
    Map<String, Integer> dropped = new java.util.TreeMap<>();
    deCounts.get("dropped").fields().forEachRemaining(e -> dropped.put(e.getKey(),
        e.getValue().asInt()));
    assertEquals(new java.util.TreeMap<>(Map.of("empty", 1, "identical", 1, "format_only", 1,
        "placeholder_mismatch", 1, "too_short", 1, "length_ratio", 1, "duplicate", 1,
        "english_in_heldout", 1)), dropped);
    assertEquals(1, summary.get("languages").get("pt-BR").get("train").asInt());
    assertEquals(1, summary.get("languages").get("fr").get("catalogs_refused").asInt());
    assertEquals(0, summary.get("languages").get("fr").get("train").asInt());
    String refusedFr = summary.get("refused_catalogs").get(dir.resolve("locale/fr/LC_MESSAGES/"
        + t1 + ".mo").toUri().toString().replace("file:///", "file:/")).asText();
    assertEquals("header Language 'de' in a fr directory", refusedFr);
    assertTrue(summary.get("refused_catalogs").toString().contains("not a .mo file"),
        summary.toString());
    assertEquals("[\"en_GB\"]", summary.get("english_locales_skipped").toString());
    assertTrue(summary.get("unrecognised_locales").has("xx"), summary.toString());
    assertEquals(5, summary.get("total").get("train").asInt());
  }

  @Test
  void keepsTheLanguagesAskedForAndRefusesBadOptions(@TempDir Path dir) throws Exception {
    locales(dir.resolve("locale"));
    Path out = dir.resolve("out");
    JobRunner.Result r = JobRunner.run("make-parallel", "--locales",
        dir.resolve("locale").toString(), "--out", out.toString(), "--languages", "pt_BR,it",
        "--holdout-fraction", "0", "--master", "local[2]");
    assertEquals(0, r.exitCode(), r.err());
    assertEquals(List.of("pt-BR"), rows(out.resolve("train")).stream()
        .map(n -> n.get("lang").asText()).distinct().toList());
    assertEquals(false, Files.exists(out.resolve("heldout")));
    JsonNode summary = new ObjectMapper().readTree(out.resolve("_summary.json").toFile());
    assertEquals("[\"it\"]", summary.get("languages_not_found").toString());

    String locale = dir.resolve("locale").toString();
    assertEquals("omniembed make-parallel: error: --languages: 'qq' is not a language code"
        + " (ISO 639, optionally with a territory: de, pt_BR, zh-TW)", JobRunner.run(
            "make-parallel", "--locales", locale, "--out", dir.resolve("o2").toString(),
            "--languages", "qq").err());
    assertEquals("omniembed make-parallel: error: --languages: 'en_US' is English, the source"
        + " side of every pair", JobRunner.run("make-parallel", "--locales", locale, "--out",
            dir.resolve("o3").toString(), "--languages", "en_US").err());
    assertEquals("omniembed make-parallel: error: --locales " + dir.resolve("none")
        + ": no such directory", JobRunner.run("make-parallel", "--locales",
            dir.resolve("none").toString(), "--out", dir.resolve("o4").toString()).err());
    assertEquals("omniembed make-parallel: error: --holdout-fraction must be in [0, 1), got 1.0",
        JobRunner.run("make-parallel", "--locales", locale, "--out",
            dir.resolve("o5").toString(), "--holdout-fraction", "1").err());
    assertEquals("omniembed make-parallel: error: --max-ratio must be >= 1, got 0.5",
        JobRunner.run("make-parallel", "--locales", locale, "--out",
            dir.resolve("o6").toString(), "--max-ratio", "0.5").err());
  }
}
