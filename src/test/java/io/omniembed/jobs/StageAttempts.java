package io.omniembed.jobs;

import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.Success$;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

/**
 * Counts, for a job run in this JVM with {@code --conf spark.extraListeners=} this class, the
 * stage attempts after the first (Spark's retries) and the tasks that did not succeed.
 */
public final class StageAttempts extends SparkListener {

  static final AtomicInteger RETRIES = new AtomicInteger();
  static final AtomicInteger FAILED_TASKS = new AtomicInteger();

  static void reset() {
    RETRIES.set(0);
    FAILED_TASKS.set(0);
  }

  @Override
  public void onStageSubmitted(SparkListenerStageSubmitted submitted) {
    if (submitted.stageInfo().attemptNumber() > 0) {
      RETRIES.incrementAndGet();
    }
  }

  @Override
  public void onTaskEnd(SparkListenerTaskEnd end) {
    if (end.reason() != Success$.MODULE$) {
      FAILED_TASKS.incrementAndGet();
    }
  }
}
