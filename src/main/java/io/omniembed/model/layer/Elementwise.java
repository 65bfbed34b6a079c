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
  @FunctionalInterface
  public interface Kernel {
    void apply(float[][] in, float[][] out, int len);
  }

  private Elementwise() {}

  /**
   * Whether the fused kernels run on {@code arrays}: on the {@link KernelPath#FUSED} path, and
   * all of them contiguous float32 in row-major order (vectors in either order). Otherwise the
   * callers run their ND4J op chains.
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

  /** Σ a[from..from+n) in eight interleaved float accumulators. */
  static float sum(float[] a, int from, int n) {
    float s0 = 0;
    float s1 = 0;
    float s2 = 0;
    float s3 = 0;
    float s4 = 0;
    float s5 = 0;
    float s6 = 0;
    float s7 = 0;
    int end = from + n;
    int c = from;
    for (; c + 8 <= end; c += 8) {
      s0 += a[c];
      s1 += a[c + 1];
      s2 += a[c + 2];
      s3 += a[c + 3];
      s4 += a[c + 4];
      s5 += a[c + 5];
      s6 += a[c + 6];
      s7 += a[c + 7];
    }
    for (; c < end; c++) {
      s0 += a[c];
    }
    return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
  }

  /** Σ a[c]·b[c] over c in [from, from+n), as {@link #sum(float[], int, int)}. */
  static float dot(float[] a, float[] b, int from, int n) {
    float s0 = 0;
    float s1 = 0;
    float s2 = 0;
    float s3 = 0;
    float s4 = 0;
    float s5 = 0;
    float s6 = 0;
    float s7 = 0;
    int end = from + n;
    int c = from;
    for (; c + 8 <= end; c += 8) {
      s0 += a[c] * b[c];
      s1 += a[c + 1] * b[c + 1];
      s2 += a[c + 2] * b[c + 2];
      s3 += a[c + 3] * b[c + 3];
      s4 += a[c + 4] * b[c + 4];
      s5 += a[c + 5] * b[c + 5];
      s6 += a[c + 6] * b[c + 6];
      s7 += a[c + 7] * b[c + 7];
    }
    for (; c < end; c++) {
      s0 += a[c] * b[c];
    }
    return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
  }

  // exp(y) = 2^(y·log2 e) = 2^k · 2^f, k the nearest integer, |f| ≤ ½. Adding 1.5·2²³ rounds a
  // float in [−126, 0] to an integer and leaves k in the low bits of the sum, so k never goes
  // through a float-to-int conversion (which C2 does not vectorise here).
  private static final float LOG2E = 1.44269504f;
  private static final float LN2 = 0.693147181f;
  private static final float ROUND = 12582912f;                // 1.5·2²³
  private static final int ROUND_BITS = Float.floatToRawIntBits(ROUND);

  /**
   * x[i] ← exp(x[i]) over [0, len) for x[i] ≤ 0 (below −87 it gives exp(−87), 1.6·10⁻³⁸), relative
   * error below 6·10⁻⁶ (the float rounding of x·log2 e; below 10⁻⁶ for x ≥ −20). Three loops that
   * C2 compiles to SIMD code, about 2 ns an element; {@code scratch} holds at least len floats.
   */
  static void expNonPositive(float[] x, float[] scratch, int len) {
    for (int i = 0; i < len; i++) {
      float y = Math.max(x[i], -87f) * LOG2E;                  // ≥ −125.6
      float k = y + ROUND;                                     // rounded: ROUND + nearest integer
      scratch[i] = k;
      x[i] = y - (k - ROUND);                                  // f, |f| ≤ ½
    }
    for (int i = 0; i < len; i++) {
      int k = Float.floatToRawIntBits(scratch[i]) - ROUND_BITS;
      scratch[i] = Float.intBitsToFloat((k + 127) << 23);      // 2^k
    }
    for (int i = 0; i < len; i++) {
      float r = x[i] * LN2;                                    // 2^f = exp(r), |r| ≤ ln2/2
      float e = 1f + r * (1f + r * (0.5f + r * (1f / 6 + r * (1f / 24 + r * (1f / 120
          + r * (1f / 720))))));
      x[i] = e * scratch[i];
    }
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
