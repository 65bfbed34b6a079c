package io.omniembed.train;

import java.util.ArrayList;
import java.util.List;

/**
 * The {@link TaskSampler}'s schedule seen from the data's side: for an example (task, index), the
 * steps and batch slots it is drawn into over a run of {@code steps} steps, and which of W
 * workers owns each slot. This lets a Spark job send every example only to the worker that needs
 * it, in step order, instead of collecting the data anywhere: the workers then see exactly the
 * global batches a single worker would draw.
 *
 * <p>A task's k-th batch takes positions k·B .. k·B+B−1 of its walk through seeded epoch
 * permutations, so example x of epoch e sits at position e·n + π_e⁻¹(x); dividing by B gives the
 * batch and the slot. Worker r of W owns slots ⌊rB/W⌋ .. ⌊(r+1)B/W⌋−1 of every batch.
 */
public final class BatchSchedule {

  /** One use of an example: the step and its slot in that step's global batch. */
  public record Use(int step, int slot) {}

  private final TaskSampler sampler;
  private final int[][] stepsOfTask;   // [task] → the steps drawn from it, ascending

  public BatchSchedule(TaskSampler sampler, int steps) {
    this.sampler = sampler;
    int tasks = sampler.tasks().size();
    int[] counts = new int[tasks];
    int[] taskOfStep = new int[steps + 1];
    for (int s = 1; s <= steps; s++) {
      taskOfStep[s] = sampler.taskOf(s);
      counts[taskOfStep[s]]++;
    }
    stepsOfTask = new int[tasks][];
    for (int t = 0; t < tasks; t++) {
      stepsOfTask[t] = new int[counts[t]];
    }
    int[] filled = new int[tasks];
    for (int s = 1; s <= steps; s++) {
      int t = taskOfStep[s];
      stepsOfTask[t][filled[t]++] = s;
    }
  }

  /** Every (step, slot) in which example {@code index} of task {@code task} is drawn. */
  public List<Use> uses(int task, long index) {
    int batch = sampler.tasks().get(task).batchSize();
    long n = sampler.poolSize(task);
    long drawnPositions = (long) stepsOfTask[task].length * batch;
    List<Use> uses = new ArrayList<>();
    for (int epoch = 0; (long) epoch * n < drawnPositions; epoch++) {
      long position = epoch * n + sampler.permutation(task, epoch).inverse(index);
      if (position < drawnPositions) {
        uses.add(new Use(stepsOfTask[task][(int) (position / batch)],
            (int) (position % batch)));
      }
    }
    return uses;
  }

  /** The first slot worker {@code rank} of {@code workers} owns in a batch of {@code batch}. */
  public static int shareStart(int batch, int workers, int rank) {
    return (int) ((long) rank * batch / workers);
  }

  /** The worker that owns slot {@code slot} of a batch of {@code batch}. */
  public static int owner(int batch, int workers, int slot) {
    int r = (int) ((long) slot * workers / batch);
    while (shareStart(batch, workers, r + 1) <= slot) {
      r++;
    }
    while (shareStart(batch, workers, r) > slot) {
      r--;
    }
    return r;
  }
}
