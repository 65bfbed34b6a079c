package io.omniembed.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The recipes that record their knobs (jobs/recipes/common.sh, keep_budget) resume only a run of
 * the same budget: an earlier run's directory made with other knobs is refused, naming both,
 * before any job runs, and nothing in it is touched.
 */
class RecipeBudgetTest {

  /** Runs SCRIPT on an earlier run's OUT whose budget.txt is EARLIER, with ENV as the knobs. */
  static void assertRefused(Path dir, String script, String earlier, Map<String, String> env,
      String now) throws Exception {
    Path out = Files.createDirectories(dir.resolve("out"));
    Files.writeString(out.resolve(".omniembed-out"), "jobs/recipes/" + script + "\n");
    Files.writeString(out.resolve("budget.txt"), earlier + "\n");
    ProcessBuilder pb = new ProcessBuilder("bash", "jobs/recipes/" + script, out.toString())
        .redirectOutput(ProcessBuilder.Redirect.DISCARD);
    pb.environment().put("OMNIEMBED_CACHE", dir.resolve("cache").toString());
    pb.environment().putAll(env);
    Process p = pb.start();
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    p.waitFor(60, TimeUnit.SECONDS);
    assertEquals(2, p.exitValue(), err);
    assertEquals(script + ": " + out + " was made with other knobs:\n"
        + "  earlier: " + earlier + "\n"
        + "  now:     " + now + "\n"
        + "give a new directory, or the earlier knobs to resume (nothing was deleted)", err);
    assertEquals(earlier + "\n", Files.readString(out.resolve("budget.txt")));
    assertEquals(2, Files.list(out).count());
  }

  @Test
  void distillRefusesToResumeARunOfAnotherBudget(@TempDir Path dir) throws Exception {
    String earlier = "LANGS=de STEPS=10 BATCH=8 MAX_LENGTH=64 LR=2e-5 MAX_PAIRS=80"
        + " MAX_QUERIES=300 MAX_CORPUS=0 EVAL_MAX_LENGTH=128 SEED=1";
    assertRefused(dir, "distill.sh", earlier, Map.of("LANGS", "de", "STEPS", "20", "BATCH", "8"),
        earlier.replace("STEPS=10", "STEPS=20").replace("MAX_PAIRS=80", "MAX_PAIRS=160"));
  }

  @Test
  void fullRefusesToResumeARunOfAnotherBudget(@TempDir Path dir) throws Exception {
    String earlier = "STEPS_PFT=2 PFT_BATCH=32 PFT_CHUNK=16 PFT_LR=5e-5 STEPS_FT=2 FT_LR=2e-5"
        + " STEPS_MEDIA_FT=2 PFT_PAIRS=100 FT_PAIRS=64 LANGS=de MEDIA=tiny SPEECH_LIMIT=60"
        + " EVAL_QUERIES=20 EVAL_CORPUS=60 VAL_QUERIES=10 VAL_DISTRACTORS=10 EVAL_MAX_LENGTH=128"
        + " SEED=1";
    assertRefused(dir, "full.sh", earlier, Map.ofEntries(Map.entry("STEPS_PFT", "3"),
        Map.entry("PFT_BATCH", "32"), Map.entry("PFT_CHUNK", "16"), Map.entry("STEPS_FT", "2"),
        Map.entry("STEPS_MEDIA_FT", "2"), Map.entry("PFT_PAIRS", "100"),
        Map.entry("FT_PAIRS", "64"), Map.entry("LANGS", "de"), Map.entry("SPEECH_LIMIT", "60"),
        Map.entry("EVAL_QUERIES", "20"), Map.entry("EVAL_CORPUS", "60"),
        Map.entry("VAL_QUERIES", "10"), Map.entry("VAL_DISTRACTORS", "10")),
        earlier.replace("STEPS_PFT=2", "STEPS_PFT=3"));
  }
}
