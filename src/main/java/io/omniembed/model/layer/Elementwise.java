package io.omniembed.model.layer;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Fused element-wise kernels over float32 buffers, in plain Java on a few threads. A chain of ND4J
 * ops makes one pass over memory per op (GELU's forward is six, its backward eight), and ND4J's
 * erf and exp are slow; one fused pass that reads each input once and writes each output once is
 * 3–5× faster on the feed-forward activations, the largest tensors of a step.
 *
 * <p>Arrays must be contiguous ('c' order, element-wise stride 1), which every {@link
 * io.omniembed.model.layer.Workspace} view is, and in host memory: the kernels run on the {@link
 * KernelPath#FUSED} path only, which is the CPU backend's.
 */
public final class Elementwise {

  /** Elements moved per bulk copy: small enough to stay in L2, large enough to amortise. */
  private static final int CHUNK = 8192;
  private static final int THREADS = Math.max(1, Nd4j.getEnvironment().maxThreads());
  private static final ExecutorService POOL = Executors.newFixedThreadPool(THREADS, r -> {
    Thread t = new Thread(r, "omniembed-elementwise");
    t.setDaemon(true);
    return t;
  });

  /** A kernel over {@code len} elements: inputs in {@code in[k][0..len)}, outputs in {@code out}. */
  public interface Kernel {
    void apply(float[][] in, float[][] out, int len);
  }

  private Elementwise() {}

  /**
   * Whether the fused kernels run on {@code arrays}: on the {@link KernelPath#FUSED} path, and
   * all of them contiguous float32 in row-major order (vectors in either order). Otherwise the callers run their ND4J op chains.
   */
  public static boolean supports(INDArray... arrays) {
    if (KernelPath.active() != KernelPath.FUSED) {
      return false;
    }
    for (INDArray a : arrays) {
      // A vector's order flag says nothing about its layout (ParamStore's 1-D views say 'f').
      boolean rowMajor = a.ordering() == 'c' || a.rank() <= 1 || a.isVector();
      if (a.dataType() != DataType.FLOAT || !rowMajor || a.elementWiseStride() != 1) {
        return false;
      }
    }
    return true;
  }

  /**
   * Runs {@code kernel} over all elements of equally sized {@code inputs} into {@code outputs}.
   * An output may be one of the inputs: each chunk is read whole before it is written.
   */
  public static void map(INDArray[] inputs, INDArray[] outputs, Kernel kernel) {
    map(inputs, outputs, 0, kernel);
  }

  /**
   * As {@link #map(INDArray[], INDArray[], Kernel)}, with {@code scratch} more chunk-sized arrays
   * after the outputs in {@code out}: per-thread temporaries of the kernel, not written back. A
   * kernel split into several simple loops over one chunk (which HotSpot's C2 compiles to SIMD
   * code, where one loop mixing int and float work stays scalar) passes values between its loops
   * through them.
   */
  public static void map(INDArray[] inputs, INDArray[] outputs, int scratch, Kernel kernel) {
    rows(inputs[0].length(), 1, (from, to) -> {
      range(inputs, outputs, scratch, kernel, from, to);
      return null;
    });
  }

  /** A task over rows {@code [from, to)}, returning a per-thread partial result (or null). */
  interface RowTask<T> {
    T run(long from, long to);
  }

  /** Splits {@code rows} over the pool; returns each part's result, in order. */
  static <T> List<T> rows(long rows, long rowLength, RowTask<T> task) {
    int parts = rows * rowLength < 4L * CHUNK ? 1 : (int) Math.min(THREADS, rows);
    long per = (rows + parts - 1) / parts;
    List<Future<T>> futures = new ArrayList<>();
    for (int p = 1; p < parts; p++) {
      long from = p * per;
      long to = Math.min(rows, from + per);
      futures.add(POOL.submit(() -> task.run(from, to)));
    }
    List<T> results = new ArrayList<>();
    results.add(task.run(0, Math.min(rows, per)));
    for (Future<T> f : futures) {
      try {
        results.add(f.get());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      } catch (ExecutionException e) {
        throw new IllegalStateException(e.getCause());
      }
    }
    return results;
  }

  private static void range(INDArray[] inputs, INDArray[] outputs, int scratch, Kernel kernel,
      long from, long to) {
    FloatBuffer[] inBuf = new FloatBuffer[inputs.length];
    FloatBuffer[] outBuf = new FloatBuffer[outputs.length];
    long[] inOff = new long[inputs.length];
    long[] outOff = new long[outputs.length];
    for (int i = 0; i < inputs.length; i++) {
      inBuf[i] = inputs[i].data().asNioFloat();
      inOff[i] = inputs[i].offset();
    }
    for (int i = 0; i < outputs.length; i++) {
      outBuf[i] = outputs[i].data().asNioFloat();
      outOff[i] = outputs[i].offset();
    }
    float[][] in = new float[inputs.length][CHUNK];
    float[][] out = new float[outputs.length + scratch][CHUNK];
    for (long start = from; start < to; start += CHUNK) {
      int len = (int) Math.min(CHUNK, to - start);
      for (int i = 0; i < in.length; i++) {
        inBuf[i].get((int) (inOff[i] + start), in[i], 0, len);
      }
      kernel.apply(in, out, len);
      for (int i = 0; i < outputs.length; i++) {
        outBuf[i].put((int) (outOff[i] + start), out[i], 0, len);
      }
    }
  }
}
