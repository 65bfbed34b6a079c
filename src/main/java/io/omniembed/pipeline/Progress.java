package io.omniembed.pipeline;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * Logs progress of long work from the driver every {@code periodSeconds}: done/total, rate and
 * ETA. Counts come from a supplier (a Spark accumulator, updated as tasks finish).
 */
public final class Progress implements AutoCloseable {

  private final ScheduledExecutorService timer;

  public Progress(Logger log, String what, long total, LongSupplier done, int periodSeconds) {
    long start = System.nanoTime();
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "omniembed-progress");
      t.setDaemon(true);
      return t;
    });
    timer.scheduleAtFixedRate(() -> log.info(line(what, done.getAsLong(), total,
        (System.nanoTime() - start) / 1e9)), periodSeconds, periodSeconds, TimeUnit.SECONDS);
  }

  /** "embed: 1200/2000 items (60.0%), 85.3 items/s, ETA 9 s". */
  static String line(String what, long done, long total, double seconds) {
    double rate = seconds > 0 ? done / seconds : 0;
    String eta = rate > 0 && total >= done ? String.format("%.0f s", (total - done) / rate) : "?";
    double pct = total > 0 ? 100.0 * done / total : 0;
    return String.format("%s: %d/%d items (%.1f%%), %.1f items/s, ETA %s", what, done, total, pct,
        rate, eta);
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
