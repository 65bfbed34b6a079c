package io.omniembed.jobs;

import io.omniembed.pipeline.SyntheticCodeStage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.omniembed.data.code.SyntheticCode.Kind;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * synth-code end to end on real code: a sources jar made from this project's own Java sources, a
 * JavaScript file with JSDoc, a file that does not parse, and a WordNet-format noun index.
 */
class SynthCodeJobTest {

  static Path sourcesJar(Path dir) throws Exception {
    Path jar = dir.resolve("omniembed-sources.jar");
    try (OutputStream os = Files.newOutputStream(jar);
        ZipOutputStream zip = new ZipOutputStream(os);
        Stream<Path> files = Files.walk(Path.of("src/main/java/io/omniembed/train"))) {
      for (Path p : files.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
        zip.putNextEntry(new ZipEntry(Path.of("src/main/java").relativize(p).toString()));
        zip.write(Files.readAllBytes(p));
        zip.closeEntry();
      }
      zip.putNextEntry(new ZipEntry("broken/Broken.java"));
      zip.write("public class Broken { void f( { }".getBytes());
      zip.closeEntry();
    }
    return jar;
  }

  static Path wordnet(Path dir) throws Exception {
    Path wn = dir.resolve("wordnet");
    Files.createDirectories(wn);
    StringBuilder b = new StringBuilder("  1 This software and database is being provided\n");
    for (String n : List.of("river", "city", "mountain", "lake", "harbor", "bridge", "tower",
        "garden", "market", "school", "museum", "station", "forest", "island", "valley", "castle",
        "temple", "library", "factory", "stadium", "airport", "bakery")) {
      // lemma pos synset_cnt p_cnt ptr sense_cnt tagsense_cnt offset
      b.append(n).append(" n 1 1 @ 1 1 00001740\n");
    }
    b.append("plesiosauria n 1 0 1 0 01234567\n");   // never tagged: left out
    Files.writeString(wn.resolve("index.noun"), b);
    return wn;
  }

  @Test
  void generatesEveryKindAndNamesWhatItCouldNotParse(@TempDir Path dir) throws Exception {
    Path js = dir.resolve("util.js");
    Files.writeString(js, "/**\n * Returns the larger of two numbers.\n * @param {number} a\n */\n"
        + "function larger(a, b) {\n  return a > b ? a : b;\n}\n");
    Path out = dir.resolve("out");
    JobRunner.Result r = JobRunner.run("synth-code", "--sources", sourcesJar(dir).toString(),
        js.toString(), "--out", out.toString(), "--wordnet", wordnet(dir).toString(),
        "--sql-examples", "50", "--master", "local[2]");
    assertEquals(0, r.exitCode(), r.err());

    JsonNode summary = new ObjectMapper().readTree(out.resolve("_summary.json").toFile());
    assertEquals(1, summary.get("files_unparseable").asInt(), summary.toString());
    assertTrue(summary.get("unparseable").fieldNames().next().endsWith("!/broken/Broken.java"));
    Map<String, Integer> perTask = new HashMap<>();
    ObjectMapper json = new ObjectMapper();
    try (Stream<Path> parts = Files.list(out)) {
      for (Path p : parts.filter(f -> f.getFileName().toString().endsWith(".jsonl")).toList()) {
        for (String line : Files.readAllLines(p)) {
          JsonNode e = json.readTree(line);
          perTask.merge(e.get("task").asText(), 1, Integer::sum);
          assertTrue(!e.get("query").asText().isBlank() && !e.get("positive").asText().isBlank());
        }
      }
    }
    for (String task : List.of("code-doc2code", "code-code2code", "code-text2sql",
        "code-feedback")) {
      assertEquals(summary.get("examples_per_task").get(task).asInt(),
          perTask.getOrDefault(task, 0), task);
      assertTrue(perTask.getOrDefault(task, 0) > 0, task + ": " + perTask);
    }
    assertEquals(50, perTask.get("code-text2sql"));

    // The output is training data as it stands.
    JobRunner.Result t = JobRunner.run("train", "--data", out.toString(), "--init",
        "random:tiny", "--out", dir.resolve("model").toString(), "--set", "train.steps=2",
        "--set", "train.batch_size=4", "--master", "local[2]");
    assertEquals(0, t.exitCode(), t.err());

    assertEquals("omniembed synth-code: error: unknown kind 'sql' (known: doc2code, code2code,"
        + " text2sql, code-feedback)", JobRunner.run("synth-code", "--sources", js.toString(),
            "--out", dir.resolve("o2").toString(), "--kinds", "sql").err());
    assertEquals("omniembed synth-code: error: source " + dir.resolve("nope") + ": no such file"
        + " or directory", JobRunner.run("synth-code", "--sources", dir.resolve("nope")
            .toString(), "--out", dir.resolve("o3").toString(), "--kinds", "doc2code").err());
  }

