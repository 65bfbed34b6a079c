package io.omniembed.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.omniembed.config.TaskConfig;
import io.omniembed.config.TrainConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a resumed run must keep of OUT/train.conf, and what it may change. */
class RunConfigTest {

  static TrainConfig config(List<String> sets, String data, TaskConfig... tasks) {
    Map<String, TaskConfig> mix = new LinkedHashMap<>();
    for (TaskConfig t : tasks) {
      mix.put(t.name(), t);
    }
    return TrainConfig.resolve(null, null, sets, data).withTasks(mix);
  }

  static final TaskConfig A = new TaskConfig("a", "task: a | query: ", 1.0, 4);
  static final TaskConfig B = new TaskConfig("b", "task: b | query: ", 1.0, 4);

  @Test
  void theRecordedConfigReadsBackWithItsTaskMix() {
    TrainConfig saved = config(List.of("train.steps=6", "seed=2"), "d.jsonl", A, B);
    TrainConfig back = TrainConfig.parseResolved(saved.render(), "train.conf");
    assertEquals(Map.of("a", A, "b", B), back.tasks());
    assertEquals(List.of(), RunConfig.differences(back, saved));
  }

  @Test
  void seedDataMixAndStepsDifferButTheLearningRateMayChange() {
    TrainConfig saved = config(List.of("train.steps=6"), "d.jsonl", A, B);
    assertEquals(List.of(), RunConfig.differences(saved,
        config(List.of("train.steps=6", "train.lr=1e-3", "train.checkpoint_every=1"), "d.jsonl",
            A, B)));
    TrainConfig now = config(List.of("train.steps=8", "seed=1"), "e.jsonl",
        new TaskConfig("a", "task: x | query: ", 2.0, 8),
        new TaskConfig("c", "task: c | query: ", 1.0, 4));
    assertEquals(List.of("seed: 0 -> 1", "data: d.jsonl -> e.jsonl", "train.steps: 6 -> 8",
        "tasks.a.task_string: \"task: a | query: \" -> \"task: x | query: \"",
        "tasks.a.rate: 1.0 -> 2.0", "tasks.a.batch_size: 4 -> 8",
        "tasks.b: {task_string \"task: b | query: \", rate 1.0, batch_size 4} -> (none)",
        "tasks.c: (none) -> {task_string \"task: c | query: \", rate 1.0, batch_size 4}"),
        RunConfig.differences(saved, now));
  }

  @Test
  void aResumeWithAnotherScheduleIsRefusedUnlessAllowed(@TempDir Path dir) throws Exception {
    Configuration conf = new Configuration();
    String out = dir.toString();
    TrainConfig saved = config(List.of("train.steps=6"), "d.jsonl", A);
    RunConfig.record(out, saved, false, false, conf);
    TrainConfig longer = config(List.of("train.steps=9"), "d.jsonl", A);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> RunConfig.record(out, longer, true, false, conf));
    assertEquals("--resume: the config differs from " + out + "/train.conf in train.steps: 6 ->"
        + " 9; these decide the examples of every step and the learning-rate schedule (add"
        + " --allow-config-change to resume with them anyway)", e.getMessage());
    assertEquals(saved.render(), Files.readString(dir.resolve("train.conf")), "kept as it was");

    RunConfig.record(out, longer, true, true, conf);
    assertEquals(9, TrainConfig.parseResolved(Files.readString(dir.resolve("train.conf")), "t")
        .steps());
  }
}
