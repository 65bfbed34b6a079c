package io.omniembed.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrainConfigTest {

  @Test
  void stageFilesAndOverridesResolveOverTheDefaults() throws Exception {
    Path pft = Path.of("conf/train/pft.conf");
    TrainConfig c = TrainConfig.resolve(Files.readString(pft), pft.toString(),
        List.of("train.lr=1e-4", "seed=9", "tasks.code-doc2code.batch_size=16"), "data.jsonl");
    assertEquals(300, c.steps());
    assertEquals(1e-4, c.lr());
    assertEquals(9, c.seed());
    assertEquals("data.jsonl", c.data());
    assertEquals(16, c.tasks().get("code-doc2code").batchSize());
    assertEquals(64, c.tasks().get("text-definition").batchSize());
    assertEquals(0.05, c.temperature(), "from defaults.conf");
    TrainConfig ft = TrainConfig.resolve(Files.readString(Path.of("conf/train/ft.conf")),
        "conf/train/ft.conf", List.of(), null);
    assertEquals(200, ft.steps());
  }

  @Test
  void unknownKeysFail() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TrainConfig.resolve("train { stepz = 3 }", "x.conf", List.of(), null));
    assertEquals("x.conf: unknown key 'train.stepz' (see conf/train/defaults.conf)",
        e.getMessage());
    IllegalArgumentException task = assertThrows(IllegalArgumentException.class,
        () -> TrainConfig.resolve("tasks { t { rat = 1 } }", "y.conf", List.of(), null));
    assertEquals("y.conf: unknown task setting 'tasks.t.rat' (a task takes task_string, rate and"
        + " batch_size)", task.getMessage());
    IllegalArgumentException value = assertThrows(IllegalArgumentException.class,
        () -> TrainConfig.resolve(null, null, List.of("train.schedule=wavy"), null));
    assertEquals("train.schedule must be one of [cosine, linear, constant], got wavy",
        value.getMessage());
  }
}
