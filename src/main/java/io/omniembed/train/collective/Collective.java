package io.omniembed.train.collective;

import java.io.Closeable;
import java.io.IOException;
import java.nio.FloatBuffer;

/**
 * The communication a data-parallel step needs between its {@link #size()} workers. Every worker
 * calls the same operations in the same order (a collective call is a rendezvous); results are
 * identical, bit for bit, on every worker, so replicas that apply the same update stay equal.
 */
public interface Collective extends Closeable {

  /** This worker's index, 0 .. size−1. */
  int rank();

  int size();

  /**
   * Replaces {@code data[0 .. limit)} on every worker with the element-wise sum over all workers.
   * Position and limit of {@code data} are left unchanged.
   */
  void allReduceSum(FloatBuffer data) throws IOException;

  /**
   * Replaces {@code data[from .. to)} on every worker with the element-wise sum over all workers,
   * each element summed in the order that {@link #allReduceSum(FloatBuffer)} of the whole
   * {@code data[0 .. limit)} sums it: with {@link WireFormat#FP32}, reducing a buffer range by
   * range (in any order of disjoint ranges) gives the bits of reducing it whole. With
   * {@link WireFormat#BF16} the values travel as bfloat16, within the bound stated there.
   * Elements outside the range are neither read nor written, so other threads may work on them
   * meanwhile; one collective operation runs at a time.
   */
  void allReduceSum(FloatBuffer data, int from, int to, WireFormat wire) throws IOException;

  /** Every worker's {@code mine}, indexed by rank (blocks may differ in length). */
  byte[][] allGather(byte[] mine) throws IOException;

  /** Returns once every worker has called it. */
  default void barrier() throws IOException {
    allGather(new byte[0]);
  }

  /** Time and traffic so far (cumulative; callers take differences per step). */
  Stats stats();

  /** Cumulative seconds spent in, and bytes this worker sent for, each operation. */
  record Stats(double allReduceSeconds, long allReduceBytes, double allGatherSeconds,
      long allGatherBytes) {

    public Stats minus(Stats earlier) {
      return new Stats(allReduceSeconds - earlier.allReduceSeconds,
          allReduceBytes - earlier.allReduceBytes, allGatherSeconds - earlier.allGatherSeconds,
          allGatherBytes - earlier.allGatherBytes);
    }
  }

  /** The collective of a single worker: every operation returns its input. */
  static Collective single() {
    return RingCollective.single();
  }
}
