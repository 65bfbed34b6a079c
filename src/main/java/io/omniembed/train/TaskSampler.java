package io.omniembed.train;

import io.omniembed.data.Seeds;
import io.omniembed.config.TaskConfig;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Chooses the task of every step by the configured rates and draws that step's batch from that
 * task only (the recipe's single-task batches). Each task walks through its examples in seeded
 * per-epoch {@link Permutation}s, its k-th batch taking positions k·B .. k·B+B−1 of that walk; which task a step gets and which examples it draws depend only on the
 * seed and the step, so resuming at any step reproduces the schedule exactly.
 */
public final class TaskSampler {

  /** The batch of one step: a task and indices into that task's examples. */
  public record Draw(int step, String task, int[] indices) {}

  private final List<TaskConfig> tasks;
  private final int[] poolSizes;
  private final long seed;
  private final double totalRate;
  private final long[] drawn;      // batches drawn so far per task, up to step `position`
  private int position;            // steps already replayed

  public TaskSampler(List<TaskConfig> tasks, int[] poolSizes, long seed) {
    this.tasks = List.copyOf(tasks);
    this.poolSizes = poolSizes.clone();
    this.seed = seed;
    double total = 0;
    for (TaskConfig t : tasks) {
      total += t.rate();
    }
    this.totalRate = total;
    this.drawn = new long[tasks.size()];
  }

  /** The task of step {@code step} (1-based). */
  public int taskOf(int step) {
    double x = new SplittableRandom(Seeds.mix(seed, step, 1)).nextDouble() * totalRate;
    for (int t = 0; t < tasks.size(); t++) {
      x -= tasks.get(t).rate();
      if (x < 0) {
        return t;
      }
    }
    return tasks.size() - 1;
  }

  /** The batch of step {@code step}; steps may be asked in any order. */
  public Draw draw(int step) {
    if (step <= position) {
      position = 0;
      java.util.Arrays.fill(drawn, 0);
    }
    while (position < step - 1) {
      position++;
      drawn[taskOf(position)]++;
    }
    int t = taskOf(step);
    TaskConfig task = tasks.get(t);
    int size = poolSizes[t];
    int[] indices = new int[task.batchSize()];
    long start = drawn[t] * task.batchSize();
    for (int i = 0; i < indices.length; i++) {
      long pos = start + i;
      int epoch = (int) (pos / size);
      indices[i] = (int) permutation(t, epoch).apply(pos % size);
    }
    position = step;
    drawn[t]++;
    return new Draw(step, task.name(), indices);
  }

  /** The order in which task {@code task} walks its examples in epoch {@code epoch}. */
  Permutation permutation(int task, int epoch) {
    return new Permutation(poolSizes[task], Seeds.mix(seed, task, epoch, 2));
  }

  public List<TaskConfig> tasks() {
    return tasks;
  }

  public int poolSize(int task) {
    return poolSizes[task];
  }
}
