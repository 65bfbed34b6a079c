package io.omniembed.train;

import io.omniembed.model.BackwardHook;
import io.omniembed.model.GradientGroup;
import io.omniembed.train.collective.Collective;
import io.omniembed.train.collective.WireFormat;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The gradient all-reduce of a data-parallel step, in buckets overlapped with the backward pass
 * (as PyTorch DDP and Horovod do): one bucket per {@link GradientGroup} of the encoder — the
 * projection, each transformer block, the embeddings, the media towers — each a contiguous range
 * of the flat gradient buffer, so the collective reduces it in place without a copy. As the
 * backward pass finishes a group ({@link BackwardHook}), the bucket goes to a communication
 * thread, which reduces the buckets one after another while the backward of the earlier layers
 * goes on; {@link #finish} waits for the last one.
 *
 * <p><b>Exactness.</b> {@link Collective#allReduceSum(FloatBuffer, int, int, WireFormat)} sums
 * each element in the order of the whole-buffer all-reduce, and every bucket is sent only when
 * its gradients are final, so with {@link WireFormat#FP32} the reduced gradient is bit for bit
 * the one the whole-buffer all-reduce after the backward pass gives. Every worker sends the
 * buckets in the same order (the hook's, then any the backward did not report, in order), which
 * the collective's rendezvous needs.
 *
 * <p><b>Failures.</b> An error on the communication thread (a peer gone) is kept, the buckets
 * after it are skipped (the ring's streams are out of step), and {@link #finish} throws it on the
 * training thread, as the whole-buffer all-reduce would have thrown it there.
 *
 * <p>Without overlap, {@link #finish} reduces the whole buffer on the calling thread: with FP32
 * by {@link Collective#allReduceSum(FloatBuffer)} itself.
 */
final class BucketedAllReduce implements BackwardHook {

  private final Collective collective;
  private final List<GradientGroup> buckets;
  private final boolean overlap;
  private final WireFormat wire;
  private final ThreadPoolExecutor thread;
  private final List<Future<?>> pending = new ArrayList<>();
  private FloatBuffer grads;
  private int next;
  private volatile IOException failure;

  /**
   * @param buckets the encoder's {@link GradientGroup}s, in the order its backward finishes them
   * @param overlap reduce each bucket on the communication thread as soon as it is final;
   *                without, reduce the whole buffer in {@link #finish}
   */
  BucketedAllReduce(Collective collective, List<GradientGroup> buckets, boolean overlap,
      WireFormat wire) {
    this.collective = collective;
    this.buckets = List.copyOf(buckets);
    this.overlap = overlap;
    this.wire = wire;
    // One thread, in order; it ends after a few idle seconds, so nothing needs closing.
    this.thread = new ThreadPoolExecutor(1, 1, 5, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
        r -> {
          Thread t = new Thread(r, "allreduce-" + collective.rank());
          t.setDaemon(true);
          return t;
        });
    thread.allowCoreThreadTimeOut(true);
  }

  /** Starts a step whose gradients accumulate in {@code grads} (the flat buffer). */
  void begin(FloatBuffer grads) {
    this.grads = grads;
    this.next = 0;
    this.failure = null;
    pending.clear();
  }

  /** The hook for the backward pass that makes the step's gradients final (the last one). */
  BackwardHook hook() {
    return overlap ? this : BackwardHook.NONE;
  }

  @Override
  public void finished(int index) {
    if (index != next) {
      throw new IllegalStateException("bucket " + index + " finished where bucket " + next
          + " was due");
    }
    submit(buckets.get(next++));
  }

  private void submit(GradientGroup bucket) {
    FloatBuffer view = grads.duplicate();
    int from = Math.toIntExact(bucket.from());
    int to = Math.toIntExact(bucket.to());
    pending.add(thread.submit(() -> {
      if (failure != null) {
        return;   // the ring is out of step after a failure: send nothing more
      }
      try {
        collective.allReduceSum(view, from, to, wire);
      } catch (IOException e) {
        failure = e;
      }
    }));
  }

  /**
   * Reduces what is still to be reduced, waits for the communication thread and rethrows its
   * error, if any. On return the buffer holds the sum over the workers.
   */
  void finish() throws IOException {
    if (!overlap) {
      if (wire == WireFormat.FP32) {
        collective.allReduceSum(grads);
      } else {
        collective.allReduceSum(grads, 0, grads.limit(), wire);
      }
      return;
    }
    while (next < buckets.size()) {
      submit(buckets.get(next++));
    }
    try {
      for (Future<?> f : pending) {
        f.get();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("all-reduce: interrupted");
    } catch (ExecutionException e) {
      throw new IOException("all-reduce: " + e.getCause(), e.getCause());
    }
    if (failure != null) {
      throw failure;
    }
  }
}
