package io.omniembed.bench;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The linear layers' matrix products of the {@code minilm-l6} training step (2,048 rows: 32
 * sequences × 64 tokens; hidden 384, FFN 1,536), each timed three ways on the same arrays:
 * {@code Nd4j.gemm} into a preallocated output as {@code model.layer.Linear} calls it, and
 * OpenBLAS's {@code cblas_sgemm} called directly on the arrays' buffers (the library ND4J itself
 * links). Forward y += x·W (β = 1 onto the bias), weight gradient dW += xᵀ·dy, input gradient
 * dx = dy·Wᵀ. Prints ms per call and GFLOP/s; the PyTorch peer
 * ({@code jobs/bench/peers/tgemm.py}) times the same products with {@code torch.addmm}/{@code mm}.
 *
 * <p>Usage: {@code GemmShapes [rows=2048] [reps=20]}
 */
public final class GemmShapes {

  private GemmShapes() {}

  public static void main(String[] args) {
    int rows = args.length > 0 ? Integer.parseInt(args[0]) : 2048;
    int reps = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    int[][] shapes = {{384, 384}, {384, 1536}, {1536, 384}};   // {in, out}
    System.out.printf("engine=omniembed rows=%d reps=%d threads=%d%n", rows, reps,
        Nd4j.getEnvironment().maxMasterThreads());
    List<String> lines = new ArrayList<>();
    for (int[] s : shapes) {
      int in = s[0];
      int out = s[1];
      INDArray x = Nd4j.rand(DataType.FLOAT, rows, in);
      INDArray w = Nd4j.rand(DataType.FLOAT, in, out);
      INDArray y = Nd4j.zeros(DataType.FLOAT, rows, out);
      INDArray dy = Nd4j.rand(DataType.FLOAT, rows, out);
      INDArray dw = Nd4j.zeros(DataType.FLOAT, in, out);
      INDArray dx = Nd4j.zeros(DataType.FLOAT, rows, in);
      double flops = 2.0 * rows * in * out;
      String shape = rows + "x" + in + "x" + out;
      lines.add(line("nd4j", "forward", shape, flops,
          time(reps, () -> Nd4j.gemm(x, w, y, false, false, 1.0, 1.0))));
      lines.add(line("cblas", "forward", shape, flops, time(reps, () -> openblas.cblas_sgemm(
          openblas.CblasRowMajor, openblas.CblasNoTrans, openblas.CblasNoTrans, rows, out, in,
          1f, ptr(x), in, ptr(w), out, 1f, ptr(y), out))));
      lines.add(line("nd4j", "weight-grad", shape, flops,
          time(reps, () -> Nd4j.gemm(x, dy, dw, true, false, 1.0, 1.0))));
      lines.add(line("cblas", "weight-grad", shape, flops, time(reps, () -> openblas.cblas_sgemm(
          openblas.CblasRowMajor, openblas.CblasTrans, openblas.CblasNoTrans, in, out, rows,
          1f, ptr(x), in, ptr(dy), out, 1f, ptr(dw), out))));
      lines.add(line("nd4j", "input-grad", shape, flops,
          time(reps, () -> Nd4j.gemm(dy, w, dx, false, true, 1.0, 0.0))));
      lines.add(line("cblas", "input-grad", shape, flops, time(reps, () -> openblas.cblas_sgemm(
          openblas.CblasRowMajor, openblas.CblasNoTrans, openblas.CblasTrans, rows, in, out,
          1f, ptr(dy), out, ptr(w), out, 0f, ptr(dx), in))));
    }
    lines.forEach(System.out::println);
  }

  private static FloatPointer ptr(INDArray a) {
    return new FloatPointer(a.data().addressPointer());
  }

  private static String line(String via, String product, String shape, double flops,
      double ms) {
    return String.format("RESULT via=%s product=%s shape=%s ms=%.2f gflops=%.1f", via, product,
        shape, ms, flops / ms / 1e6);
  }

  /** Median milliseconds of {@code reps} calls after three warm-ups. */
  private static double time(int reps, Runnable call) {
    for (int i = 0; i < 3; i++) {
      call.run();
    }
    double[] ms = new double[reps];
    for (int i = 0; i < reps; i++) {
      long t0 = System.nanoTime();
      call.run();
      ms[i] = (System.nanoTime() - t0) / 1e6;
    }
    java.util.Arrays.sort(ms);
    return ms[reps / 2];
  }
}