  @Test
  void theDefaultKindsLeaveText2sqlOutWithoutWordNetAndSaySo() throws Exception {
    SyntheticCodeStage.Exists none = p -> false;
    SyntheticCodeStage.Plan plan = SyntheticCodeStage.plan(SyntheticCodeStage.kinds(List.of()), false, null, none);
    assertEquals(EnumSet.of(Kind.DOC2CODE, Kind.CODE2CODE, Kind.CODE_FEEDBACK), plan.kinds());
    assertEquals(null, plan.nounIndex());
    assertEquals("no WordNet dictionary at /usr/share/wordnet (install Debian wordnet-base, or"
        + " give --wordnet DIR)", plan.leftOut());

    SyntheticCodeStage.Plan withWordnet = SyntheticCodeStage.plan(SyntheticCodeStage.kinds(List.of()), false, null,
        p -> p.equals("/usr/share/wordnet/index.noun"));
    assertEquals(EnumSet.allOf(Kind.class), withWordnet.kinds());
    assertEquals("/usr/share/wordnet/index.noun", withWordnet.nounIndex());
    assertEquals(null, withWordnet.leftOut());

    // text2sql asked for, by --kinds or by naming a dictionary: no dictionary is an error.
    String error = "--wordnet /usr/share/wordnet: no index.noun (install Debian wordnet-base, or"
        + " leave text2sql out of --kinds)";
    assertEquals(error, assertThrows(IllegalArgumentException.class, () -> SyntheticCodeStage.plan(
        SyntheticCodeStage.kinds(List.of("text2sql")), true, null, none)).getMessage());
    assertEquals(error.replace("/usr/share/wordnet", "/x"),
        assertThrows(IllegalArgumentException.class, () -> SyntheticCodeStage.plan(
            SyntheticCodeStage.kinds(List.of()), false, "/x", none)).getMessage());
  }

  /** The job as a fresh machine runs it: default kinds, WordNet only where it is installed. */
  @Test
  void defaultKindsRunWhetherOrNotWordNetIsInstalled(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("out");
    JobRunner.Result r = JobRunner.run("synth-code", "--sources", sourcesJar(dir).toString(),
        "--out", out.toString(), "--sql-examples", "20", "--master", "local[2]");
    assertEquals(0, r.exitCode(), r.err());
    JsonNode summary = new ObjectMapper().readTree(out.resolve("_summary.json").toFile());
    boolean wordnet = Files.exists(Path.of("/usr/share/wordnet/index.noun"));
    assertEquals(wordnet ? List.of("doc2code", "code2code", "text2sql", "code-feedback")
        : List.of("doc2code", "code2code", "code-feedback"), texts(summary.get("kinds")));
    assertEquals(wordnet ? 20 : 0, summary.get("examples_per_task").path("code-text2sql")
        .asInt());
    assertEquals(!wordnet, summary.has("left_out"), summary.toString());
    assertTrue(summary.get("examples_per_task").get("code-doc2code").asInt() > 0);
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new java.util.ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }
}
