package io.omniembed.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scripts under jobs/ and notebooks/ never delete a directory the user named unless they
 * made it themselves (jobs/outdir.sh): a non-empty directory of the user's is refused before
 * anything runs, and nothing in it is touched.
 */
class ScriptOutputDirTest {

  /** Every script that takes an output directory (its first argument). */
  static final List<String> SCRIPTS = List.of("jobs/quickstart.sh", "notebooks/check.sh",
      "jobs/recipes/code-finetune.sh", "jobs/recipes/distill.sh", "jobs/recipes/multimodal.sh",
      "jobs/recipes/media-lit.sh", "jobs/recipes/s3a-local.sh",
      "jobs/recipes/synthetic-code-ablation.sh", "jobs/recipes/full.sh",
      "jobs/bench/embed-resume.sh", "jobs/bench/s3a-throughput.sh");

  record Run(int exitCode, String err) {}

  static Run bash(Path cache, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("bash"));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD);
    pb.environment().put("OMNIEMBED_CACHE", cache.toString());
    Process p = pb.start();
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), String.join(" ", cmd));
    return new Run(p.exitValue(), err.strip());
  }

  @Test
  void everyScriptRefusesANonEmptyDirectoryItDidNotMake(@TempDir Path dir) throws Exception {
    Path mine = dir.resolve("mine");
    Files.createDirectories(mine.resolve("sub"));
    Files.writeString(mine.resolve("notes.txt"), "keep me");
    for (String script : SCRIPTS) {
      Run r = bash(dir.resolve("cache"), script, mine.toString());
      assertEquals(2, r.exitCode(), script + ": " + r.err());
      assertEquals(script + ": " + mine + " is not empty and was not made by " + script
          + "; give a new or empty directory (nothing was deleted)", r.err());
      assertEquals("keep me", Files.readString(mine.resolve("notes.txt")), script);
      assertTrue(Files.isDirectory(mine.resolve("sub")), script);
    }
  }

  @Test
  void aScriptTakesItsOwnEarlierOutputBack(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("a/out");
    Path cache = dir.resolve("cache");
    assertEquals(0, outdir(cache, "fresh_out", out, "s1").exitCode());
    assertEquals("s1", Files.readString(out.resolve(".omniembed-out")).strip());
    Files.writeString(out.resolve("result.json"), "{}");

    // claim_out (recipes, which resume) keeps an earlier run's files; fresh_out empties them.
    assertEquals(0, outdir(cache, "claim_out", out, "s1").exitCode());
    assertTrue(Files.exists(out.resolve("result.json")));
    assertEquals(0, outdir(cache, "fresh_out", out, "s1").exitCode());
    assertTrue(Files.notExists(out.resolve("result.json")));
    assertTrue(Files.exists(out.resolve(".omniembed-out")));

    // Another script's output is not this one's to take.
    Files.writeString(out.resolve("result.json"), "{}");
    Run other = outdir(cache, "fresh_out", out, "s2");
    assertEquals(2, other.exitCode());
    assertEquals("s2: " + out + " is not empty and was not made by s2; give a new or empty"
        + " directory (nothing was deleted)", other.err());
    assertTrue(Files.exists(out.resolve("result.json")));

    // An empty directory of the user's is taken; a file in the directory's place is refused.
    Path empty = Files.createDirectories(dir.resolve("empty"));
    assertEquals(0, outdir(cache, "fresh_out", empty, "s1").exitCode());
    Path file = Files.writeString(dir.resolve("file"), "x");
    assertEquals("s1: " + file + " exists and is not a directory; give a new or empty directory",
        outdir(cache, "claim_out", file, "s1").err());
  }

  private static Run outdir(Path cache, String function, Path dir, String name)
      throws Exception {
    return bash(cache, "-c", "source jobs/outdir.sh && " + function + " \"$0\" \"$1\"",
        dir.toString(), name);
  }
}
