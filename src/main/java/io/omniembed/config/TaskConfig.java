package io.omniembed.config;

/**
 * One task of a training mix: its name (as in the data's {@code task} column), the task string
 * prepended to its text queries, its sampling rate (relative) and its batch size.
 */
public record TaskConfig(String name, String taskString, double rate, int batchSize)
    implements java.io.Serializable {

  public TaskConfig {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("task name must not be empty");
    }
    if (!(rate > 0)) {
      throw new IllegalArgumentException("task '" + name + "': rate must be > 0, got " + rate);
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("task '" + name + "': batch_size must be >= 1, got "
          + batchSize);
    }
  }

  /** The task string used when a config names none: "task: NAME | query: ". */
  public static String defaultTaskString(String name) {
    return "task: " + name.replace('-', ' ').replace('_', ' ') + " | query: ";
  }
}
