package io.omniembed.model.layer;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Wall time per kind of operation of the encoder's forward and backward passes, for the step
 * profile beside PyTorch's ({@code jobs/bench/train-profile.sh}): on with
 * {@code -Domniembed.profile=true}, off otherwise, when {@link #start} and {@link #stop} cost a
 * field read each. ND4J's CPU ops and the fused kernels return when their work is done, so the
 * time around a call is that call's.
 */
public final class OpProfile {

  /** Whether this JVM profiles (read once). */
  public static final boolean ON = Boolean.getBoolean("omniembed.profile");

  private static final Map<String, LongAdder> NANOS = new ConcurrentHashMap<>();

  private OpProfile() {}

  /** A start time for {@link #stop}; 0 when profiling is off. */
  public static long start() {
    return ON ? System.nanoTime() : 0;
  }

  /** Adds the time since {@code t0} to {@code op}; returns the time now, to chain the next op. */
  public static long stop(String op, long t0) {
    if (!ON) {
      return 0;
    }
    long now = System.nanoTime();
    NANOS.computeIfAbsent(op, k -> new LongAdder()).add(now - t0);
    return now;
  }

  /** Nanoseconds per op since the last call, sorted by name; resets the counters. */
  public static Map<String, Long> drain() {
    Map<String, Long> out = new TreeMap<>();
    for (Map.Entry<String, LongAdder> e : NANOS.entrySet()) {
      out.put(e.getKey(), e.getValue().sumThenReset());
    }
    return out;
  }
}
