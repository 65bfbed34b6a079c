package io.omniembed.train;

import io.omniembed.config.TaskConfig;
import io.omniembed.config.TrainConfig;
import io.omniembed.data.TrainingExample;
import io.omniembed.model.ItemEmbedding;
import io.omniembed.model.ItemSequencer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * One worker's examples, sorted by (step, slot), grouped into the {@link StepRows} of each step
 * after {@code from} and tokenised as they are met. Checks that every step holds exactly this
 * worker's slots ({@link BatchSchedule#shareStart}) of one task. A row that cannot be prepared (a
 * media file that cannot be read or decoded, a record that does not parse) throws
 * {@link TrainingStopped} naming its data file, its step and slot, and the reason; the loop
 * shares that with the other workers before the step's compute ({@link TrainingRun}).
 */
public final class StepStream implements Iterator<StepRows> {

  private final Iterator<ScheduledExample> rows;
  private final TrainConfig config;
  private final int rank;
  private final int workers;
  private final int from;
  private final ItemSequencer sequencer;
  private final ItemEmbedding.MediaLoader media;
  private final int outputDim;
  private ScheduledExample pending;

  /**
   * @param outputDim the student's output dimension, which every distillation example's teacher
   *                  embedding must have
   */
  public StepStream(Iterator<ScheduledExample> rows, TrainConfig config, int rank, int workers,
      int from, ItemSequencer sequencer, ItemEmbedding.MediaLoader media, int outputDim) {
    this.rows = rows;
    this.config = config;
    this.rank = rank;
    this.workers = workers;
    this.from = from;
    this.sequencer = sequencer;
    this.media = media;
    this.outputDim = outputDim;
    this.pending = advance();
  }

  private ScheduledExample advance() {
    while (rows.hasNext()) {
      ScheduledExample r = rows.next();
      if (r.step() > from) {
        return r;
      }
    }
    return null;
  }

  @Override
  public boolean hasNext() {
    return pending != null;
  }

  @Override
  public StepRows next() {
    if (pending == null) {
      throw new NoSuchElementException();
    }
    int step = pending.step();
    String task = null;
    List<TokenizedExample> examples = new ArrayList<>();
    int offset = -1;
    int batch = 0;
    while (pending != null && pending.step() == step) {
      TrainingExample e = parse(pending);
      if (task == null) {
        task = e.task();
        TaskConfig t = config.tasks().get(task);
        batch = t.batchSize();
        offset = BatchSchedule.shareStart(batch, workers, rank);
      } else if (!task.equals(e.task())) {
        throw new TrainingStopped("worker " + rank + ": step " + step + " mixes tasks "
            + task + " and " + e.task());
      }
      if (pending.slot() != offset + examples.size()) {
        throw new TrainingStopped("worker " + rank + ": step " + step + " expected slot "
            + (offset + examples.size()) + ", got " + pending.slot());
      }
      examples.add(prepare(e, config.tasks().get(task).taskString(), pending));
      pending = advance();
    }
    int expected = BatchSchedule.shareStart(batch, workers, rank + 1) - offset;
    if (examples.size() != expected) {
      throw new TrainingStopped("worker " + rank + ": step " + step + " has "
          + examples.size() + " rows, expected " + expected);
    }
    return new StepRows(step, task, offset, batch, examples);
  }

  private static TrainingExample parse(ScheduledExample row) {
    try {
      return TrainingExample.parse(row.example().record());
    } catch (RuntimeException e) {
      throw unusable(row, e);
    }
  }

  private TokenizedExample prepare(TrainingExample e, String taskString, ScheduledExample row) {
    String source = row.example().source();
    try {
      if (e.teacher() != null && e.teacher().length != outputDim) {
        throw new IllegalArgumentException("the teacher embedding has dimension "
            + e.teacher().length + ", the student's output " + outputDim);
      }
      return TokenizedExample.of(e, taskString, sequencer, part -> media.read(part, source));
    } catch (RuntimeException ex) {
      // Whatever a decoder throws on a bad file, a retry would meet it again.
      throw unusable(row, ex);
    }
  }

  private static final int EXCERPT = 80;

  static TrainingStopped unusable(ScheduledExample row, RuntimeException e) {
    String record = row.example().record();
    String excerpt = record.length() <= EXCERPT ? record : record.substring(0, EXCERPT) + "…";
    String reason = e instanceof IllegalArgumentException && e.getMessage() != null
        ? e.getMessage() : e.toString();
    return new TrainingStopped(row.example().source() + ": the example of step " + row.step()
        + " slot " + row.slot() + " cannot be used: " + reason + " (record " + excerpt + ")");
  }
}
