package io.omniembed.train;

import io.omniembed.config.FrozenParameters;
import io.omniembed.config.TaskConfig;
import io.omniembed.config.TrainConfig;
import io.omniembed.data.TrainingExample;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The task mix of a run, decided against the data: the config's tasks (each must be in the data),
 * or, when the config names none, every task found in the data at rate 1 with the global batch
 * size and the default task string. Every task must fill at least one batch, and every worker
 * must get at least one example of each of its batches. Locked-text tasks ({@code lit-*}) need
 * the text side's parameters frozen ({@code train.frozen}): their text is the teacher's fixed
 * vectors, so nothing else would hold the student's text path where those vectors put it.
 */
public final class TaskMix {

  private TaskMix() {}

  /**
   * @param data    examples per task in the data, in the data's order
   * @param workers data-parallel workers that share every batch
   */
  public static Map<String, TaskConfig> resolve(TrainConfig cfg, Map<String, Long> data,
      int workers) {
    Map<String, TaskConfig> tasks = new LinkedHashMap<>();
    if (cfg.tasks().isEmpty()) {
      for (String name : data.keySet()) {
        tasks.put(name, new TaskConfig(name, TaskConfig.defaultTaskString(name), 1.0,
            cfg.batchSize()));
      }
    } else {
      for (TaskConfig t : cfg.tasks().values()) {
        if (!data.containsKey(t.name())) {
          throw new IllegalArgumentException("unknown task '" + t.name() + "' in the config: the"
              + " data has tasks " + data.keySet());
        }
        tasks.put(t.name(), t);
      }
    }
    for (TaskConfig t : tasks.values()) {
      if (TrainingExample.isLockedText(t.name()) && cfg.frozen() == FrozenParameters.NONE) {
        throw new IllegalArgumentException("task '" + t.name() + "' trains the media side"
            + " against a frozen text teacher: set train.frozen to text or all-but-media");
      }
      long n = data.get(t.name());
      if (t.batchSize() > n) {
        throw new IllegalArgumentException("task '" + t.name() + "' has " + n + " examples,"
            + " fewer than its batch size " + t.batchSize());
      }
      if (t.batchSize() < workers) {
        throw new IllegalArgumentException("task '" + t.name() + "' has batch size "
            + t.batchSize() + ", smaller than --workers " + workers + " (every worker needs at"
            + " least one example of every batch)");
      }
    }
    return tasks;
  }
}
