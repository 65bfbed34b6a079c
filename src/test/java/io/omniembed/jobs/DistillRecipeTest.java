package io.omniembed.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * jobs/recipes/distill.sh resumes only a run of the same budget: an earlier run's directory made
 * with other knobs is refused, naming both, before any job runs, and nothing in it is touched.
 */
class DistillRecipeTest {

  @Test
  void refusesToResumeARunOfAnotherBudget(@TempDir Path dir) throws Exception {
    Path out = Files.createDirectories(dir.resolve("out"));
    Files.writeString(out.resolve(".omniembed-out"), "jobs/recipes/distill.sh\n");
    String earlier = "LANGS=de STEPS=10 BATCH=8 MAX_LENGTH=64 LR=2e-5 MAX_PAIRS=80"
        + " MAX_QUERIES=300 MAX_CORPUS=0 EVAL_MAX_LENGTH=128 SEED=1";
    Files.writeString(out.resolve("budget.txt"), earlier + "\n");
    ProcessBuilder pb = new ProcessBuilder("bash", "jobs/recipes/distill.sh", out.toString())
        .redirectOutput(ProcessBuilder.Redirect.DISCARD);
    pb.environment().put("OMNIEMBED_CACHE", dir.resolve("cache").toString());
    pb.environment().put("LANGS", "de");
    pb.environment().put("STEPS", "20");
    pb.environment().put("BATCH", "8");
    Process p = pb.start();
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    p.waitFor(60, TimeUnit.SECONDS);
    assertEquals(2, p.exitValue(), err);
    assertEquals("distill.sh: " + out + " was made with other knobs:\n"
        + "  earlier: " + earlier + "\n"
        + "  now:     " + earlier.replace("STEPS=10", "STEPS=20").replace("MAX_PAIRS=80",
            "MAX_PAIRS=160") + "\n"
        + "give a new directory, or the earlier knobs to resume (nothing was deleted)", err);
    assertEquals(earlier + "\n", Files.readString(out.resolve("budget.txt")));
    assertEquals(2, Files.list(out).count());
  }
}
